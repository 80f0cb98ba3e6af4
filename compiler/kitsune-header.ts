// The runtime's headers that every build mounts on its include path:
// kitsune.h for programs, kitsune_xf.h for generated migration code. Read from
// the package in Node, fetched beside the package's files in a browser.
import { isNode } from '../format/platform.js';

const headers = new Map<string, Promise<string>>();

export function runtimeHeader(name: 'kitsune.h' | 'kitsune_xf.h'): Promise<string> {
  const url = new URL(`../../runtime/${name}`, import.meta.url);
  let h = headers.get(name);
  if (!h) {
    h = isNode
      ? import('node:fs/promises').then((fs) => fs.readFile(url, 'utf8'))
      : fetch(url).then((r) => r.text());
    headers.set(name, h);
  }
  return h;
}

/**
 * The POSIX headers that wasi-libc lacks (runtime/include/), by path relative
 * to it: mounted ahead of the sysroot's. In Node the folder is read as it is;
 * a browser fetches the files that runtime/include/index.json lists.
 */
let posix: Promise<Record<string, string>> | undefined;
export function posixHeaders(): Promise<Record<string, string>> {
  const dir = new URL('../../runtime/include/', import.meta.url);
  posix ??= isNode
    ? (async () => {
      const fs = await import('node:fs/promises');
      const out: Record<string, string> = {};
      const walk = async (rel: string): Promise<void> => {
        for (const e of await fs.readdir(new URL(rel, dir), { withFileTypes: true }).catch(() => [])) {
          if (e.isDirectory()) await walk(`${rel}${e.name}/`);
          else if (e.name.endsWith('.h')) out[rel + e.name] = await fs.readFile(new URL(rel + e.name, dir), 'utf8');
        }
      };
      await walk('');
      return out;
    })()
    : fetch(new URL('index.json', dir)).then((r) => (r.ok ? r.json() as Promise<string[]> : [])).then(async (names) =>
      Object.fromEntries(await Promise.all(names.map(async (n) => [n, await (await fetch(new URL(n, dir))).text()] as const))));
  return posix;
}

// The runtime's headers that every build mounts on its include path:
// kitsune.h for programs, kitsune_xf.h for generated migration code, and the
// POSIX headers wasi-libc lacks (include/, listed in include/index.json).
// Read from the assets base (format/assets.ts): the package's runtime/
// folder by default, in Node from disk and in a browser by fetch.
import { loadTextAsset } from '../format/assets.js';
import { KitsuneError, messageOf } from '../format/errors.js';

const cache = new Map<string, Promise<string>>();

function cached(base: URL, name: string): Promise<string> {
  const key = new URL(name, base).href;
  let p = cache.get(key);
  if (!p) {
    p = loadTextAsset(base, name);
    // A failure is not kept: the next build tries again (the page may have been fixed).
    p.catch(() => cache.delete(key));
    cache.set(key, p);
  }
  return p;
}

export function runtimeHeader(base: URL, name: 'kitsune.h' | 'kitsune_xf.h'): Promise<string> {
  return cached(base, name);
}

/** The POSIX overlay headers by path relative to include/, mounted ahead of the sysroot's. */
export async function posixHeaders(base: URL): Promise<Record<string, string>> {
  const list = await cached(base, 'include/index.json');
  let names: string[];
  try {
    names = JSON.parse(list) as string[];
    if (!Array.isArray(names) || names.some((n) => typeof n !== 'string')) throw new Error('not a list of names');
  } catch (e) {
    throw new KitsuneError('E_ASSET', `include/index.json under ${base.href}: expected a JSON list of header paths (${messageOf(e)})`);
  }
  return Object.fromEntries(await Promise.all(names.map(async (n) => [n, await cached(base, `include/${n}`)] as const)));
}

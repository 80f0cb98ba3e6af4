// The package's files that code loads at run time (runtime.wasm, the C
// headers, clang's own files), found under one base URL: by default the
// package's runtime/ folder beside this module, which works in Node and when
// the package is served as it is; a bundled page passes `assets`, the URL of
// a copy (`npx kitsune assets DIR` makes one). A file that is not there is a
// KitsuneError naming it and saying what to do, never a bare ENOENT or 404.
import { KitsuneError, messageOf } from './errors.js';
import { isNode } from './platform.js';

export type AssetsOption = string | URL;

/** The base URL of the assets, ending in "/". A string is a URL (relative to the page) or, in Node, a folder. */
export function assetsBase(assets?: AssetsOption): URL {
  if (assets === undefined) return new URL('../../runtime/', import.meta.url);
  let url: URL;
  if (assets instanceof URL) url = new URL(assets.href);
  else if (/^[a-z][a-z0-9+.-]*:/i.test(assets) && !/^[a-z]:[\\/]/i.test(assets)) url = new URL(assets);
  else if (isNode) url = new URL(`file://${toPosixAbsolute(assets)}`);
  else url = new URL(assets, (globalThis as { location?: { href: string } }).location?.href);
  if (!url.pathname.endsWith('/')) url.pathname += '/';
  return url;
}

function toPosixAbsolute(p: string): string {
  const cwd = process.cwd().replace(/\\/g, '/');
  const abs = p.replace(/\\/g, '/');
  const joined = abs.startsWith('/') || /^[a-z]:\//i.test(abs) ? abs : `${cwd}/${abs}`;
  return encodeURI(joined.startsWith('/') ? joined : `/${joined}`).replace(/[?#]/g, encodeURIComponent);
}

const HOW = 'serve a copy of the package\'s assets (`npx kitsune assets DIR` writes one) and pass its URL as the `assets` option';

/** Reads `name` under the assets base: the file system for file: URLs, fetch otherwise. */
export async function loadAsset(base: URL, name: string): Promise<Uint8Array> {
  const url = new URL(name, base);
  if (url.protocol === 'file:') {
    if (!isNode) throw new KitsuneError('E_ASSET', `${name}: cannot read ${url.href} outside Node.js; ${HOW}`);
    const fs = await import('node:fs/promises');
    try {
      return new Uint8Array(await fs.readFile(url));
    } catch (e) {
      const code = (e as { code?: string }).code;
      const where = decodeURI(url.pathname);
      throw new KitsuneError('E_ASSET', code === 'ENOENT'
        ? `${name} is missing: expected it at ${where}. In an installed package, reinstall kitsune-wasm; in a git clone, run \`npm run build\`; or pass \`assets\` with the folder that holds it`
        : `${name}: cannot read ${where} (${messageOf(e)})`);
    }
  }
  let response: Response;
  try {
    response = await fetch(url);
  } catch (e) {
    throw new KitsuneError('E_ASSET', `${name}: fetching ${url.href} failed (${messageOf(e)}); ${HOW}`);
  }
  if (!response.ok) throw new KitsuneError('E_ASSET', `${name}: fetching ${url.href} gave HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ''}; ${HOW}`);
  return new Uint8Array(await response.arrayBuffer());
}

export async function loadTextAsset(base: URL, name: string): Promise<string> {
  return new TextDecoder().decode(await loadAsset(base, name));
}

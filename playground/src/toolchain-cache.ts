// The C toolchain's files (clang: about 100 MB) are kept in the browser's
// Cache Storage after the first visit. @yowasp/clang fetches them with the
// global fetch, read when its module first runs: installed before that (the
// compiler loads clang lazily), this cache-first fetch serves them.
export interface Toolchain { version: string; files: { name: string; bytes: number }[] }

const PREFIX = 'kitsune-toolchain-';

export function installToolchainCache(toolchain: Toolchain): void {
  const names = new Set(toolchain.files.map((f) => f.name));
  const cacheName = PREFIX + toolchain.version;
  const network = globalThis.fetch.bind(globalThis);
  if (typeof caches === 'undefined') return; // not a secure context: the HTTP cache is all there is
  void caches.keys().then((keys) => Promise.all(keys.filter((k) => k.startsWith(PREFIX) && k !== cacheName).map((k) => caches.delete(k))));
  globalThis.fetch = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const url = new URL(input instanceof Request ? input.url : String(input), self.location.href);
    if (!names.has(url.pathname.split('/').pop() ?? '')) return network(input, init);
    const cache = await caches.open(cacheName);
    const hit = await cache.match(url);
    if (hit) return hit;
    const response = await network(input, init);
    if (!response.ok) return response;
    // One copy streams to the compiler, the other into the cache; a full disk only loses the caching.
    void cache.put(url, response.clone()).catch(() => {});
    return response;
  };
}

/** Whether every toolchain file is already cached (the next load needs no download). */
export async function toolchainCached(toolchain: Toolchain): Promise<boolean> {
  if (typeof caches === 'undefined') return false;
  const cache = await caches.open(PREFIX + toolchain.version);
  const base = new URL('./', import.meta.url);
  const hits = await Promise.all(toolchain.files.map((f) => cache.match(new URL(f.name, base))));
  return hits.every(Boolean);
}

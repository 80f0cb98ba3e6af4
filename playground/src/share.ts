// The share link: the playground's whole state (lesson, tabs with their
// sources and spec, the selected tab) as compressed JSON in the URL's
// fragment, so that no server ever sees it.
export interface Shared { lesson: string; tabs: { name: string; text: string }[]; selected: string }

const PREFIX = '#s=';

async function pipe(bytes: Uint8Array, stream: CompressionStream | DecompressionStream): Promise<Uint8Array> {
  const out = new Blob([bytes as Uint8Array<ArrayBuffer>]).stream().pipeThrough(stream);
  return new Uint8Array(await new Response(out).arrayBuffer());
}

const toBase64Url = (b: Uint8Array): string => {
  let s = '';
  for (let i = 0; i < b.length; i += 0x8000) s += String.fromCharCode(...b.subarray(i, i + 0x8000));
  return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
};
const fromBase64Url = (s: string): Uint8Array => Uint8Array.from(atob(s.replace(/-/g, '+').replace(/_/g, '/')), (c) => c.charCodeAt(0));

export async function encodeShare(state: Shared): Promise<string> {
  return PREFIX + toBase64Url(await pipe(new TextEncoder().encode(JSON.stringify(state)), new CompressionStream('deflate-raw')));
}

/** The state in a fragment, or null when there is none; throws with a plain message for a damaged one. */
export async function decodeShare(hash: string): Promise<Shared | null> {
  if (!hash.startsWith(PREFIX)) return null;
  let state: Shared;
  try {
    state = JSON.parse(new TextDecoder().decode(await pipe(fromBase64Url(hash.slice(PREFIX.length)), new DecompressionStream('deflate-raw'))));
  } catch {
    throw new Error('this share link is damaged (its fragment does not decompress to a playground state); the lesson opens as it was written');
  }
  if (!state || typeof state.lesson !== 'string' || !Array.isArray(state.tabs) || state.tabs.some((t) => typeof t?.name !== 'string' || typeof t?.text !== 'string')) {
    throw new Error('this share link holds no playground state (expected a lesson and its tabs); the lesson opens as it was written');
  }
  return state;
}

// IP addresses as text: parsed into bytes and written back in one spelling,
// for the worker's sockaddrs and the host's --net rules alike.

/** RFC 5952 text of 16 address bytes (an IPv4-mapped one as ::ffff:a.b.c.d). */
export function formatV6(b: Uint8Array): string {
  const words = Array.from({ length: 8 }, (_, i) => (b[2 * i] << 8) | b[2 * i + 1]);
  if (words.slice(0, 5).every((w) => w === 0) && words[5] === 0xffff) return `::ffff:${b[12]}.${b[13]}.${b[14]}.${b[15]}`;
  // Longest run of zeros becomes "::".
  let best = -1, bestLen = 1;
  for (let i = 0; i < 8;) {
    if (words[i]) { i++; continue; }
    let j = i;
    while (j < 8 && !words[j]) j++;
    if (j - i > bestLen) { best = i; bestLen = j - i; }
    i = j;
  }
  const hex = words.map((w) => w.toString(16));
  if (best < 0) return hex.join(':');
  return `${hex.slice(0, best).join(':')}::${hex.slice(best + bestLen).join(':')}`;
}

export function parseV4(s: string): number[] | null {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(s);
  if (!m) return null;
  const b = m.slice(1).map(Number);
  return b.every((x) => x < 256) ? b : null;
}

export function parseV6(s: string): Uint8Array | null {
  s = s.replace(/%.*$/, '');
  let tail4: number[] | null = null;
  const last = s.lastIndexOf(':');
  if (s.slice(last + 1).includes('.')) {
    tail4 = parseV4(s.slice(last + 1));
    if (!tail4) return null;
    s = s.slice(0, last + 1) + '0:0';
  }
  const halves = s.split('::');
  if (halves.length > 2) return null;
  const part = (h: string) => (h ? h.split(':') : []);
  const head = part(halves[0]), rest = halves.length === 2 ? part(halves[1]) : [];
  const fill = 8 - head.length - rest.length;
  if ((halves.length === 1 && fill !== 0) || fill < 0) return null;
  const words = [...head, ...Array(halves.length === 2 ? fill : 0).fill('0'), ...rest];
  if (words.length !== 8 || !words.every((w) => /^[0-9a-f]{1,4}$/i.test(w))) return null;
  const out = new Uint8Array(16);
  words.forEach((w, i) => { const n = parseInt(w, 16); out[2 * i] = n >> 8; out[2 * i + 1] = n & 255; });
  if (tail4) out.set(tail4, 12);
  return out;
}

/**
 * The one spelling of a host, so that rules and calls compare equal: IPv6 in
 * RFC 5952 form (`0:0:0:0:0:0:0:1` and `::0:1` are `::1`), an IPv4-mapped
 * IPv6 address as its IPv4 address, a name in lower case.
 */
export function canonicalHost(host: string): string {
  if (parseV4(host)) return host.split('.').map(Number).join('.');
  const b = parseV6(host);
  if (!b) return host.toLowerCase();
  const mapped = b.subarray(0, 10).every((x) => x === 0) && b[10] === 0xff && b[11] === 0xff;
  return mapped ? `${b[12]}.${b[13]}.${b[14]}.${b[15]}` : formatV6(b);
}

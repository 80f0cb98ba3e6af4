// Receive rings: the bytes the host thread has read from a connection,
// written into shared memory for the program's worker to take without a call
// to the host (a call costs a wake-up of each thread and a JSON round trip,
// once per recv). One ring per connected socket while rings last; a socket
// without one, or bytes that do not fit, take the host call as before
// (host/sockets.ts keeps them in order: the ring always holds the oldest).
//
// Each ring is single-producer, single-consumer: the host writes and moves
// `head`, the worker reads and moves `tail`. Positions count bytes modulo
// 2^32; the capacity is a power of two, so `pos & MASK` is the index.

/** Rings available; connections beyond this many use host calls. */
export const RX_RINGS = 64;
/** Bytes of one ring (a power of two). */
export const RX_RING_BYTES = 64 * 1024;
const MASK = RX_RING_BYTES - 1;

export class ReceiveRings {
  /** Bytes this region takes in the shared buffer. */
  static bytes(maxFds: number): number { return RX_RINGS * 8 + maxFds * 4 + RX_RINGS * RX_RING_BYTES; }

  /** [head, tail] per ring. */
  private readonly pos: Int32Array;
  /** Per descriptor (the host's number): its ring + 1, or 0. */
  private readonly ringOf: Int32Array;
  private readonly data: Uint8Array;
  /** Host side only: which descriptor holds each ring (-1 free). */
  private readonly owner = new Int32Array(RX_RINGS).fill(-1);

  constructor(buffer: SharedArrayBuffer, offset: number, private readonly maxFds: number, private readonly wake: () => void) {
    this.pos = new Int32Array(buffer, offset, RX_RINGS * 2);
    this.ringOf = new Int32Array(buffer, offset + RX_RINGS * 8, maxFds);
    this.data = new Uint8Array(buffer, offset + RX_RINGS * 8 + maxFds * 4, RX_RINGS * RX_RING_BYTES);
  }

  private ring(fd: number): number {
    return fd >= 0 && fd < this.maxFds ? Atomics.load(this.ringOf, fd) - 1 : -1;
  }

  /** Bytes waiting in `fd`'s ring (0 without one). */
  available(fd: number): number {
    const r = this.ring(fd);
    return r < 0 ? 0 : (Atomics.load(this.pos, 2 * r) - Atomics.load(this.pos, 2 * r + 1)) >>> 0;
  }

  // ---- host side ----------------------------------------------------------------

  /** Gives `fd` a ring if one is free; false when none is. */
  assign(fd: number): boolean {
    if (fd < 0 || fd >= this.maxFds) return false;
    if (this.ring(fd) >= 0) return true;
    const r = this.owner.indexOf(-1);
    if (r < 0) return false;
    this.owner[r] = fd;
    Atomics.store(this.pos, 2 * r, 0);
    Atomics.store(this.pos, 2 * r + 1, 0);
    Atomics.store(this.ringOf, fd, r + 1);
    return true;
  }

  /** The descriptor is closed: its ring, with whatever it held, is free again. */
  release(fd: number): void {
    const r = this.ring(fd);
    if (r < 0) return;
    Atomics.store(this.ringOf, fd, 0);
    this.owner[r] = -1;
  }

  has(fd: number): boolean { return this.ring(fd) >= 0; }

  /** Copies as much of `bytes` as fits into `fd`'s ring and wakes the worker; returns how many. */
  put(fd: number, bytes: Uint8Array): number {
    const r = this.ring(fd);
    if (r < 0) return 0;
    const head = Atomics.load(this.pos, 2 * r), tail = Atomics.load(this.pos, 2 * r + 1);
    const n = Math.min(bytes.length, RX_RING_BYTES - ((head - tail) >>> 0));
    if (n <= 0) return 0;
    const base = r * RX_RING_BYTES, i = head & MASK, first = Math.min(n, RX_RING_BYTES - i);
    this.data.set(bytes.subarray(0, first), base + i);
    if (first < n) this.data.set(bytes.subarray(first, n), base);
    Atomics.store(this.pos, 2 * r, (head + n) | 0);
    this.wake();
    return n;
  }

  /** Drops what `fd`'s ring holds (shutdown for reading); the worker is not reading it meanwhile (it is in a host call). */
  discard(fd: number): void {
    const r = this.ring(fd);
    if (r >= 0) Atomics.store(this.pos, 2 * r + 1, Atomics.load(this.pos, 2 * r));
  }

  // ---- worker side --------------------------------------------------------------

  /** Copies up to `max` waiting bytes of `fd` to `to` at `at`; moves past them unless `peek`. Returns how many. */
  take(fd: number, to: Uint8Array, at: number, max: number, peek: boolean): number {
    const r = this.ring(fd);
    if (r < 0) return 0;
    const head = Atomics.load(this.pos, 2 * r), tail = Atomics.load(this.pos, 2 * r + 1);
    const n = Math.min(max, (head - tail) >>> 0);
    if (n <= 0) return 0;
    const base = r * RX_RING_BYTES, i = tail & MASK, first = Math.min(n, RX_RING_BYTES - i);
    to.set(this.data.subarray(base + i, base + i + first), at);
    if (first < n) to.set(this.data.subarray(base, base + n - first), at + first);
    if (!peek) Atomics.store(this.pos, 2 * r + 1, (tail + n) | 0);
    return n;
  }
}

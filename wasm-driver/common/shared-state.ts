// The channel between the host thread and the program's worker, in a
// SharedArrayBuffer: the words each side waits on, the stdin pipe, the
// readiness of every descriptor the host serves (sockets), pending signals,
// the outbox of sends, the receive rings (receive-rings.ts), and synchronous
// calls from the program to the host. Only primitives live here; what the
// worker builds on them (sleeps, blocking reads) is worker/waits.ts.
import { ReceiveRings } from './receive-rings.js';

/** Words of the control block. */
export const enum Ctl {
  /** Bumped on every update request: sleeps that see it change return EINTR. */
  SignalSeq = 0,
  /** The id of the update the host posted last. */
  PendingUpdate = 1,
  StdinRead = 2,
  StdinWritten = 3,
  StdinClosed = 4,
  /** Bumped whenever stdin gets data or closes. */
  StdinSeq = 5,
  /** Bumped on anything a blocked call may wait for: input, readiness, signals, update requests. */
  Wake = 6,
  /** Bit n: signal n is pending. */
  PendingSignals = 7,
  /** Bit n: the program has a handler for signal n (else the default action applies). */
  HandledSignals = 8,
  /** Bit n: the program ignores signal n. */
  IgnoredSignals = 9,
  /** Host calls: the worker bumps RpcReq, the host answers and bumps RpcResp. */
  RpcReq = 10,
  RpcResp = 11,
  RpcHeader = 12,
  RpcData = 13,
  /** Set by the host to end its call loop. */
  RpcStop = 14,
  /** The outbox, a byte ring of sends the host performs asynchronously: bytes written (by the worker) and taken (by the host). */
  OutHead = 15,
  OutTail = 16,
  /** Bit n: the program blocks signal n (sigprocmask): it stays pending until unblocked. */
  BlockedSignals = 17,
  /** Bytes of stdout and stderr the worker has handed to the host that the host's streams have not taken yet. */
  OutPending = 18,
  Words = 20,
}

export const STDIN_CAPACITY = 64 * 1024;
/** Descriptors whose readiness the host publishes (sockets live below this). */
export const MAX_FDS = 1024;
/** Bytes of one host call's request or answer (header and data together). */
export const RPC_CAPACITY = 256 * 1024;
/** Bytes of the outbox: what send() hands to the host without waiting for it. */
export const OUTBOX_CAPACITY = 1024 * 1024;

/**
 * Output backpressure: the program's writes to stdout and stderr block (in
 * its worker) while this many bytes are handed to the host and not yet taken
 * by its streams, so a slow reader never makes the host hold more.
 */
export const OUTPUT_BUDGET = 4 * 1024 * 1024;

/** Readiness bits, one word per descriptor. */
export const READABLE = 1, WRITABLE = 2, HANGUP = 4, ERROR = 8;

const RX_OFFSET = Ctl.Words * 4 + STDIN_CAPACITY + MAX_FDS * 4 + RPC_CAPACITY + OUTBOX_CAPACITY;

export interface RpcAnswer { res: Record<string, unknown>; data?: Uint8Array }

const enc = new TextEncoder();
const dec = new TextDecoder();

export class SharedState {
  readonly ctl: Int32Array;
  readonly stdin: Uint8Array;
  readonly ready: Int32Array;
  readonly rpc: Uint8Array;
  readonly outbox: Uint8Array;
  /** Bytes received on connections, for the worker to take without a host call (receive-rings.ts). */
  readonly rx: ReceiveRings;
  constructor(readonly buffer: SharedArrayBuffer = new SharedArrayBuffer(RX_OFFSET + ReceiveRings.bytes(MAX_FDS))) {
    this.ctl = new Int32Array(buffer, 0, Ctl.Words);
    this.stdin = new Uint8Array(buffer, Ctl.Words * 4, STDIN_CAPACITY);
    this.ready = new Int32Array(buffer, Ctl.Words * 4 + STDIN_CAPACITY, MAX_FDS);
    this.rpc = new Uint8Array(buffer, Ctl.Words * 4 + STDIN_CAPACITY + MAX_FDS * 4, RPC_CAPACITY);
    this.outbox = new Uint8Array(buffer, Ctl.Words * 4 + STDIN_CAPACITY + MAX_FDS * 4 + RPC_CAPACITY, OUTBOX_CAPACITY);
    this.rx = new ReceiveRings(buffer, RX_OFFSET, MAX_FDS, () => this.wake());
  }

  private ringWrite(at: number, bytes: Uint8Array): void {
    const i = at % OUTBOX_CAPACITY, first = Math.min(bytes.length, OUTBOX_CAPACITY - i);
    this.outbox.set(bytes.subarray(0, first), i);
    if (first < bytes.length) this.outbox.set(bytes.subarray(first), 0);
  }

  private ringRead(at: number, n: number): Uint8Array {
    const out = new Uint8Array(n);
    const i = at % OUTBOX_CAPACITY, first = Math.min(n, OUTBOX_CAPACITY - i);
    out.set(this.outbox.subarray(i, i + first));
    if (first < n) out.set(this.outbox.subarray(0, n - first), first);
    return out;
  }

  /**
   * Program side: queues `data` for the host to send on `fd`, without waiting
   * for it; false when the outbox has no room (then the caller waits or
   * says EAGAIN). The host performs queued sends before any later call.
   */
  post(fd: number, data: Uint8Array): boolean {
    const head = Atomics.load(this.ctl, Ctl.OutHead), tail = Atomics.load(this.ctl, Ctl.OutTail);
    if (OUTBOX_CAPACITY - (head - tail) < data.length + 8) return false;
    const h = new Uint8Array(8);
    new DataView(h.buffer).setInt32(0, fd, true);
    new DataView(h.buffer).setInt32(4, data.length, true);
    this.ringWrite(head, h);
    this.ringWrite(head + 8, data);
    Atomics.store(this.ctl, Ctl.OutHead, head + 8 + data.length);
    Atomics.notify(this.ctl, Ctl.OutHead);
    return true;
  }

  /** Program side: waits (up to `ms`) until the host has taken something from the outbox. */
  waitOutbox(ms: number): void {
    const tail = Atomics.load(this.ctl, Ctl.OutTail);
    if (Atomics.load(this.ctl, Ctl.OutHead) === tail) return;
    Atomics.wait(this.ctl, Ctl.OutTail, tail, ms);
  }

  /** Host side: takes every queued send, in order. */
  takeOutbox(): { fd: number; data: Uint8Array }[] {
    const out: { fd: number; data: Uint8Array }[] = [];
    let tail = Atomics.load(this.ctl, Ctl.OutTail);
    const head = Atomics.load(this.ctl, Ctl.OutHead);
    while (tail < head) {
      const h = new DataView(this.ringRead(tail, 8).buffer);
      const fd = h.getInt32(0, true), len = h.getInt32(4, true);
      out.push({ fd, data: this.ringRead(tail + 8, len) });
      tail += 8 + len;
    }
    if (out.length) {
      Atomics.store(this.ctl, Ctl.OutTail, tail);
      Atomics.notify(this.ctl, Ctl.OutTail);
    }
    return out;
  }

  /** Host side: calls `drain` whenever the program queues sends, until stopped. */
  async serveOutbox(drain: () => void): Promise<void> {
    const waitAsync = (Atomics as unknown as { waitAsync(a: Int32Array, i: number, v: number): { async: boolean; value: Promise<string> | string } }).waitAsync;
    for (;;) {
      const seen = Atomics.load(this.ctl, Ctl.OutHead);
      if (seen !== Atomics.load(this.ctl, Ctl.OutTail)) drain();
      if (Atomics.load(this.ctl, Ctl.RpcStop)) return;
      const w = waitAsync(this.ctl, Ctl.OutHead, seen);
      if (w.async) await w.value;
    }
  }

  bump(word: Ctl): void {
    Atomics.add(this.ctl, word, 1);
    Atomics.notify(this.ctl, word);
    if (word !== Ctl.Wake) this.wake();
  }

  /** Host side: `n` bytes of output were taken by their stream; a write waiting for room goes on. */
  releaseOutput(n: number): void {
    // A blocked write waits until half its limit is free (OutputFd.room): woken once then, not at every message.
    const before = Atomics.sub(this.ctl, Ctl.OutPending, n), after = before - n;
    const crossed = (at: number) => before >= at && after < at;
    if (crossed(OUTPUT_BUDGET / 2) || crossed(2 * OUTPUT_BUDGET)) this.wake();
  }

  wake(): void {
    Atomics.add(this.ctl, Ctl.Wake, 1);
    Atomics.notify(this.ctl, Ctl.Wake);
  }

  /** Host side: marks a signal pending and wakes the program. */
  raise(signo: number): void {
    Atomics.or(this.ctl, Ctl.PendingSignals, 1 << signo);
    this.wake();
  }

  /** Host side: sets a descriptor's readiness bits and wakes waiters when they changed. */
  setReady(fd: number, bits: number): void {
    if (fd < 0 || fd >= MAX_FDS) return;
    if (Atomics.exchange(this.ready, fd, bits) !== bits) this.wake();
  }

  /** Host side: copies as much of `bytes` as fits; returns how many. */
  writeStdin(bytes: Uint8Array): number {
    const read = Atomics.load(this.ctl, Ctl.StdinRead);
    const written = Atomics.load(this.ctl, Ctl.StdinWritten);
    const n = Math.min(bytes.length, STDIN_CAPACITY - (written - read));
    for (let i = 0; i < n; i++) this.stdin[(written + i) % STDIN_CAPACITY] = bytes[i];
    Atomics.store(this.ctl, Ctl.StdinWritten, written + n);
    this.bump(Ctl.StdinSeq);
    return n;
  }

  closeStdin(): void {
    Atomics.store(this.ctl, Ctl.StdinClosed, 1);
    this.bump(Ctl.StdinSeq);
  }

  stdinAvailable(): number {
    return Atomics.load(this.ctl, Ctl.StdinWritten) - Atomics.load(this.ctl, Ctl.StdinRead);
  }

  stdinClosed(): boolean {
    return Atomics.load(this.ctl, Ctl.StdinClosed) === 1;
  }

  /** Program side: takes up to `max` bytes of stdin without waiting. */
  takeStdin(max: number): Uint8Array {
    const avail = this.stdinAvailable();
    const read = Atomics.load(this.ctl, Ctl.StdinRead);
    const n = Math.min(avail, max);
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) out[i] = this.stdin[(read + i) % STDIN_CAPACITY];
    Atomics.store(this.ctl, Ctl.StdinRead, read + n);
    Atomics.notify(this.ctl, Ctl.StdinRead);
    return out;
  }

  /** Program side: one synchronous call to the host thread. */
  call(req: Record<string, unknown>, data?: Uint8Array): RpcAnswer {
    const header = enc.encode(JSON.stringify(req));
    if (header.length + (data?.length ?? 0) > RPC_CAPACITY) throw new Error(`host call too large (${header.length + (data?.length ?? 0)} bytes)`);
    this.rpc.set(header, 0);
    if (data) this.rpc.set(data, header.length);
    Atomics.store(this.ctl, Ctl.RpcHeader, header.length);
    Atomics.store(this.ctl, Ctl.RpcData, data?.length ?? 0);
    const seq = Atomics.load(this.ctl, Ctl.RpcResp);
    Atomics.add(this.ctl, Ctl.RpcReq, 1);
    Atomics.notify(this.ctl, Ctl.RpcReq);
    while (Atomics.load(this.ctl, Ctl.RpcResp) === seq) Atomics.wait(this.ctl, Ctl.RpcResp, seq);
    return this.readMessage();
  }

  private readMessage(): RpcAnswer {
    const h = Atomics.load(this.ctl, Ctl.RpcHeader), d = Atomics.load(this.ctl, Ctl.RpcData);
    const res = JSON.parse(dec.decode(this.rpc.slice(0, h)));
    return { res, data: d ? this.rpc.slice(h, h + d) : undefined };
  }

  /** Host side: answers the program's calls until stopped. */
  async serve(handler: (req: Record<string, unknown>, data?: Uint8Array) => RpcAnswer | Promise<RpcAnswer>): Promise<void> {
    let seen = Atomics.load(this.ctl, Ctl.RpcReq);
    const waitAsync = (Atomics as unknown as { waitAsync(a: Int32Array, i: number, v: number): { async: boolean; value: Promise<string> | string } }).waitAsync;
    for (;;) {
      const w = waitAsync(this.ctl, Ctl.RpcReq, seen);
      if (w.async) await w.value;
      if (Atomics.load(this.ctl, Ctl.RpcStop)) return;
      const now = Atomics.load(this.ctl, Ctl.RpcReq);
      if (now === seen) continue;
      seen = now;
      const { res: req, data } = this.readMessage();
      let answer: RpcAnswer;
      try {
        answer = await handler(req, data);
      } catch (e) {
        answer = { res: { errno: 29, error: e instanceof Error ? e.message : String(e) } };
      }
      const header = enc.encode(JSON.stringify(answer.res));
      this.rpc.set(header, 0);
      if (answer.data) this.rpc.set(answer.data, header.length);
      Atomics.store(this.ctl, Ctl.RpcHeader, header.length);
      Atomics.store(this.ctl, Ctl.RpcData, answer.data?.length ?? 0);
      Atomics.add(this.ctl, Ctl.RpcResp, 1);
      Atomics.notify(this.ctl, Ctl.RpcResp);
    }
  }

  stopServing(): void {
    Atomics.store(this.ctl, Ctl.RpcStop, 1);
    Atomics.add(this.ctl, Ctl.RpcReq, 1);
    Atomics.notify(this.ctl, Ctl.RpcReq);
    Atomics.notify(this.ctl, Ctl.OutHead);
  }
}

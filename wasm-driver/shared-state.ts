// State shared between the host thread and the program's worker, in a
// SharedArrayBuffer: the words each side waits on, and the stdin pipe.

/** Bits of `__kitsune_state` in the program's memory. */
export const REQUESTED = 1;
export const UPDATING = 2;

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
  Words = 8,
}

export const STDIN_CAPACITY = 64 * 1024;

export class SharedState {
  readonly ctl: Int32Array;
  readonly stdin: Uint8Array;
  constructor(readonly buffer: SharedArrayBuffer = new SharedArrayBuffer(Ctl.Words * 4 + STDIN_CAPACITY)) {
    this.ctl = new Int32Array(buffer, 0, Ctl.Words);
    this.stdin = new Uint8Array(buffer, Ctl.Words * 4, STDIN_CAPACITY);
  }

  bump(word: Ctl): void {
    Atomics.add(this.ctl, word, 1);
    Atomics.notify(this.ctl, word);
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

  /** Program side: blocks until data or end of input; never interrupted (SA_RESTART). */
  readStdin(max: number): Uint8Array {
    for (;;) {
      const seq = Atomics.load(this.ctl, Ctl.StdinSeq);
      const avail = this.stdinAvailable();
      if (avail > 0) {
        const read = Atomics.load(this.ctl, Ctl.StdinRead);
        const n = Math.min(avail, max);
        const out = new Uint8Array(n);
        for (let i = 0; i < n; i++) out[i] = this.stdin[(read + i) % STDIN_CAPACITY];
        Atomics.store(this.ctl, Ctl.StdinRead, read + n);
        return out;
      }
      if (this.stdinClosed()) return new Uint8Array(0);
      Atomics.wait(this.ctl, Ctl.StdinSeq, seq);
    }
  }

  /** Program side: sleeps up to `ms`; false when an update request cut it short. */
  sleep(ms: number): boolean {
    const seq = Atomics.load(this.ctl, Ctl.SignalSeq);
    const deadline = performance.now() + ms;
    for (;;) {
      const left = deadline - performance.now();
      if (left <= 0) return true;
      Atomics.wait(this.ctl, Ctl.SignalSeq, seq, left);
      if (Atomics.load(this.ctl, Ctl.SignalSeq) !== seq) return false;
    }
  }
}

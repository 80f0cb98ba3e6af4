// The standard descriptors. Stdin is a pipe in the channel that the host fills
// (from its own stdin or writeStdin()); stdout and stderr go to the host as
// output messages. A terminal is a character device without seek rights, as
// isatty() checks.
import { E } from '../common/errno.js';
import { Ctl, OUTPUT_BUDGET, READABLE, WRITABLE, HANGUP, type SharedState } from '../common/shared-state.js';
import { Fd, type FdRecord } from './fd.js';
import { EMPTY_FILESTAT, FILETYPE, FDFLAGS, scatter, type Fdstat, type Filestat, type Iovec } from './wasi-codecs.js';
import type { ProgramMemory } from './memory.js';
import type { Waits } from './waits.js';

/** Non-canonical terminal reads: termios VMIN and VTIME (bytes, tenths of a second), or null when canonical. */
export type RawMode = () => { min: number; time: number } | null;

abstract class StdioFd extends Fd {
  constructor(protected readonly mem: ProgramMemory, readonly isTTY: boolean) { super(); }
  get filetype(): number { return this.isTTY ? FILETYPE.CHARACTER_DEVICE : FILETYPE.UNKNOWN; }
  fdstat(): Fdstat {
    return { filetype: this.filetype, flags: this.nonblock ? FDFLAGS.NONBLOCK : 0, rightsBase: this.isTTY ? 0xffn & ~0x24n : 0xffffffffn, rightsInheriting: 0n };
  }
  filestat(): Filestat { return { ...EMPTY_FILESTAT, filetype: FILETYPE.CHARACTER_DEVICE }; }
  get closable(): boolean { return false; }
  protected abstract readonly number: 0 | 1 | 2;
  record(): FdRecord { return { kind: 'stdio', fd: this.number, nonblock: this.nonblock }; }
}

export class StdinFd extends StdioFd {
  protected readonly number = 0;
  constructor(mem: ProgramMemory, isTTY: boolean, private readonly shared: SharedState, private readonly waits: Waits, private readonly raw: RawMode) { super(mem, isTTY); }

  readiness(): number {
    const s = this.shared;
    return (s.stdinAvailable() > 0 ? READABLE : 0) | (s.stdinClosed() ? READABLE | HANGUP : 0);
  }

  /** Blocking (restarted after update requests), or as termios VMIN/VTIME say in raw mode. */
  readv(iovs: Iovec[]): number {
    const want = iovs.reduce((t, x) => t + x.len, 0);
    const s = this.shared;
    let data: Uint8Array | null;
    if (this.nonblock) {
      if (s.stdinAvailable() > 0) data = s.takeStdin(want);
      else if (s.stdinClosed()) data = new Uint8Array(0);
      else return -E.AGAIN;
    } else {
      const raw = this.raw();
      // VMIN 0: wait at most VTIME tenths of a second, then return what there is (maybe nothing).
      data = this.waits.readStdin(want, raw && raw.min === 0 ? performance.now() + raw.time * 100 : undefined);
      if (!data) return -E.INTR;
    }
    scatter(this.mem.u8, iovs, data);
    return data.length;
  }
}

/** The most one output message carries: a large write goes in parts, each waiting for room. */
const OUTPUT_CHUNK = 1024 * 1024;

export class OutputFd extends StdioFd {
  constructor(
    mem: ProgramMemory, isTTY: boolean, private readonly fd: 1 | 2, private readonly write: (fd: 1 | 2, bytes: Uint8Array) => void,
    private readonly shared: SharedState, private readonly waits: Waits,
  ) { super(mem, isTTY); }
  protected get number(): 1 | 2 { return this.fd; }

  readiness(): number { return Atomics.load(this.shared.ctl, Ctl.OutPending) < OUTPUT_BUDGET ? WRITABLE : 0; }

  /**
   * One message per call (libc writes a line as its buffer plus the rest, in
   * two iovecs), in parts of at most OUTPUT_CHUNK, each after waiting for the
   * host's streams to have room (OUTPUT_BUDGET).
   */
  writev(iovs: Iovec[]): number {
    const parts = iovs.filter((v) => v.len > 0);
    const total = parts.reduce((t, v) => t + v.len, 0);
    let done = 0, i = 0, at = 0;
    while (done < total) {
      const room = this.room();
      if (room < 0) return done ? done : room;
      const n = Math.min(OUTPUT_CHUNK, total - done);
      const bytes = new Uint8Array(n);
      for (let off = 0; off < n;) {
        const v = parts[i], take = Math.min(v.len - at, n - off);
        bytes.set(this.mem.u8.subarray(v.ptr + at, v.ptr + at + take), off);
        off += take; at += take;
        if (at === v.len) { i++; at = 0; }
      }
      Atomics.add(this.shared.ctl, Ctl.OutPending, n);
      this.write(this.fd, bytes);
      done += n;
    }
    return total;
  }

  /**
   * Waits, once the budget is spent, until the host's streams have taken half
   * of it (one wake-up, not one per message): 0, or minus EAGAIN for a
   * non-blocking descriptor. Signal handlers run meanwhile (the write goes
   * on, as with SA_RESTART); once an update is requested, up to four budgets
   * are let through so that the program can reach its update point.
   */
  private room(): number {
    const ctl = this.shared.ctl;
    const seq = this.waits.requestSeq;
    const limit = () => (this.waits.requestSeq !== seq ? 4 * OUTPUT_BUDGET : OUTPUT_BUDGET);
    if (Atomics.load(ctl, Ctl.OutPending) < limit()) return 0;
    for (;;) {
      const wake = Atomics.load(ctl, Ctl.Wake);
      if (Atomics.load(ctl, Ctl.OutPending) < limit() / 2) return 0;
      if (this.nonblock) return -E.AGAIN;
      this.waits.deliver();
      Atomics.wait(ctl, Ctl.Wake, wake, 1000);
    }
  }
}

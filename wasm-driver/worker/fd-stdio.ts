// The standard descriptors. Stdin is a pipe in the channel that the host fills
// (from its own stdin or writeStdin()); stdout and stderr go to the host as
// output messages. A terminal is a character device without seek rights, as
// isatty() checks.
import { E } from '../common/errno.js';
import { READABLE, WRITABLE, HANGUP, type SharedState } from '../common/shared-state.js';
import { Fd, type FdRecord } from './fd.js';
import { EMPTY_FILESTAT, FILETYPE, FDFLAGS, type Fdstat, type Filestat, type Iovec } from './wasi-codecs.js';
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
    let off = 0;
    const u8 = this.mem.u8;
    for (const x of iovs) {
      if (off >= data.length) break;
      const part = data.subarray(off, off + x.len);
      u8.set(part, x.ptr);
      off += part.length;
    }
    return data.length;
  }
}

export class OutputFd extends StdioFd {
  constructor(mem: ProgramMemory, isTTY: boolean, private readonly fd: 1 | 2, private readonly write: (fd: 1 | 2, bytes: Uint8Array) => void) { super(mem, isTTY); }
  protected get number(): 1 | 2 { return this.fd; }

  readiness(): number { return WRITABLE; }

  /** One message per call: libc writes a line as its buffer plus the rest, in two iovecs. */
  writev(iovs: Iovec[]): number {
    const parts = iovs.filter((v) => v.len > 0);
    const bytes = new Uint8Array(parts.reduce((t, v) => t + v.len, 0));
    let total = 0;
    for (const v of parts) { bytes.set(this.mem.u8.subarray(v.ptr, v.ptr + v.len), total); total += v.len; }
    if (total) this.write(this.fd, bytes);
    return total;
  }
}

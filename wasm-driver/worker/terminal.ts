// The terminal, worker side: termios and the window size. The mode belongs
// to the process (it is kept here, in the worker, for the process's life, so
// updates keep it); when the program turns ICANON or ECHO off on its
// terminal, the host puts its own terminal in raw mode (host/terminal.ts).
import { E } from '../common/errno.js';
import type { SharedState } from '../common/shared-state.js';
import type { FdTable } from './fd.js';
import type { ProgramMemory } from './memory.js';
import type { HostFn } from './signals.js';

const ICRNL = 0o400, IXON = 0o2000, OPOST = 1, ONLCR = 4, CS8 = 0o60, CREAD = 0o200;
const ISIG = 1, ICANON = 2, ECHO = 0o10, ECHOE = 0o20, ECHOK = 0o40, ECHOCTL = 0o1000, ECHOKE = 0o4000, IEXTEN = 0o100000;
export const VTIME = 5, VMIN = 6;
const B38400 = 0o17;
const TIOCGWINSZ = 0x5413, FIONREAD = 1, FIONBIO = 2;
/** sizeof(struct termios): four flags, c_line, c_cc[32], padding, two speeds. */
const TERMIOS_SIZE = 60;

function cooked(): Uint8Array {
  const t = new Uint8Array(TERMIOS_SIZE);
  const dv = new DataView(t.buffer);
  dv.setUint32(0, ICRNL | IXON, true);
  dv.setUint32(4, OPOST | ONLCR, true);
  dv.setUint32(8, CS8 | CREAD | B38400, true);
  dv.setUint32(12, ISIG | ICANON | ECHO | ECHOE | ECHOK | ECHOCTL | ECHOKE | IEXTEN, true);
  const cc = [3, 28, 127, 21, 4, 0, 1, 0, 17, 19, 26, 0, 18, 15, 23, 22, 0];
  t.set(cc, 17);
  dv.setUint32(52, B38400, true);
  dv.setUint32(56, B38400, true);
  return t;
}

export interface TerminalContext {
  mem: ProgramMemory;
  shared: SharedState;
  fds: FdTable;
  isTTY: { stdin: boolean; stdout: boolean; stderr: boolean };
}

export class Terminal {
  private mode = cooked();
  constructor(private readonly c: TerminalContext) {}

  private isTerminal(fd: number): boolean {
    const t = this.c.isTTY;
    return (fd === 0 && t.stdin) || (fd === 1 && t.stdout) || (fd === 2 && t.stderr);
  }

  /** The terminal's mode as it is, for a rollback to put back. */
  snapshot(): Uint8Array { return this.mode.slice(); }
  restore(saved: Uint8Array): void {
    if (saved.every((b, i) => b === this.mode[i])) return;
    this.mode = saved.slice();
    const l = this.lflag;
    this.c.shared.call({ op: 'term.mode', raw: !(l & ICANON) || !(l & ECHO), isig: !!(l & ISIG) });
  }

  get lflag(): number { return new DataView(this.mode.buffer).getUint32(12, true); }
  /** Non-canonical reads: VMIN and VTIME, in the units termios uses (bytes, tenths of a second). */
  get raw(): { min: number; time: number } | null {
    return this.lflag & ICANON ? null : { min: this.mode[17 + VMIN], time: this.mode[17 + VTIME] };
  }

  functions(): Record<string, HostFn> {
    const px = this.c.mem, fds = this.c.fds, shared = this.c.shared;
    return {
      tcgetattr: (fd, ptr) => {
        if (!fds.has(fd)) return px.fail(E.BADF);
        if (!this.isTerminal(fd)) return px.fail(E.NOTTY);
        px.u8.set(this.mode, ptr);
        return 0;
      },
      tcsetattr: (fd, _when, ptr) => {
        if (!fds.has(fd)) return px.fail(E.BADF);
        if (!this.isTerminal(fd)) return px.fail(E.NOTTY);
        this.mode = px.u8.slice(ptr, ptr + TERMIOS_SIZE);
        const l = this.lflag;
        shared.call({ op: 'term.mode', raw: !(l & ICANON) || !(l & ECHO), isig: !!(l & ISIG) });
        return 0;
      },
      tcflush: (fd) => (this.isTerminal(fd) ? 0 : px.fail(E.NOTTY)),
      tcdrain: (fd) => (this.isTerminal(fd) ? 0 : px.fail(E.NOTTY)),
      ioctl: (fd, req, va) => {
        if (!fds.has(fd)) return px.fail(E.BADF);
        const argp = va ? px.dv.getUint32(va, true) : 0;
        if (req === TIOCGWINSZ) {
          if (!this.isTerminal(fd)) return px.fail(E.NOTTY);
          const r = shared.call({ op: 'term.size', fd });
          if (r.res.errno) return px.fail(r.res.errno as number);
          px.dv.setUint16(argp, r.res.rows as number, true);
          px.dv.setUint16(argp + 2, r.res.cols as number, true);
          px.dv.setUint32(argp + 4, 0, true);
          return 0;
        }
        if (req === FIONBIO) {
          fds.get(fd)!.nonblock = px.dv.getInt32(argp, true) !== 0;
          return 0;
        }
        if (req === FIONREAD) {
          const n = fd === 0 ? shared.stdinAvailable() : 0;
          px.dv.setInt32(argp, n, true);
          return 0;
        }
        return px.fail(E.NOTTY);
      },
    };
  }
}


// The terminal: termios and the window size. The mode belongs to the process
// (it is kept here, in the worker, for the process's life, so updates keep
// it); when the program turns ICANON or ECHO off on its terminal, the host
// puts its own terminal in raw mode, and puts it back when the program ends,
// however it ends (TerminalHost below).
import type { Posix, HostFn } from './posix.js';
import { E } from './errno.js';
import { isNode } from './platform.js';
import type { SharedState, RpcAnswer } from './shared-state.js';

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

export class Terminal {
  private mode = cooked();
  constructor(private readonly px: Posix) {}

  private isTerminal(fd: number): boolean {
    const t = this.px.isTTY;
    return (fd === 0 && t.stdin) || (fd === 1 && t.stdout) || (fd === 2 && t.stderr);
  }

  get lflag(): number { return new DataView(this.mode.buffer).getUint32(12, true); }
  /** Non-canonical reads: VMIN and VTIME, in the units termios uses (bytes, tenths of a second). */
  get raw(): { min: number; time: number } | null {
    return this.lflag & ICANON ? null : { min: this.mode[17 + VMIN], time: this.mode[17 + VTIME] };
  }

  functions(): Record<string, HostFn> {
    const px = this.px;
    return {
      tcgetattr: (fd, ptr) => {
        if (!px.fds.has(fd)) return px.fail(E.BADF);
        if (!this.isTerminal(fd)) return px.fail(E.NOTTY);
        px.u8.set(this.mode, ptr);
        return 0;
      },
      tcsetattr: (fd, _when, ptr) => {
        if (!px.fds.has(fd)) return px.fail(E.BADF);
        if (!this.isTerminal(fd)) return px.fail(E.NOTTY);
        this.mode = px.u8.slice(ptr, ptr + TERMIOS_SIZE);
        const l = this.lflag;
        px.shared.call({ op: 'term.mode', raw: !(l & ICANON) || !(l & ECHO), isig: !!(l & ISIG) });
        return 0;
      },
      tcflush: (fd) => (this.isTerminal(fd) ? 0 : px.fail(E.NOTTY)),
      tcdrain: (fd) => (this.isTerminal(fd) ? 0 : px.fail(E.NOTTY)),
      ioctl: (fd, req, va) => {
        if (!px.fds.has(fd)) return px.fail(E.BADF);
        const argp = va ? px.dv.getUint32(va, true) : 0;
        if (req === TIOCGWINSZ) {
          if (!this.isTerminal(fd)) return px.fail(E.NOTTY);
          const r = px.shared.call({ op: 'term.size', fd });
          if (r.res.errno) return px.fail(r.res.errno as number);
          px.dv.setUint16(argp, r.res.rows as number, true);
          px.dv.setUint16(argp + 2, r.res.cols as number, true);
          px.dv.setUint32(argp + 4, 0, true);
          return 0;
        }
        if (req === FIONBIO) {
          const s = px.socket(fd);
          if (s) s.nonblock = px.dv.getInt32(argp, true) !== 0;
          return 0;
        }
        if (req === FIONREAD) {
          const n = fd === 0 ? px.shared.stdinAvailable() : 0;
          px.dv.setInt32(argp, n, true);
          return 0;
        }
        return px.fail(E.NOTTY);
      },
    };
  }
}

/** Host side: the host's own terminal, put in raw mode for the program and always restored. */
export class TerminalHost {
  private raw = false;
  /** Whether the program has put the host's terminal in raw mode (it owns the screen). */
  get isRaw(): boolean { return this.raw; }
  isig = true;
  private restoreOnExit = () => this.restore();
  constructor(private readonly shared: SharedState) {}

  /** The mode the program asked for, whether or not the host's own terminal could follow. */
  mode = { raw: false, isig: true };

  handle(req: Record<string, unknown>): RpcAnswer {
    if (req.op === 'term.mode') {
      this.isig = !!req.isig;
      this.mode = { raw: !!req.raw, isig: !!req.isig };
      this.setRaw(!!req.raw);
      return { res: { errno: 0 } };
    }
    // term.size
    const out = isNode ? (req.fd === 2 ? process.stderr : process.stdout) : undefined;
    if (!out?.isTTY) return { res: { errno: E.NOTTY } };
    return { res: { errno: 0, rows: out.rows, cols: out.columns } };
  }

  private setRaw(on: boolean): void {
    if (!isNode || !process.stdin.isTTY || on === this.raw) return;
    process.stdin.setRawMode(on);
    this.raw = on;
    if (on) process.once('exit', this.restoreOnExit);
    else process.off('exit', this.restoreOnExit);
  }

  /** In raw mode with ISIG, Ctrl-C still means SIGINT, as the kernel's line discipline does. */
  filterInput(bytes: Uint8Array, raise: (signo: number) => void): Uint8Array {
    if (!this.raw || !this.isig || !bytes.includes(3)) return bytes;
    raise(2);
    return bytes.filter((b) => b !== 3);
  }

  restore(): void {
    this.setRaw(false);
    void this.shared;
  }
}

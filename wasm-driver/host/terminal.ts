// The host's own terminal, host side: put in raw mode while the program has
// its terminal in raw mode (worker/terminal.ts asks), and always restored,
// however the program ends.
import { E } from '../common/errno.js';
import { isNode } from '../../format/platform.js';
import type { RpcAnswer } from '../common/shared-state.js';

export class TerminalHost {
  private raw = false;
  /** Whether the program has put the host's terminal in raw mode (it owns the screen). */
  get isRaw(): boolean { return this.raw; }
  isig = true;
  private restoreOnExit = () => this.restore();

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
  }
}

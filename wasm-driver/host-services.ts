// The host thread's side of the program's POSIX calls: the sandbox, the
// sockets, the terminal, alarm(), and the host's own signals forwarded to the
// program. Everything here belongs to the process and outlives every version.
import { SharedState, Ctl, type RpcAnswer } from './shared-state.js';
import { Sandbox, type Grants } from './sandbox.js';
import { HostSockets } from './sockets.js';
import { TerminalHost } from './terminal.js';
import { isNode } from './platform.js';
import type { KitsuneEvent } from './protocol.js';
import { SIG } from './signals.js';

/** How long a forwarded SIGINT or SIGTERM may stay undelivered before the program is ended. */
export const SIGNAL_GRACE_MS = 2000;

export class HostServices {
  readonly sandbox: Sandbox;
  readonly sockets: HostSockets;
  readonly terminal: TerminalHost;
  private alarmTimer: ReturnType<typeof setTimeout> | undefined;
  private alarmAt = 0;
  private unforward: (() => void) | undefined;
  private notices = new Set<string>();
  private graceTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly shared: SharedState, grants: Grants, private readonly emit: (e: KitsuneEvent) => void) {
    this.sandbox = new Sandbox(grants, (r) => emit({ type: 'refused', ...r }));
    this.sockets = new HostSockets(shared, this.sandbox, (what) => this.notice(`${what} need Node.js: in a browser the program's socket calls fail with ENOTSUP`));
    this.terminal = new TerminalHost(shared);
    // Queued sends go out before any later call is answered, so their order with close() and friends holds.
    void shared.serve((req, data) => { this.sockets.drainOutbox(); return this.handle(req, data); });
    void shared.serveOutbox(() => this.sockets.drainOutbox());
  }

  private notice(message: string) {
    if (this.notices.has(message)) return;
    this.notices.add(message);
    this.emit({ type: 'notice', message });
  }

  private handle(req: Record<string, unknown>, data?: Uint8Array): RpcAnswer | Promise<RpcAnswer> {
    const op = req.op as string;
    if (op.startsWith('sock.') || op.startsWith('dns.')) return this.sockets.handle(req, data);
    if (op.startsWith('term.')) return this.terminal.handle(req);
    if (op === 'sandbox.refused') { this.sandbox.refuse(req as never); return { res: { errno: 0 } }; }
    if (op === 'alarm') return { res: { errno: 0, left: this.alarm(req.sec as number) } };
    return { res: { errno: 52 } };
  }

  /** alarm(): SIGALRM after `sec` seconds; returns the seconds the previous alarm had left. */
  private alarm(sec: number): number {
    const left = this.alarmTimer ? Math.max(1, Math.ceil((this.alarmAt - Date.now()) / 1000)) : 0;
    if (this.alarmTimer) clearTimeout(this.alarmTimer);
    this.alarmTimer = undefined;
    if (sec > 0) {
      this.alarmAt = Date.now() + sec * 1000;
      this.alarmTimer = setTimeout(() => { this.alarmTimer = undefined; this.shared.raise(SIG.ALRM); }, sec * 1000);
    }
    return left;
  }

  /** Sends `signo` to the program: pending until its next safe point, or the default action now. */
  signal(signo: number, kill: () => void): void {
    const bit = 1 << signo;
    if (Atomics.load(this.shared.ctl, Ctl.IgnoredSignals) & bit) return;
    const handled = Atomics.load(this.shared.ctl, Ctl.HandledSignals) & bit;
    if (!handled && ![SIG.WINCH, SIG.CHLD, SIG.URG, SIG.CONT].includes(signo as never)) { kill(); return; }
    this.shared.raise(signo);
  }

  /**
   * In the CLI: the host's SIGINT, SIGTERM, SIGHUP, SIGUSR1 and SIGWINCH go to
   * the program. A handler runs only when the program calls the host, so a
   * program that spins without calling it never sees a SIGINT or SIGTERM: a
   * second one while the first is still undelivered, or the first still
   * undelivered after SIGNAL_GRACE_MS, ends the program as the default action would.
   */
  forwardProcessSignals(kill: (signo: number) => void): void {
    if (!isNode) return;
    const undelivered = (n: number) => (Atomics.load(this.shared.ctl, Ctl.PendingSignals) & (1 << n)) !== 0;
    const force = (name: string, n: number, why: string) => {
      this.emit({ type: 'notice', message: `${name}: the program has a handler for it but ${why} (handlers run only when the program calls the host); ended it` });
      kill(n);
    };
    const forward = (name: NodeJS.Signals, n: number) => {
      const stoppable = n === SIG.INT || n === SIG.TERM;
      if (stoppable && undelivered(n)) { force(name, n, 'did not take the first one yet'); return; }
      this.signal(n, () => kill(n));
      if (stoppable && undelivered(n)) {
        clearTimeout(this.graceTimer);
        this.graceTimer = setTimeout(() => { if (undelivered(n)) force(name, n, `did not take it within ${SIGNAL_GRACE_MS / 1000} s`); }, SIGNAL_GRACE_MS);
        this.graceTimer.unref?.();
      }
    };
    const map: [NodeJS.Signals, number][] = [['SIGINT', SIG.INT], ['SIGTERM', SIG.TERM], ['SIGHUP', SIG.HUP], ['SIGUSR1', SIG.USR1]];
    const handlers = map.map(([name, n]) => [name, () => forward(name, n)] as const);
    for (const [name, h] of handlers) process.on(name, h);
    const resize = () => this.signal(SIG.WINCH, () => {});
    process.stdout.on('resize', resize);
    this.unforward = () => {
      clearTimeout(this.graceTimer);
      for (const [name, h] of handlers) process.off(name, h);
      process.stdout.off('resize', resize);
    };
  }

  close(): void {
    if (this.alarmTimer) clearTimeout(this.alarmTimer);
    this.unforward?.();
    this.terminal.restore();
    this.sockets.closeAll();
    this.shared.stopServing();
  }
}

// Signals, host side: sending one to the program (pending until its next
// safe point, or the default action at once when it has no handler),
// alarm(), and the host process's own signals forwarded in the CLI.
import { Ctl, type SharedState } from '../common/shared-state.js';
import { SIG, DEFAULT_IGNORED } from '../common/signal-numbers.js';
import { isNode } from '../../format/platform.js';

/** How long a forwarded SIGINT or SIGTERM may stay undelivered before the program is ended. */
export const SIGNAL_GRACE_MS = 2000;

export class HostSignals {
  private alarmTimer: ReturnType<typeof setTimeout> | undefined;
  private alarmAt = 0;
  private unforward: (() => void) | undefined;
  private graceTimer: ReturnType<typeof setTimeout> | undefined;

  /** `notice`: what the host says to the user (a `notice` event). */
  constructor(private readonly shared: SharedState, private readonly notice: (message: string) => void = () => {}) {}

  /** Sends `signo`: pending until the program's next safe point (or until it unblocks it), or `kill()` for a default action that ends it. */
  send(signo: number, kill: () => void): void {
    const bit = 1 << signo;
    if (Atomics.load(this.shared.ctl, Ctl.IgnoredSignals) & bit) return;
    const handled = Atomics.load(this.shared.ctl, Ctl.HandledSignals) & bit;
    // A blocked signal stays pending, whatever its action, until the program unblocks it.
    const blocked = Atomics.load(this.shared.ctl, Ctl.BlockedSignals) & bit;
    if (!handled && !blocked && !DEFAULT_IGNORED.has(signo)) { kill(); return; }
    this.shared.raise(signo);
  }

  /** alarm(): SIGALRM after `sec` seconds; returns the seconds the previous alarm had left. */
  alarm(sec: number): number {
    const left = this.alarmTimer ? Math.max(1, Math.ceil((this.alarmAt - Date.now()) / 1000)) : 0;
    if (this.alarmTimer) clearTimeout(this.alarmTimer);
    this.alarmTimer = undefined;
    if (sec > 0) {
      this.alarmAt = Date.now() + sec * 1000;
      this.alarmTimer = setTimeout(() => { this.alarmTimer = undefined; this.shared.raise(SIG.ALRM); }, sec * 1000);
    }
    return left;
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
      this.notice(`${name}: the program has a handler for it but ${why} (handlers run only when the program calls the host); ended it`);
      kill(n);
    };
    const forward = (name: NodeJS.Signals, n: number) => {
      const stoppable = n === SIG.INT || n === SIG.TERM;
      if (stoppable && undelivered(n)) { force(name, n, 'did not take the first one yet'); return; }
      this.send(n, () => kill(n));
      if (stoppable && undelivered(n)) {
        clearTimeout(this.graceTimer);
        this.graceTimer = setTimeout(() => { if (undelivered(n)) force(name, n, `did not take it within ${SIGNAL_GRACE_MS / 1000} s`); }, SIGNAL_GRACE_MS);
        this.graceTimer.unref?.();
      }
    };
    const map: [NodeJS.Signals, number][] = [['SIGINT', SIG.INT], ['SIGTERM', SIG.TERM], ['SIGHUP', SIG.HUP], ['SIGUSR1', SIG.USR1]];
    const handlers = map.map(([name, n]) => [name, () => forward(name, n)] as const);
    for (const [name, h] of handlers) process.on(name, h);
    const resize = () => this.send(SIG.WINCH, () => {});
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
  }
}

// Signals, host side: sending one to the program (pending until its next
// safe point, or the default action at once when it has no handler),
// alarm(), and the host process's own signals forwarded in the CLI.
import { Ctl, type SharedState } from '../common/shared-state.js';
import { SIG, DEFAULT_IGNORED } from '../common/signal-numbers.js';
import { isNode } from '../../format/platform.js';

export class HostSignals {
  private alarmTimer: ReturnType<typeof setTimeout> | undefined;
  private alarmAt = 0;
  private unforward: (() => void) | undefined;

  constructor(private readonly shared: SharedState) {}

  /** Sends `signo`: pending until the program's next safe point, or `kill()` for a default action that ends it. */
  send(signo: number, kill: () => void): void {
    const bit = 1 << signo;
    if (Atomics.load(this.shared.ctl, Ctl.IgnoredSignals) & bit) return;
    const handled = Atomics.load(this.shared.ctl, Ctl.HandledSignals) & bit;
    if (!handled && !DEFAULT_IGNORED.has(signo)) { kill(); return; }
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

  /** In the CLI: the host's SIGINT, SIGTERM, SIGHUP, SIGUSR1 and SIGWINCH go to the program. */
  forwardProcessSignals(kill: (signo: number) => void): void {
    if (!isNode) return;
    const map: [NodeJS.Signals, number][] = [['SIGINT', SIG.INT], ['SIGTERM', SIG.TERM], ['SIGHUP', SIG.HUP], ['SIGUSR1', SIG.USR1]];
    const handlers = map.map(([name, n]) => [name, () => this.send(n, () => kill(n))] as const);
    for (const [name, h] of handlers) process.on(name, h);
    const resize = () => this.send(SIG.WINCH, () => {});
    process.stdout.on('resize', resize);
    this.unforward = () => {
      for (const [name, h] of handlers) process.off(name, h);
      process.stdout.off('resize', resize);
    };
  }

  close(): void {
    if (this.alarmTimer) clearTimeout(this.alarmTimer);
    this.unforward?.();
  }
}

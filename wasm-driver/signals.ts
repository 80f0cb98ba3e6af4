// Signals, worker side. Dispositions belong to the process (they live here,
// in the worker, for the process's life) and carry over updates: a handler
// installed by one version is remapped, by its function's name, to the same
// function of the version running when the signal arrives. Signals are
// delivered at safe points: whenever the program calls into the host (a
// blocking call, a sleep, raise/kill), never in the middle of its own code.
// A blocking call that a handler interrupts returns EINTR unless the handler
// was installed with SA_RESTART and the call is one Linux restarts (read,
// recv, send, accept); poll, select and the sleeps always return EINTR.
import type { Posix, VersionLike, HostFn } from './posix.js';
import { Ctl } from './shared-state.js';
import { E } from './errno.js';
import { KitsuneError } from './errors.js';
import { ExitSignal } from './wasi.js';

export const SIG = { HUP: 1, INT: 2, QUIT: 3, ABRT: 6, KILL: 9, USR1: 10, SEGV: 11, USR2: 12, PIPE: 13, ALRM: 14, TERM: 15, CHLD: 17, CONT: 18, STOP: 19, TSTP: 20, URG: 23, WINCH: 28 } as const;
/** Signals whose default action is to do nothing. */
const DEFAULT_IGNORED = new Set<number>([SIG.CHLD, SIG.CONT, SIG.URG, SIG.WINCH]);
const SA_SIGINFO = 4, SA_RESTART = 0x10000000, SA_NODEFER = 0x40000000, SA_RESETHAND = 0x80000000;
export const SIGNAMES: Record<string, number> = Object.fromEntries(Object.entries(SIG).map(([k, v]) => [`SIG${k}`, v]));

interface Disposition {
  /** The table index the program passed (0 = SIG_DFL). */
  index: number;
  flags: number;
  ignore: boolean;
  /** The version that installed it, its function, and that function's name. */
  version?: VersionLike;
  fn?: (...a: number[]) => unknown;
  name?: string;
}

export class Signals {
  private disp = new Map<number, Disposition>();
  private delivering = false;
  private siginfo = 0;
  /** Whether every handler the last delivery ran had SA_RESTART. */
  lastRestart = true;

  constructor(private readonly px: Posix) {}

  private publish(): void {
    let handled = 0, ignored = 0;
    for (const [n, d] of this.disp) {
      if (d.ignore) ignored |= 1 << n;
      else if (d.index) handled |= 1 << n;
    }
    Atomics.store(this.px.shared.ctl, Ctl.HandledSignals, handled);
    Atomics.store(this.px.shared.ctl, Ctl.IgnoredSignals, ignored);
  }

  private isIgnoreFn(index: number): boolean {
    if (index === 1) return true;
    const ign = this.px.ctx?.rt.__SIG_IGN;
    return typeof ign === 'function' && this.px.ctx!.table.get(index) === ign;
  }

  /** Installs a disposition; returns the previous table index. */
  private install(v: VersionLike, signo: number, index: number, flags: number): number | null {
    if (signo < 1 || signo > 31 || signo === SIG.KILL || signo === SIG.STOP) return null;
    const old = this.disp.get(signo)?.index ?? 0;
    if (index === 0) this.disp.delete(signo);
    else if (this.isIgnoreFn(index)) this.disp.set(signo, { index, flags, ignore: true });
    else {
      const fn = this.px.ctx!.table.get(index) as Disposition['fn'];
      if (!fn) return null;
      this.disp.set(signo, { index, flags, ignore: false, version: v, fn, name: this.nameOf(v, index, fn) });
    }
    this.publish();
    return old;
  }

  private nameOf(v: VersionLike, index: number, fn: unknown): string | undefined {
    const names = v.meta.tableFunctions ?? [];
    if (index >= v.tableBase && index < v.tableBase + v.tableSize && names[index - v.tableBase]) return names[index - v.tableBase];
    for (const [k, f] of Object.entries(v.exports)) if (f === fn) return k;
    return undefined;
  }

  /** The handler's function in the version running now. */
  private resolve(signo: number, d: Disposition): (...a: number[]) => unknown {
    const cur = this.px.ctx!.current();
    if (d.version === cur) return d.fn!;
    const name = d.name;
    let fn: unknown = name ? cur.exports[name] : undefined;
    const names = cur.meta.tableFunctions ?? [];
    if (typeof fn !== 'function' && name && names.includes(name)) fn = this.px.ctx!.table.get(cur.tableBase + names.indexOf(name));
    if (typeof fn !== 'function') {
      throw new KitsuneError('E_RUNTIME', `signal ${signo}: its handler ${name ?? `(table slot ${d.index})`} was installed by version ${d.version!.meta.buildId}, and version ${cur.meta.buildId} has no function of that name; install the handler again in the new version`);
    }
    d.version = cur;
    d.fn = fn as Disposition['fn'];
    return d.fn!;
  }

  /** Runs the handlers of pending signals; true when one ran. */
  deliver(): boolean {
    if (this.delivering || !this.px.ctx || this.px.updating) return false;
    const ctl = this.px.shared.ctl;
    let ran = false;
    this.lastRestart = true;
    this.delivering = true;
    try {
      for (;;) {
        const pending = Atomics.load(ctl, Ctl.PendingSignals);
        if (!pending) break;
        const signo = 31 - Math.clz32(pending & -pending);
        Atomics.and(ctl, Ctl.PendingSignals, ~(1 << signo));
        const d = this.disp.get(signo);
        if (d?.ignore) continue;
        if (!d) {
          if (DEFAULT_IGNORED.has(signo)) continue;
          // The default action: the process ends, as if killed by the signal.
          throw new ExitSignal(128 + signo);
        }
        const fn = this.resolve(signo, d);
        if (d.flags & SA_RESETHAND) { this.disp.delete(signo); this.publish(); }
        if (!(d.flags & SA_RESTART)) this.lastRestart = false;
        ran = true;
        if (d.flags & SA_SIGINFO) {
          if (!this.siginfo) this.siginfo = (this.px.ctx.rt.malloc as (n: number) => number)(128);
          this.px.u8.fill(0, this.siginfo, this.siginfo + 128);
          this.px.dv.setInt32(this.siginfo, signo, true);
          fn(signo, this.siginfo, 0);
        } else fn(signo);
        void SA_NODEFER;
      }
    } finally {
      this.delivering = false;
    }
    return ran;
  }

  /** Marks `signo` pending and delivers it now (raise, kill of ourselves). */
  raise(signo: number): number {
    if (signo < 0 || signo > 31) return this.px.fail(E.INVAL);
    if (signo === 0) return 0;
    if (signo === SIG.KILL || signo === SIG.STOP) throw new ExitSignal(128 + signo);
    Atomics.or(this.px.shared.ctl, Ctl.PendingSignals, 1 << signo);
    this.deliver();
    return 0;
  }

  functions(v: VersionLike): Record<string, HostFn> {
    const px = this.px;
    const pid = () => (typeof px.ctx?.rt.getpid === 'function' ? (px.ctx.rt.getpid as () => number)() : 1);
    return {
      signal: (signo, handler) => {
        const old = this.install(v, signo, handler, SA_RESTART);
        return old === null ? (px.fail(E.INVAL), -1) : old;
      },
      bsd_signal: (signo, handler) => { const old = this.install(v, signo, handler, SA_RESTART); return old === null ? (px.fail(E.INVAL), -1) : old; },
      sigaction: (signo, act, oldact) => {
        if (signo < 1 || signo > 31) return px.fail(E.INVAL);
        const cur = this.disp.get(signo);
        if (oldact) {
          px.u8.fill(0, oldact, oldact + 16);
          px.dv.setUint32(oldact, cur?.index ?? 0, true);
          px.dv.setInt32(oldact + 8, cur?.flags ?? 0, true);
        }
        if (act) {
          if (this.install(v, signo, px.dv.getUint32(act, true), px.dv.getInt32(act + 8, true)) === null) return px.fail(E.INVAL);
        }
        return 0;
      },
      raise: (signo) => this.raise(signo),
      kill: (target, signo) => {
        if (target !== 0 && target !== -1 && target !== pid()) return px.fail(E.SRCH);
        return this.raise(signo);
      },
      alarm: (sec) => px.shared.call({ op: 'alarm', sec }).res.left as number,
      pause: () => {
        for (;;) { if (!px.shared.sleep(3600_000)) return px.fail(E.INTR); }
      },
      siginterrupt: (signo, flag) => {
        const d = this.disp.get(signo);
        if (d) d.flags = flag ? d.flags & ~SA_RESTART : d.flags | SA_RESTART;
        return 0;
      },
      // sigset_t is one byte in wasi-libc: masks are accepted but not enforced.
      sigemptyset: (set) => { px.u8[set] = 0; return 0; },
      sigfillset: (set) => { px.u8[set] = 0xff; return 0; },
      sigaddset: (set, n) => { if (n < 1 || n > 31) return px.fail(E.INVAL); if (n <= 8) px.u8[set] |= 1 << (n - 1); return 0; },
      sigdelset: (set, n) => { if (n < 1 || n > 31) return px.fail(E.INVAL); if (n <= 8) px.u8[set] &= ~(1 << (n - 1)); return 0; },
      sigismember: (set, n) => (n >= 1 && n <= 8 && px.u8[set] & (1 << (n - 1)) ? 1 : 0),
      sigprocmask: (_how, _set, old) => { if (old) px.u8[old] = 0; return 0; },
      sigpending: (set) => { px.u8[set] = Atomics.load(px.shared.ctl, Ctl.PendingSignals) >> 1 & 0xff; return 0; },
    };
  }
}

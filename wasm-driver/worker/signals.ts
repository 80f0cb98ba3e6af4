// Signals, worker side. Dispositions belong to the process (they live here,
// in the worker, for the process's life) and carry over updates: a handler
// installed by one version is remapped, by its function's name, to the same
// function of the version running when the signal arrives. Signals are
// delivered at safe points: whenever the program calls into the host (a
// blocking call, a sleep, raise/kill), never in the middle of its own code.
// A blocking call that a handler interrupts returns EINTR unless the handler
// was installed with SA_RESTART and the call is one Linux restarts (read,
// recv, send, accept); poll, select and the sleeps always return EINTR.
// The signal mask (sigprocmask) is the process's too: a blocked signal stays
// pending, whatever its action, until it is unblocked, and is delivered
// then, before sigprocmask returns. sigset_t is Linux's 128 bytes
// (runtime/include/__typedef_sigset_t.h): bit n-1 is signal n.
import { Ctl, type SharedState } from '../common/shared-state.js';
import { E } from '../common/errno.js';
import { SIG, DEFAULT_IGNORED } from '../common/signal-numbers.js';
import { KitsuneError, ExitSignal } from '../../format/errors.js';
import type { ProgramMemory } from './memory.js';
import type { Version } from './version.js';
import type { SignalDelivery } from './waits.js';

const SA_SIGINFO = 4, SA_RESTART = 0x10000000, SA_NODEFER = 0x40000000, SA_RESETHAND = 0x80000000;
/** <signal.h>'s layouts: sigset_t is 128 bytes; struct sigaction is the handler, sa_mask, sa_flags, sa_restorer. */
const SIGSET_BYTES = 128, SA_MASK = 4, SA_FLAGS = 4 + SIGSET_BYTES, SIGACTION_BYTES = SA_FLAGS + 8;
const SIG_BLOCK = 0, SIG_UNBLOCK = 1, SIG_SETMASK = 2;
/** Signals that can never be blocked. */
const UNBLOCKABLE = (1 << SIG.KILL) | (1 << SIG.STOP) | 1;

export type HostFn = (...a: number[]) => number | void;

/** What delivery needs from the program: its table, the running version, and whether an update is under way. */
export interface SignalsContext {
  mem: ProgramMemory;
  shared: SharedState;
  table(): WebAssembly.Table;
  /** The function identity behind a table slot, for messages. */
  identityOf(slot: number): string | undefined;
  current(): Version;
  /** Signals are held while a new version runs before commit. */
  updating(): boolean;
}

interface Disposition {
  /** The table index the program passed (0 = SIG_DFL): a function identity's slot (worker/linker.ts). */
  index: number;
  flags: number;
  ignore: boolean;
  /** sa_mask: signals blocked while the handler runs (bit n: signal n). */
  mask?: number;
}

export class Signals implements SignalDelivery {
  private disp = new Map<number, Disposition>();
  private delivering = false;
  private siginfo = 0;
  /** The blocked signals (bit n: signal n), published for the host in Ctl.BlockedSignals. */
  private blocked = 0;
  /** Whether every handler the last delivery ran had SA_RESTART. */
  lastRestart = true;

  constructor(private readonly c: SignalsContext) {}

  /** The dispositions as they are, for a rollback to put back (restore). */
  snapshot(): Map<number, Disposition> { return new Map([...this.disp].map(([n, d]) => [n, { ...d }])); }
  restore(saved: Map<number, Disposition>): void { this.disp = new Map(saved); this.publish(); }

  /** The signal mask, for a rollback or a fresh worker to put back. */
  get mask(): number { return this.blocked; }
  set mask(m: number) {
    this.blocked = (m & ~UNBLOCKABLE) >>> 0;
    Atomics.store(this.c.shared.ctl, Ctl.BlockedSignals, this.blocked | 0);
  }

  /** A sigset_t in memory as a mask (signals 1-31: the only ones there are here). */
  private readSet(ptr: number): number { return (this.c.mem.dv.getUint32(ptr, true) << 1) >>> 0; }
  private writeSet(ptr: number, mask: number): void {
    this.c.mem.u8.fill(0, ptr, ptr + SIGSET_BYTES);
    this.c.mem.dv.setUint32(ptr, mask >>> 1, true);
  }

  /** sigprocmask(): the old mask to *old, the new one from *set; pending signals it unblocks are delivered now. */
  private procmask(how: number, set: number, old: number): number {
    const cur = this.blocked;
    let next = cur;
    if (set) {
      const s = this.readSet(set);
      if (how === SIG_BLOCK) next = cur | s;
      else if (how === SIG_UNBLOCK) next = cur & ~s;
      else if (how === SIG_SETMASK) next = s;
      else return E.INVAL;
    }
    if (old) this.writeSet(old, cur);
    this.mask = next;
    if (Atomics.load(this.c.shared.ctl, Ctl.PendingSignals) & ~this.blocked) this.deliver();
    return 0;
  }

  /**
   * sigsuspend(): waits with the mask *set until a handler has run (or an
   * update request ends the wait, as it ends pause), then puts the mask back.
   */
  suspend(set: number, wait: () => void): number {
    const before = this.blocked;
    this.mask = this.readSet(set);
    try {
      if (!this.deliver()) wait();
    } finally {
      this.mask = before;
    }
    return this.c.mem.fail(E.INTR);
  }

  /** True while a handler runs: an update point reached there cannot unwind (the host's frames are below it). */
  get inHandler(): boolean { return this.delivering; }

  private publish(): void {
    let handled = 0, ignored = 0;
    for (const [n, d] of this.disp) {
      if (d.ignore) ignored |= 1 << n;
      else if (d.index) handled |= 1 << n;
    }
    Atomics.store(this.c.shared.ctl, Ctl.HandledSignals, handled);
    Atomics.store(this.c.shared.ctl, Ctl.IgnoredSignals, ignored);
  }

  private isIgnoreFn(index: number): boolean {
    if (index === 1) return true;
    const ign = this.c.mem.rt.__SIG_IGN;
    return typeof ign === 'function' && this.c.table().get(index) === ign;
  }

  /** Installs a disposition; returns the previous table index. */
  private install(signo: number, index: number, flags: number, mask = 0): number | null {
    if (signo < 1 || signo > 31 || signo === SIG.KILL || signo === SIG.STOP) return null;
    const old = this.disp.get(signo)?.index ?? 0;
    if (index === 0) this.disp.delete(signo);
    else if (this.isIgnoreFn(index)) this.disp.set(signo, { index, flags, ignore: true });
    else {
      if (!this.c.table().get(index)) return null;
      this.disp.set(signo, { index, flags, ignore: false, ...(mask ? { mask } : {}) });
    }
    this.publish();
    return old;
  }

  /**
   * The handler's function now: its slot belongs to the function's identity
   * and calls the running version's function of that identity, whichever
   * version installed it.
   */
  private resolve(signo: number, d: Disposition): (...a: number[]) => unknown {
    const fn = this.c.table().get(d.index) as ((...a: number[]) => unknown) | null;
    if (typeof fn !== 'function') {
      throw new KitsuneError('E_RUNTIME', `signal ${signo}: its handler ${this.c.identityOf(d.index) ?? `(table slot ${d.index})`} was installed by an earlier version, and version ${this.c.current().meta.buildId} has no function of that name; install the handler again in the new version`);
    }
    return fn;
  }

  /** Runs the handlers of pending signals; true when one ran. */
  deliver(): boolean {
    if (this.delivering || !this.c.mem.hasRuntime || this.c.updating()) return false;
    const ctl = this.c.shared.ctl;
    let ran = false;
    this.lastRestart = true;
    this.delivering = true;
    try {
      for (;;) {
        const pending = Atomics.load(ctl, Ctl.PendingSignals) & ~this.blocked;
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
        // While the handler runs, sa_mask and (without SA_NODEFER) the signal itself are blocked; then the mask is as it was.
        const before = this.blocked;
        this.mask = before | (d.mask ?? 0) | (d.flags & SA_NODEFER ? 0 : 1 << signo);
        try {
          if (d.flags & SA_SIGINFO) {
            if (!this.siginfo) this.siginfo = this.c.mem.rt.malloc(128);
            this.c.mem.u8.fill(0, this.siginfo, this.siginfo + 128);
            this.c.mem.dv.setInt32(this.siginfo, signo, true);
            fn(signo, this.siginfo, 0);
          } else fn(signo);
        } finally {
          this.mask = before;
        }
      }
    } finally {
      this.delivering = false;
    }
    return ran;
  }

  /** Marks `signo` pending and delivers it now (raise, kill of ourselves). */
  raise(signo: number): number {
    if (signo < 0 || signo > 31) return this.c.mem.fail(E.INVAL);
    if (signo === 0) return 0;
    if (signo === SIG.KILL || signo === SIG.STOP) throw new ExitSignal(128 + signo);
    Atomics.or(this.c.shared.ctl, Ctl.PendingSignals, 1 << signo);
    this.deliver();
    return 0;
  }

  /** The signal calls. */
  functions(): Record<string, HostFn> {
    const px = this.c.mem, shared = this.c.shared;
    const pid = () => (typeof px.rt.getpid === 'function' ? (px.rt.getpid as () => number)() : 1);
    return {
      signal: (signo, handler) => {
        const old = this.install(signo, handler, SA_RESTART);
        return old === null ? (px.fail(E.INVAL), -1) : old;
      },
      bsd_signal: (signo, handler) => { const old = this.install(signo, handler, SA_RESTART); return old === null ? (px.fail(E.INVAL), -1) : old; },
      sigaction: (signo, act, oldact) => {
        if (signo < 1 || signo > 31) return px.fail(E.INVAL);
        const cur = this.disp.get(signo);
        // Read before *oldact is written: the two may be one struct.
        const next = act ? { index: px.dv.getUint32(act, true), flags: px.dv.getInt32(act + SA_FLAGS, true), mask: this.readSet(act + SA_MASK) } : undefined;
        if (oldact) {
          px.u8.fill(0, oldact, oldact + SIGACTION_BYTES);
          px.dv.setUint32(oldact, cur?.index ?? 0, true);
          this.writeSet(oldact + SA_MASK, cur?.mask ?? 0);
          px.dv.setInt32(oldact + SA_FLAGS, cur?.flags ?? 0, true);
        }
        if (next && this.install(signo, next.index, next.flags, next.mask) === null) return px.fail(E.INVAL);
        return 0;
      },
      raise: (signo) => this.raise(signo),
      kill: (target, signo) => {
        if (target !== 0 && target !== -1 && target !== pid()) return px.fail(E.SRCH);
        return this.raise(signo);
      },
      alarm: (sec) => shared.call({ op: 'alarm', sec }).res.left as number,
      siginterrupt: (signo, flag) => {
        const d = this.disp.get(signo);
        if (d) d.flags = flag ? d.flags & ~SA_RESTART : d.flags | SA_RESTART;
        return 0;
      },
      // Linux's sigset_t: signals 1 to 64, bit n-1 of the 128 bytes.
      sigemptyset: (set) => { px.u8.fill(0, set, set + SIGSET_BYTES); return 0; },
      sigfillset: (set) => { px.u8.fill(0, set, set + SIGSET_BYTES); px.u8.fill(0xff, set, set + 8); return 0; },
      sigaddset: (set, n) => { if (n < 1 || n > 64) return px.fail(E.INVAL); px.u8[set + ((n - 1) >> 3)] |= 1 << ((n - 1) & 7); return 0; },
      sigdelset: (set, n) => { if (n < 1 || n > 64) return px.fail(E.INVAL); px.u8[set + ((n - 1) >> 3)] &= ~(1 << ((n - 1) & 7)); return 0; },
      sigismember: (set, n) => (n < 1 || n > 64 ? px.fail(E.INVAL) : px.u8[set + ((n - 1) >> 3)] & (1 << ((n - 1) & 7)) ? 1 : 0),
      sigprocmask: (how, set, old) => { const e = this.procmask(how, set, old); return e ? px.fail(e) : 0; },
      pthread_sigmask: (how, set, old) => this.procmask(how, set, old),
      // The pending signals that are blocked (the others were delivered).
      sigpending: (set) => { this.writeSet(set, Atomics.load(shared.ctl, Ctl.PendingSignals) & this.blocked); return 0; },
    };
  }
}

// How the program's blocking calls wait, in its worker: on Atomics.wait over
// the channel's words, never spinning and never holding up the host thread.
// Signals are delivered while waiting (a safe point), and decide, with the
// update request, whether the wait ends early.
//
// An update request may only make a call return what it returns in normal
// operation, so that a program never notices it (README, "Blocking calls"):
// - sleeps end early (sleep() reports the seconds left, usleep() and
//   nanosleep() EINTR with the time left), so a loop reaches its update point;
// - poll() and select() with a timeout end as if it had passed (0 ready),
//   without one with EINTR, as a signal would (wasi.ts);
// - reads, recv(), send() and accept() on blocking descriptors go on waiting
//   (SA_RESTART): the program reaches its point once they return.
// Each request ends at most one wait: the first under way when it comes, or
// the first to start after it while it is not yet taken, so that a request
// made just before a wait is not missed and a loop that retries its timeouts
// without passing an update point does not spin. A handler installed without
// SA_RESTART ends any wait with EINTR; with it, reads and sends go on
// waiting; sleeps, poll and select always end.
import { Ctl, HANGUP, type SharedState } from '../common/shared-state.js';

/** What the waits need from signal delivery (signals.ts). */
export interface SignalDelivery {
  /** Runs pending handlers; true when one ran. */
  deliver(): boolean;
  /** Whether every handler the last delivery ran had SA_RESTART. */
  readonly lastRestart: boolean;
}

export type WaitOutcome = 'ready' | 'intr' | 'timeout';

/** Cooperative threads (threads.ts): a wait that lets the program's other threads run instead of blocking the process. */
export interface Parker {
  /** How many threads the program has (1: none but main). */
  readonly count: number;
  /** The wait the running thread was in when it switched out, taken as the call is made again: its deadline. */
  resume(): { deadline?: number } | undefined;
  /** Waits until `ready()` may hold, running other threads meanwhile (it may throw to switch this one out); false when no switch is possible here. */
  park(ready: () => boolean, saved: { deadline?: number }, what: string): boolean;
  /**
   * Whether an update request should end the running thread's wait (one is
   * waiting and no wait of this thread has ended for it), bound to the thread
   * so that the scheduler can ask while another runs.
   */
  requestCheck(): () => boolean;
  /** The running thread's wait ended for the request: no other wait of its ends for the same one. */
  requestAnswered(): void;
}

export class Waits {
  /** The request counter's value when a wait last answered a request. */
  private answered: number;
  /** Set when the program has threads (threads.ts). */
  parker: Parker | undefined;

  /**
   * `requested`: whether an update request of the host's is waiting for an
   * update point (raised, not yet taken nor withdrawn).
   */
  constructor(private readonly shared: SharedState, private readonly signals: SignalDelivery, private readonly requested: () => boolean) {
    this.answered = this.requestSeq;
  }

  private get ctl() { return this.shared.ctl; }

  /** Runs pending signal handlers; true when one ran. */
  deliver(): boolean {
    return Atomics.load(this.ctl, Ctl.PendingSignals) !== 0 && this.signals.deliver();
  }

  /** Whether a delivery that just ran lets a restartable call go on. */
  get restart(): boolean { return this.signals.lastRestart; }

  /** The update-request counter, bumped by the host with every request. */
  get requestSeq(): number { return Atomics.load(this.ctl, Ctl.SignalSeq); }

  /**
   * Whether a wait should end for an update request now: one is waiting for
   * an update point and no wait has ended for it yet. True once per request.
   */
  updateRequested(): boolean {
    const seq = this.requestSeq;
    if (seq === this.answered || !this.requested()) return false;
    this.answered = seq;
    return true;
  }

  /** Sleeps up to `ms`; false when an update request or a signal handler cut it short. */
  sleep(ms: number): boolean {
    const resumed = this.parker?.resume();
    const deadline = resumed?.deadline ?? performance.now() + ms;
    // With threads, every thread's sleep ends at a request, so that each reaches an update point (threads.ts gathers them).
    const pending = this.parker && this.parker.count > 1 ? this.parker.requestCheck() : undefined;
    for (;;) {
      const wake = Atomics.load(this.ctl, Ctl.Wake);
      if (this.deliver()) return false;
      const left = deadline - performance.now();
      if (left <= 0) return true;
      if (pending ? pending() : this.updateRequested()) { if (pending) this.parker!.requestAnswered(); return false; }
      if (this.parker?.park(() => !!pending?.() || Atomics.load(this.ctl, Ctl.PendingSignals) !== 0, { deadline }, 'a sleep')) continue;
      Atomics.wait(this.ctl, Ctl.Wake, wake, left);
    }
  }

  /**
   * Blocks until `readiness()` has one of `bits` (or a hangup or error), for
   * a read, recv, send or accept on a blocking descriptor. 'intr' when a
   * handler ran that does not restart this call; update requests never end
   * it (SA_RESTART).
   */
  block(readiness: () => number, bits: number, o: { restart: boolean; deadline?: number; threadsInterrupt?: boolean }): WaitOutcome {
    this.parker?.resume();
    // In a program with threads, a request ends an accept (threads.ts brings every thread to a point).
    const pending = o.threadsInterrupt && this.parker && this.parker.count > 1 ? this.parker.requestCheck() : undefined;
    const interrupted = () => !!pending?.();
    for (;;) {
      const wake = Atomics.load(this.ctl, Ctl.Wake);
      if (readiness() & (bits | HANGUP | 8)) return 'ready';
      if (this.deliver() && !(o.restart && this.signals.lastRestart)) return 'intr';
      if (interrupted()) { this.parker!.requestAnswered(); return 'intr'; }
      const left = o.deadline === undefined ? Infinity : o.deadline - performance.now();
      if (left <= 0) return 'timeout';
      const ready = () => (readiness() & (bits | HANGUP | 8)) !== 0 || Atomics.load(this.ctl, Ctl.PendingSignals) !== 0 || interrupted();
      if (this.parker?.park(ready, o.deadline !== undefined ? { deadline: o.deadline } : {}, 'a blocking call (accept, recv, read)')) continue;
      Atomics.wait(this.ctl, Ctl.Wake, wake, left === Infinity ? undefined : left);
    }
  }

  /**
   * Blocks until stdin has data or ends, or until `deadline` (performance.now()
   * time) passes: then an empty read. Update requests never interrupt it
   * (SA_RESTART); a handler installed without SA_RESTART does: then null.
   */
  readStdin(max: number, deadline?: number): Uint8Array | null {
    const shared = this.shared;
    this.parker?.resume();
    for (;;) {
      const seq = Atomics.load(this.ctl, Ctl.Wake);
      if (shared.stdinAvailable() > 0) return shared.takeStdin(max);
      if (shared.stdinClosed()) return new Uint8Array(0);
      if (this.deliver() && !this.signals.lastRestart) return null;
      const left = deadline === undefined ? Infinity : deadline - performance.now();
      if (left <= 0) return new Uint8Array(0);
      const ready = () => shared.stdinAvailable() > 0 || shared.stdinClosed() || Atomics.load(this.ctl, Ctl.PendingSignals) !== 0;
      if (this.parker?.park(ready, deadline !== undefined ? { deadline } : {}, 'a read of stdin')) continue;
      Atomics.wait(this.ctl, Ctl.Wake, seq, left === Infinity ? undefined : left);
    }
  }
}

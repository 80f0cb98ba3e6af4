// POSIX threads for C programs, cooperative, on the one instance of each
// version: every thread has a stack region of its own (from the heap) and
// keeps its Wasm frames, when it is not running, in an Asyncify save buffer
// at the bottom of that region. A thread runs until it calls something that
// must wait (a lock held by another, a condition, a join, a sleep, poll, accept,
// recv, read, sched_yield): then, if another thread can run, its stack is
// unwound into its buffer (the same mechanism as an update's unwind), the
// scheduler rewinds the next thread's, and the call returns in that thread.
// When no thread can run, the worker waits once, with Atomics.wait, for the
// first of all their conditions (I/O readiness, a deadline).
//
// Why cooperative: the sysroot's libc has no atomics, so malloc, stdio and
// errno are not safe under parallel workers, and Wasm tables cannot be shared
// between workers, which every update would have to keep in step. With one
// instance, switches happen only at those calls, never inside libc: the
// allocator, the descriptor table and a printf's line stay whole, and errno
// is saved and put back at every switch, so each thread has its own.
// The policy for a thread that computes without ever calling one of them:
// it is not preempted; the others run when it calls one, or ends.
//
// The calls that switch must be imports Asyncify instruments the callers of
// (compiler/asyncify.ts, THREAD_IMPORTS): a version built for threads says
// so in its kitsune section (asyncify.threads), and one that is not cannot
// create a thread.
import { ExitSignal, KitsuneError } from '../../format/errors.js';
import { describeFailure } from './linker.js';
import { E as WasiE } from '../common/errno.js';
import { Ctl, READABLE, WRITABLE, HANGUP, ERROR, type SharedState } from '../common/shared-state.js';
import { THREAD_SWITCH_CALLS } from '../../format/threads.js';
import type { Parker } from './waits.js';
import { ThreadLocals, type SavedLocals } from './thread-locals.js';
import { ThreadSet } from './thread-set.js';
import type { ProgramMemory } from './memory.js';
import type { Version } from './version.js';

type HostFn = (...a: number[]) => number | void;

/** The errno values the pthread calls return (wasi-libc's, WASI numbering). */
const E = { ...WasiE, BUSY: 10, DEADLK: 16 } as const;

const ended = (t: Thread) => t.state === 'done';

/** asyncify_get_state() values (update.ts names them too). */
const UNWINDING = 1, REWINDING = 2;
/** Bytes kept free between a thread's save buffer and its stack pointer. */
const STACK_RESERVE = 256;
const DEFAULT_STACK = 128 * 1024;
const MIN_STACK = 16 * 1024;

/** musl's pthread_mutex_t (wasi-libc's layout): the type, the owner, the recursion count, in 32-bit words. */
const M_TYPE = 0, M_OWNER = 4, M_COUNT = 20;
const MUTEX_RECURSIVE = 1, MUTEX_ERRORCHECK = 2;
/** musl's pthread_attr_t: __u.__s[0] is the stack size, __u.__i[3*sizeof(long)/4] the detach state. */
const ATTR_STACKSIZE = 0, ATTR_DETACHED = 12;
/** wasi-libc's struct pollfd (int fd; short events; short revents) and its POLLIN, POLLOUT. */
const POLLFD_SIZE = 8, POLLIN = 0x1, POLLOUT = 0x2;

/** What a thread waits for: run it again once `ready()` holds (or `deadline`, performance.now() time, passes). */
interface Block {
  ready(): boolean;
  deadline?: number;
  /** Waits that end on something outside the program (I/O, a clock, a signal, an update request). */
  external: boolean;
  what: string;
  /** Its condition can change without a wake-up (a withdrawn update request): the idle wait looks again every POLL_MS. */
  poll?: boolean;
}
const POLL_MS = 50;
/** How long relaunched threads have to reach their update points after the new main reached its own. */
const RELAUNCH_MS = 5000;

class Suspend {
  constructor(readonly block: Block) {}
}
class ThreadExit {
  constructor(readonly value: number) {}
}

export interface Thread {
  id: number;
  /** The version whose instance holds its frames. */
  v: Version;
  /** Calls the thread's bottom frame: main, or the start function through the table. */
  entry: () => number;
  start?: { slot: number; arg: number };
  /** Its stack region (the main thread's is the version's). */
  stackBase: number;
  stackSize: number;
  ownStack: boolean;
  sp: number;
  state: 'new' | 'suspended' | 'running' | 'done';
  block?: Block;
  /** The wait (waits.ts) the thread was in when it switched out: its deadline. */
  resumeWait?: { deadline?: number };
  /** The update request (requestKey) for which one of its waits last ended: each request ends one wait of each thread. */
  answered?: string;
  /** A call's progress across its re-entries (cond_wait's phases). */
  call?: CondCall;
  errno: number;
  /** ktthreads_update_callback's: called while an update waits for this thread to reach a point. */
  kick?: { slot: number; arg: number };
  /** Its values of the __thread variables while another thread runs (thread-locals.ts). */
  tls?: SavedLocals;
  specific: Map<number, number>;
  retval: number;
  detached: boolean;
  /** Its MIGRATE_LOCAL notes, by version (Version.locals is the running thread's). */
  localsBy: Map<Version, Map<string, { addr: number; size: number }>>;
  /** The update point it parked at, while an update is requested. */
  point?: string;
  /** Relaunched by an update: the point its old self left from, the old self, and whether it is back at that point. */
  updatingFrom?: string;
  from?: Thread;
  arrived?: boolean;
}

interface CondCall { phase: 'wait' | 'lock'; cond: number; mutex: number; count: number; deadline?: number; timedOut: boolean; interruptible: boolean }

export interface ThreadsOptions {
  mem: ProgramMemory;
  shared: SharedState;
  table(): WebAssembly.Table;
  /** Why no thread can switch here (a signal handler, a libc callback), if it cannot. */
  cannotSwitch(): string | undefined;
  /** The update-request counter (waits.ts): Kitsune's waits end when it moves. */
  requestSeq(): number;
  /** Whether an update is requested and not yet taken. */
  requested(): boolean;
  /** The function identity behind a table slot (linker.ts), to name a thread's start function. */
  identityOf(slot: number): string | undefined;
  /** A descriptor's readiness (READABLE | WRITABLE | HANGUP | ERROR), undefined when it is not open: for poll. */
  readiness(fd: number): number | undefined;
}

export class Threads implements Parker {
  private readonly threads = new Map<number, Thread>();
  private order: Thread[] = [];
  private nextId = 1;
  private nextKey = 1;
  private readonly keys = new Map<number, number>();
  private readonly conds = new Map<number, Thread[]>();
  private v!: Version;
  private cur!: Thread;
  /** Depth of wrapped calls under way: a switch is possible only from the outermost. */
  private depth = 0;
  /** A switch-out was started: the version's call returns unwinding. */
  private switching = false;
  /** Switches done, for the benchmark. */
  switches = 0;
  /** An update under way: 'updating' from the main thread's unwind to the commit or rollback. */
  private phase: 'none' | 'updating' = 'none';
  /** Moves whenever parked threads are to go on (a withdrawn, refused or rolled-back update). */
  private gen = 0;
  /** The update's relaunch: the old threads, and their new selves with the deadline to reach their points. */
  private relaunched: { olds: Thread[]; news: Thread[]; deadline: number } | undefined;
  /** Threads rewound by a switch (not by the update protocol): the wrapped call they re-enter stops the rewind. */
  private rewindingThread = false;
  /** Bumped by kitsune_signal_update(), whose request does not move the host's request counter. */
  private selfRequests = 0;

  /** The __thread variables' values, one set per thread. */
  private readonly locals: ThreadLocals;

  /** Kitsune's calls that change which threads an update relaunches. */
  private readonly set: ThreadSet;

  constructor(private readonly o: ThreadsOptions) {
    this.locals = new ThreadLocals(o.mem);
    this.set = new ThreadSet(o.mem, () => this.others());
  }

  /** Threads alive, the main one included. */
  get count(): number { return this.alive; }
  private alive = 0;

  /** A thread for people: its id and start function. */
  private name(t: Thread): string {
    const fn = t.start && this.o.identityOf(t.start.slot);
    return `thread ${t.id}${t.id === 1 ? ' (main)' : fn ? ` (${fn.slice(fn.lastIndexOf('/') + 1)})` : ''}`;
  }

  // ---- the scheduler ----------------------------------------------------------

  /**
   * Runs the program from `v`'s main until main returns (the process ends),
   * or until the update protocol unwinds the main thread (an update or a
   * reclaim scan: the caller's settle handles it). Other threads run when
   * the running one waits.
   */
  run(v: Version, callMain: () => number): number {
    this.v = v;
    let main = this.threads.get(1);
    if (!main) main = this.newThread(v, () => callMain(), v.stackBase, v.stackSize, false);
    main.entry = () => callMain();
    main.v = v;
    main.stackBase = v.stackBase;
    main.stackSize = v.stackSize;
    main.state = 'running';
    main.block = undefined;
    if (!main.localsBy.has(v)) main.localsBy.set(v, v.locals);
    for (const [x, m] of main.localsBy) x.locals = m;
    this.cur = main;
    this.locals.owner ??= main;
    this.rewindingThread = false;
    // The first call: main as the update protocol left it (fresh, or rewinding after a rollback).
    let enter = false;
    for (;;) {
      const t = this.cur;
      let r = 0;
      try {
        if (enter) this.enter(t);
        enter = true;
        r = t.entry();
      } catch (e) {
        if (!(e instanceof ThreadExit)) throw t === main || e instanceof ExitSignal || e instanceof KitsuneError ? e : new KitsuneError('E_RUNTIME', `${this.name(t)}: ${describeFailure(e)}`);
        this.finish(t, e.value);
        if (ended(main) && this.count === 0) return this.ended(v);
        this.cur = this.pick();
        continue;
      }
      const ex = t.v.exports;
      if (ex.asyncify_get_state() === UNWINDING) {
        if (!this.switching) return r; // the update protocol's unwind, from main
        ex.asyncify_stop_unwind();
        this.switching = false;
        const used = this.o.mem.dv.getUint32(t.stackBase, true), end = this.o.mem.dv.getUint32(t.stackBase + 4, true);
        if (used > end) throw new KitsuneError('E_STACK_DEPTH', `thread ${t.id}'s stack is too deep to switch: Asyncify saved ${used - t.stackBase - 8} bytes where its stack region had ${end - t.stackBase - 8} free; give the thread a bigger stack (pthread_attr_setstacksize)`);
        this.cur = this.pick();
        continue;
      }
      if (t === main) return r;
      this.finish(t, r);
      if (ended(main) && this.count === 0) return this.ended(v);
      this.cur = this.pick();
    }
  }

  /** main called pthread_exit and the last thread ended: the process exits as if main returned 0, on main's stack. */
  private ended(v: Version): number {
    v.sp.value = v.stackBase + v.stackSize;
    return 0;
  }

  private newThread(v: Version, entry: () => number, stackBase: number, stackSize: number, ownStack: boolean, id = this.nextId++): Thread {
    const t: Thread = {
      id, v, entry, stackBase, stackSize, ownStack, sp: stackBase + stackSize, state: 'new',
      errno: 0, specific: new Map(), retval: 0, detached: false, localsBy: new Map([[v, v === this.v && id === 1 ? v.locals : new Map()]]),
    };
    this.threads.set(t.id, t);
    this.order.push(t);
    this.alive++;
    return t;
  }

  /** Makes `t` the running thread: its stack pointer and errno, and its frames rewound if it had switched out. */
  private enter(t: Thread): void {
    const { mem } = this.o;
    t.v.sp.value = t.sp;
    mem.dv.setInt32(mem.rt.errno.value as number, t.errno, true);
    this.locals.enter(t);
    for (const [x, m] of t.localsBy) x.locals = m;
    this.switches++;
    if (t.state === 'suspended') {
      t.state = 'running';
      this.rewindingThread = true;
      t.v.exports.asyncify_start_rewind(t.stackBase);
    } else t.state = 'running';
  }

  /** The thread to run next, round robin after the current one; waits when none can run. */
  private pick(): Thread {
    for (;;) {
      const from = Math.max(0, this.order.indexOf(this.cur));
      const n = this.order.length;
      for (let i = 1; i <= n; i++) {
        const t = this.order[(from + i) % n];
        if (t.state === 'suspended' && this.runnable(t)) { t.block = undefined; t.point = undefined; this.prune(); return t; }
        if (t.state === 'new') { this.prune(); return t; }
      }
      this.idle([]);
    }
  }

  private prune(): void {
    if (this.order.length > this.threads.size) this.order = this.order.filter((t) => this.threads.get(t.id) === t);
  }

  private runnable(t: Thread): boolean {
    const b = t.block;
    return !b || b.ready() || (b.deadline !== undefined && performance.now() >= b.deadline);
  }

  /**
   * Waits for the first of the blocked threads' conditions (and `mine`'s).
   * With nothing outside the program that could end any wait, the program is
   * deadlocked: that is reported, as the process would otherwise hang.
   */
  private idle(mine: Block[]): void {
    const blocked = [...mine, ...this.order.filter((t) => t.state === 'suspended' && t.block).map((t) => t.block!)];
    if (!blocked.some((b) => b.external || b.deadline !== undefined)) {
      const who = this.order.filter((t) => t.state !== 'done').map((t) => `${this.name(t)} in ${t === this.cur && mine[0] ? mine[0].what : t.block?.what ?? 'a call'}`);
      throw new KitsuneError('E_RUNTIME', `deadlock: every thread is waiting for another (${who.join(', ')}), and nothing outside the program can wake any of them`);
    }
    const ctl = this.o.shared.ctl;
    const wake = Atomics.load(ctl, Ctl.Wake);
    if (blocked.some((b) => b.ready())) return;
    let until = Infinity;
    for (const b of blocked) if (b.deadline !== undefined) until = Math.min(until, b.deadline);
    if (blocked.some((b) => b.poll)) until = Math.min(until, performance.now() + POLL_MS);
    const left = until - performance.now();
    if (left <= 0) return;
    Atomics.wait(ctl, Ctl.Wake, wake, left === Infinity ? undefined : left);
  }

  private finish(t: Thread, value: number): void {
    t.state = 'done';
    this.alive--;
    t.retval = value;
    t.block = undefined;
    this.runDestructors(t);
    if (t.ownStack) { this.o.mem.rt.free(t.stackBase); t.stackBase = 0; }
    if (t.detached) this.forget(t);
  }

  /** A thread joined, or detached and done: nothing refers to it any more (pick() drops it from the order). */
  private forget(t: Thread): void {
    this.threads.delete(t.id);
  }

  /** pthread_key_create's destructors, up to PTHREAD_DESTRUCTOR_ITERATIONS rounds, on the thread's own stack. */
  private runDestructors(t: Thread): void {
    if (!t.specific.size || !t.stackBase) return;
    const table = this.o.table();
    this.v.sp.value = t.stackBase + t.stackSize;
    this.depth++;
    try {
      for (let round = 0; round < 4 && [...t.specific.values()].some((x) => x); round++) {
        for (const [key, value] of [...t.specific]) {
          const dtor = this.keys.get(key);
          if (!value || !dtor) continue;
          t.specific.set(key, 0);
          (table.get(dtor) as (p: number) => void)(value);
        }
      }
    } finally { this.depth--; }
  }

  // ---- waiting --------------------------------------------------------------

  /**
   * The running thread must wait for `b`. Returns once `b.ready()` may hold
   * (the caller checks again), having waited in place when no other thread
   * can run; throws Suspend to switch the thread out when another can.
   */
  private wait(b: Block): void {
    if (b.ready()) return;
    const why = this.depth !== 1 ? 'a call made from inside another one (a signal handler, a destructor)' : this.o.cannotSwitch();
    if (why) {
      if (!b.external && b.deadline === undefined && this.count > 1) throw new KitsuneError('E_RUNTIME', `${this.name(this.cur)} must wait in ${b.what} ${why}, where threads cannot switch; the wait could never end`);
      if (!b.external && b.deadline === undefined) throw new KitsuneError('E_RUNTIME', `deadlock: the only thread waits in ${b.what}, which nothing can end`);
      this.idleFor(b);
      return;
    }
    for (;;) {
      if (b.ready() || (b.deadline !== undefined && performance.now() >= b.deadline)) return;
      if (this.order.some((t) => t !== this.cur && (t.state === 'new' || (t.state === 'suspended' && this.runnable(t))))) throw new Suspend(b);
      this.idle([b]);
    }
  }

  /** Waits in place, no switch possible: only for conditions outside the program. */
  private idleFor(b: Block): void {
    const ctl = this.o.shared.ctl;
    for (;;) {
      const wake = Atomics.load(ctl, Ctl.Wake);
      if (b.ready()) return;
      const left = Math.min(b.deadline === undefined ? Infinity : b.deadline - performance.now(), b.poll ? POLL_MS : Infinity);
      if (b.deadline !== undefined && b.deadline <= performance.now()) return;
      Atomics.wait(ctl, Ctl.Wake, wake, left === Infinity ? undefined : left);
    }
  }

  /**
   * Which update request is waiting: the host's counter, the updates done
   * (gen) and the program's own requests, so that a request after a
   * committed or withdrawn one is a new one.
   */
  private requestKey(): string { return `${this.o.requestSeq()}:${this.gen}:${this.selfRequests}`; }

  /**
   * Whether an update request should end a wait of `t` that Kitsune ends (its
   * cond waits and sleeps, sleep, accept): one is waiting for an update point
   * and no wait of `t`'s has ended for it yet. Asked of each thread, not of
   * the wait: a thread that began its wait after the request came (it was
   * switched out on a lock between its update point and the wait) must be
   * woken too, or it never reaches a point; once per request, so that a loop
   * that waits again without passing a point does not spin.
   */
  private requestFor(t: Thread): boolean { return this.o.requested() && t.answered !== this.requestKey(); }

  /** A wait of `t` ended for the waiting request. */
  private answer(t: Thread): void { t.answered = this.requestKey(); }

  /** Parker (waits.ts): requestFor, bound to the running thread. */
  requestCheck(): () => boolean {
    const t = this.cur;
    return () => !!t && this.requestFor(t);
  }

  /** Parker (waits.ts): the running thread's wait ended for the request. */
  requestAnswered(): void { if (this.cur) this.answer(this.cur); }

  /** Parker (waits.ts): the wait the re-entered call was in. */
  resume(): { deadline?: number } | undefined {
    const t = this.cur;
    const r = t?.resumeWait;
    if (t) t.resumeWait = undefined;
    return r;
  }

  /** Parker (waits.ts): a blocking wait of sleep, accept, recv, read lets the other threads run. */
  park(ready: () => boolean, saved: { deadline?: number }, what: string): boolean {
    if (this.count <= 1 || this.depth !== 1 || this.o.cannotSwitch()) return false;
    try {
      this.wait({ ready, ...(saved.deadline !== undefined ? { deadline: saved.deadline } : {}), external: true, what });
    } catch (e) {
      if (e instanceof Suspend) this.cur.resumeWait = saved;
      throw e;
    }
    return true;
  }

  /**
   * A call that may make the thread wait: while rewinding into it, Asyncify
   * is stopped and the call made again; when it must wait and another thread
   * can run, the thread's stack is unwound from here.
   */
  switching_(fn: HostFn): HostFn {
    return (...a: number[]) => {
      // Rewinding into this call: the thread switched out here, and now runs again.
      if (this.rewindingThread && this.depth === 0) {
        const ex = this.cur.v.exports;
        if (ex.asyncify_get_state() === REWINDING) ex.asyncify_stop_rewind();
        this.rewindingThread = false;
      }
      this.depth++;
      try {
        const r = fn(...a);
        if (this.depth === 1 && this.cur) { this.cur.call = undefined; this.cur.resumeWait = undefined; }
        return r;
      } catch (e) {
        if (!(e instanceof Suspend)) throw e;
        this.switchOut(e.block);
        return 0;
      } finally {
        this.depth--;
      }
    };
  }

  private switchOut(b: Block): void {
    const t = this.cur, { mem } = this.o;
    t.block = b;
    t.sp = t.v.sp.value as number;
    t.errno = mem.dv.getInt32(mem.rt.errno.value as number, true);
    const end = t.sp - STACK_RESERVE;
    if (end <= t.stackBase + 8 + 64) throw new KitsuneError('E_STACK_DEPTH', `thread ${t.id}'s stack region is full (${t.stackSize} bytes): no room to save its frames for a switch`);
    mem.dv.setUint32(t.stackBase, t.stackBase + 8, true);
    mem.dv.setUint32(t.stackBase + 4, end, true);
    t.state = 'suspended';
    this.switching = true;
    t.v.exports.asyncify_start_unwind(t.stackBase);
  }

  // ---- updates: every thread at an update point, relaunched by the new version ----

  /** Whether the running thread is not the main one. */
  get inThread(): boolean { return !!this.cur && this.cur.id !== 1; }

  private others(): Thread[] { return this.order.filter((t) => t.id !== 1 && t.state !== 'done' && this.threads.get(t.id) === t); }

  /**
   * A thread other than main reached update point `name` while an update is
   * requested: it parks there until the update commits (then its new self
   * goes on) or does not happen (then it goes on from here). Returns at once
   * when no switch is possible here: the thread reaches a point again later.
   */
  parkAtPoint(name: string): void {
    const t = this.cur;
    if (this.depth !== 1 || this.o.cannotSwitch()) return;
    t.point = name;
    this.kick();
    const g = this.gen;
    this.wait({ ready: () => this.gen !== g || (this.phase === 'none' && !this.o.requested()), external: true, poll: true, what: `update point "${name}"` });
    t.point = undefined;
  }

  /**
   * Main reached update point `name` with an update requested: returns once
   * every other thread has parked at a point (they run meanwhile; a thread
   * in Kitsune's waits or a sleep is woken by the request). A thread that
   * never gets there keeps the update waiting, as a single-threaded program
   * that never reaches a point does: the request's deadline withdraws it.
   */
  gather(name: string): void {
    if (this.count <= 1) return;
    this.cur.point = name;
    this.kick();
    const all = () => this.others().every((t) => t.point !== undefined) || !this.o.requested();
    this.wait({ ready: all, external: true, poll: true, what: `update point "${name}", waiting for the other threads to reach theirs` });
    this.cur.point = undefined;
  }

  /**
   * As Kitsune's rapidq does when a thread reaches its point: the update
   * callback (ktthreads_update_callback) of every thread not yet at one is
   * called, on this thread's stack and with no switch possible inside, so
   * that it can end a wait the request does not (a read of a pipe, say).
   */
  private kick(): void {
    for (const t of this.others()) {
      if (t.point !== undefined || !t.kick || t === this.cur) continue;
      const { slot, arg } = t.kick;
      this.depth++;
      try { (this.o.table().get(slot) as (p: number) => void)(arg); } finally { this.depth--; }
    }
  }

  /** The update is taken (main unwinds now): parked threads stay parked until it commits or rolls back. */
  hold(): void { if (this.count > 1) this.phase = 'updating'; }

  /**
   * In the new version: a relaunched thread reached `name`. If its old self
   * left from there, it has arrived, and waits at the point for the commit.
   */
  arrive(name: string): void {
    const t = this.cur;
    if (t.updatingFrom !== name || !this.relaunched) return;
    t.arrived = true;
    this.wait({ ready: () => this.phase === 'none', external: false, what: `update point "${name}", waiting for the commit` });
  }

  /**
   * The new main reached the update point its old self left from: the old
   * threads are relaunched, each with the new version's start function of
   * the same name (its table slot follows it) and its argument, under its
   * thread id; returns once each is back at the point its old self left
   * from. One that faults rolls the update back; one that does not arrive
   * within RELAUNCH_MS does too.
   */
  relaunch(next: Version): void {
    if (this.phase !== 'updating') return;
    if (!this.relaunched) {
      const olds = this.others().filter((t) => t.point !== undefined && t.start);
      const news: Thread[] = [];
      const stackFor = (size: number, who: string) => {
        const stack = this.o.mem.rt.aligned_alloc(16, size);
        if (!stack) throw new KitsuneError('E_RUNTIME', `out of memory relaunching ${who} (a stack of ${size} bytes)`);
        return stack;
      };
      const startable = (slot: number, who: string) => {
        if (typeof this.o.table().get(slot) === 'function') return;
        const fn = this.o.identityOf(slot) ?? `slot ${slot}`;
        throw new KitsuneError('E_LINK', `${who} cannot be relaunched: the new version has no function \`${fn.slice(fn.lastIndexOf('/') + 1)}\` to start it with (keep the start function, and its pthread_create, in the new version: a static function nothing refers to is left out)`);
      };
      for (const old of olds) {
        // kitsune_thread_remove(): not relaunched; its old self goes at commit, and comes back at a rollback.
        if (this.set.isRemoved(old)) { this.order.splice(this.order.indexOf(old), 1); this.threads.delete(old.id); this.alive--; continue; }
        // Its ktthread_info, as the migration code left it (kitsune_threads_next()), says what it starts with.
        const { slot, arg } = this.set.startOf(old)!;
        startable(slot, this.name(old));
        const t = this.newThread(next, () => (this.o.table().get(slot) as (p: number) => number)(arg), stackFor(old.stackSize, `thread ${old.id}`), old.stackSize, true, old.id);
        this.order.pop();
        this.order[this.order.indexOf(old)] = t;
        this.alive--; // it takes its old self's place
        Object.assign(t, { start: { slot, arg }, detached: old.detached, specific: new Map(old.specific), updatingFrom: old.point, from: old, arrived: false, tls: this.locals.carried(old, next), kick: old.kick });
        t.localsBy.set(old.v, old.localsBy.get(old.v) ?? new Map());
        news.push(t);
      }
      // kitsune_thread_add(): started with the relaunched ones, updating from the point it was given.
      for (const a of this.set.takeAdded()) {
        const size = Math.max(MIN_STACK, a.stackSize ?? DEFAULT_STACK);
        startable(a.slot, `a thread added by kitsune_thread_add (${this.o.identityOf(a.slot) ?? `slot ${a.slot}`})`);
        const t = this.newThread(next, () => (this.o.table().get(a.slot) as (p: number) => number)(a.arg), stackFor(size, 'a thread added by kitsune_thread_add'), size, true);
        Object.assign(t, { start: { slot: a.slot, arg: a.arg }, detached: a.detached, updatingFrom: a.point, arrived: false });
        news.push(t);
      }
      this.relaunched = { olds, news, deadline: performance.now() + RELAUNCH_MS };
    }
    const r = this.relaunched;
    const arrived = (t: Thread) => t.arrived || t.state === 'done';
    this.wait({ ready: () => r.news.every(arrived), deadline: r.deadline, external: false, what: 'the update point, waiting for the relaunched threads to reach theirs' });
    const late = r.news.filter((t) => !arrived(t));
    if (late.length) {
      throw new KitsuneError('E_UPDATE_BUSY', `${late.map((t) => `${this.name(t)}, relaunched,`).join(' ')} did not reach ${late.length > 1 ? 'their' : 'its'} update point ("${late[0].updatingFrom}") within ${RELAUNCH_MS} ms${late[0].block ? ` (${this.name(late[0])} is in ${late[0].block.what})` : ''}`);
    }
  }

  /** The update committed: the old threads are gone, their new selves go on from their points. */
  commit(): void {
    const r = this.relaunched;
    for (const old of r?.olds ?? []) { if (old.ownStack && old.stackBase) this.o.mem.rt.free(old.stackBase); old.stackBase = 0; }
    for (const t of r?.news ?? []) { t.updatingFrom = undefined; t.from = undefined; t.arrived = undefined; }
    for (const t of this.threads.values()) for (const x of [...t.localsBy.keys()]) if (x !== t.v) t.localsBy.delete(x);
    this.relaunched = undefined;
    this.set.end();
    this.phase = 'none';
    this.gen++;
  }

  /** The update did not happen or rolled back: threads of the new version are dropped, the old ones go on from their points. */
  rollback(old: Version): void {
    const r = this.relaunched;
    for (const t of [...this.threads.values()]) {
      if (t.v === old || t.id === 1) continue;
      if (t.state !== 'done') this.alive--;
      t.state = 'done';
      if (t.ownStack && t.stackBase) this.o.mem.rt.free(t.stackBase);
      this.threads.delete(t.id);
    }
    for (const q of this.conds.values()) for (let i = q.length - 1; i >= 0; i--) if (!this.threads.has(q[i].id) || this.threads.get(q[i].id) !== q[i]) q.splice(i, 1);
    for (const o of r?.olds ?? []) {
      this.threads.set(o.id, o);
      this.alive++;
      const i = this.order.findIndex((t) => t.id === o.id);
      if (i >= 0) this.order[i] = o; else this.order.push(o);
    }
    this.order = this.order.filter((t) => this.threads.get(t.id) === t);
    const main = this.threads.get(1);
    if (main) for (const x of [...main.localsBy.keys()]) if (x !== old) main.localsBy.delete(x);
    if (main) this.locals.rolledBack(main);
    this.relaunched = undefined;
    this.set.end();
    this.phase = 'none';
    this.gen++;
  }

  // ---- the calls --------------------------------------------------------------

  /** The host's pthread calls, and the blocking calls of `base` made able to switch threads. */
  functions(v: Version, base: Record<string, HostFn>): Record<string, HostFn> {
    const { mem } = this.o;
    const dv = () => mem.dv;
    const self = () => this.cur?.id ?? 1;
    const threaded = !!(v.meta.asyncify as { threads?: boolean }).threads;
    const abs = (ts: number) => {
      // An absolute CLOCK_REALTIME time, as a performance.now() deadline.
      const d = dv();
      const ms = Number(d.getBigInt64(ts, true)) * 1000 + d.getInt32(ts + 8, true) / 1e6;
      return performance.now() + (ms - Date.now());
    };
    const lock = (m: number, deadline: number | undefined, tryOnly: boolean): number => {
      for (;;) {
        const d = dv(), type = d.getInt32(m + M_TYPE, true) & 3, owner = d.getInt32(m + M_OWNER, true);
        if (owner === 0) {
          d.setInt32(m + M_OWNER, self(), true);
          d.setInt32(m + M_COUNT, 1, true);
          return 0;
        }
        if (owner === self()) {
          if (type === MUTEX_RECURSIVE) { d.setInt32(m + M_COUNT, d.getInt32(m + M_COUNT, true) + 1, true); return 0; }
          if (type === MUTEX_ERRORCHECK || tryOnly) return tryOnly ? E.BUSY : E.DEADLK;
        }
        if (tryOnly) return E.BUSY;
        if (deadline !== undefined && performance.now() >= deadline) return E.TIMEDOUT;
        this.wait({ ready: () => mem.dv.getInt32(m + M_OWNER, true) === 0, ...(deadline !== undefined ? { deadline } : {}), external: false, what: 'pthread_mutex_lock' });
      }
    };
    const unlock = (m: number): number => {
      const d = dv(), type = d.getInt32(m + M_TYPE, true) & 3, owner = d.getInt32(m + M_OWNER, true);
      // A normal mutex unlocked by another thread is undefined behaviour in POSIX; like glibc, it is let go.
      if (owner !== self() && type !== 0) return E.PERM;
      const count = d.getInt32(m + M_COUNT, true);
      if (type === MUTEX_RECURSIVE && count > 1) { d.setInt32(m + M_COUNT, count - 1, true); return 0; }
      d.setInt32(m + M_OWNER, 0, true);
      d.setInt32(m + M_COUNT, 0, true);
      return 0;
    };
    // pthread_rwlock_t: word 0 counts the readers, word 1 is the writer's id (pthread_rwlock_init zeroes both).
    const rwlock = (rw: number, write: boolean, deadline: number | undefined, tryOnly: boolean): number => {
      for (;;) {
        const d = dv(), readers = d.getInt32(rw, true), writer = d.getInt32(rw + 4, true);
        if (writer === self()) return E.DEADLK;
        if (writer === 0 && (!write || readers === 0)) {
          if (write) d.setInt32(rw + 4, self(), true); else d.setInt32(rw, readers + 1, true);
          return 0;
        }
        if (tryOnly) return E.BUSY;
        if (deadline !== undefined && performance.now() >= deadline) return E.TIMEDOUT;
        this.wait({
          ready: () => { const x = mem.dv; return x.getInt32(rw + 4, true) === 0 && (!write || x.getInt32(rw, true) === 0); },
          ...(deadline !== undefined ? { deadline } : {}), external: false, what: write ? 'pthread_rwlock_wrlock' : 'pthread_rwlock_rdlock',
        });
      }
    };
    const rwunlock = (rw: number): number => {
      const d = dv(), readers = d.getInt32(rw, true), writer = d.getInt32(rw + 4, true);
      if (writer === self()) { d.setInt32(rw + 4, 0, true); return 0; }
      if (writer === 0 && readers > 0) { d.setInt32(rw, readers - 1, true); return 0; }
      return E.PERM;
    };
    const waiters = (c: number) => { let q = this.conds.get(c); if (!q) this.conds.set(c, q = []); return q; };
    const condWait = (c: number, m: number, ts: number, interruptible: boolean): number => {
      const t = this.cur;
      let call = t.call;
      if (!call) {
        const d = dv();
        if (d.getInt32(m + M_OWNER, true) !== self() && (d.getInt32(m + M_TYPE, true) & 3) !== 0) return E.PERM;
        const count = d.getInt32(m + M_COUNT, true) || 1;
        d.setInt32(m + M_OWNER, 0, true);
        d.setInt32(m + M_COUNT, 0, true);
        call = t.call = { phase: 'wait', cond: c, mutex: m, count, timedOut: false, interruptible, ...(ts ? { deadline: abs(ts) } : {}) };
        waiters(c).push(t);
      }
      for (;;) {
        if (call.phase === 'wait') {
          const q = waiters(c);
          const queued = () => q.includes(t);
          const interrupted = () => call!.interruptible && this.requestFor(t);
          const late = () => call!.deadline !== undefined && performance.now() >= call!.deadline;
          if (queued() && !interrupted() && !late()) {
            this.wait({ ready: () => !queued() || interrupted(), ...(call.deadline !== undefined ? { deadline: call.deadline } : {}), external: call.interruptible, what: ts ? 'pthread_cond_timedwait' : 'pthread_cond_wait' });
            continue;
          }
          if (queued()) {
            q.splice(q.indexOf(t), 1);
            call.timedOut = late();
            if (!call.timedOut) this.answer(t);
          }
          call.phase = 'lock';
        }
        const owner = dv().getInt32(m + M_OWNER, true);
        if (owner === 0) {
          dv().setInt32(m + M_OWNER, self(), true);
          dv().setInt32(m + M_COUNT, call.count, true);
          return call.timedOut ? E.TIMEDOUT : 0;
        }
        this.wait({ ready: () => mem.dv.getInt32(m + M_OWNER, true) === 0, external: false, what: 'pthread_cond_wait (taking the mutex back)' });
      }
    };
    const wake = (c: number, all: boolean): number => {
      const q = this.conds.get(c);
      if (q?.length) { if (all) q.length = 0; else q.shift(); }
      return 0;
    };
    const create = (tp: number, attr: number, fn: number, arg: number): number => {
      if (!threaded) throw new KitsuneError('E_MODULE', `version ${v.meta.buildId} calls pthread_create but was not built for threads: rebuild it with this kitsune build (its blocking calls must be instrumented)`);
      const d = dv();
      const size = attr ? Math.max(MIN_STACK, d.getUint32(attr + ATTR_STACKSIZE, true) || DEFAULT_STACK) : DEFAULT_STACK;
      const stack = mem.rt.aligned_alloc(16, Math.ceil(size / 16) * 16);
      if (!stack) return E.AGAIN;
      const t = this.newThread(this.cur?.v ?? v, () => 0, stack, size, true);
      t.start = { slot: fn, arg };
      t.entry = () => (this.o.table().get(fn) as (p: number) => number)(arg);
      t.detached = !!attr && d.getInt32(attr + ATTR_DETACHED, true) !== 0;
      if (tp) mem.dv.setUint32(tp, t.id, true);
      return 0;
    };
    const join = (id: number, retp: number): number => {
      const t = this.threads.get(id);
      if (!t) return E.SRCH;
      if (t === this.cur) return E.DEADLK;
      if (t.detached) return E.INVAL;
      while (t.state !== 'done') this.wait({ ready: () => t.state === 'done', external: false, what: `pthread_join(thread ${id})` });
      if (retp) mem.dv.setUint32(retp, t.retval, true);
      this.forget(t);
      return 0;
    };
    const sleepMs = (ms: number) => {
      const t = this.cur;
      const deadline = t.resumeWait?.deadline ?? performance.now() + ms;
      t.resumeWait = undefined;
      try {
        this.wait({ ready: () => this.requestFor(t), deadline, external: true, what: 'ktthreads_ms_sleep' });
      } catch (e) {
        if (e instanceof Suspend) t.resumeWait = { deadline };
        throw e;
      }
      if (performance.now() < deadline && this.requestFor(t)) this.answer(t);
    };
    const s = (f: HostFn) => this.switching_(f);
    // libc's poll, made able to switch: while none of its descriptors is ready, the other threads run.
    // libc does the polling itself (with no timeout, so it never waits): its readiness, its revents, its EINTR for a signal.
    const rtPoll = mem.rt.poll as ((fds: number, n: number, timeout: number) => number) | undefined;
    const poll = (fds: number, n: number, timeout: number): number => {
      const t = this.cur;
      if (!rtPoll) throw new KitsuneError('E_RUNTIME', 'the runtime exports no poll: rebuild runtime/runtime.wasm (npm run build)');
      if (this.count <= 1 || this.depth !== 1 || this.o.cannotSwitch()) return rtPoll(fds, n, timeout); // waits in libc, as without threads
      const deadline = t.resumeWait?.deadline ?? (timeout >= 0 ? performance.now() + timeout : undefined);
      t.resumeWait = undefined;
      const anyReady = () => {
        const d = mem.dv;
        for (let i = 0; i < n; i++) {
          const fd = d.getInt32(fds + POLLFD_SIZE * i, true), events = d.getInt16(fds + POLLFD_SIZE * i + 4, true);
          if (fd < 0) continue; // ignored, as poll does
          const r = this.o.readiness(fd);
          if (r === undefined || r & (HANGUP | ERROR) || (events & POLLIN && r & READABLE) || (events & POLLOUT && r & WRITABLE)) return true;
        }
        return false;
      };
      const ctl = this.o.shared.ctl;
      for (;;) {
        const r = rtPoll(fds, n, 0);
        if (r !== 0 || timeout === 0) return r;
        if (deadline !== undefined && performance.now() >= deadline) return 0;
        // An update request ends it as the call ends without one (waits.ts): with a timeout as if it passed, without one with EINTR.
        if (this.requestFor(t)) {
          this.answer(t);
          if (timeout >= 0) return 0;
          mem.dv.setInt32(mem.rt.errno.value as number, E.INTR, true);
          return -1;
        }
        try {
          this.wait({ ready: () => anyReady() || Atomics.load(ctl, Ctl.PendingSignals) !== 0 || this.requestFor(t), ...(deadline !== undefined ? { deadline } : {}), external: true, what: 'poll' });
        } catch (e) {
          if (e instanceof Suspend) t.resumeWait = deadline !== undefined ? { deadline } : {};
          throw e;
        }
      }
    };
    // The POSIX calls that wait (time.ts, sockets.ts, read): able to switch, in a version built for threads.
    const wrapped: Record<string, HostFn> = {};
    if (threaded) for (const n of [...THREAD_SWITCH_CALLS, '__kitsune_update_point']) if (base[n]) wrapped[n] = s(base[n]);
    // A relaunched thread steers itself to the point its old self left from, not main's.
    const signalUpdate = base.kitsune_signal_update;
    if (threaded && signalUpdate) wrapped.kitsune_signal_update = () => { this.selfRequests++; return signalUpdate(); };
    const updatingFrom = base.kitsune_is_updating_from;
    if (threaded && updatingFrom) wrapped.kitsune_is_updating_from = (p) => {
      const from = this.cur?.updatingFrom;
      return from === undefined ? updatingFrom(p) : (base.kitsune_is_updating!() && mem.cstring(p) === from ? 1 : 0);
    };
    return {
      ...wrapped,
      ...(threaded ? { poll: s(poll) } : {}),
      ...this.set.functions(),
      ktthreads_update_callback: (cb, arg) => { const t = this.cur ?? this.mainStub(); t.kick = cb ? { slot: cb, arg } : undefined; },
      pthread_create: create,
      kitsune_pthread_create: create,
      pthread_join: s(join),
      pthread_detach: (id) => {
        const t = this.threads.get(id);
        if (!t) return E.SRCH;
        if (t.detached) return E.INVAL;
        t.detached = true;
        if (t.state === 'done') this.forget(t);
        return 0;
      },
      pthread_self: () => self(),
      pthread_equal: (a, b) => (a === b ? 1 : 0),
      pthread_exit: (value) => { throw new ThreadExit(value); },
      pthread_mutex_lock: s((m) => lock(m, undefined, false)),
      pthread_mutex_timedlock: s((m, ts) => lock(m, abs(ts), false)),
      pthread_mutex_trylock: (m) => lock(m, undefined, true),
      pthread_mutex_unlock: unlock,
      pthread_cond_wait: s((c, m) => condWait(c, m, 0, false)),
      pthread_cond_timedwait: s((c, m, ts) => condWait(c, m, ts, false)),
      ktthreads_pthread_cond_wait: s((c, m) => condWait(c, m, 0, true)),
      ktthreads_pthread_cond_timedwait: s((c, m, ts) => condWait(c, m, ts, true)),
      ktthreads_ms_sleep: s((ms) => { sleepMs(ms); }),
      pthread_rwlock_rdlock: s((rw) => rwlock(rw, false, undefined, false)),
      pthread_rwlock_wrlock: s((rw) => rwlock(rw, true, undefined, false)),
      pthread_rwlock_timedrdlock: s((rw, ts) => rwlock(rw, false, abs(ts), false)),
      pthread_rwlock_timedwrlock: s((rw, ts) => rwlock(rw, true, abs(ts), false)),
      pthread_rwlock_tryrdlock: (rw) => rwlock(rw, false, undefined, true),
      pthread_rwlock_trywrlock: (rw) => rwlock(rw, true, undefined, true),
      pthread_rwlock_unlock: rwunlock,
      pthread_cond_signal: (c) => wake(c, false),
      pthread_cond_broadcast: (c) => wake(c, true),
      pthread_cond_destroy: (c) => { this.conds.delete(c); return 0; },
      sched_yield: s(() => {
        if (this.cur.resumeWait) { this.cur.resumeWait = undefined; return 0; }
        if (this.depth === 1 && !this.o.cannotSwitch() && this.order.some((t) => t !== this.cur && (t.state === 'new' || (t.state === 'suspended' && this.runnable(t))))) {
          this.cur.resumeWait = {};
          throw new Suspend({ ready: () => true, external: false, what: 'sched_yield' });
        }
        return 0;
      }),
      pthread_key_create: (kp, dtor) => { const k = this.nextKey++; this.keys.set(k, dtor); mem.dv.setUint32(kp, k, true); return 0; },
      pthread_key_delete: (k) => { if (!this.keys.has(k)) return E.INVAL; this.keys.delete(k); for (const t of this.threads.values()) t.specific.delete(k); return 0; },
      pthread_getspecific: (k) => this.cur?.specific.get(k) ?? 0,
      pthread_setspecific: (k, p) => { if (!this.keys.has(k)) return E.INVAL; (this.cur ?? this.mainStub()).specific.set(k, p); return 0; },
      pthread_once: (ctl, fn) => {
        const d = dv();
        if (d.getInt32(ctl, true) !== 0) return 0;
        d.setInt32(ctl, 1, true);
        this.depth++;
        try { (this.o.table().get(fn) as () => void)(); } finally { this.depth--; }
        mem.dv.setInt32(ctl, 2, true);
        return 0;
      },
    };
  }

  /** Thread-specific data set before the scheduler ran (a constructor): it belongs to the main thread. */
  private mainStub(): Thread {
    const t = this.threads.get(1) ?? this.newThread(this.v, () => 0, 0, 0, false);
    this.cur ??= t;
    return t;
  }
}

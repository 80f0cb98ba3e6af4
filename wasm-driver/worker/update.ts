// The update protocol, worker side: one update is a transaction in stages.
//
//   point     the old version reaches an update point while an update is
//             requested and claims it (updatePoint)
//   unwind    Asyncify unwinds the old stack into a buffer at the base of
//             the old version's stack region; the old main returns (settle)
//   link      the new version is instantiated beside the old one (begin)
//   init      its _kitsune_prestart_xform hook runs
//   migrate   its main migrates state (kitsune_do_automigrate, MIGRATE_*)
//   main      its main steers itself back to the loop the old one left
//   commit    it reaches the same update point: the old version retires
//             (commit); any failure before this, anywhere, rolls back: the
//             old stack is rewound and the old version resumes from its
//             update point as if no update had been asked for (rollback)
//
// The host's side of the handshake (reading, validating and compiling the
// next version, raising the request) is host/process.ts; the request word
// itself is common/state-word.ts.
import { ExitSignal, KitsuneError, type ErrorCode } from '../../format/errors.js';
import { now } from '../common/clock.js';
import type { StateWord } from '../common/state-word.js';
import type { KitsuneEvent, UpdateFailedMessage, UpdateMessage, UpdateStage, UpdateTrace } from '../common/protocol.js';
import { layoutOf, currentFrames, wasmFrames, readAddressMap, memoryCopy } from './inspect.js';
import { saveBuffer, savedRange, startUnwind, type SaveBuffer } from './save-buffer.js';
import { describeFailure, type Linker, type HostFunctions } from './linker.js';
import { checkpointOf, undoFromMemory, type Checkpoint } from './checkpoint.js';
import type { PosixRecord } from './posix.js';
import type { Migration, MigrationScope } from './migration.js';
import type { Reclaim } from './reclaim.js';
import type { ProgramMemory } from './memory.js';
import type { Version } from './version.js';

/** asyncify_get_state(), named as GoogleChromeLabs' asyncify wrapper names it. */
export const enum Asyncify { None = 0, Unwinding = 1, Rewinding = 2 }

interface Unwinding {
  stage: 'unwind';
  old: Version;
  point: string;
  requestId: number;
  /** The program's own request: the host's answer to it, under way. */
  self?: Promise<UpdateMessage | UpdateFailedMessage>;
  /** Where Asyncify saved the old stack: the `{pos, end}` header, then the frames. */
  buffer: SaveBuffer;
  /** Both stack pointers at the unwind: unwinding skips epilogues, so they are put back by hand. */
  sp: number;
  runtimeSp: number;
  unwoundAt: number;
  /** With `inspect`: what the update did, filled in as it goes. */
  trace?: UpdateTrace;
}
interface Linking extends Omit<Unwinding, 'stage'> {
  stage: 'link';
  msg: UpdateMessage;
  unwindMillis: number;
  snapshot?: Uint8Array;
  linkStart: number;
}
interface Running extends Omit<Linking, 'stage'>, MigrationScope {
  stage: 'init' | 'migrate' | 'main' | 'commit';
  next: Version;
  loadMillis: number;
  migrateMillis: number;
}
type Transaction = Unwinding | Linking | Running;

export interface UpdaterHost {
  post(event: KitsuneEvent): void;
  /** The update message the host posted with `id` (it arrives while the old stack unwinds). */
  nextUpdate(id: number): Promise<UpdateMessage>;
  /** The id of the update the host requested last. */
  pendingId(): number;
  /** Asks the host for the version the program named for its own request (kitsune_set_next_version), read now. */
  selfUpdate(path: string | null): Promise<UpdateMessage | UpdateFailedMessage>;
  /** Hands the host what a fresh worker needs if this one has to be stopped, before the new version runs (checkpoint.ts). */
  checkpoint(id: number, cp: Checkpoint): void;
  /** The stage the update is in, for the host's report if it has to stop this worker. */
  stage(id: number, stage: UpdateStage): void;
}

/** The program's threads, as an update brings them to their points and the new version relaunches them (threads.ts). */
export interface UpdaterThreads {
  readonly count: number;
  /** The running thread is not the main one. */
  readonly inThread: boolean;
  /** Another thread reached point `name` while an update is requested: it parks there (it may switch out). */
  parkAtPoint(name: string): void;
  /** Main reached point `name` with an update requested: returns once every other thread has parked. */
  gather(name: string): void;
  /** The update is taken: parked threads stay parked until commit or rollback. */
  hold(): void;
  /** In the new version, a relaunched thread reached `name`: it waits there for the commit if it is its old self's point. */
  arrive(name: string): void;
  /** The new main is at its point: relaunches the old threads, returns once all are at theirs (throws when one is not in time). */
  relaunch(next: Version): void;
  commit(): void;
  rollback(old: Version): void;
}

export class Updater {
  private tx: Transaction | undefined;
  /** The version running outside any update (the old one during an update). */
  current!: Version;
  hasUpdated = false;
  /** Kitsune's request from C: kitsune_signal_update() raised it, kitsune_set_next_version() named the version (in either order). */
  private selfRequested = false;
  nextPath: string | null = null;
  /** The save buffer a rollback, or a reclaim scan, is rewinding from. */
  private rewinding: SaveBuffer | undefined;
  /** A reclaim scan under way: the stack is unwound only to show the scan every live local. */
  private scanning: { v: Version; buffer: SaveBuffer; sp: number; runtimeSp: number } | undefined;

  constructor(
    private readonly mem: ProgramMemory,
    private readonly state: StateWord,
    private readonly linker: Linker,
    private readonly migration: Migration,
    private readonly reclaim: Reclaim,
    private readonly host: UpdaterHost,
    private readonly hostFunctions: (v: Version) => HostFunctions,
    /**
     * Why the stack cannot be unwound here, if it cannot: host or libc frames
     * below the update point (a qsort comparator, a signal handler), which
     * Asyncify did not instrument.
     */
    private readonly cannotUnwind: () => string | undefined,
    /** Report layouts and traces (StartOptions.inspect). */
    private readonly inspect: boolean,
    /** What the process owns outside the memory (descriptors, signal dispositions, the terminal: posix.ts), kept across the update. */
    private readonly process: { begin(): void; commit(): void; rollback(): void; save(): PosixRecord | undefined },
    private readonly argv: { argc: number; ptr: number },
    /** The program's threads (threads.ts): each is brought to an update point, and relaunched by the new version. */
    private readonly threads?: UpdaterThreads,
  ) {}

  /** The update `v` runs in as its new version, before commit. */
  running(v: Version): Running | undefined {
    const tx = this.tx;
    return tx && 'next' in tx && tx.next === v ? tx : undefined;
  }

  get busy(): boolean { return this.tx !== undefined; }

  /** The request waiting for an update point is the program's own (kitsune_signal_update). */
  get selfRequestPending(): boolean { return this.selfRequested; }

  // ---- requests from C ---------------------------------------------------------

  /**
   * kitsune_signal_update(), as in Kitsune: the very next update point the
   * program reaches takes the update, and waits there while the host reads
   * the version kitsune_set_next_version() names (before or after this call).
   */
  requestSelf(v: Version): void {
    if (this.running(v)) return; // the new version asking again before its own commit means nothing
    this.selfRequested = true;
    this.state.request();
  }

  /** kitsune_clear_request(): a request nobody has taken yet is withdrawn; the host's is answered at once. */
  withdraw(): void {
    if (!this.state.withdraw()) return;
    if (this.selfRequested) { this.selfRequested = false; return; }
    const id = this.host.pendingId();
    this.host.post({ type: 'update', result: { id, outcome: 'refused', from: this.current.meta.buildId, stage: 'wait', reason: 'the program withdrew the request (kitsune_clear_request); it keeps running the old version', timings: {}, code: 'E_UPDATE_BUSY' } });
  }

  // ---- point: kitsune_update("name") found the state word non-zero ----------

  updatePoint(v: Version, point: () => string): void {
    const ex = v.exports;
    if (ex.asyncify_get_state() === Asyncify.Rewinding) {
      // Back in the old version after a rollback: carry on as if no update had been asked for.
      ex.asyncify_stop_rewind();
      if (this.rewinding?.heap) this.mem.rt.free(this.rewinding.addr);
      this.rewinding = undefined;
      return;
    }
    const r = this.running(v);
    if (r) {
      // A relaunched thread waits at the point its old self left from.
      if (this.threads?.inThread) { this.threads.arrive(point()); return; }
      // The new version passes points until it reaches the one the old version left from.
      if (point() !== r.point) return;
      this.threads?.relaunch(r.next);
      this.commit(r);
    }
    // The scan unwinds the main thread only: the other threads' frames are in their save buffers, in their stack regions in the heap, which it reads as live memory.
    if (v === this.current && !this.state.requested && this.state.scanWanted && !this.threads?.inThread) {
      this.state.scanTaken();
      if (this.reclaim.due && !this.cannotUnwind()) this.scanAt(v);
      return;
    }
    if (v !== this.current || !this.state.requested) return;
    // Every other thread parks at an update point; main waits until all have.
    if (this.threads?.inThread) { this.threads.parkAtPoint(point()); return; }
    const id = this.host.pendingId();
    const name = point();
    const notHere = this.cannotUnwind();
    if (notHere) {
      this.host.post({ type: 'update-deferred', id, point: name, reason: `reached ${notHere}, which cannot be unwound; waiting for the next update point` });
      return;
    }
    this.threads?.gather(name);
    // The host may have withdrawn the request meanwhile.
    if (!this.state.claim()) return;
    const self = this.selfRequested;
    this.selfRequested = false;
    this.threads?.hold();
    const buffer = saveBuffer(this.mem, v, name);
    if ('refused' in buffer) {
      // Nothing was unwound: the old version goes on (its threads too), and the request is answered.
      this.threads?.rollback(v);
      this.host.post({ type: 'update', result: { id: self ? -1 : id, outcome: 'refused', from: v.meta.buildId, point: name, stage: 'unwind', reason: buffer.refused, timings: {}, code: 'E_STACK_DEPTH' } });
      return;
    }
    this.unwind(v, name, self ? -1 : id, buffer, self ? this.host.selfUpdate(this.nextPath) : undefined);
  }

  /**
   * The reclaim scan (reclaim.ts) runs with the stack unwound, so that every
   * live pointer is in memory, the program's Wasm locals included; then the
   * stack is rewound and the program goes on from this update point (settle).
   */
  private scanAt(v: Version): void {
    const buffer = saveBuffer(this.mem, v, 'a reclaim scan');
    if ('refused' in buffer) return; // too deep to unwind now: a later point will do
    this.scanning = { v, buffer, sp: v.sp.value as number, runtimeSp: this.mem.rt.__stack_pointer.value as number };
    startUnwind(this.mem, v, buffer);
  }

  // ---- unwind ---------------------------------------------------------------

  private unwind(old: Version, point: string, requestId: number, buffer: SaveBuffer, self?: Promise<UpdateMessage | UpdateFailedMessage>): void {
    // Taken before the unwind starts, so the update's own timings leave it out.
    const trace: UpdateTrace | undefined = this.inspect
      ? { unwound: currentFrames(), savedBytes: 0, resumed: [], addressMap: [], addressMapTruncated: false, ...memoryCopy(this.mem, 'before') }
      : undefined;
    this.tx = {
      stage: 'unwind', old, point, requestId, buffer, sp: old.sp.value as number, runtimeSp: this.mem.rt.__stack_pointer.value as number, unwoundAt: now(),
      ...(trace ? { trace } : {}), ...(self ? { self } : {}),
    };
    startUnwind(this.mem, old, buffer);
  }

  /**
   * The run loop calls this whenever a main returned or threw. Returns the
   * version whose main to call next (the new one after an unwind, the old one
   * after a rollback), or undefined when the program itself has ended.
   */
  async settle(v: Version, outcome: { threw: unknown } | { returned: number }): Promise<Version | undefined> {
    const scan = this.scanning;
    if (scan && scan.v === v && !('threw' in outcome) && v.exports.asyncify_get_state() === Asyncify.Unwinding) {
      v.exports.asyncify_stop_unwind();
      this.scanning = undefined;
      v.sp.value = scan.sp;
      this.mem.rt.__stack_pointer.value = scan.runtimeSp;
      this.reclaim.scanUnwound(v, savedRange(this.mem, scan.buffer));
      this.rewinding = scan.buffer;
      v.exports.asyncify_start_rewind(scan.buffer.addr);
      return v;
    }
    const tx = this.tx;
    if (!('threw' in outcome) && tx?.stage === 'unwind' && v.exports.asyncify_get_state() === Asyncify.Unwinding) {
      v.exports.asyncify_stop_unwind();
      return this.begin(tx);
    }
    const r = this.running(v);
    // An update the program asked for itself is part of its own run, as in
    // Kitsune: a new version that ends the program (a return from main, exit())
    // before its update point completes it. One asked for from outside rolls
    // back instead, so that an update cannot end a service it was meant to update.
    if (r?.self && (!('threw' in outcome) || outcome.threw instanceof ExitSignal)) {
      this.commit(r, true);
      return undefined;
    }
    if (r) {
      // The new version failed, or its main ended, before it committed.
      const reason = 'threw' in outcome
        ? outcome.threw instanceof ExitSignal ? `the new version called exit(${outcome.threw.code}) before reaching the update point` : describeFailure(outcome.threw)
        : `its main returned ${outcome.returned} before reaching update point "${r.point}"`;
      if (r.trace && 'threw' in outcome && outcome.threw instanceof Error) r.trace.resumed = wasmFrames(outcome.threw.stack);
      return this.rollback(r, reason);
    }
    return undefined;
  }

  // ---- link, init: the new version beside the old one -----------------------

  private async begin(tx: Unwinding): Promise<Version> {
    const { old, buffer } = tx;
    const dv = this.mem.dv;
    const used = dv.getUint32(buffer.addr, true), end = dv.getUint32(buffer.addr + 4, true);
    // saveBuffer sized it for the deepest the stack can be: this would be a fault of that bound, and nothing safe would remain to rewind.
    if (used > end) throw new KitsuneError('E_STACK_DEPTH', `internal: Asyncify saved ${used - buffer.addr} bytes at update point "${tx.point}", past the ${end - buffer.addr} its buffer was sized for`);
    const unwindMillis = now() - tx.unwoundAt;
    if (tx.trace) tx.trace.savedBytes = used - (buffer.addr + 8);
    old.sp.value = tx.sp;
    this.mem.rt.__stack_pointer.value = tx.runtimeSp;
    const answer = tx.self ? await tx.self : await this.host.nextUpdate(tx.requestId);
    // The version the program asked for could not be had: it resumes at its update point, as after any failure.
    if (answer.type === 'update-failed') return this.rollback({ ...tx, requestId: answer.id }, answer.reason, answer.stage, answer.code);
    const msg = answer;
    const linking: Linking = {
      ...tx, stage: 'link', msg, unwindMillis, linkStart: now(),
      ...(msg.snapshot ? { snapshot: this.mem.u8.slice(0, this.mem.rt.__kitsune_heap_top()) } : {}),
    };
    let tx1: Linking | Running = linking;
    this.tx = linking;
    // The new version runs the threads it relaunches: its blocking calls must be able to switch them.
    if (this.threads && this.threads.count > 1 && !msg.meta.asyncify.threads) {
      return this.rollback(linking, `the program has ${this.threads.count} threads, but version ${msg.meta.buildId} was not built for threads: build it --from the running version (or with a call to pthread_create), so that its blocking calls can switch threads`, 'link', 'E_MODULE');
    }
    this.saveCheckpoint(linking);
    try {
      this.process.begin();
      this.mem.rt.__kitsune_track_begin();
      const next = this.linker.load(msg.module, msg.meta, msg.dylink, msg.frames, this.hostFunctions, true);
      const running: Running = { ...linking, stage: 'init', next, migrated: [], loadMillis: now() - linking.linkStart, migrateMillis: 0 };
      this.tx = tx1 = running;
      this.migration.begin(running);
      this.state.begin();
      this.host.stage(msg.id, 'init');
      const pre = next.exports._kitsune_prestart_xform;
      if (typeof pre === 'function') pre();
      running.stage = 'main';
      this.host.stage(msg.id, 'main');
      return next;
    } catch (e) {
      return this.rollback(tx1, describeFailure(e));
    }
  }

  /**
   * What a fresh worker needs to put the old version back, if the new one
   * never reaches its update point and this worker has to be stopped; taken
   * now, before any of the new version's code runs. A process that holds
   * something that cannot move to another worker (posix.ts save) gives none,
   * and then such an update can only be ended with the process.
   */
  private saveCheckpoint(tx: Linking): void {
    // Threads other than main cannot be put back in a fresh worker: then the update's deadline is the threads' own (threads.ts RELAUNCH_MS).
    if (this.threads && this.threads.count > 1) return;
    const posix = this.process.save();
    if (!posix) return;
    this.host.checkpoint(tx.msg.id, checkpointOf(this.mem, this.linker, this.reclaim, tx.old, posix, {
      runtimeSp: tx.runtimeSp, buffer: tx.buffer, point: tx.point, argv: this.argv, hasUpdated: this.hasUpdated, nextPath: this.nextPath,
    }));
  }

  /**
   * In a fresh worker, after the host stopped the one a new version was stuck
   * in: the update is undone from memory, the rollback reported, and the old
   * version rewound from its save buffer. The run loop then calls its main, which resumes at its update point.
   */
  resumeStopped(cp: Checkpoint, old: Version, result: { id: number; to?: string; stage: UpdateStage; reason: string; pause: number }): Version {
    const { freed, restored } = undoFromMemory(this.mem, cp);
    this.state.end();
    this.current = old;
    this.hasUpdated = cp.hasUpdated;
    this.nextPath = cp.nextPath;
    this.host.post({
      type: 'update', result: {
        id: result.id, outcome: 'rolled-back', from: old.meta.buildId, to: result.to, point: cp.point, stage: result.stage, reason: result.reason,
        timings: { pause: result.pause }, freedAllocations: freed, restoredObjects: restored, snapshot: false, code: 'E_UPDATE_BUSY',
      },
    });
    this.rewinding = cp.buffer;
    old.exports.asyncify_start_rewind(cp.buffer.addr);
    return old;
  }

  // ---- migrate: called from the new version's migration calls ---------------

  /** Runs a migration call of `v`'s (0 when `v` is not updating); its time counts as migration. */
  migrating(v: Version, f: (s: Running) => number | void): number {
    const r = this.running(v);
    if (!r) return 0;
    const t = now(), stage = r.stage;
    r.stage = 'migrate';
    if (stage !== 'migrate') this.host.stage(r.msg.id, 'migrate');
    const result = f(r) ?? 0;
    // Back in the new main once the call returns; a failure keeps 'migrate'.
    r.stage = stage;
    if (stage !== 'migrate') this.host.stage(r.msg.id, stage);
    r.migrateMillis += now() - t;
    return result;
  }

  // ---- commit ----------------------------------------------------------------

  /** `ended`: the new version ended the program before its update point (a request of its own, see settle). */
  private commit(tx: Running, ended = false): void {
    const rt = this.mem.rt;
    tx.stage = 'commit';
    this.host.stage(tx.msg.id, 'commit');
    if (tx.trace) tx.trace.resumed = currentFrames();
    const commitStart = now();
    const hook = tx.next.exports._kitsune_mainupdate_xform;
    if (typeof hook === 'function' && !ended) hook();
    if (rt.__kitsune_track_failed()) throw new KitsuneError('E_RUNTIME', 'out of memory while recording the new version\'s allocations');
    // Descriptors first: what libc closes at commit (kitsune_process.c) is then closed for good.
    this.process.commit();
    rt.__kitsune_track_commit();
    if (tx.trace) Object.assign(tx.trace, readAddressMap(this.mem.memory, rt.__kitsune_xf_map_base(), rt.__kitsune_xf_map_capacity()));
    const movedObjects = rt.__kitsune_xf_commit();
    const { old, next } = tx;
    if (tx.buffer.heap) rt.free(tx.buffer.addr);
    const deadCells = this.linker.adopt(next);
    this.reclaim.retire(old, tx.sp, next, movedObjects, deadCells);
    this.state.wantScan();
    this.state.end();
    this.current = next;
    this.tx = undefined;
    this.hasUpdated = true;
    this.threads?.commit();
    const t = now();
    this.host.post({
      type: 'update', result: {
        id: tx.msg.id, outcome: 'committed', from: old.meta.buildId, to: next.meta.buildId, point: tx.point,
        timings: { wait: tx.self ? 0 : tx.unwoundAt - tx.msg.requestedAt, unwind: tx.unwindMillis, load: tx.loadMillis, migrate: tx.migrateMillis, untilCommit: t - tx.unwoundAt, pause: t - tx.unwoundAt },
        migrated: tx.migrated, movedObjects, snapshot: !!tx.snapshot,
        ...(tx.trace ? { layout: layoutOf(next), trace: { ...tx.trace, commitMillis: t - commitStart, ...memoryCopy(this.mem, 'after') } } : {}),
      },
    });
  }

  // ---- rollback ----------------------------------------------------------------

  private rollback(tx: Transaction, reason: string, failedStage?: UpdateStage, code?: ErrorCode): Version {
    const rt = this.mem.rt;
    const { old } = tx;
    const stage = failedStage ?? tx.stage;
    let freed = 0, restored = 0;
    // Undo in-place transforms first: they wrote into old objects.
    try { restored = rt.__kitsune_xf_rollback(); } catch { /* reported by the failure itself */ }
    try { freed = rt.__kitsune_track_rollback(); } catch { /* the allocator itself may be what failed */ }
    if ('next' in tx) this.linker.unload(tx.next);
    // After libc's own rollback, which closes the streams the new version opened through the descriptor table.
    this.process.rollback();
    const msg = 'msg' in tx ? tx.msg : undefined;
    const snapshot = 'snapshot' in tx ? tx.snapshot : undefined;
    if (snapshot) {
      this.mem.u8.set(snapshot, 0);
      // The memory the failed update grew is not in the snapshot's heap: give it back to the allocator.
      try { rt.__kitsune_heap_adopt(snapshot.length, this.mem.memory.buffer.byteLength); } catch { /* it stays unused, as before */ }
    }
    old.sp.value = tx.sp;
    rt.__stack_pointer.value = tx.runtimeSp;
    this.state.end();
    this.tx = undefined;
    this.threads?.rollback(old);
    const t = now();
    const stageName: UpdateStage = stage;
    this.host.post({
      type: 'update', result: {
        id: msg?.id ?? tx.requestId, outcome: 'rolled-back', from: old.meta.buildId, to: msg?.meta.buildId, point: tx.point, stage: stageName, reason, ...(code ? { code } : {}),
        timings: {
          // A request of the program's own is taken at the point it reaches next: no wait (the host reads the version after the unwind).
          wait: msg ? (tx.self ? 0 : tx.unwoundAt - msg.requestedAt) : undefined,
          load: 'loadMillis' in tx ? tx.loadMillis : 'linkStart' in tx ? t - tx.linkStart : 0,
          migrate: 'migrateMillis' in tx ? tx.migrateMillis : 0,
          pause: t - tx.unwoundAt,
        },
        freedAllocations: freed, restoredObjects: restored, snapshot: !!snapshot,
        ...(tx.trace ? { layout: layoutOf(old), trace: tx.trace } : {}),
      },
    });
    this.rewinding = tx.buffer;
    old.exports.asyncify_start_rewind(tx.buffer.addr);
    return old;
  }
}

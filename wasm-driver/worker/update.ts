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
// Each stage's transaction type, and what the protocol needs from around it,
// are in update-types.ts; the results it posts, update-report.ts. The host's
// side of the handshake (reading, validating and compiling the next version,
// raising the request) is host/process.ts; the request word itself is
// common/state-word.ts.
import { ExitSignal, KitsuneError, type ErrorCode } from '../../format/errors.js';
import { now } from '../common/clock.js';
import type { UpdateFailedMessage, UpdateMessage, UpdateStage } from '../common/protocol.js';
import { currentFrames, wasmFrames, readAddressMap } from './inspect.js';
import { saveBuffer, startUnwind, type SaveBuffer } from './save-buffer.js';
import { describeFailure } from './linker.js';
import { checkpointOf, undoFromMemory, type Checkpoint } from './checkpoint.js';
import { ReclaimScan } from './reclaim-scan.js';
import { SelfRequest } from './self-request.js';
import { committed, refused, rolledBack, startTrace, stoppedAndRolledBack } from './update-report.js';
import { Asyncify, type Linking, type Running, type Transaction, type Unwinding, type UpdaterDeps } from './update-types.js';
import type { Version } from './version.js';

export class Updater {
  private tx: Transaction | undefined;
  /** The version running outside any update (the old one during an update). */
  current!: Version;
  hasUpdated = false;
  /** Kitsune's requests from C (self-request.ts). */
  readonly request: SelfRequest;
  /** The save buffer a rollback, or a reclaim scan, is rewinding from. */
  private rewinding: SaveBuffer | undefined;
  private readonly scan: ReclaimScan;

  constructor(private readonly d: UpdaterDeps) {
    this.scan = new ReclaimScan(d.mem, d.reclaim);
    this.request = new SelfRequest(d.state, d.host);
  }

  /** The update `v` runs in as its new version, before commit. */
  running(v: Version): Running | undefined {
    return this.tx && 'next' in this.tx && this.tx.next === v ? this.tx : undefined;
  }

  get busy(): boolean { return this.tx !== undefined; }

  // ---- point: kitsune_update("name") found the state word non-zero ----------

  updatePoint(v: Version, point: () => string): void {
    const { state, host, threads } = this.d;
    if (v.exports.asyncify_get_state() === Asyncify.Rewinding) {
      // Back in the old version after a rollback or a scan: carry on as if no update had been asked for.
      v.exports.asyncify_stop_rewind();
      if (this.rewinding?.heap) this.d.mem.rt.free(this.rewinding.addr);
      this.rewinding = undefined;
      return;
    }
    const r = this.running(v);
    if (r) {
      // A relaunched thread waits at the point its old self left from.
      if (threads?.inThread) { threads.arrive(point()); return; }
      // The new version passes points until it reaches the one the old version left from.
      if (point() !== r.point) return;
      threads?.relaunch(r.next);
      this.commit(r);
    }
    // The scan unwinds the main thread only: the other threads' frames are in their save buffers, in their stack regions in the heap, which it reads as live memory.
    if (v === this.current && !state.requested && state.scanWanted && !threads?.inThread) {
      state.scanTaken();
      if (this.d.reclaim.due && !this.d.cannotUnwind()) this.scan.start(v);
      return;
    }
    if (v !== this.current || !state.requested) return;
    // Every other thread parks at an update point; main waits until all have.
    if (threads?.inThread) { threads.parkAtPoint(point()); return; }
    const id = host.pendingId();
    const name = point();
    const notHere = this.d.cannotUnwind();
    if (notHere) {
      host.post({ type: 'update-deferred', id, point: name, reason: `reached ${notHere}, which cannot be unwound; waiting for the next update point` });
      return;
    }
    threads?.gather(name);
    // The host may have withdrawn the request meanwhile.
    if (!state.claim()) return;
    const self = this.request.take();
    threads?.hold();
    const buffer = saveBuffer(this.d.mem, v, name);
    if ('refused' in buffer) {
      // Nothing was unwound: the old version goes on (its threads too), and the request is answered.
      threads?.rollback(v);
      host.post({ type: 'update', result: refused(self ? -1 : id, v.meta.buildId, 'unwind', buffer.refused, 'E_STACK_DEPTH', name) });
      return;
    }
    this.unwind(v, name, self ? -1 : id, buffer, self ? host.selfUpdate(this.request.nextPath) : undefined);
  }

  // ---- unwind ---------------------------------------------------------------

  private unwind(old: Version, point: string, requestId: number, buffer: SaveBuffer, self?: Promise<UpdateMessage | UpdateFailedMessage>): void {
    const { mem } = this.d;
    const trace = this.d.inspect ? startTrace(mem) : undefined;
    this.tx = {
      stage: 'unwind', old, point, requestId, buffer, sp: old.sp.value as number, runtimeSp: mem.rt.__stack_pointer.value as number, unwoundAt: now(),
      ...(trace ? { trace } : {}), ...(self ? { self } : {}),
    };
    startUnwind(mem, old, buffer);
  }

  /**
   * The run loop calls this whenever a main returned or threw. Returns the
   * version whose main to call next (the new one after an unwind, the old one
   * after a rollback or a scan), or undefined when the program itself has ended.
   */
  async settle(v: Version, outcome: { threw: unknown } | { returned: number }): Promise<Version | undefined> {
    const scanned = 'threw' in outcome ? undefined : this.scan.finish(v);
    if (scanned) return this.rewind(v, scanned);
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
    if (!r) return undefined;
    // The new version failed, or its main ended, before it committed.
    const reason = 'threw' in outcome
      ? outcome.threw instanceof ExitSignal ? `the new version called exit(${outcome.threw.code}) before reaching the update point` : describeFailure(outcome.threw)
      : `its main returned ${outcome.returned} before reaching update point "${r.point}"`;
    if (r.trace && 'threw' in outcome && outcome.threw instanceof Error) r.trace.resumed = wasmFrames(outcome.threw.stack);
    return this.rollback(r, reason);
  }

  // ---- link, init: the new version beside the old one -----------------------

  private async begin(tx: Unwinding): Promise<Version> {
    const { mem, host, threads } = this.d;
    const { old, buffer } = tx;
    const used = mem.dv.getUint32(buffer.addr, true), end = mem.dv.getUint32(buffer.addr + 4, true);
    // saveBuffer sized it for the deepest the stack can be: this would be a fault of that bound, and nothing safe would remain to rewind.
    if (used > end) throw new KitsuneError('E_STACK_DEPTH', `internal: Asyncify saved ${used - buffer.addr} bytes at update point "${tx.point}", past the ${end - buffer.addr} its buffer was sized for`);
    const unwindMillis = now() - tx.unwoundAt;
    if (tx.trace) tx.trace.savedBytes = used - (buffer.addr + 8);
    old.sp.value = tx.sp;
    mem.rt.__stack_pointer.value = tx.runtimeSp;
    const msg = tx.self ? await tx.self : await host.nextUpdate(tx.requestId);
    // The version the program asked for could not be had: it resumes at its update point, as after any failure.
    if (msg.type === 'update-failed') return this.rollback({ ...tx, requestId: msg.id }, msg.reason, msg.stage, msg.code);
    const linking: Linking = {
      ...tx, stage: 'link', msg, unwindMillis, linkStart: now(),
      ...(msg.snapshot ? { snapshot: mem.u8.slice(0, mem.rt.__kitsune_heap_top()) } : {}),
    };
    let tx1: Linking | Running = linking;
    this.tx = linking;
    // The new version runs the threads it relaunches: its blocking calls must be able to switch them.
    if (threads && threads.count > 1 && !msg.meta.asyncify.threads) {
      return this.rollback(linking, `the program has ${threads.count} threads, but version ${msg.meta.buildId} was not built for threads: build it --from the running version (or with a call to pthread_create), so that its blocking calls can switch threads`, 'link', 'E_MODULE');
    }
    this.saveCheckpoint(linking);
    try {
      this.d.process.begin();
      mem.rt.__kitsune_track_begin();
      const next = this.d.linker.load(msg.module, msg.meta, msg.dylink, msg.frames, this.d.hostFunctions, true);
      const running: Running = { ...linking, stage: 'init', next, migrated: [], loadMillis: now() - linking.linkStart, migrateMillis: 0 };
      this.tx = tx1 = running;
      this.d.migration.begin(running);
      this.d.state.begin();
      host.stage(msg.id, 'init');
      const pre = next.exports._kitsune_prestart_xform;
      if (typeof pre === 'function') pre();
      running.stage = 'main';
      host.stage(msg.id, 'main');
      return next;
    } catch (e) {
      return this.rollback(tx1, describeFailure(e));
    }
  }

  /**
   * What a fresh worker needs to put the old version back if the new one gets
   * stuck (checkpoint.ts), taken before any of the new version's code runs.
   * None when the process holds what cannot move to another worker, or has
   * threads other than main (then the deadline is the threads' own).
   */
  private saveCheckpoint(tx: Linking): void {
    const posix = this.d.threads && this.d.threads.count > 1 ? undefined : this.d.process.save();
    if (!posix) return;
    this.d.host.checkpoint(tx.msg.id, checkpointOf(this.d.mem, this.d.linker, this.d.reclaim, tx.old, posix, {
      runtimeSp: tx.runtimeSp, buffer: tx.buffer, point: tx.point, argv: this.d.argv, hasUpdated: this.hasUpdated, nextPath: this.request.nextPath,
    }));
  }

  /** In a fresh worker, after the host stopped the one a new version was stuck in: the update undone from memory, the old version rewound. */
  resumeStopped(cp: Checkpoint, old: Version, result: { id: number; to?: string; stage: UpdateStage; reason: string; pause: number }): Version {
    const undone = undoFromMemory(this.d.mem, cp);
    this.d.state.end();
    this.current = old;
    this.hasUpdated = cp.hasUpdated;
    this.request.nextPath = cp.nextPath;
    this.d.host.post({ type: 'update', result: stoppedAndRolledBack(old.meta.buildId, cp.point, result, undone) });
    return this.rewind(old, cp.buffer);
  }

  // ---- migrate: called from the new version's migration calls ---------------

  /** Runs a migration call of `v`'s (0 when `v` is not updating); its time counts as migration. */
  migrating(v: Version, f: (s: Running) => number | void): number {
    const r = this.running(v);
    if (!r) return 0;
    const t = now(), stage = r.stage;
    r.stage = 'migrate';
    if (stage !== 'migrate') this.d.host.stage(r.msg.id, 'migrate');
    const result = f(r) ?? 0;
    // Back in the new main once the call returns; a failure keeps 'migrate'.
    r.stage = stage;
    if (stage !== 'migrate') this.d.host.stage(r.msg.id, stage);
    r.migrateMillis += now() - t;
    return result;
  }

  // ---- commit ----------------------------------------------------------------

  /** `ended`: the new version ended the program before its update point (a request of its own, see settle). */
  private commit(tx: Running, ended = false): void {
    const { mem, linker } = this.d, rt = mem.rt;
    tx.stage = 'commit';
    this.d.host.stage(tx.msg.id, 'commit');
    if (tx.trace) tx.trace.resumed = currentFrames();
    const commitStart = now();
    const hook = tx.next.exports._kitsune_mainupdate_xform;
    if (typeof hook === 'function' && !ended) hook();
    if (rt.__kitsune_track_failed()) throw new KitsuneError('E_RUNTIME', 'out of memory while recording the new version\'s allocations');
    // Descriptors first: what libc closes at commit (kitsune_process.c) is then closed for good.
    this.d.process.commit();
    rt.__kitsune_track_commit();
    if (tx.trace) Object.assign(tx.trace, readAddressMap(mem.memory, rt.__kitsune_xf_map_base(), rt.__kitsune_xf_map_capacity()));
    const movedObjects = rt.__kitsune_xf_commit();
    if (tx.buffer.heap) rt.free(tx.buffer.addr);
    const deadCells = linker.adopt(tx.next);
    this.d.reclaim.retire(tx.old, tx.sp, tx.next, movedObjects, deadCells);
    this.d.state.wantScan();
    this.d.state.end();
    this.current = tx.next;
    this.tx = undefined;
    this.hasUpdated = true;
    this.d.threads?.commit();
    this.d.host.post({ type: 'update', result: committed(mem, tx, movedObjects, commitStart) });
  }

  // ---- rollback ----------------------------------------------------------------

  private rollback(tx: Transaction, reason: string, failedStage?: UpdateStage, code?: ErrorCode): Version {
    const { mem } = this.d, rt = mem.rt;
    let freed = 0, restored = 0;
    // Undo in-place transforms first: they wrote into old objects.
    try { restored = rt.__kitsune_xf_rollback(); } catch { /* reported by the failure itself */ }
    try { freed = rt.__kitsune_track_rollback(); } catch { /* the allocator itself may be what failed */ }
    if ('next' in tx) this.d.linker.unload(tx.next);
    // After libc's own rollback, which closes the streams the new version opened through the descriptor table.
    this.d.process.rollback();
    const snapshot = 'snapshot' in tx ? tx.snapshot : undefined;
    if (snapshot) {
      mem.u8.set(snapshot, 0);
      // The memory the failed update grew is not in the snapshot's heap: give it back to the allocator.
      try { rt.__kitsune_heap_adopt(snapshot.length, mem.memory.buffer.byteLength); } catch { /* it stays unused, as before */ }
    }
    tx.old.sp.value = tx.sp;
    rt.__stack_pointer.value = tx.runtimeSp;
    this.d.state.end();
    this.tx = undefined;
    this.d.threads?.rollback(tx.old);
    this.d.host.post({ type: 'update', result: rolledBack(tx, { reason, stage: failedStage ?? tx.stage, code, freed, restored }) });
    return this.rewind(tx.old, tx.buffer);
  }

  /** `v` resumes from the update point its stack was unwound at: its main, called again, rewinds from `buffer`. */
  private rewind(v: Version, buffer: SaveBuffer): Version {
    this.rewinding = buffer;
    v.exports.asyncify_start_rewind(buffer.addr);
    return v;
  }
}

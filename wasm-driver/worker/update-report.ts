// What the protocol (update.ts) tells the host when an update ends: the
// result, its timings, and with `inspect` the layout and trace.
import type { ErrorCode } from '../../format/errors.js';
import { now } from '../common/clock.js';
import type { UpdateResult, UpdateStage, UpdateTrace } from '../common/protocol.js';
import { currentFrames, layoutOf, memoryCopy } from './inspect.js';
import type { ProgramMemory } from './memory.js';
import type { Running, Transaction } from './update-types.js';

/** An update the program asked for itself is taken at the point it reaches next: no wait (the host reads the version after the unwind). */
function waitOf(tx: Transaction): number | undefined {
  if (!('msg' in tx)) return undefined;
  return tx.self ? 0 : tx.unwoundAt - tx.msg.requestedAt;
}

export function committed(mem: ProgramMemory, tx: Running, movedObjects: number, commitStart: number): UpdateResult {
  const t = now();
  return {
    id: tx.msg.id, outcome: 'committed', from: tx.old.meta.buildId, to: tx.next.meta.buildId, point: tx.point,
    timings: { wait: waitOf(tx), unwind: tx.unwindMillis, load: tx.loadMillis, migrate: tx.migrateMillis, untilCommit: t - tx.unwoundAt, pause: t - tx.unwoundAt },
    migrated: tx.migrated, movedObjects, snapshot: !!tx.snapshot,
    ...(tx.trace ? { layout: layoutOf(tx.next), trace: { ...tx.trace, commitMillis: t - commitStart, ...memoryCopy(mem, 'after') } } : {}),
  };
}

export interface RollbackFacts { reason: string; stage: UpdateStage; code?: ErrorCode | undefined; freed: number; restored: number }

export function rolledBack(tx: Transaction, f: RollbackFacts): UpdateResult {
  const t = now();
  const msg = 'msg' in tx ? tx.msg : undefined;
  return {
    id: msg?.id ?? tx.requestId, outcome: 'rolled-back', from: tx.old.meta.buildId, to: msg?.meta.buildId, point: tx.point, stage: f.stage, reason: f.reason,
    ...(f.code ? { code: f.code } : {}),
    timings: {
      wait: waitOf(tx),
      load: 'loadMillis' in tx ? tx.loadMillis : 'linkStart' in tx ? t - tx.linkStart : 0,
      migrate: 'migrateMillis' in tx ? tx.migrateMillis : 0,
      pause: t - tx.unwoundAt,
    },
    freedAllocations: f.freed, restoredObjects: f.restored, snapshot: 'snapshot' in tx && !!tx.snapshot,
    ...(tx.trace ? { layout: layoutOf(tx.old), trace: tx.trace } : {}),
  };
}

/** An update nobody started: the old version goes on as it was. */
export function refused(id: number, from: string, stage: UpdateStage, reason: string, code: ErrorCode, point?: string): UpdateResult {
  return { id, outcome: 'refused', from, ...(point !== undefined ? { point } : {}), stage, reason, timings: {}, code };
}

/** The rollback a fresh worker reports after the host stopped the one the new version was stuck in (checkpoint.ts). */
export function stoppedAndRolledBack(from: string, point: string, r: { id: number; to?: string; stage: UpdateStage; reason: string; pause: number }, undone: { freed: number; restored: number }): UpdateResult {
  return {
    id: r.id, outcome: 'rolled-back', from, to: r.to, point, stage: r.stage, reason: r.reason,
    timings: { pause: r.pause }, freedAllocations: undone.freed, restoredObjects: undone.restored, snapshot: false, code: 'E_UPDATE_BUSY',
  };
}

/** With `inspect`, the trace starts before the unwind, so that the update's own timings leave it out. */
export function startTrace(mem: ProgramMemory): UpdateTrace {
  return { unwound: currentFrames(), savedBytes: 0, resumed: [], addressMap: [], addressMapTruncated: false, ...memoryCopy(mem, 'before') };
}

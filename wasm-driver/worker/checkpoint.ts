// What a fresh worker needs to put the old version back when the worker it
// ran in had to be stopped: a new version that never reached its update
// point (a `for (;;);` in its main or in a .xf rule) cannot be interrupted in
// its worker, so the host ends that worker and starts another from this
// record, taken after the old stack was unwound and before the new version
// ran. The memory itself is shared and stays; the rest lived in the stopped
// worker's JS and is written down here.
import { Linker, type LinkerRecord, type VersionRecord } from './linker.js';
import type { PosixRecord } from './posix.js';
import type { Reclaim, ReclaimRecord } from './reclaim.js';
import type { ProgramMemory } from './memory.js';
import type { Version } from './version.js';

export interface Checkpoint {
  linker: LinkerRecord;
  /** The old version, where the unwind left it. */
  version: VersionRecord;
  posix: PosixRecord;
  reclaim: ReclaimRecord;
  /** The runtime's stack pointer at the unwind. */
  runtimeSp: number;
  /** Asyncify's save buffer, to rewind from. */
  buffer: { addr: number; end: number; heap: boolean };
  point: string;
  argv: { argc: number; ptr: number };
  hasUpdated: boolean;
  nextPath: string | null;
  /** The bytes of every variable of the old version: the new one may have written those it shares. */
  cells: { addr: number; bytes: Uint8Array }[];
}

/** The record of `old` where the unwind left it, taken before any of the new version's code runs. */
export function checkpointOf(mem: ProgramMemory, linker: Linker, reclaim: Reclaim, old: Version, posix: PosixRecord,
  rest: Pick<Checkpoint, 'runtimeSp' | 'buffer' | 'point' | 'argv' | 'hasUpdated' | 'nextPath'>): Checkpoint {
  const cells = [...old.homes.values()].map((h) => ({ addr: h.addr, bytes: mem.u8.slice(h.addr, h.addr + h.size) }));
  return { linker: linker.save(), version: Linker.versionRecord(old), posix, reclaim: reclaim.save(), cells, ...rest };
}

/**
 * In the fresh worker: the update undone from memory (the migration's
 * journal and map, every block the new version allocated, libc's state, the
 * variables it shared). Returns what the rollback's report counts.
 */
export function undoFromMemory(mem: ProgramMemory, cp: Checkpoint): { freed: number; restored: number } {
  let freed = 0, restored = 0;
  try { restored = mem.rt.__kitsune_xf_rollback(); } catch { /* it is the old state that matters */ }
  try { freed = mem.rt.__kitsune_track_rollback(); } catch { /* likewise */ }
  for (const c of cp.cells) mem.u8.set(c.bytes, c.addr);
  return { freed, restored };
}

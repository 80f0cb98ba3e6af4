// What a fresh worker needs to put the old version back when the worker it
// ran in had to be stopped: a new version that never reached its update
// point (a `for (;;);` in its main or in a .xf rule) cannot be interrupted in
// its worker, so the host ends that worker and starts another from this
// record, taken after the old stack was unwound and before the new version
// ran. The memory itself is shared and stays; the rest lived in the stopped
// worker's JS and is written down here.
import type { LinkerRecord, VersionRecord } from './linker.js';
import type { PosixRecord } from './posix.js';
import type { ReclaimRecord } from './reclaim.js';

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

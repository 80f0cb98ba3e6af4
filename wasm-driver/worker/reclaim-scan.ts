// The reclaim scan (reclaim.ts) borrows the update's unwind: at an update
// point with no update requested, the stack is unwound only so that every
// live pointer is in memory, the program's Wasm locals included; the scan
// reads it, and the stack is rewound from the same buffer, so that the
// program goes on from that point as if nothing had happened.
import { saveBuffer, savedRange, startUnwind, type SaveBuffer } from './save-buffer.js';
import type { ProgramMemory } from './memory.js';
import type { Reclaim } from './reclaim.js';
import { Asyncify } from './update-types.js';
import type { Version } from './version.js';

export class ReclaimScan {
  private scanning: { v: Version; buffer: SaveBuffer; sp: number; runtimeSp: number } | undefined;

  constructor(private readonly mem: ProgramMemory, private readonly reclaim: Reclaim) {}

  /** Unwinds `v` for the scan, unless the stack is too deep to save now (a later point will do). */
  start(v: Version): void {
    const buffer = saveBuffer(this.mem, v, 'a reclaim scan');
    if ('refused' in buffer) return;
    this.scanning = { v, buffer, sp: v.sp.value as number, runtimeSp: this.mem.rt.__stack_pointer.value as number };
    startUnwind(this.mem, v, buffer);
  }

  /**
   * `v`'s main returned: if that was the scan's unwind, the scan runs and the
   * buffer to rewind from is returned; otherwise undefined.
   */
  finish(v: Version): SaveBuffer | undefined {
    const scan = this.scanning;
    if (!scan || scan.v !== v || v.exports.asyncify_get_state() !== Asyncify.Unwinding) return undefined;
    v.exports.asyncify_stop_unwind();
    this.scanning = undefined;
    v.sp.value = scan.sp;
    this.mem.rt.__stack_pointer.value = scan.runtimeSp;
    this.reclaim.scanUnwound(v, savedRange(this.mem, scan.buffer));
    return scan.buffer;
  }
}

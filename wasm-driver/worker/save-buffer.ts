// Where Asyncify saves a stack it unwinds, for an update or a reclaim scan.
// Asyncify checks its buffer's end only once the unwind is over, after
// writing past it, so the size is worked out first: the frames on the stack
// (V8's trace), each at most what its function's locals take
// (frameSaveBytes). The free part of the version's stack region holds it
// when it is big enough; otherwise a block of the heap does; when neither
// can, the unwind is refused before anything is unwound.
import { currentStack } from './stack-trace.js';
import type { ProgramMemory } from './memory.js';
import type { Version } from './version.js';

/** Bytes left between Asyncify's buffer and the stack pointer at the unwind. */
const STACK_RESERVE = 256;

/** Asyncify's save area: in the free part of the stack region, or a block of the runtime's heap. */
export interface SaveBuffer { addr: number; end: number; heap: boolean }

export function saveBuffer(mem: ProgramMemory, v: Version, point: string): SaveBuffer | { refused: string } {
  const stack = currentStack();
  const own = stack[stack.length - 1]?.module;
  let need = STACK_RESERVE, frames = 0;
  for (const f of stack) if (f.module === own) { need += v.frames[f.index] ?? 256; frames++; }
  const sp = v.sp.value as number, end = sp - STACK_RESERVE;
  if (v.stackBase + 8 + need <= end) return { addr: v.stackBase, end, heap: false };
  const p = mem.rt.malloc(need + 8);
  if (!p) return { refused: `the stack at update point "${point}" is ${frames} frames deep and needs up to ${need} bytes to save; the heap has no room for them, so the update is refused and the old version goes on` };
  return { addr: p, end: p + 8 + need, heap: true };
}

/** Asyncify's `{pos, end}` header, then the unwind into the buffer. */
export function startUnwind(mem: ProgramMemory, v: Version, b: SaveBuffer): void {
  mem.dv.setUint32(b.addr, b.addr + 8, true);
  mem.dv.setUint32(b.addr + 4, b.end, true);
  v.exports.asyncify_start_unwind(b.addr);
}

/** The frames the unwind wrote: [start, end). */
export function savedRange(mem: ProgramMemory, b: SaveBuffer): [number, number] {
  return [b.addr + 8, mem.dv.getUint32(b.addr, true)];
}

// What the `inspect` start option reports, read inside the program's worker:
// a version's layout, the Wasm frames of a stack, the migration's address map
// and a copy of the memory at the update point. Only for people watching an
// update (the playground); nothing here runs unless asked for.
import type { UpdateTrace, VersionLayout, WasmFrame } from '../common/protocol.js';
import type { Version } from './version.js';
import type { ProgramMemory } from './memory.js';
import { currentStack, parseWasmStack } from './stack-trace.js';

/** Pairs of the address map passed on at most; a bigger map is cut (and says so). */
export const ADDRESS_MAP_CAP = 20_000;
/** The memory copied at the update point at most. */
export const BEFORE_CAP = 64 << 20;

export function layoutOf(v: Version): VersionLayout {
  const { number, dataBase, dataSize, stackBase, stackSize, tableBase, tableSize } = v;
  return {
    number, dataBase, dataSize, stackBase, stackSize, tableBase, tableSize,
    variables: [...v.homes.values()].map(({ key, addr, size, shared }) => ({ key, addr, size, shared })),
    functions: [...v.slotOf].map(([name, slot]) => ({ slot, name })),
  };
}

/**
 * The Wasm frames of a stack, innermost first. The outermost Wasm frame is
 * the version's main (the host calls it), so frames of its module are the
 * version's own and the others the runtime's.
 */
export function wasmFrames(stack: string | undefined): WasmFrame[] {
  const frames = parseWasmStack(stack);
  const main = frames[frames.length - 1]?.module;
  return frames.map((f) => ({ function: f.name ?? `wasm-function[${f.index}]`, offset: f.offset, own: f.module === main }));
}

/** The current stack's Wasm frames (the JS frames of the host are left out). */
export function currentFrames(): WasmFrame[] {
  const stack = currentStack(200);
  const main = stack[stack.length - 1]?.module;
  return stack.map((f) => ({ function: f.name ?? `wasm-function[${f.index}]`, offset: f.offset, own: f.module === main }));
}

/** Reads the runtime's address map (runtime/kitsune_table.h entries {old, neu}; old 0 or 1 is a free slot, neu's low bit marks a deep move). */
export function readAddressMap(memory: WebAssembly.Memory, base: number, capacity: number): Pick<UpdateTrace, 'addressMap' | 'addressMapTruncated'> {
  const addressMap: UpdateTrace['addressMap'] = [];
  let truncated = false;
  if (base && capacity) {
    const words = new Uint32Array(memory.buffer, base, capacity * 2);
    for (let i = 0; i < capacity; i++) {
      const old = words[2 * i]!, neu = words[2 * i + 1]!;
      if (old <= 1) continue;
      if (addressMap.length === ADDRESS_MAP_CAP) { truncated = true; break; }
      addressMap.push({ old, new: neu & ~1, deep: (neu & 1) === 1 });
    }
  }
  addressMap.sort((a, b) => a.old - b.old);
  return { addressMap, addressMapTruncated: truncated };
}

/** With `inspect`: the memory up to the heap's top, unless it is too big to copy at every update. */
export function memoryCopy<K extends 'before' | 'after'>(mem: ProgramMemory, key: K): { [k in K]?: Uint8Array } {
  const top = mem.rt.__kitsune_heap_top();
  return (top <= BEFORE_CAP ? { [key]: mem.u8.slice(0, top) } : {}) as { [k in K]?: Uint8Array };
}

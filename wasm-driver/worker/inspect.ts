// What the `inspect` start option reports, read inside the program's worker:
// a version's layout, the Wasm frames of a stack, the migration's address map
// and a copy of the memory at the update point. Only for people watching an
// update (the playground); nothing here runs unless asked for.
import type { UpdateTrace, VersionLayout, WasmFrame } from '../common/protocol.js';
import type { Version } from './version.js';

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
 * The Wasm frames of a stack, innermost first. V8 writes them as
 * `at MODULE.NAME (wasm://wasm/MODULE-HASH:wasm-function[N]:0xOFFSET)`, the
 * names from the name section, which kitsune builds keep. The outermost Wasm frame is the
 * version's main (the host calls it), so frames of its module are the
 * version's own and the others the runtime's.
 */
export function wasmFrames(stack: string | undefined): WasmFrame[] {
  const frames: { function: string; module: string; offset: number }[] = [];
  for (const line of (stack ?? '').split('\n')) {
    // MODULE is the name section's module name (if any) and a hash; NAME is prefixed by that module name.
    const m = /at (?:(\S+) \()?wasm:\/\/wasm\/([^:\s]+):wasm-function\[(\d+)\]:0x([0-9a-f]+)\)?/.exec(line);
    if (!m) continue;
    const moduleName = m[2]!.replace(/-?[0-9a-f]+$/, '');
    const name = m[1] && moduleName && m[1].startsWith(`${moduleName}.`) ? m[1].slice(moduleName.length + 1) : m[1];
    frames.push({ function: name ?? `wasm-function[${m[3]}]`, module: m[2]!, offset: parseInt(m[4]!, 16) });
  }
  const main = frames[frames.length - 1]?.module;
  return frames.map((f) => ({ function: f.function, offset: f.offset, own: f.module === main }));
}

/** The current stack's Wasm frames (the JS frames of the host are left out). */
export function currentFrames(): WasmFrame[] {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 200;
  try { return wasmFrames(new Error().stack); } finally { Error.stackTraceLimit = limit; }
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

// The WebAssembly frames on the worker's stack, read from V8's stack trace:
// `at MODULE.NAME (wasm://wasm/MODULE-HASH:wasm-function[N]:0xOFFSET)`, with
// names from the name section (kitsune builds keep it). Used to size
// Asyncify's save buffer before an unwind and, for tools, to show frames.

export interface StackFrame {
  /** The module's URL part (`MODULE-HASH`): equal for frames of one instance's module. */
  module: string;
  /** Function index in that module (imports counted). */
  index: number;
  /** The function's name, without the module's prefix, if the trace has one. */
  name?: string;
  /** Byte offset of the call in the module. */
  offset: number;
}

/** Frames of `stack` (an Error's stack), innermost first. */
export function parseWasmStack(stack: string | undefined): StackFrame[] {
  const frames: StackFrame[] = [];
  for (const line of (stack ?? '').split('\n')) {
    const m = /at (?:(\S+) \()?wasm:\/\/wasm\/([^:\s]+):wasm-function\[(\d+)\]:0x([0-9a-f]+)\)?/.exec(line);
    if (!m) continue;
    const moduleName = m[2]!.replace(/-?[0-9a-f]+$/, '');
    const name = m[1] && moduleName && m[1].startsWith(`${moduleName}.`) ? m[1].slice(moduleName.length + 1) : m[1];
    frames.push({ module: m[2]!, index: Number(m[3]), ...(name ? { name } : {}), offset: parseInt(m[4]!, 16) });
  }
  return frames;
}

/** The current stack's Wasm frames, all of them (`limit` bounds the trace when only the top is wanted). */
export function currentStack(limit = Infinity): StackFrame[] {
  const saved = Error.stackTraceLimit;
  Error.stackTraceLimit = limit;
  try { return parseWasmStack(new Error().stack); } finally { Error.stackTraceLimit = saved; }
}

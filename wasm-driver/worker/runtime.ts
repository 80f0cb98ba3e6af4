// The persistent runtime (runtime/runtime.wasm: wasi-libc, the allocator,
// runtime/kitsune_rt.c and kitsune_xf.c), instantiated once per process into
// the program's memory and table. Every version imports libc from it.

/** What the worker calls in the runtime by name. */
export type RuntimeExports = Record<string, WebAssembly.ExportValue> & {
  __stack_pointer: WebAssembly.Global; __kitsune_state: WebAssembly.Global; errno: WebAssembly.Global;
  malloc(n: number): number; free(p: number): void; aligned_alloc(a: number, n: number): number; __kitsune_aligned_alloc(a: number, n: number): number;
  exit(code: number): void; fflush(f: number): number;
  setvbuf(f: number, buf: number, mode: number, size: number): number; stdout: WebAssembly.Global;
  __kitsune_track_begin(): void; __kitsune_track_commit(): number; __kitsune_track_rollback(): number; __kitsune_track_failed(): number;
  __kitsune_scan_ranges(from: number, to: number, ranges: number, n: number, hits: number, first: number): void; __kitsune_heap_top(): number;
  __kitsune_heap_adopt(from: number, to: number): number;
  __kitsune_xf_begin(lo: number, hi: number): void; __kitsune_xf_old_cells(pairs: number, n: number): number; __kitsune_xf_insert(old: number, neu: number, deep: number): number;
  __kitsune_xf_commit(): number; __kitsune_xf_map_base(): number; __kitsune_xf_map_capacity(): number; __kitsune_xf_rollback(): number; __kitsune_xf_failed(): number; __kitsune_xf_release(budget: number): number;
};

/** What longjmp throws (runtime/kitsune_setjmp.c); the linker's invoke_* wrappers catch it. */
export const LONGJMP: unique symbol = Symbol('longjmp');

/** `again`: the process's runtime instantiated anew in a fresh worker (update.ts): its memory is initialised already. */
export function instantiateRuntime(module: WebAssembly.Module, memory: WebAssembly.Memory, table: WebAssembly.Table, wasi: WebAssembly.ModuleImports, again = false): RuntimeExports {
  const instance = new WebAssembly.Instance(module, {
    env: { memory, __indirect_function_table: table, __kitsune_throw_longjmp: () => { throw LONGJMP; } },
    wasi_snapshot_preview1: wasi,
  });
  const rt = instance.exports as RuntimeExports;
  if (!again) (rt._initialize as (() => void) | undefined)?.();
  return rt;
}

/**
 * libc buffers a stdout that is not a terminal fully, so a host that shows
 * output as it comes (a `stdout` callback) would get it only at exit: make
 * it line-buffered, as on a terminal. Once, before main.
 */
export function lineBufferStdout(rt: RuntimeExports, memory: WebAssembly.Memory): void {
  if (typeof rt.setvbuf !== 'function' || !(rt.stdout instanceof WebAssembly.Global)) {
    throw new Error('the runtime exports no stdout/setvbuf: rebuild runtime/runtime.wasm (npm run build)');
  }
  const IOLBF = 1; // wasi-libc (musl): _IOFBF 0, _IOLBF 1, _IONBF 2
  rt.setvbuf(new DataView(memory.buffer).getUint32(rt.stdout.value as number, true), 0, IOLBF, 0);
}

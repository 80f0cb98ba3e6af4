// Builds the persistent runtime (runtime/runtime.wasm): wasi-libc whole, the
// allocator and stdio, plus runtime/kitsune_rt.c, every symbol exported so that
// any later version finds what it imports. Built once, at `npm run build`.
import { runClang, putFile, getFile, type Tree } from './clang.js';
import { KitsuneError } from '../format/errors.js';

/** Pages (64 KiB) the shared memory may grow to; the host picks its own bound below. */
export const RUNTIME_MAX_MEMORY = 65536 * 65536;

export async function buildRuntime(sources: Record<string, string>): Promise<Uint8Array> {
  const tree: Tree = {};
  for (const [name, text] of Object.entries(sources)) putFile(tree, `/runtime/${name}`, text);
  const args = [
    '-O2', '-mexec-model=reactor', '-o', '/runtime.wasm',
    ...Object.keys(sources).filter((n) => n.endsWith('.c')).map((n) => `/runtime/${n}`),
    '-Wl,--import-memory', '-Wl,--export-memory', '-Wl,--import-table', '-Wl,--growable-table',
    '-Wl,--shared-memory', `-Wl,--max-memory=${RUNTIME_MAX_MEMORY}`, '-Wl,--no-check-features',
    '-Wl,-z,stack-size=262144',
    '-Wl,--whole-archive', '-lc', '-lwasi-emulated-signal', '-lwasi-emulated-process-clocks', '-lwasi-emulated-getpid', '-lwasi-emulated-mman', '-Wl,--no-whole-archive', '-Wl,--export-all',
  ];
  const r = await runClang(args, tree);
  const wasm = getFile(r.files, '/runtime.wasm');
  if (!r.ok || !wasm) throw new KitsuneError('E_BUILD', `building the runtime failed:\n${r.diagnostics}`);
  return wasm;
}

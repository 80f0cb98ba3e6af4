// The compile worker: C to updatable Wasm with kitsune-wasm's compiler
// (clang from @yowasp/clang, Binaryen's Asyncify), off the page's thread so
// the page never freezes while clang runs for seconds.
import { build } from '../../compiler/index.js';
import { installToolchainCache, toolchainCached, type Toolchain } from './toolchain-cache.js';
import type { BuildFailure, FromCompiler, ToCompiler } from './compile-protocol.js';

declare const __TOOLCHAIN__: Toolchain;

installToolchainCache(__TOOLCHAIN__);
const post = (m: FromCompiler, transfer: Transferable[] = []) => (self as unknown as Worker).postMessage(m, transfer);

interface Clang { commands: { clang(args: null, files: object, options: { fetchProgress(p: { doneLength: number; totalLength: number }): void }): Promise<unknown> } }

let warming: Promise<void> | undefined;

/** Downloads (or takes from the cache) and compiles clang's modules, then loads Binaryen: the first build then only compiles. */
function warm(): Promise<void> {
  warming ??= (async () => {
    const t = performance.now();
    const cached = await toolchainCached(__TOOLCHAIN__);
    post({ type: 'phase', text: cached ? 'Loading clang from the browser\'s cache' : 'Downloading clang (C compiler, WebAssembly)' });
    const clang = (await import('@yowasp/clang')) as unknown as Clang;
    // A null command fetches and compiles the resources only, reporting bytes as they come.
    await clang.commands.clang(null, {}, { fetchProgress: ({ doneLength, totalLength }) => post({ type: 'download', done: doneLength, total: totalLength, cached }) });
    post({ type: 'phase', text: 'Loading Binaryen (the Asyncify pass)' });
    await import('binaryen');
    post({ type: 'warm', millis: performance.now() - t, cached });
  })();
  return warming;
}

function failure(e: unknown): BuildFailure {
  const x = e as { code?: string; message?: string; diagnostics?: string; details?: string[]; file?: string; line?: number; column?: number };
  return {
    code: x.code ?? 'E_BUILD', message: x.message ?? String(e),
    ...(x.diagnostics !== undefined ? { diagnostics: x.diagnostics } : {}),
    ...(x.details ? { details: x.details } : {}),
    ...(x.file !== undefined && x.line !== undefined ? { file: x.file, line: x.line, column: x.column ?? 1 } : {}),
  };
}

self.onmessage = async (e: MessageEvent<ToCompiler>) => {
  const m = e.data;
  if (m.type === 'warm') { await warm(); return; }
  const { id, request } = m;
  try {
    await warm();
    const r = await build({
      sources: request.sources, name: request.name, optimize: request.optimize,
      ...(request.from ? { from: request.from } : {}), ...(request.xf ? { xf: request.xf } : {}),
      progress: (p) => post({ type: 'progress', id, text: p.message }),
    });
    post({ type: 'built', id, result: { wasm: r.wasm, meta: r.meta, ...(r.plan ? { plan: r.plan } : {}), notes: r.notes, diagnostics: r.diagnostics, millis: r.millis } }, [r.wasm.buffer as ArrayBuffer]);
  } catch (err) {
    post({ type: 'failed', id, error: failure(err) });
  }
};

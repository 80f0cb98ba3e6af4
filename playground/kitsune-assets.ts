// How the playground gets kitsune-wasm into a page, until the package's own
// browser recipe (an exported `kitsune-wasm/worker` entry and an `assets`
// base URL) exists: the driver and the compiler are bundled from this source
// tree, and the files they load are laid out where their own URLs point.
//
// - The driver starts its worker with new URL('./worker.js', import.meta.url):
//   wasm-driver/worker.ts is bundled as a second entry, `worker.js`, in the
//   same folder as every other chunk.
// - The driver fetches ../../runtime/runtime.wasm and the compiler
//   ../../runtime/kitsune.h, kitsune_xf.h and include/index.json (+ the
//   headers it lists), relative to the chunk they are in: chunks live two
//   folders down (assets/js/), runtime files in runtime/ at the top.
// - @yowasp/clang fetches ./llvm*.wasm and ./llvm-resources.tar relative to
//   its chunk: they are copied beside it.
// Switching to the package's recipe means replacing this file.
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

/** The repository: found upwards from here, so that this file works from playground/ and from its tsc output in dist/playground/. */
export const ROOT = ((): string => {
  for (let dir = path.dirname(fileURLToPath(import.meta.url)); ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, 'package.json')) && fs.existsSync(path.join(dir, 'playground/src/main.ts'))) return dir + path.sep;
    if (path.dirname(dir) === dir) throw new Error('cannot find the kitsune-wasm repository above playground/kitsune-assets');
  }
})();
/** Where the chunks go, relative to the output folder. */
export const JS_DIR = 'assets/js';

/** The driver's worker, as an esbuild entry named `worker`. */
export const driverWorkerEntry = { worker: path.join(ROOT, 'wasm-driver/worker.ts') };

/** Copies what the driver and compiler fetch at run time into `outDir`; returns the files copied. */
export function copyKitsuneAssets(outDir: string): string[] {
  const copied: string[] = [];
  const copy = (from: string, to: string) => {
    if (!fs.existsSync(from)) {
      throw new Error(`${from} is missing: run \`npm run build\` first (it builds runtime/runtime.wasm and runtime/include/index.json)`);
    }
    fs.mkdirSync(path.dirname(to), { recursive: true });
    fs.copyFileSync(from, to);
    copied.push(path.relative(outDir, to));
  };
  const runtime = path.join(ROOT, 'runtime');
  for (const f of ['runtime.wasm', 'kitsune.h', 'kitsune_xf.h']) copy(path.join(runtime, f), path.join(outDir, 'runtime', f));
  const include = path.join(runtime, 'include');
  const index = path.join(include, 'index.json');
  copy(index, path.join(outDir, 'runtime/include/index.json'));
  for (const h of JSON.parse(fs.readFileSync(index, 'utf8')) as string[]) copy(path.join(include, h), path.join(outDir, 'runtime/include', h));
  const require = createRequire(import.meta.url);
  const clangDir = path.dirname(require.resolve('@yowasp/clang'));
  for (const f of fs.readdirSync(clangDir)) {
    if (f.endsWith('.wasm') || f.endsWith('.tar')) copy(path.join(clangDir, f), path.join(outDir, JS_DIR, f));
  }
  return copied;
}

/** The files of the toolchain that the compile worker keeps in the browser's Cache Storage. */
export function toolchainFiles(outDir: string): { name: string; bytes: number }[] {
  const dir = path.join(outDir, JS_DIR);
  return fs.readdirSync(dir).filter((f) => /^llvm.*\.(wasm|tar)$/.test(f)).map((name) => ({ name, bytes: fs.statSync(path.join(dir, name)).size }));
}

// `node dist/cli/build-runtime.js`: the runtime step of `npm run build`.
// Rebuilds runtime/runtime.wasm only when its C sources, the POSIX overlay
// they are compiled against, or the build itself changed.
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { buildRuntime } from '../compiler/build-runtime.js';
import { STATE_BITS } from '../wasm-driver/common/state-word.js';

const dir = fileURLToPath(new URL('../../runtime/', import.meta.url));
const names = fs.readdirSync(dir).filter((n) => n.endsWith('.c') || n.endsWith('.h')).sort();
const sources = Object.fromEntries(names.map((n) => [n, fs.readFileSync(dir + n, 'utf8')]));
// The update request word has one table, on the TS side; kitsune.h must agree with it.
const header = sources['kitsune.h'] ?? '';
const cBits = Object.fromEntries([...header.matchAll(/#define KITSUNE_STATE_(\w+) (\d+)/g)].map((m) => [m[1], Number(m[2])]));
if (JSON.stringify(cBits) !== JSON.stringify(STATE_BITS)) {
  console.error(`runtime/kitsune.h: expected the KITSUNE_STATE_* bits of wasm-driver/common/state-word.ts, ${JSON.stringify(STATE_BITS)}, found ${JSON.stringify(cBits)}`);
  process.exit(1);
}
const include = dir + 'include/';
const headers = (sub: string): string[] => fs.readdirSync(include + sub, { withFileTypes: true })
  .flatMap((e) => (e.isDirectory() ? headers(`${sub}${e.name}/`) : e.name.endsWith('.h') ? [sub + e.name] : [])).sort();
const overlay = fs.existsSync(include) ? Object.fromEntries(headers('').map((n) => [n, fs.readFileSync(include + n, 'utf8')])) : {};
const out = dir + 'runtime.wasm';
const stampFile = dir + '.runtime.stamp';
const builder = fs.readFileSync(new URL('../compiler/build-runtime.js', import.meta.url), 'utf8');
const stamp = JSON.stringify({ sources, overlay, builder });
if (fs.existsSync(out) && fs.existsSync(stampFile) && fs.readFileSync(stampFile, 'utf8') === stamp) {
  console.log('runtime/runtime.wasm is up to date');
} else {
  const t = Date.now();
  const wasm = await buildRuntime(sources, overlay);
  fs.writeFileSync(out, wasm);
  fs.writeFileSync(stampFile, stamp);
  console.log(`built runtime/runtime.wasm (${wasm.length} bytes) in ${Date.now() - t} ms`);
}

// The browser's compiler fetches the POSIX headers by this list (compiler/kitsune-header.ts).
if (fs.existsSync(include)) fs.writeFileSync(include + 'index.json', JSON.stringify(headers(''), null, 1) + '\n');

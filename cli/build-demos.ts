// `npm run demos`: builds every demo's versions (demos/**/vN.c) into vN.wasm
// beside them, each --from the one before with its vN.xf when there is one,
// so that `kitsune run demos/kv/v1.wasm` and `kitsune update ... v2.wasm` work
// as the READMEs say. Only what changed since the last run is rebuilt.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildFromFiles } from './build-files.js';

const root = fileURLToPath(new URL('../../demos/', import.meta.url));
const only = process.argv.slice(2);

function demoDirs(dir: string): string[] {
  const here = fs.existsSync(path.join(dir, 'v1.c')) ? [dir] : [];
  const subs = fs.readdirSync(dir, { withFileTypes: true }).filter((e) => e.isDirectory()).flatMap((e) => demoDirs(path.join(dir, e.name)));
  return [...here, ...subs];
}

const started = Date.now();
let built = 0;
for (const dir of demoDirs(root)) {
  const name = path.relative(root, dir);
  if (only.length && !only.some((o) => name.startsWith(o))) continue;
  let prev: string | undefined;
  for (let v = 1; fs.existsSync(path.join(dir, `v${v}.c`)); v++) {
    const src = path.join(dir, `v${v}.c`), out = path.join(dir, `v${v}.wasm`), xf = path.join(dir, `v${v}.xf`);
    const inputs = [src, ...(fs.existsSync(xf) ? [xf] : []), ...(prev ? [prev] : [])];
    const fresh = fs.existsSync(out) && inputs.every((f) => fs.statSync(f).mtimeMs <= fs.statSync(out).mtimeMs);
    if (!fresh) {
      const r = await buildFromFiles([src], { out, ...(prev ? { from: prev } : {}), ...(fs.existsSync(xf) ? { xf } : {}), name: name.replace(/[\\/]/g, '-') }, (m) => process.stderr.write(`  ${m}\n`));
      fs.writeFileSync(out, r.wasm);
      console.log(`demos/${name}/v${v}.wasm (${r.wasm.length} bytes${prev ? `, from v${v - 1}` : ''}) in ${r.millis} ms`);
      built++;
    }
    prev = out;
  }
}
console.log(`${built} demo version(s) built in ${((Date.now() - started) / 1000).toFixed(1)} s`);

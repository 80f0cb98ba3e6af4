// `kitsune assets DIR`: copies the files the package loads at run time into
// DIR, laid out as the `assets` option expects, for a bundled page to serve:
// runtime.wasm, kitsune.h, kitsune_xf.h, include/ and clang/ (@yowasp/clang's
// bundle.js, its Wasm and its sysroot).
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { KitsuneError } from '../format/errors.js';
import { parseArgs } from './args.js';
import { ASSETS_SPEC } from './options.js';

const RUNTIME_FILES = ['runtime.wasm', 'kitsune.h', 'kitsune_xf.h', 'include'];

export async function cmdAssets(args: string[]): Promise<number> {
  const a = parseArgs(args, ASSETS_SPEC, 'assets');
  if (a.positional.length !== 1) throw new KitsuneError('E_USAGE', `kitsune assets: expected one DIR, found ${a.positional.length}`);
  const out = a.positional[0];
  const runtime = fileURLToPath(new URL('../../runtime/', import.meta.url));
  let bytes = 0, files = 0;
  const copy = (from: string, to: string) => {
    if (!fs.existsSync(from)) throw new KitsuneError('E_ASSET', `kitsune assets: ${from} is missing from the package; reinstall kitsune-wasm (in a git clone, run \`npm run build\`)`);
    fs.cpSync(from, to, { recursive: true });
    const count = (p: string): void => {
      const st = fs.statSync(p);
      if (st.isDirectory()) for (const e of fs.readdirSync(p)) count(path.join(p, e));
      else { bytes += st.size; files++; }
    };
    count(to);
  };
  fs.mkdirSync(out, { recursive: true });
  for (const f of RUNTIME_FILES) copy(path.join(runtime, f), path.join(out, f));
  if (!a.flags.noClang) {
    let gen: string;
    try { gen = path.dirname(fileURLToPath(import.meta.resolve('@yowasp/clang'))); } catch {
      throw new KitsuneError('E_ASSET', 'kitsune assets: @yowasp/clang is not installed beside kitsune-wasm; reinstall kitsune-wasm, or pass --no-clang for a page that only runs prebuilt versions');
    }
    fs.mkdirSync(path.join(out, 'clang'), { recursive: true });
    for (const f of fs.readdirSync(gen).filter((n) => n === 'bundle.js' || /\.(wasm|tar)$/.test(n))) copy(path.join(gen, f), path.join(out, 'clang', f));
  }
  process.stderr.write(`kitsune: wrote ${files} files (${(bytes / 1e6).toFixed(1)} MB) to ${out}; pass its URL as the \`assets\` option${a.flags.noClang ? '' : ' of KitsuneProcess.start and build'}, and serve .wasm as application/wasm\n`);
  return 0;
}

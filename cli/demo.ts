// `kitsune demo` (npm run demo): builds demos/heap's two versions, runs v1,
// updates it live to v2 and shows that the 100,000-object heap came through.
// The versions go to a temporary folder: an installed package's own folder
// may be read-only, and is no place for build output.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { KitsuneProcess } from '../wasm-driver/index.js';
import { buildFromFiles } from './build-files.js';
import { formatResult } from './format.js';
import { KitsuneError } from '../format/errors.js';

const say = (m: string) => process.stderr.write(`\x1b[36mdemo:\x1b[0m ${m}\n`);

export async function cmdDemo(args: string[]): Promise<number> {
  if (args.length) throw new KitsuneError('E_USAGE', `kitsune demo: expected no arguments, found ${args.join(' ')}`);
  const dir = path.relative(process.cwd(), fileURLToPath(new URL('../../demos/heap/', import.meta.url))) || '.';
  for (const f of ['v1.c', 'v2.c']) {
    if (!fs.existsSync(path.join(dir, f))) throw new KitsuneError('E_READ', `kitsune demo: ${path.join(dir, f)} is missing from the package; reinstall kitsune-wasm`);
  }
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'kitsune-demo-'));
  try {
    return await runDemo(dir, work);
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

async function runDemo(dir: string, work: string): Promise<number> {
  const v1 = path.join(work, 'v1.wasm'), v2 = path.join(work, 'v2.wasm');
  const t = Date.now();
  say(`building ${dir}/v1.c and ${dir}/v2.c (v2 --from v1)`);
  const b1 = await buildFromFiles([path.join(dir, 'v1.c')], { out: v1, name: 'heap' }, say);
  fs.writeFileSync(v1, b1.wasm);
  const b2 = await buildFromFiles([path.join(dir, 'v2.c')], { out: v2, from: v1 }, say);
  fs.writeFileSync(v2, b2.wasm);
  say(`built both in ${((Date.now() - t) / 1000).toFixed(1)} s; running v1: 10 ticks of 25,000 heap objects each`);
  let lines = 0;
  let updated = false;
  let proc!: KitsuneProcess;
  proc = await KitsuneProcess.start(v1, {
    args: ['10', '25000'],
    stdout: (b) => {
      process.stdout.write(b);
      lines += new TextDecoder().decode(b).split('\n').length - 1;
      if (lines >= 4 && !updated) {
        updated = true;
        say(`v1 holds 100,000 objects on its heap: updating to v2 while it runs`);
        void proc.update(v2).then((r) => say(formatResult(r)));
      }
    },
    stderr: (b) => process.stderr.write(b),
    inheritStdin: false,
  });
  const code = await proc.exited;
  say(code === 0 ? 'done: v2 walked the list v1 built and went on counting from where v1 stopped' : `the program ended with code ${code}`);
  return code;
}

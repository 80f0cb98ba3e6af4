// `kitsune demo` (npm run demo): builds demos/heap's two versions, runs v1,
// updates it live to v2 and shows that the 100,000-object heap came through.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { KitsuneProcess } from '../wasm-driver/index.js';
import { buildFromFiles } from './build-files.js';
import { formatResult } from './format.js';

const say = (m: string) => process.stderr.write(`\x1b[36mdemo:\x1b[0m ${m}\n`);

export async function cmdDemo(_args: string[]): Promise<number> {
  const dir = path.relative(process.cwd(), fileURLToPath(new URL('../../demos/heap/', import.meta.url))) || '.';
  const v1 = path.join(dir, 'v1.wasm'), v2 = path.join(dir, 'v2.wasm');
  const t = Date.now();
  say(`building ${dir}/v1.c and ${dir}/v2.c (v2 --from v1)`);
  const progress = (m: string) => say(m);
  const b1 = await buildFromFiles([path.join(dir, 'v1.c')], { out: v1 }, progress);
  fs.writeFileSync(v1, b1.wasm);
  const b2 = await buildFromFiles([path.join(dir, 'v2.c')], { out: v2, from: v1 }, progress);
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

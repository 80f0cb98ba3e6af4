// Migration throughput: the generated migration of N changed objects (a list
// whose node gained a field) against a bulk memcpy of the same bytes and a
// hand-written copy, all three timed in the same process right after another.
import fs from 'node:fs';
import { build } from 'kitsune-wasm/compiler';
import { KitsuneProcess } from 'kitsune-wasm';

export interface MigrateRow { n: number; runs: { migrate: number; pause: number; memcpy: number; byHand: number }[] }

export async function migrateBench(programs: URL, quick: boolean): Promise<MigrateRow> {
  const text = fs.readFileSync(new URL('migrate.c', programs), 'utf8');
  const src = (v: number) => ({ sources: [{ path: 'migrate.c', text }], defines: [`VERSION=${v}`], optimize: 2 as const, name: 'migrate' });
  const v1 = await build(src(1));
  const v2 = await build({ ...src(2), from: v1.wasm, xf: { path: 'migrate.xf', text: 'INIT struct node.weight: { $out = $base.value & 7; }' } });
  const n = 1_000_000;
  const runs: MigrateRow['runs'] = [];
  for (let i = 0; i < (quick ? 1 : 3); i++) {
    process.stderr.write(`migration throughput: run ${i + 1}...\n`);
    let out = '';
    const proc = await KitsuneProcess.start(v1.wasm, { args: [String(n)], argv0: 'migrate.wasm', stdout: (b) => { out += new TextDecoder().decode(b); } });
    try {
      for (let t = 0; !out.includes('ready:') && t < 6000; t++) await new Promise((r) => setTimeout(r, 10));
      const r = await proc.update(v2.wasm, { timeoutMs: 60_000 });
      if (r.outcome !== 'committed') throw new Error(`migration bench: ${r.outcome} at ${r.stage}: ${r.reason}`);
      for (let t = 0; !out.includes('migrated:') && t < 6000; t++) await new Promise((res) => setTimeout(res, 10));
      const m = /migrated: (\d+) objects, (\d+) wrong; memcpy ([\d.]+) ms; by hand ([\d.]+) ms/.exec(out);
      if (!m || Number(m[1]) !== n || m[2] !== '0') throw new Error(`migration bench: unexpected output ${out}`);
      runs.push({ migrate: r.timings.migrate!, pause: r.timings.pause!, memcpy: Number(m[3]), byHand: Number(m[4]) });
    } finally {
      await proc.kill();
    }
  }
  return { n, runs };
}

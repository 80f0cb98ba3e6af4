// 200 updates in a row, back and forth between two versions: each commits,
// the state stays consistent, and memory stays bounded (old versions' data,
// stacks and table slots are released at each commit).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import { buildC, start } from './helpers.js';

const src = fs.readFileSync(new URL('./programs/counter.c', import.meta.url), 'utf8');

test('200 updates: all commit, state intact, memory bounded', async () => {
  const v1 = await buildC(src, { file: 'counter.c', defines: ['VERSION=1'] });
  const v2 = await buildC(src, { file: 'counter.c', defines: ['VERSION=2'], from: v1 });
  const run = await start(v1, ['1000000', '300']);
  await run.waitFor(/v1 n=3 /);
  let early = 0;
  const pauses: number[] = [];
  for (let i = 1; i <= 200; i++) {
    const r = await run.proc.update(i % 2 ? v2 : v1);
    assert.is(r.outcome, 'committed', JSON.stringify(r));
    pauses.push(r.timings.pause!);
    if (i === 10) early = run.proc.memoryBytes();
  }
  const late = run.proc.memoryBytes();
  // Old versions' static data is freed when the program next waits, off the pause.
  // The scan is conservative: a word that happens to look like a pointer into
  // a block keeps it until a later scan (once a second) finds it gone.
  const freed = new Set(run.events.flatMap((e) => (e.type === 'reclaim' && e.what === 'static-data' && e.freed ? [e.version] : [])));
  assert.ok(freed.size >= 190, `${freed.size} of 200 old versions' static data freed`);
  // Each leaked version would cost its 1 MiB stack: 190 of them would show.
  assert.ok(late - early <= 4 << 20, `memory grew from ${early} to ${late} bytes over 190 updates`);
  // Still running, with its state consistent, after the last update.
  const ticks = () => run.out().split('\n').filter((l) => / n=\d+ /.test(l)).length;
  const after = ticks();
  await run.waitFor(new RegExp(`v1 n=${after + 2} `));
  await run.proc.kill();
  const lines = run.out().split('\n').filter((l) => / n=\d+ /.test(l));
  lines.forEach((l, i) => {
    const n = i + 1;
    assert.match(l, new RegExp(`^v\\d n=${n} sum=${(n * (n + 1)) / 2} stat=${2 * n} step=${n} calls=${n} typed=7 walk=${n}/${(n * (n - 1)) / 2}$`));
  });
  assert.ok(lines.length >= after + 2, `${lines.length} ticks`);
  pauses.sort((a, b) => a - b);
  console.log(`    200 updates; pause median ${pauses[100].toFixed(2)} ms, max ${pauses[199].toFixed(2)} ms; memory ${early} -> ${late} bytes`);
});

test.run();

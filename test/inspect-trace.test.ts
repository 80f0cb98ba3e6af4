// The driver's `inspect` option (what the playground draws): the started
// event and the update result carry each version's layout, the result a trace
// of the stack unwound at the update point and the new version's path back to
// it, the migration's address map and the memory at the update point; `local`
// events say where MIGRATE_LOCAL found each local. Checked on demos/points,
// updated inside its inner "session" loop.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import { buildC, start } from './helpers.js';
import { readMeta, type KitsuneEvent, type UpdateResult } from 'kitsune-wasm';

const read = (v: string) => fs.readFileSync(new URL(`../demos/points/${v}.c`, import.meta.url), 'utf8');

test('an update traced for an inspector: layouts, frames, address map, memory before', async () => {
  // -O0: no inlining, so run_session keeps a frame of its own.
  const v1 = await buildC(read('v1'), { file: 'points.c', name: 'points', optimize: 0 });
  const v2 = await buildC(read('v2'), { file: 'points.c', name: 'points', from: v1, optimize: 0 });
  const run = await start(v1, ['2', '150', '100'], { inspect: true });
  await run.waitFor(/v1 session 1 item 2\/3/);
  const result: UpdateResult = await run.proc.update(v2);
  assert.is(result.outcome, 'committed', result.reason);
  assert.is(result.point, 'session');
  await run.proc.exited;

  const started = run.events.find((e) => e.type === 'started') as Extract<KitsuneEvent, { type: 'started' }>;
  assert.ok(started.layout && started.heapBase, 'started carries the layout and the heap base');
  assert.is(started.layout!.number, 1);
  assert.ok(started.layout!.dataBase > started.heapBase!, 'a version\'s data block comes from the heap');
  assert.is(result.layout!.number, 2);
  assert.is.not(result.layout!.dataBase, started.layout!.dataBase);

  const t = result.trace!;
  const names = (fs: { function: string; own: boolean }[]) => fs.filter((f) => f.own).map((f) => f.function);
  // Innermost first: the loop's function, then main, as the source nests them.
  const unwound = names(t.unwound);
  assert.ok(unwound.indexOf('run_session') >= 0 && unwound.indexOf('run_session') < unwound.indexOf('main'), `unwound: ${unwound}`);
  const resumed = names(t.resumed);
  assert.ok(resumed.indexOf('run_session') >= 0 && resumed.indexOf('run_session') < resumed.indexOf('main'), `resumed: ${resumed}`);
  assert.ok(t.savedBytes > 0 && t.savedBytes < 4096, `Asyncify saved ${t.savedBytes} bytes`);

  // The global `total` moved from v1's data block to v2's, and its value at the update point is in `before`.
  const meta1 = readMeta(v1), meta2 = readMeta(v2);
  const off1 = meta1.variables.find((v) => v.key === 'total')!.offset!, off2 = meta2.variables.find((v) => v.key === 'total')!.offset!;
  const pair = t.addressMap.find((p) => p.old === started.layout!.dataBase + off1);
  assert.ok(pair, 'the address map has the global total');
  assert.is(pair!.new, result.layout!.dataBase + off2);
  const before = new DataView(t.before!.buffer, t.before!.byteOffset);
  // Session 1's items are 11, 12, 13: two were scored before the update.
  assert.is(before.getInt32(pair!.old, true), 11 + 12);
  // And at the new address in the copy taken at the commit, before v2 ran on.
  assert.is(new DataView(t.after!.buffer, t.after!.byteOffset).getInt32(pair!.new, true), 11 + 12);

  const locals = run.events.filter((e) => e.type === 'local') as Extract<KitsuneEvent, { type: 'local' }>[];
  assert.ok(locals.some((l) => l.version === 1 && l.key === 'run_session#i' && l.size === 4), JSON.stringify(locals));
  assert.ok(locals.some((l) => l.version === 2 && l.key === 'main#closed'), JSON.stringify(locals));
});

test('without inspect, nothing of it is sent', async () => {
  const v1 = await buildC(read('v1'), { file: 'points.c', name: 'points' });
  const run = await start(v1, ['1', '20', '20']);
  await run.proc.exited;
  const started = run.events.find((e) => e.type === 'started') as Extract<KitsuneEvent, { type: 'started' }>;
  assert.is(started.layout, undefined);
  assert.not.ok(run.events.some((e) => e.type === 'local'));
});

test.run();

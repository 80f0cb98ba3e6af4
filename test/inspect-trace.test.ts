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
import type { KitsuneEvent, UpdateResult } from 'kitsune-wasm';

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

  // The global `total` kept its type, so it kept its cell: v2 took it over where v1 left it, and its value at the update point is in `before`.
  const cell1 = started.layout!.variables!.find((v) => v.key === 'total')!, cell2 = result.layout!.variables!.find((v) => v.key === 'total')!;
  assert.ok(cell1 && cell2, 'the layouts list where `total` lives');
  assert.is(cell2.addr, cell1.addr, 'total keeps its cell (its address) across the update');
  assert.ok(cell2.shared && !cell1.shared);
  assert.not.ok(t.addressMap.some((p) => p.old === cell1.addr), 'a variable that kept its cell needs no entry in the address map');
  const before = new DataView(t.before!.buffer, t.before!.byteOffset);
  // Session 1's items are 11, 12, 13: two were scored before the update.
  assert.is(before.getInt32(cell1.addr, true), 11 + 12);
  // And the same in the copy taken at the commit, before v2 ran on.
  assert.is(new DataView(t.after!.buffer, t.after!.byteOffset).getInt32(cell2.addr, true), 11 + 12);

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

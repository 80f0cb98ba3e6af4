// A failed update at each stage leaves the old version running with its state
// intact: every line the program prints carries invariants over its whole state
// (heap list, globals, statics, a migrated local), checked before and after.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import { buildC, start } from './helpers.js';

const src = fs.readFileSync(new URL('./programs/counter.c', import.meta.url), 'utf8');
const variant = (defines: string[], from?: Uint8Array) => buildC(src, { file: 'counter.c', defines, from });

/** Checks every state line: n ticks of state must agree everywhere. */
function checkState(out: string, versions = /v[0-9]/) {
  const lines = out.split('\n').filter((l) => / n=\d+ /.test(l));
  let prev = 0;
  for (const l of lines) {
    const m = /^(v\d) n=(\d+) sum=(\d+) stat=(\d+) step=(\d+) calls=(\d+) typed=(\d+) walk=(\d+)\/(\d+)$/.exec(l);
    assert.ok(m, `unexpected line: ${l}`);
    assert.match(m![1], versions);
    const n = Number(m![2]);
    assert.is(n, prev + 1, `n went from ${prev} to ${n}: ${l}`);
    prev = n;
    assert.is(Number(m![3]), (n * (n + 1)) / 2, `sum: ${l}`);
    assert.is(Number(m![4]), 2 * n, `file static: ${l}`);
    assert.is(Number(m![5]), n, `MIGRATE_LOCAL local: ${l}`);
    assert.is(Number(m![6]), n, `local static: ${l}`);
    assert.is(Number(m![7]), 7, `manual global: ${l}`);
    assert.is(Number(m![8]), n, `heap list length: ${l}`);
    assert.is(Number(m![9]), (n * (n - 1)) / 2, `heap list values: ${l}`);
  }
  return prev;
}

let v1: Uint8Array;
test.before.each(async () => { v1 ??= await variant(['VERSION=1']); });

const failures: [string, string[], string, RegExp, object?][] = [
  ['a trap in the new main', ['FAIL_TRAP'], 'main', /trap/],
  ['exit() in the new main', ['FAIL_EXIT'], 'main', /exit\(3\)/],
  ['main returning before the update point', ['FAIL_RETURN'], 'main', /returned 0 before reaching update point "loop"/],
  ['a trap in the prestart hook', ['FAIL_PRESTART'], 'init', /trap/],
  ['an unresolved import', ['FAIL_LINK'], 'link', /no_such_function/],
  ['migrating a variable whose type changed', ['FAIL_MIGRATE'], 'migrate', /`typed`.*changed type from `int` to `long long`/],
  ['running out of memory', ['FAIL_OOM'], 'main', /trap|memory/],
  ['writing the old heap, with a snapshot', ['FAIL_WRITE_OLD', 'FAIL_TRAP'], 'main', /trap/, { snapshot: true }],
];

for (const [what, defines, stage, reason, opts] of failures) {
  test(`rollback: ${what}`, async () => {
    // Built without --from, nothing generates a transformation for the changed manual variable.
    const bad = await variant(['VERSION=2', ...defines], defines.includes('FAIL_MIGRATE') ? undefined : v1);
    const run = await start(v1, ['25', '5000'], { maxMemoryPages: 1024 });
    await run.waitFor(/v1 n=4 /);
    const r = await run.proc.update(bad, opts);
    assert.is(r.outcome, 'rolled-back', JSON.stringify(r));
    assert.is(r.stage, stage, JSON.stringify(r));
    assert.match(r.reason!, reason);
    assert.is(r.point, 'loop');
    if (defines.includes('FAIL_OOM')) assert.ok(r.freedAllocations! > 10, `freed ${r.freedAllocations} blocks`);
    assert.is(await run.proc.exited, 0);
    assert.is(checkState(run.out(), /v1/), 25, run.out());
  });
}

test('rollback: a trap inside a .xf rule, after other variables were migrated', async () => {
  const bad = await buildC(src, { file: 'counter.c', defines: ['VERSION=2'], from: v1, xf: 'counter.c/stat_counter -> counter.c/stat_counter: { if ($in > 0) __builtin_trap(); $out = $in; }' });
  const run = await start(v1, ['25', '5000']);
  await run.waitFor(/v1 n=4 /);
  const r = await run.proc.update(bad);
  assert.is(r.outcome, 'rolled-back', JSON.stringify(r));
  assert.is(r.stage, 'migrate');
  assert.match(r.reason!, /trap/);
  assert.is(await run.proc.exited, 0);
  assert.is(checkState(run.out(), /v1/), 25, run.out());
});

test('refused before the program is touched: missing file, not Wasm, not kitsune, another program, a changed type', async () => {
  const changed = await buildC(src.replace('long long sum;', 'double sum;'), { file: 'counter.c', defines: ['VERSION=3'] });
  const other = await buildC(src, { file: 'counter.c', name: 'other' });
  const plain = new Uint8Array([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0]);
  const run = await start(v1, ['40', '5000']);
  await run.waitFor(/v1 n=2 /);
  const cases: [Uint8Array | string, string, RegExp][] = [
    ['/nonexistent/v2.wasm', 'read', /no such file/],
    [new TextEncoder().encode('#!/bin/sh\necho hi\n'), 'validate', /expected a WebAssembly module/],
    [plain, 'validate', /without one; build it with `kitsune build`/],
    [other, 'validate', /expected a version of program "prog", found one of program "other"/],
    [changed, 'validate', /`sum` \(counter\.c:\d+\): type changed from `long long` to `double`/],
  ];
  for (const [next, stage, reason] of cases) {
    const r = await run.proc.update(next);
    assert.is(r.outcome, 'refused');
    assert.is(r.stage, stage);
    assert.match(r.reason!, reason);
  }
  assert.is(await run.proc.exited, 0);
  assert.is(checkState(run.out(), /v1/), 40);
});

test('a good update after a failed one commits and carries the state', async () => {
  const bad = await variant(['VERSION=2', 'FAIL_TRAP'], v1);
  const good = await variant(['VERSION=2'], v1);
  const run = await start(v1, ['30', '5000']);
  await run.waitFor(/v1 n=3 /);
  assert.is((await run.proc.update(bad)).outcome, 'rolled-back');
  await run.waitFor(/v1 n=8 /);
  const r = await run.proc.update(good);
  assert.is(r.outcome, 'committed', JSON.stringify(r));
  assert.ok(r.migrated!.includes('n') && r.migrated!.includes('counter.c/stat_counter') && r.migrated!.includes('main#step') && r.migrated!.includes('counter.c/bump#calls'), String(r.migrated));
  assert.is(await run.proc.exited, 0);
  assert.is(checkState(run.out()), 30);
  assert.match(run.out(), /v2 took over at step \d+/);
  assert.match(run.out(), /v2 n=30 /);
});

test.run();

// State transformation end to end: real C, built --from the running version
// with a .xf spec, updated live, and the state checked in its new shape.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import { buildC, start } from './helpers.js';

const read = (f: string) => fs.readFileSync(new URL(`./programs/xf/${f}`, import.meta.url), 'utf8');

test('rules on a global, a file static, a local static and a MIGRATE_LOCAL local; renames, a swap, INIT and both hooks', async () => {
  const v1 = await buildC(read('vars1.c'));
  const v2 = await buildC(read('vars2.c'), { from: v1, xf: read('vars2.xf') });
  const run = await start(v1);
  await run.waitFor(/v1 g=5 origin=3,4 a=1 b=2 count=7 calls=40 steps=3\n/);
  const r = await run.proc.update(v2);
  assert.is(r.outcome, 'committed', r.reason);
  await run.waitFor(/v2 .*\n/);
  await run.proc.kill();
  assert.match(run.out(), /v2 g=10 origin=3,4,7 a=2 b=1 total=7 calls=140 steps=3000 pre=1 upd=1\n/);
});

const HEAP_V2 = /v2 n=3 \[10 red alpha extra=20 lit=1\] \[11 green beta extra=22 lit=1\] \[12 blue gamma extra=24 lit=1\] arr=1,2,3,0,0 shared=1 cycle=1 raw=1.5 op=1010 tag=-7\n/;
const HEAP_V1 = 'v1 n=3 [10 0 alpha] [11 1 beta] [12 2 gamma] arr=1,2,3 shared=1 cycle=1 raw=1.5 op=10 tag=-7\n';

/** Waits for `n` more lines that start with `prefix` and returns them. */
async function moreLines(run: Awaited<ReturnType<typeof start>>, prefix: string, n = 2): Promise<string[]> {
  const from = run.out().length;
  const fresh = () => run.out().slice(from).split('\n').filter((l) => l.startsWith(prefix));
  for (let i = 0; i < 500 && fresh().length < n + 1; i++) await new Promise((r) => setTimeout(r, 10));
  return fresh().slice(0, n).map((l) => l + '\n');
}

let heap1: Uint8Array | undefined;
const v1Heap = async () => (heap1 ??= await buildC(read('heap1.c')));

test('the heap: pointer arrays sized by a field, sharing, cycles, unions, enums by name, function pointers and literals by name, shallow and deep', async () => {
  const v1 = await v1Heap();
  const v2 = await buildC(read('heap2.c'), { from: v1, xf: read('heap2.xf') });
  const run = await start(v1);
  await run.waitFor(/v1 n=3 .*\n/);
  assert.ok(run.out().includes(HEAP_V1), run.out());
  const r = await run.proc.update(v2);
  assert.is(r.outcome, 'committed', r.reason);
  // The box is rewritten in place (same size); its items move to blocks of their new size.
  assert.is(r.movedObjects, 1, 'the items array moved as one block');
  await run.waitFor(HEAP_V2);
  // Nothing points into v1's static data any more: literals moved to v2's, so v1's data is freed.
  await new Promise((res) => setTimeout(res, 1200));
  await run.proc.kill();
  assert.ok(run.events.some((e) => e.type === 'reclaim' && e.what === 'static-data' && e.version === 1 && e.freed), JSON.stringify(run.events.filter((e) => e.type === 'reclaim')));
});

test('a migration that fails after transforming in place rolls back to the old heap, byte for byte; the good version then commits', async () => {
  const v1 = await v1Heap();
  const bad = await buildC(read('heap2.c'), { from: v1, xf: read('heap2.xf'), defines: ['FAIL_AFTER_MIGRATE'] });
  const good = await buildC(read('heap2.c'), { from: v1, xf: read('heap2.xf') });
  const run = await start(v1);
  await run.waitFor(/v1 n=3 .*\n/);
  const r = await run.proc.update(bad);
  assert.is(r.outcome, 'rolled-back');
  assert.ok((r.restoredObjects ?? 0) >= 1, `in-place transforms undone: ${r.restoredObjects}`);
  const after = await moreLines(run, 'v1 ');
  assert.is(after.length, 2, run.out());
  for (const l of after) assert.is(l, HEAP_V1);
  const ok = await run.proc.update(good);
  assert.is(ok.outcome, 'committed', ok.reason);
  await run.waitFor(HEAP_V2);
  await run.proc.kill();
});

test('a function pointer whose function the new version lacks fails the update, naming the function', async () => {
  const v1 = await v1Heap();
  const v2 = await buildC(read('heap2.c'), { from: v1, xf: read('heap2.xf'), defines: ['DROP_TWICE'] });
  const run = await start(v1);
  await run.waitFor(/v1 n=3 .*\n/);
  const r = await run.proc.update(v2);
  assert.is(r.outcome, 'rolled-back');
  assert.match(r.reason!, /struct box\.op: a function pointer to `twice`, which the new version does not define/);
  assert.equal(await moreLines(run, 'v1 '), [HEAP_V1, HEAP_V1]);
  await run.proc.kill();
});

test('a generic container: void * payloads followed through E_GENERIC / E_T / E_G', async () => {
  const src = read('generic.c');
  const v1 = await buildC(src, { defines: ['VERSION=1'] });
  const v2 = await buildC(src, { defines: ['VERSION=2'], from: v1, xf: 'INIT struct item.score: { $out = (int)$base.id * 3; }' });
  const run = await start(v1);
  await run.waitFor(/v1 300 200 100\n/);
  const r = await run.proc.update(v2);
  assert.is(r.outcome, 'committed', r.reason);
  assert.is(r.movedObjects, 3);
  await run.waitFor(/v2 300\/900 200\/600 100\/300\n/);
  await run.proc.kill();
});

test('a struct with a flexible array member (E_ARRAY(self.len)) moves with all its elements', async () => {
  const src = read('flex.c');
  const v1 = await buildC(src, { defines: ['VERSION=1'] });
  const v2 = await buildC(src, { defines: ['VERSION=2'], from: v1 });
  const run = await start(v1);
  await run.waitFor(/v1 \[6 1 alpha\] \[22 2 a much longer message\] \[2 3 z\]\n/);
  const r = await run.proc.update(v2);
  assert.is(r.outcome, 'committed', r.reason);
  assert.is(r.movedObjects, 3);
  await run.waitFor(/v2 \[6 1 alpha\] \[22 2 a much longer message\] \[2 3 z\]\n/);
  await run.proc.kill();
});

test('a list of 1,000,000 nodes whose node gained a field migrates, every value checked', async () => {
  const src = (v: number) => `
#include <kitsune.h>
#include <unistd.h>
struct node { ${v === 1 ? 'int value;' : 'long long value; int weight;'} struct node *next; };
struct node *head;
int main(void) {
  if (kitsune_is_updating()) kitsune_do_automigrate();
  else for (int i = 0; i < 1000000; i++) { struct node *n = malloc(sizeof *n); n->value = i; n->next = head; head = n; }
  for (;;) {
    kitsune_update("loop");
    long count = 0, bad = 0, expect = 999999;
    for (struct node *n = head; n; n = n->next, count++, expect--) {
      if (n->value != expect) bad++;
      ${v === 1 ? '' : 'if (n->weight != (int)(n->value % 7)) bad++;'}
    }
    printf("v${v} count=%ld bad=%ld\\n", count, bad);
    fflush(stdout);
    usleep(20000);
  }
}`;
  const v1 = await buildC(src(1));
  const v2 = await buildC(src(2), { from: v1, xf: 'INIT struct node.weight: { $out = (int)($base.value % 7); }' });
  const run = await start(v1);
  await run.waitFor(/v1 count=1000000 bad=0\n/, 30000);
  const r = await run.proc.update(v2);
  assert.is(r.outcome, 'committed', r.reason);
  assert.is(r.movedObjects, 1000000);
  await run.waitFor(/v2 count=1000000 bad=0\n/, 30000);
  await run.proc.kill();
  console.log(`    1M nodes: migrate ${r.timings.migrate!.toFixed(0)} ms, pause ${r.timings.pause!.toFixed(0)} ms`);
});

test.run();

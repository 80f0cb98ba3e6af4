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

test('the blocks a migration carves from its slabs are ordinary heap blocks: the new version frees, grows and allocates among them', async () => {
  // 20,000 nodes of 32 bytes fill four slabs (64 KiB doubling), the last one in part.
  const src = (v: number) => `
#include <kitsune.h>
#include <unistd.h>
struct node { int value; ${v === 1 ? '' : 'int weight; double extra[2];'} struct node *next; };
struct node *head;
static void check(const char *what) {
  long count = 0, bad = 0, last = 1 << 30;
  for (struct node *n = head; n; n = n->next, count++) {
    if (n->value >= last) bad++;
    last = n->value;
    ${v === 1 ? '' : 'if (n->weight != n->value % 5 || n->extra[1] != 0) bad++;'}
  }
  printf("v${v} %s count=%ld bad=%ld\\n", what, count, bad);
  fflush(stdout);
}
/* dlmalloc's own invariant, read from its chunk headers (the word before a payload: size, bit 1 in use,
 * bit 0 the previous chunk in use): a node right after another node in memory must say its neighbour is in use. */
static int by_address(const void *a, const void *b) { uintptr_t x = *(const uintptr_t *)a, y = *(const uintptr_t *)b; return x < y ? -1 : x > y; }
static void check_headers(void) {
  static uintptr_t at[20000];
  long n = 0, chained = 0, wrong = 0;
  for (struct node *p = head; p && n < 20000; p = p->next) at[n++] = (uintptr_t)p;
  qsort(at, n, sizeof at[0], by_address);
  for (long i = 0; i + 1 < n; i++) {
    size_t head_i = ((size_t *)at[i])[-1], head_next = ((size_t *)at[i + 1])[-1];
    if (!(head_i & 2)) wrong++;
    if (at[i] + (head_i & ~(size_t)7) != at[i + 1]) continue;
    chained++;
    if (!(head_next & 1)) wrong++;
  }
  printf("v${v} headers chained=%s wrong=%ld\\n", chained > n / 2 ? "most" : "few", wrong);
  fflush(stdout);
}
int main(void) {
  if (kitsune_is_updating()) kitsune_do_automigrate();
  else for (int i = 0; i < 20000; i++) { struct node *n = malloc(sizeof *n); n->value = i; n->next = head; head = n; }
  int done = 0;
  for (;;) {
    kitsune_update("loop");
    if (${v === 1 ? '0' : 'kitsune_has_updated()'} && !done) {
      done = 1;
      check("migrated");
      check_headers();
      /* Every other node freed, the others grown (realloc may move them), then blocks allocated and freed among them. */
      for (struct node **at = &head; *at; ) {
        struct node *n = *at;
        if (n->value % 2) { *at = n->next; free(n); continue; }
        struct node *g = realloc(n, 4 * sizeof *n);
        if (!g) { printf("realloc failed\\n"); fflush(stdout); return 1; }
        *at = g;
        at = &g->next;
      }
      void *spare[5000];
      for (int i = 0; i < 5000; i++) spare[i] = calloc(1, 24 + i % 40);
      for (int i = 0; i < 5000; i += 2) free(spare[i]);
      for (int i = 1; i < 5000; i += 2) free(spare[i]);
      check("reshaped");
    }
    ${v === 1 ? 'check("running");' : ''}
    usleep(20000);
  }
}`;
  const v1 = await buildC(src(1));
  const v2 = await buildC(src(2), { from: v1, xf: 'INIT struct node.weight: { $out = $base.value % 5; }' });
  const run = await start(v1);
  await run.waitFor(/v1 running count=20000 bad=0\n/);
  const r = await run.proc.update(v2);
  assert.is(r.outcome, 'committed', r.reason);
  assert.is(r.movedObjects, 20000);
  await run.waitFor(/v2 reshaped count=\d+ bad=\d+\n/);
  await run.proc.kill();
  assert.match(run.out(), /v2 migrated count=20000 bad=0\nv2 headers chained=most wrong=0\nv2 reshaped count=10000 bad=0\n/);
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

// An update point reached 13,000 frames deep: Asyncify's save buffer is
// sized before the unwind (the frames on the stack, each at most what its
// locals take), from the heap when the stack region's free part is too
// small, so the update commits, or rolls back and rewinds the whole depth,
// and never writes past its buffer.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { buildC, start } from './helpers.js';

const src = String.raw`
#include <kitsune.h>
#include <unistd.h>
int depth_reached, ticks;
static int down(int n, volatile int *sink) {
  volatile int local[12] = { n, n + 1, n + 2, n + 3 };   /* 48 bytes of shadow stack a frame: 13,000 of them leave the stack region too little room to save the frames in */
  if (n == 0) {
    depth_reached++;
    kitsune_update("deep");
    return local[0] + *sink;
  }
  return down(n - 1, sink) + local[3] - local[2];
}
int main(int argc, char **argv) {
  int depth = atoi(argv[1]);
  volatile int sink = 0;
  kitsune_do_automigrate();
#ifdef FAIL
  if (kitsune_is_updating()) __builtin_trap();
#endif
  if (kitsune_is_updating()) { printf("v%d took over after %d descents\n", VERSION, depth_reached); fflush(stdout); }
  for (;;) {
    int r = down(depth, &sink);
    printf("v%d tick %d: %d\n", VERSION, ++ticks, r); fflush(stdout);
    usleep(20000);
  }
}`;

test('an update point 13,000 frames deep: the update commits, and a failing one rolls back through the whole depth', async () => {
  const v1 = await buildC(src, { defines: ['VERSION=1'], optimize: 1 });
  const bad = await buildC(src, { defines: ['VERSION=2', 'FAIL'], from: v1, optimize: 1 });
  const v2 = await buildC(src, { defines: ['VERSION=2'], from: v1, optimize: 1 });
  const run = await start(v1, ['13000'], { stackSize: 1 << 20 });
  await run.waitFor(/v1 tick 2: /);
  const r1 = await run.proc.update(bad);
  assert.is(r1.outcome, 'rolled-back', JSON.stringify(r1));
  assert.is(r1.stage, 'main');
  // v1 goes on from its update point, 13,000 frames down, and comes back up with the right sum.
  const ticks = () => run.out().split('\n').filter((l) => l === `v1 tick ${l.split(' ')[2]?.replace(':', '')}: 13000`).length;
  const seen = ticks();
  await run.waitFor(new RegExp(`v1 tick ${seen + 2}: 13000\n`));
  const r2 = await run.proc.update(v2);
  assert.is(r2.outcome, 'committed', JSON.stringify(r2));
  await run.waitFor(/v2 took over after \d+ descents\n/);
  await run.waitFor(/v2 tick \d+: 13000\n/);
  await run.proc.kill();
  assert.not.ok(run.events.some((e) => e.type === 'crash'), JSON.stringify(run.events.filter((e) => e.type === 'crash')));
});

test.run();

// setjmp/longjmp (runtime/include/setjmp.h): the error-recovery pattern of
// real C (a parser that longjmps out of deep recursion to its loop), with an
// update point reached through the calls of a setjmp-calling function, and a
// longjmp in the new version before commit, which is an ordinary failure.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { buildC, start } from './helpers.js';

const program = String.raw`
#include <kitsune.h>
#include <setjmp.h>
#include <unistd.h>
static jmp_buf recover;
int rounds, errors, sum;

/* Fails every third round from 7 frames down, with longjmp. */
static int descend(int depth, int round) {
  if (depth == 0) {
    if (round % 3 == 0) longjmp(recover, round);
    return 1;
  }
  return descend(depth - 1, round) + 1;
}

static void step(void) {
  kitsune_update("loop");         /* reached through invoke_*: main calls setjmp */
  sum += descend(7, ++rounds);
}

int main(void) {
  kitsune_do_automigrate();
  if (kitsune_is_updating()) { printf("v%d took over: rounds=%d errors=%d sum=%d\n", VERSION, rounds, errors, sum); fflush(stdout); }
  for (;;) {
    int r = setjmp(recover);
    if (r) { errors++; if (r != rounds) { printf("bad value %d at round %d\n", r, rounds); return 2; } }
#if VERSION == 3
    if (kitsune_is_updating()) longjmp(recover, 0);   /* the new version's own longjmp, before commit: setjmp gets 1 */
#endif
    for (;;) {
      step();
      if (rounds % 10 == 0) { printf("v%d rounds=%d errors=%d sum=%d\n", VERSION, rounds, errors, sum); fflush(stdout); }
      usleep(2000);
    }
  }
}`;

const consistent = (m: RegExpMatchArray) => {
  const rounds = Number(m[2]), errors = Number(m[3]), sum = Number(m[4]);
  assert.is(errors, Math.floor(rounds / 3), m[0]);
  assert.is(sum, (rounds - errors) * 8, m[0]);
};

test('setjmp/longjmp recover from deep recursion, and the program updates through a setjmp-calling main with its state', async () => {
  const v1 = await buildC(program, { defines: ['VERSION=1'] });
  const v2 = await buildC(program, { defines: ['VERSION=2'], from: v1 });
  const run = await start(v1);
  consistent(await run.waitFor(/v(1) rounds=(\d+) errors=(\d+) sum=(\d+)\n/));
  const r = await run.proc.update(v2);
  assert.is(r.outcome, 'committed', r.reason);
  const took = await run.waitFor(/v2 took over: rounds=(\d+) errors=(\d+) sum=(\d+)\n/);
  assert.ok(Number(took[1]) > 0);
  const before = Number(took[1]);
  for (;;) {
    const all = [...run.out().matchAll(/v(2) rounds=(\d+) errors=(\d+) sum=(\d+)\n/g)];
    const m = all[all.length - 1];
    if (m && Number(m[2]) >= before + 30) { consistent(m); break; }
    await new Promise((res) => setTimeout(res, 20));
  }
  await run.proc.kill();
  assert.not.match(run.out(), /bad value/);
});

test('a longjmp in the new version before it commits is its own: setjmp returns 1 there, and the update commits at the point', async () => {
  const v1 = await buildC(program, { defines: ['VERSION=1'] });
  const v3 = await buildC(program, { defines: ['VERSION=3'], from: v1 });
  const run = await start(v1);
  await run.waitFor(/v1 rounds=\d+/);
  const r = await run.proc.update(v3);
  // v3's main longjmps to its own setjmp with 0 (setjmp gets 1, counted as an error of round 1 != rounds: "bad value"), so it exits 2 before its point.
  assert.is(r.outcome, 'rolled-back', JSON.stringify(r));
  assert.match(r.reason!, /exit|return/);
  assert.match(run.out(), /bad value 1 at round \d+\n/);   /* longjmp(env, 0) made setjmp return 1 */
  consistent(await run.waitFor(/v(1) rounds=(\d+) errors=(\d+) sum=(\d+)\n/));
  await run.proc.kill();
});

test('a longjmp to a jmp_buf whose function has returned is a crash that says so', async () => {
  const src = String.raw`
#include <setjmp.h>
#include <stdio.h>
static jmp_buf gone;
static void arm(void) { if (setjmp(gone)) printf("never\n"); }
int main(void) { arm(); printf("armed\n"); fflush(stdout); longjmp(gone, 5); }`;
  const run = await start(await buildC(src));
  const code = await run.proc.exited;
  assert.is.not(code, 0);
  const crash = run.events.find((e) => e.type === 'crash');
  assert.ok(crash?.type === 'crash', run.out());
  assert.match(crash.message, /longjmp\(\) to a jmp_buf whose setjmp is not on the stack any more/);
  assert.match(run.out(), /armed\n/);
});

test.run();

// A new version that never reaches its update point (a for(;;) in its main)
// cannot be interrupted inside its worker: past the update's deadline the
// runner stops that worker and resumes the old version in a fresh one, from
// its update point, with its memory, heap, descriptors and signal handlers;
// the next update then goes through as usual.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { buildC, start } from './helpers.js';

const src = String.raw`
#include <kitsune.h>
#include <signal.h>
#include <unistd.h>
struct node { int v; struct node *next; };
struct node *list;
int n;
static volatile int usr1;
static void on_usr1(int s) { (void)s; usr1++; }
int main(void) {
  kitsune_do_automigrate();
#ifdef STUCK
  if (kitsune_is_updating()) for (;;) {}
#endif
  if (kitsune_is_updating()) { printf("v%d took over at n=%d\n", VERSION, n); fflush(stdout); }
  else signal(SIGUSR1, on_usr1);
  for (;;) {
    kitsune_update("loop");
    struct node *x = malloc(sizeof *x); x->v = n; x->next = list; list = x; n++;
    long s = 0; for (struct node *p = list; p; p = p->next) s += p->v;
    printf("v%d n=%d sum=%ld usr1=%d\n", VERSION, n, s, usr1); fflush(stdout);
    usleep(20000);
  }
}`;

test('a new version stuck before its update point is stopped at the deadline and the old version resumes in a fresh worker', async () => {
  const v1 = await buildC(src, { defines: ['VERSION=1'] });
  const stuck = await buildC(src, { defines: ['VERSION=2', 'STUCK'], from: v1 });
  const v2 = await buildC(src, { defines: ['VERSION=2'], from: v1 });
  const run = await start(v1);
  await run.waitFor(/v1 n=5 /);
  const r = await run.proc.update(stuck, { timeoutMs: 1500 });
  assert.is(r.outcome, 'rolled-back', JSON.stringify(r));
  assert.match(r.reason!, /did not reach update point "loop" within/);
  // The old version goes on where it was, its list whole (sum = 0 + 1 + ... + n-1), its handler still installed.
  const lastN = () => Number([...run.out().matchAll(/v1 n=(\d+) /g)].pop()![1]);
  await run.waitFor(new RegExp(`v1 n=${lastN() + 1} `));
  const at = lastN();
  run.proc.signal('SIGUSR1');
  const m = await run.waitFor(new RegExp(`v1 n=(${at + 3}) sum=(\\d+) usr1=1\\n`));
  assert.is(Number(m[2]), ((at + 3) * (at + 2)) / 2);
  const ok = await run.proc.update(v2);
  assert.is(ok.outcome, 'committed', JSON.stringify(ok));
  await run.waitFor(/v2 took over at n=\d+\n/);
  await run.waitFor(/v2 n=\d+ sum=\d+ usr1=1\n/);
  await run.proc.kill();
  assert.not.ok(run.events.some((e) => e.type === 'crash'), JSON.stringify(run.events.filter((e) => e.type === 'crash')));
});

test.run();

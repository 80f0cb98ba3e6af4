// Cooperative pthreads (wasm-driver/worker/threads.ts): the calls of
// <pthread.h> on real programs, 64 threads switching at one condition
// variable, a deadlock reported, and an update of threads stuck in Kitsune's
// interruptible condition waits.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import { buildC, start } from './helpers.js';
import { freePort } from '../bench/kv-client.js';

const program = (name: string) => fs.readFileSync(new URL(`./programs/threads/${name}`, import.meta.url), 'utf8');

test('pthreads: mutexes of each type, condition variables, read-write locks, join, detach, exit, once, keys, errno per thread', async () => {
  const r = await start(await buildC(program('basics.c')));
  assert.is(await r.proc.exited, 0, r.out());
  const lines = r.out().trim().split('\n');
  assert.equal(lines, [
    'counter 4000 (turns 1000 1000 1000 1000) sum 60 once 1 destructed 10 errno 5',
    'self equal 1, join self 16',
    'recursive: 0 0 0, unlocks 0 0 0 63(EPERM=63)',
    'errorcheck: 0 16(EDEADLK=16) 10(EBUSY=10)',
    'timedwait: 73(ETIMEDOUT=73) after about 30 ms',
    'exit value 77, join detached 28(EINVAL=28)',
    'rwlock: 3 readers at once, writer saw 0 readers, trywrlock while read 10(EBUSY=10)',
    'done',
  ]);
});

test('64 threads pass a token round a ring on one condition variable, their stacks intact', async () => {
  const wasm = await buildC(program('ring.c'));
  const t0 = performance.now();
  const r = await start(wasm);
  assert.is(await r.proc.exited, 0, r.out());
  assert.is(r.out().trim(), `passes 1280 of 1280, corrupt 0, ids sum ${(63 * 64) / 2}`);
  console.log(`  64 threads, 1280 turns: ${(performance.now() - t0).toFixed(0)} ms including start`);
});

test('a thread waiting in poll lets the others run: a timeout while another ticks, and a wait without one for a byte another thread writes', async () => {
  const r = await start(await buildC(program('poll.c')));
  assert.is(await r.proc.exited, 0, r.out());
  assert.equal(r.out().trim().split('\n'), ['timed out: 0, the ticker ran meanwhile: 1', 'ready: 1, byte x, the ticker done: 1', 'done']);
});

test('a deadlock is reported with what each thread waits for, not a hang', async () => {
  const r = await start(await buildC(`
#include <pthread.h>
#include <stdio.h>
static pthread_mutex_t a = PTHREAD_MUTEX_INITIALIZER, b = PTHREAD_MUTEX_INITIALIZER;
static void *other(void *x) { pthread_mutex_lock(&b); sched_yield(); pthread_mutex_lock(&a); return x; }
int main(void) { pthread_t t; pthread_mutex_lock(&a); pthread_create(&t, 0, other, 0); sched_yield(); pthread_mutex_lock(&b); puts("unreachable"); return 0; }
`));
  assert.is(await r.proc.exited, 134);
  const crash = r.events.find((e) => e.type === 'crash');
  assert.ok(crash && crash.type === 'crash', JSON.stringify(r.events));
  assert.match(crash.message, /^deadlock: every thread is waiting for another \(thread 1 \(main\) in pthread_mutex_lock, thread 2 \(other\) in pthread_mutex_lock\), and nothing outside the program can wake any of them$/);
  assert.not.match(r.out(), /unreachable/);
});

test('threads in ktthreads_pthread_cond_wait at the request are woken, reach their point and are relaunched by the new version, each with its own locals', async () => {
  const v1 = await buildC(program('condwait.c'));
  const v2 = await buildC(program('condwait2.c'), { from: v1 });
  const r = await start(v1);
  try {
    await r.waitFor(/waiter 100: waiting forever\n[^]*waiter 200: waiting forever\n|waiter 200: waiting forever\n[^]*waiter 100: waiting forever\n/);
    await new Promise((res) => setTimeout(res, 200)); // main is in its long sleep, the waiters in their waits
    const result = await r.proc.update(v2);
    assert.is(result.outcome, 'committed', JSON.stringify(result));
    await r.waitFor(/v2 waiter 1: relaunched[^\n]*\n[^]*v2 waiter 2|v2 waiter 2: relaunched[^\n]*\n[^]*v2 waiter 1/);
    const out = r.out();
    assert.match(out, /v2 main: updating from "main": 1, from "waiter": 0\n/);
    // Each woke once for the request (mine + 1), and the two wake-ups are counted.
    assert.match(out, /v2 waiter 1: relaunched at "waiter" with mine 101, 2 wake-up\(s\) so far\n/);
    assert.match(out, /v2 waiter 2: relaunched at "waiter" with mine 201, 2 wake-up\(s\) so far\n/);
  } finally {
    await r.proc.kill();
  }
});

test('threads that begin a Kitsune wait (cond wait, sleep, accept) only after the request came are woken too, and the update commits', async () => {
  const v1 = await buildC(program('late-wait.c'));
  const v2 = await buildC(program('late-wait.c'), { defines: ['LABEL=2'], from: v1 });
  const port = await freePort();
  const r = await start(v1, [String(port)], { grants: { net: [`127.0.0.1:${port}`] } });
  try {
    await r.waitFor(/v1 ready\n/);
    await new Promise((res) => setTimeout(res, 200)); // main sleeps holding the mutex; the threads wait for it
    const result = await r.proc.update(v2, { timeoutMs: 5000 });
    assert.is(result.outcome, 'committed', JSON.stringify(result));
    // Each thread's wait ended once for the request, after main let the mutex go: one round each.
    await r.waitFor(/v2 took over after rounds 1 1 1\n/);
  } finally {
    await r.proc.kill();
  }
});

test('__thread variables are per thread, and each relaunched thread carries its own across an update', async () => {
  const v1 = await buildC(program('tls.c'));
  const v2 = await buildC(program('tls.c'), { defines: ['LABEL=2'], from: v1 });
  const r = await start(v1);
  try {
    await r.waitFor(/v1 thread 1: mine 5 rounds 105\n[^]*v1 thread 2: mine 10 rounds 105\n|v1 thread 2: mine 10 rounds 105\n[^]*v1 thread 1: mine 5 rounds 105\n/);
    const result = await r.proc.update(v2);
    assert.is(result.outcome, 'committed', JSON.stringify(result));
    await r.waitFor(/v2 thread 3: mine 15 rounds 105\n/);
    const out = r.out();
    // Main never touched its own: its values are the initial ones.
    assert.match(out, /^v2 main: mine 0 rounds 100$/m);
    const last = new Map<string, number>();
    for (const m of out.matchAll(/^v(\d) thread (\d): mine (\d+) rounds (\d+)$/gm)) {
      const [, v, id, mine, rounds] = m;
      assert.is(Number(mine), (Number(rounds) - 100) * Number(id), m[0]);
      // Each thread counts on from its own last round, through the update (thread 3 starts in v2 from the initial values).
      assert.is(Number(rounds), (last.get(id) ?? 100) + 1, `${m[0]} after ${last.get(id)} (v${v})`);
      last.set(id, Number(rounds));
    }
    assert.match(out, /^v2 thread 1: /m);
    assert.match(out, /^v2 thread 2: /m);
  } finally {
    await r.proc.kill();
  }
});

test("Kitsune's thread set: walked, a thread removed, one relaunched with a changed argument, one added; an update callback ends a wait the request does not", async () => {
  const v1 = await buildC(program('thread-set.c'));
  const v2 = await buildC(program('thread-set.c'), { defines: ['VERSION=2'], from: v1 });
  const v3 = await buildC(program('thread-set.c'), { defines: ['VERSION=3'], from: v2 });
  const r = await start(v1);
  try {
    await r.waitFor(/v1 ready\n/);
    await new Promise((res) => setTimeout(res, 100)); // the reader is in its read
    const first = await r.proc.update(v2, { timeoutMs: 5000 });
    assert.is(first.outcome, 'committed', JSON.stringify(first));
    await r.waitFor(/v2 worker 4: relaunched/);
    let out = r.out();
    // The callback's byte ended the read, which the request alone does not.
    assert.match(out, /^v1 reader: woken by 'k' \(kicked [1-4] time\(s\)\)$/m);
    assert.match(out, /v2 walk: reader 0 from "reader"\nv2 walk: worker 1 from "worker"\nv2 walk: worker 2 from "worker"\nv2 walk: worker 3 from "worker"\nv2 walk ended: 1\n/);
    for (const id of [10, 3, 4]) assert.match(out, new RegExp(`^v2 worker ${id}: relaunched, updating from "worker": 1$`, 'm'));
    assert.not.match(out, /^v2 worker [12]:/m);
    await new Promise((res) => setTimeout(res, 150)); // the relaunched reader is in its read again
    const second = await r.proc.update(v3, { timeoutMs: 5000 });
    assert.is(second.outcome, 'committed', JSON.stringify(second));
    await r.waitFor(/v3 worker 4: relaunched/);
    out = r.out();
    for (const id of [10, 3, 4]) assert.match(out, new RegExp(`^v3 worker ${id}: relaunched, updating from "worker": 1$`, 'm'));
    assert.not.match(out, /^v3 worker [12]:/m);
    assert.match(out, /^v2 reader: woken by 'k' \(kicked [1-4] time\(s\)\)$/m, out);
    // One byte per request: the reader read no other.
    assert.is((out.match(/reader: woken/g) ?? []).length, 2, out);
  } finally {
    await r.proc.kill();
  }
});

test('an update of a threaded program to a version not built for threads is rolled back at link, saying so; the threads go on', async () => {
  const v1 = await buildC(program('condwait.c'));
  // Built on its own (not --from v1) and creating no thread: its blocking calls cannot switch threads.
  const plain = await buildC('#include <kitsune.h>\n#include <unistd.h>\nint main(void) { for (;;) { kitsune_update("main"); sleep(1); } }');
  const r = await start(v1);
  try {
    await r.waitFor(/waiter 200: waiting forever\n/);
    const result = await r.proc.update(plain);
    assert.is(result.outcome, 'rolled-back', JSON.stringify(result));
    assert.is(result.stage, 'link');
    assert.match(result.reason ?? '', /^the program has 3 threads, but version \w+ was not built for threads: build it --from the running version/);
    // The waiters were woken by the request, parked, and resumed: each waits again.
    await r.waitFor(/waiter 101: waiting forever\n/);
    await r.waitFor(/waiter 201: waiting forever\n/);
  } finally {
    await r.proc.kill();
  }
});

test('relaunched threads that do not get back to their point within 5 s roll the update back; every old thread resumes where it parked', async () => {
  const v1 = await buildC(program('condwait.c'));
  const lost = await buildC(program('condwait2.c').replace('MIGRATE_LOCAL(mine);', 'MIGRATE_LOCAL(mine);\n  if (kitsune_is_updating()) for (;;) usleep(1000);'), { from: v1 });
  const r = await start(v1);
  try {
    await r.waitFor(/waiter 200: waiting forever\n/);
    const result = await r.proc.update(lost);
    assert.is(result.outcome, 'rolled-back', JSON.stringify(result));
    assert.match(result.reason ?? '', /^thread 2 \(waiter\), relaunched, thread 3 \(waiter\), relaunched, did not reach their update point \("waiter"\) within 5000 ms \(thread 2 \(waiter\) is in a sleep\)$/);
    await r.waitFor(/waiter 101: waiting forever\n/);
    await r.waitFor(/waiter 201: waiting forever\n/);
    assert.not.match(r.out(), /v2 waiter/);
  } finally {
    await r.proc.kill();
  }
});

test.run();

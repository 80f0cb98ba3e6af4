// Cooperative pthreads (wasm-driver/worker/threads.ts): the calls of
// <pthread.h> on real programs, 64 threads switching at one condition
// variable, a deadlock reported, Kitsune's interruptible waits, and an update
// of a program with threads refused clearly while the program runs on.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import { buildC, start } from './helpers.js';

const program = (name: string) => fs.readFileSync(new URL(`./programs/threads/${name}`, import.meta.url), 'utf8');

test('pthreads: mutexes of each type, condition variables, join, detach, exit, once, keys, errno per thread', async () => {
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
  assert.match(crash.message, /^deadlock: every thread is waiting for another \(thread 1 in pthread_mutex_lock, thread 2 in pthread_mutex_lock\), and nothing outside the program can wake any of them$/);
  assert.not.match(r.out(), /unreachable/);
});

test('an update of a threaded program is refused, naming its threads; a thread in ktthreads_pthread_cond_wait is woken by the request, and the program runs on', async () => {
  const v1 = await buildC(program('condwait.c'));
  const r = await start(v1);
  try {
    await r.waitFor(/waiter: waiting forever\n/);
    await new Promise((res) => setTimeout(res, 200)); // main is in its long sleep now
    const result = await r.proc.update(v1);
    assert.is(result.outcome, 'refused', JSON.stringify(result));
    assert.match(result.reason ?? '', /update refused: the program has 2 threads \(thread 1 \(running\), thread 2 \(in pthread_cond_wait\)\); updating a multi-threaded program is not supported yet; it keeps running the old version/);
    await r.waitFor(/waiter: woken \(1\)\nwaiter: waiting forever\n[^]*main: sleep ended early|main: sleep ended early[^]*waiter: woken \(1\)/);
  } finally {
    await r.proc.kill();
  }
});

test.run();

// Updates of programs that spend their time blocked: in sleep(), in a read
// from stdin, in poll(). An update request cuts sleeps short and ends a
// poll() with a timeout as a timeout, but not a blocking read (SA_RESTART): such a program
// updates once its line arrives. demos/interactive shows both.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import { buildC, start } from './helpers.js';

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

// ---- (a) sleep(30) in the loop ------------------------------------------------

const SLEEPER = `
#include <kitsune.h>
#include <unistd.h>
int ticks;
int main(void) {
  kitsune_do_automigrate();
  if (kitsune_is_updating()) { printf("v%d took over after tick %d\\n", VERSION, ticks); fflush(stdout); }
  while (ticks < 3) {
    kitsune_update("loop");
    ticks++;
    printf("v%d tick %d: sleep(%d)\\n", VERSION, ticks, NAP);
    fflush(stdout);
    unsigned left = sleep(NAP);
    printf("v%d tick %d: woke with %s left\\n", VERSION, ticks, left ? "time" : "nothing");
    fflush(stdout);
  }
  return 0;
}
`;

test('a program asleep in sleep(30) updates at once', async () => {
  const s1 = await buildC(SLEEPER, { file: 'sleeper.c', name: 'sleeper', defines: ['VERSION=1', 'NAP=30'] });
  const s2 = await buildC(SLEEPER, { file: 'sleeper.c', name: 'sleeper', defines: ['VERSION=2', 'NAP=0'], from: s1 });
  const run = await start(s1);
  await run.waitFor(/v1 tick 1: sleep\(30\)\n/);
  await pause(200); // well inside the sleep
  const t0 = Date.now();
  const r = await run.proc.update(s2, { timeoutMs: 5000 });
  const took = Date.now() - t0;
  assert.is(r.outcome, 'committed', JSON.stringify(r));
  assert.is(r.point, 'loop');
  assert.ok(r.migrated!.includes('ticks'), String(r.migrated));
  assert.ok(took < 3000, `the update took ${took} ms: the sleep was not cut short`);
  assert.ok(r.timings.wait! < 2000, `waited ${r.timings.wait} ms for the update point`);
  assert.is(await run.proc.exited, 0);
  assert.ok(Date.now() - t0 < 5000);
  // sleep() returned early with time left, v1 went on to its update point, v2 carried ticks on.
  assert.is(run.out(), [
    'v1 tick 1: sleep(30)', 'v1 tick 1: woke with time left',
    'v2 took over after tick 1',
    'v2 tick 2: sleep(0)', 'v2 tick 2: woke with nothing left',
    'v2 tick 3: sleep(0)', 'v2 tick 3: woke with nothing left', '',
  ].join('\n'));
});

// ---- the interactive demo ------------------------------------------------------

const demo = (v: string) => fs.readFileSync(new URL(`../demos/interactive/${v}.c`, import.meta.url), 'utf8');
let i1: Uint8Array, i2: Uint8Array;
const builds = async () => {
  i1 ??= await buildC(demo('v1'), { file: 'todo.c', name: 'todo' });
  i2 ??= await buildC(demo('v2'), { file: 'todo.c', name: 'todo', from: i1 });
};

/** Types a line and waits until the program has answered it with `answer` and a prompt. */
async function type(run: Awaited<ReturnType<typeof start>>, line: string, answer: string, prompt: string) {
  run.proc.writeStdin(line + '\n');
  const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  await run.waitFor(new RegExp(`${esc(answer)}\\n${esc(prompt)}$`));
}

test('blocked in fgets (v1): the update waits for the next line, then keeps the list', async () => {
  await builds();
  const run = await start(i1, ['5000']); // v2's idle timeout; v1 takes no argument
  await run.waitFor(/^todo> $/);
  await type(run, 'add milk', 'added #1: milk', 'todo> ');
  await type(run, 'add eggs', 'added #2: eggs', 'todo> ');
  await type(run, 'done 1', 'done #1: milk', 'todo> ');

  let settled = false;
  const t0 = Date.now();
  const pending = run.proc.update(i2).then((r) => { settled = true; return r; });
  await pause(1000);
  assert.not.ok(settled, 'no update while v1 waits in fgets');
  assert.ok(run.events.some((e) => e.type === 'update-requested'));
  assert.not.ok(run.events.some((e) => e.type === 'update'));
  assert.ok(run.out().endsWith('done #1: milk\ntodo> '), run.out());

  run.proc.writeStdin('add bread\n');
  const r = await pending;
  assert.is(r.outcome, 'committed', JSON.stringify(r));
  assert.is(r.point, 'command');
  assert.ok(Date.now() - t0 >= 1000 && r.timings.wait! >= 900, `committed after ${r.timings.wait} ms: before the line came?`);
  assert.ok(r.migrated!.includes('items') && r.migrated!.includes('next_id'), String(r.migrated));
  // v1 answered the line it was reading, then v2 took over with the whole list.
  await run.waitFor(/done #1: milk\ntodo> added #3: bread\nv2 took over: 3 items kept \(1 done\)\ntodo v2> $/);
  await type(run, 'list', [
    '  - [done] #1 milk', '  - [open] #2 eggs', '  - [open] #3 bread', '(3 items: 2 open, 1 done)'].join('\n'), 'todo v2> ');
  await type(run, 'clear', 'cleared 1 done item(s)', 'todo v2> ');
  await type(run, 'add jam', 'added #4: jam', 'todo v2> ');
  await type(run, 'list', [
    '  - [open] #2 eggs', '  - [open] #3 bread', '  - [open] #4 jam', '(3 items: 3 open, 0 done)'].join('\n'), 'todo v2> ');
  run.proc.closeStdin();
  assert.is(await run.proc.exited, 0);
  assert.ok(run.out().endsWith('todo v2> bye\n'), run.out());
});

test('waiting in poll() (v2): the update happens while idle, without input', async () => {
  await builds();
  const i21 = await buildC(demo('v2'), { file: 'todo.c', name: 'todo', from: i2, defines: ['LABEL="v2.1"'] });
  const run = await start(i2, ['5000']); // poll() times out after 5 s
  await run.waitFor(/^todo v2> $/);
  await type(run, 'add milk', 'added #1: milk', 'todo v2> ');
  await type(run, 'add eggs', 'added #2: eggs', 'todo v2> ');
  await type(run, 'done 2', 'done #2: eggs', 'todo v2> ');
  await pause(300); // idle in poll()
  const before = run.out();
  const t0 = Date.now();
  const r = await run.proc.update(i21, { timeoutMs: 3000 });
  const took = Date.now() - t0;
  assert.is(r.outcome, 'committed', JSON.stringify(r));
  assert.is(r.point, 'command');
  // Well before poll()'s 5 s timeout: the request ended it early, as a timeout.
  assert.ok(took < 2000 && r.timings.wait! < 1000, `the update took ${took} ms (waited ${r.timings.wait} ms): poll() was not interrupted`);
  await run.waitFor(/v2\.1> $/);
  assert.is(run.out().slice(before.length), '\nv2.1 took over: 2 items kept (1 done)\ntodo v2.1> ');
  await type(run, 'list', [
    '  - [open] #1 milk', '  - [done] #2 eggs', '(2 items: 1 open, 1 done)'].join('\n'), 'todo v2.1> ');
  // Two lines at once: the second sits in stdin's buffer, where poll() cannot
  // see it; __freadahead() does, so it is answered now, not after 5 s.
  run.proc.writeStdin('add jam\nadd tea\n');
  await run.waitFor(/todo v2\.1> added #3: jam\ntodo v2\.1> added #4: tea\ntodo v2\.1> $/, 2000);
  run.proc.closeStdin();
  assert.is(await run.proc.exited, 0);
  assert.ok(run.out().endsWith('added #4: tea\ntodo v2.1> bye\n'), run.out());
});

test.run();

// Kitsune's request semantics from C: kitsune_signal_update() and
// kitsune_set_next_version() in either order, the very next update point
// taking the update (waiting there while the host reads the version named),
// a version that cannot be read failing the update (the old one resumes at
// its point), and kitsune_clear_request() answering a withdrawn request at once.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildC, start } from './helpers.js';

const program = (order: 'signal-first' | 'path-first') => String.raw`
#include <kitsune.h>
int n;
int main(int argc, char **argv) {
  kitsune_do_automigrate();
  if (kitsune_is_updating()) { printf("v%d took over at n=%d\n", VERSION, n); fflush(stdout); }
  if (VERSION == 1) {
    n = 41;
    ${order === 'signal-first' ? 'kitsune_signal_update(); kitsune_set_next_version(argv[1]);' : 'kitsune_set_next_version(argv[1]); kitsune_signal_update();'}
    kitsune_update("once");       /* the very next point takes it */
    printf("v1 not updated, n=%d\n", n);
    return 3;
  }
  kitsune_update("once");         /* v2 reaches the same point: commit */
  printf("v2 n=%d\n", ++n);
  return 0;
}`;

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kitsune-self-'));

for (const order of ['signal-first', 'path-first'] as const) {
  test(`a program's own request (${order}) takes effect at its very next update point`, async () => {
    const v1 = await buildC(program(order), { defines: ['VERSION=1'] });
    const v2 = await buildC(program(order), { defines: ['VERSION=2'], from: v1 });
    const next = path.join(dir, `${order}-v2.wasm`);
    fs.writeFileSync(next, v2);
    const run = await start(v1, [next], { grants: { dirs: [dir] } });
    const code = await run.proc.exited;
    assert.is(code, 0, run.out());
    assert.match(run.out(), /v2 took over at n=41\nv2 n=42\n/);
    const r = run.events.find((e) => e.type === 'update');
    assert.ok(r?.type === 'update' && r.result.outcome === 'committed' && r.result.point === 'once', JSON.stringify(r));
    assert.is(r.result.timings.wait, 0, 'a request of the program\'s own waits for nothing');
  });
}

test('a program\'s own request naming a version that cannot be read rolls back: the old version resumes at its point', async () => {
  const v1 = await buildC(program('signal-first'), { defines: ['VERSION=1'] });
  const run = await start(v1, [path.join(dir, 'no-such.wasm')], { grants: { dirs: [dir] } });
  const code = await run.proc.exited;
  assert.is(code, 3);
  assert.match(run.out(), /v1 not updated, n=41\n/);
  const r = run.events.find((e) => e.type === 'update');
  assert.ok(r?.type === 'update' && r.result.outcome === 'rolled-back' && r.result.stage === 'read', JSON.stringify(r));
  assert.match(r.result.reason!, /no such file/);
});

test('kitsune_clear_request() withdraws the host\'s request: update() answers refused at once', async () => {
  const src = String.raw`
#include <kitsune.h>
#include <unistd.h>
int main(void) {
  char buf[16];
  printf("ready\n"); fflush(stdout);
  for (;;) {
    kitsune_update("loop");
    ssize_t k = read(0, buf, sizeof buf);   /* an update request does not interrupt it */
    if (k <= 0) return 0;
    if (buf[0] == 'w') { kitsune_clear_request(); printf("withdrawn\n"); fflush(stdout); }
  }
}`;
  const v1 = await buildC(src);
  const v2 = await buildC(src.replace('"ready', '"again'), { from: v1 });
  const run = await start(v1);
  await run.waitFor(/ready\n/);
  const pending = run.proc.update(v2);
  await new Promise((r) => setTimeout(r, 200)); // the request is up while the program waits in read()
  run.proc.writeStdin('w\n');
  const r = await Promise.race([pending, new Promise<'hung'>((res) => setTimeout(() => res('hung'), 5000))]);
  assert.ok(r !== 'hung', 'update() did not answer after the program withdrew the request');
  assert.is(r.outcome, 'refused');
  assert.match(r.reason!, /withdrew the request \(kitsune_clear_request\)/);
  await run.waitFor(/withdrawn\n/);
  run.proc.closeStdin();
  assert.is(await run.proc.exited, 0);
});

// Kitsune's prestartxform and ktcc-shallow do this: the new main checks the state and returns.
const ending = (how: string) => String.raw`
#include <kitsune.h>
#include <assert.h>
int n;
int main(int argc, char **argv) {
  kitsune_do_automigrate();
  if (kitsune_is_updating()) {
    assert(n == 41);
    printf("v2 saw n=%d\n", n); fflush(stdout);
    ${how}
  }
  n = 41;
  kitsune_signal_update(); kitsune_set_next_version(argv[1]);
  kitsune_update("once");
  printf("v1 went on\n");
  return 5;
}`;

for (const [how, code] of [['return 0;', 0], ['exit(7);', 7]] as const) {
  test(`a new version that ends the program (${how}) before its point completes an update the program asked for: committed, and its status is the program's`, async () => {
    const v1 = await buildC(ending(how), { defines: ['VERSION=1'] });
    const v2 = await buildC(ending(how), { defines: ['VERSION=2'], from: v1 });
    const next = path.join(dir, `ending-${code}.wasm`);
    fs.writeFileSync(next, v2);
    const run = await start(v1, [next], { grants: { dirs: [dir] } });
    assert.is(await run.proc.exited, code, run.out());
    assert.match(run.out(), /v2 saw n=41\n/);
    assert.not.match(run.out(), /v1 went on/);
    const r = run.events.find((e) => e.type === 'update');
    assert.ok(r?.type === 'update' && r.result.outcome === 'committed', JSON.stringify(r));
  });
}

test('the same ending in an update asked for from outside rolls back: the old version goes on', async () => {
  const src = String.raw`
#include <kitsune.h>
#include <unistd.h>
int n;
int main(void) {
  kitsune_do_automigrate();
  if (kitsune_is_updating()) return 0;   /* v2 ends at once */
  for (;;) { kitsune_update("loop"); n++; if (n == 3) { printf("ready\n"); fflush(stdout); } usleep(10000); }
}`;
  const v1 = await buildC(src);
  const v2 = await buildC(src + '\n', { from: v1 });
  const run = await start(v1);
  await run.waitFor(/ready\n/);
  const r = await run.proc.update(v2);
  assert.is(r.outcome, 'rolled-back', JSON.stringify(r));
  assert.match(r.reason!, /returned 0 before reaching update point "loop"/);
  const state = await Promise.race([run.proc.exited.then(() => 'exited'), new Promise((res) => setTimeout(() => res('running'), 200))]);
  assert.is(state, 'running');
  await run.proc.kill();
});

test.run();

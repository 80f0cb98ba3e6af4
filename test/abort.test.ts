// AbortSignal on build, start and update: each stops what has not happened
// yet with a KitsuneError E_ABORTED (an update: a `refused` result), and the
// program, if it runs, goes on untouched.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { KitsuneProcess, KitsuneError } from 'kitsune-wasm';
import { build } from 'kitsune-wasm/compiler';
import { buildC, start } from './helpers.js';

const READER = `
#include <kitsune.h>
int main(void) {
  char line[64];
  printf("v%d waiting\\n", VERSION);
  for (;;) {
    kitsune_update("loop");
    if (!fgets(line, sizeof line, stdin)) break;   /* blocks; an update request does not cut it short */
    printf("v%d read %s", VERSION, line);
  }
  return 0;
}`;

async function rejection(p: Promise<unknown>): Promise<KitsuneError> {
  try { await p; } catch (e) { if (e instanceof KitsuneError) return e; throw e; }
  throw new Error('expected a rejection');
}

test('build: aborted before, or while it runs', async () => {
  const sources = [{ path: 'r.c', text: READER }];
  const before = await rejection(build({ sources, defines: ['VERSION=1'], signal: AbortSignal.abort() }));
  assert.is(before.code, 'E_ABORTED');
  assert.is(before.message, 'the build was aborted');
  const ctl = new AbortController();
  const phases: string[] = [];
  const during = await rejection(build({
    sources, defines: ['VERSION=1'], signal: ctl.signal,
    progress: (p) => { phases.push(p.phase); if (p.phase === 'compiling') ctl.abort(new Error('the user pressed Stop')); },
  }));
  assert.is(during.code, 'E_ABORTED');
  assert.is(during.message, 'the build was aborted: the user pressed Stop');
  assert.not.ok(phases.includes('asyncify'), phases.join(' '));
  // The compiler is fine afterwards.
  assert.ok((await build({ sources, defines: ['VERSION=1'] })).wasm.length > 0);
});

test('start: aborted before the program runs', async () => {
  const wasm = await buildC(READER, { file: 'r.c', defines: ['VERSION=1'] });
  const e = await rejection(KitsuneProcess.start(wasm, { signal: AbortSignal.abort(), stdout: () => {} }));
  assert.is(e.code, 'E_ABORTED');
  assert.is(e.message, 'starting the program was aborted');
});

test('update: aborted while the program has not reached an update point; v1 runs on', async () => {
  const v1 = await buildC(READER, { file: 'r.c', name: 'reader', defines: ['VERSION=1'] });
  const v2 = await buildC(READER, { file: 'r.c', name: 'reader', defines: ['VERSION=2'], from: v1 });
  const run = await start(v1, [], { inheritStdin: false });
  await run.waitFor(/v1 waiting\n/);
  const ctl = new AbortController();
  const pending = run.proc.update(v2, { signal: ctl.signal });
  setTimeout(() => ctl.abort(), 300);
  const r = await pending;
  assert.is(r.outcome, 'refused');
  assert.is(r.stage, 'wait');
  assert.match(r.reason!, /^the update was aborted before the program reached an update point; it keeps running the old version$/);
  run.proc.writeStdin('hello\n');
  await run.waitFor(/v1 read hello\n/);
  run.proc.closeStdin();
  assert.is(await run.proc.exited, 0);
  assert.not.match(run.out(), /v2/);
});

test.run();

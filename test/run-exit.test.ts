// `kitsune run`'s exit code says what its messages say: a program that
// crashes (a trap in v1, abort() in a v2 that took over after a committed
// update) exits non-zero with one line saying so and no stack trace; one
// that updates and returns exits 0 with the commit reported; exit(N) is N.
// The program asks for its own update as Kitsune's tests do:
// kitsune_signal_update(), then kitsune_set_next_version(argv[1]).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildC } from './helpers.js';

const cli = fileURLToPath(new URL('../dist/cli/kitsune.js', import.meta.url));
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kitsune-run-exit-'));

const PROGRAM = `
#include <kitsune.h>
#include <unistd.h>
int ticks;
int main(int argc, char **argv) {
  setvbuf(stdout, 0, _IONBF, 0);
  kitsune_do_automigrate();
  if (kitsune_is_updating()) printf("v%d took over at tick %d\\n", VERSION, ticks);
  for (;;) {
    kitsune_update("loop");
    if (VERSION == 2) {
      if (END == 1) { printf("v2 crashes\\n"); abort(); }
      printf("v2 done\\n");
      return END == 2 ? 7 : 0;
    }
    if (END == 3 && ticks == 1) __builtin_trap();
    if (++ticks == 3 && argc > 1) { kitsune_signal_update(); kitsune_set_next_version(argv[1]); }
    if (ticks > 2000) { printf("FAIL: never updated\\n"); return 3; }
    usleep(1000);
  }
}
`;

async function version(v: number, end: number, from?: Uint8Array): Promise<Uint8Array> {
  const wasm = await buildC(PROGRAM, { file: 'prog.c', name: 'prog', defines: [`VERSION=${v}`, `END=${end}`], from });
  fs.writeFileSync(path.join(dir, `v${v}-${end}.wasm`), wasm);
  return wasm;
}

function run(args: string[]): Promise<{ status: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [cli, 'run', ...args], { cwd: dir });
    let out = '', err = '';
    p.stdout.on('data', (b) => { out += b; });
    p.stderr.on('data', (b) => { err += b; });
    p.on('close', (status) => resolve({ status, out, err }));
  });
}

test('an update that commits and a v2 that returns: exit 0, the commit reported', async () => {
  const v1 = await version(1, 0);
  await version(2, 0, v1);
  const r = await run(['v1-0.wasm', 'v2-0.wasm']);
  assert.is(r.status, 0, r.out + r.err);
  assert.match(r.err, /^kitsune: update committed at "loop"/m);
  assert.is(r.out, 'v2 took over at tick 3\nv2 done\n');
  assert.not.match(r.err, /crashed/);
});

test('a v2 that aborts after the committed update: the crash is reported and the exit code is 134', async () => {
  const v1 = await version(1, 1);
  await version(2, 1, v1);
  const r = await run(['v1-1.wasm', 'v2-1.wasm']);
  assert.match(r.err, /^kitsune: update committed at "loop"/m, r.err);
  assert.match(r.err, /^kitsune: the program crashed: /m, r.err);
  assert.is(r.status, 134, r.out + r.err);
  assert.is(r.out, 'v2 took over at tick 3\nv2 crashes\n');
  assert.not.match(r.err, /at .*\.js:\d+/);
});

test('a trap in v1: the crash is reported, exit 134; exit(7) after an update is 7', async () => {
  const v1 = await version(1, 3);
  const crash = await run(['v1-3.wasm']);
  assert.is(crash.status, 134, crash.err);
  assert.match(crash.err, /^kitsune: the program crashed: trap: unreachable/m);
  const e1 = await version(1, 2);
  await version(2, 2, e1);
  const r = await run(['v1-2.wasm', 'v2-2.wasm']);
  assert.is(r.status, 7, r.out + r.err);
  assert.match(r.err, /update committed/);
  assert.not.match(r.err, /crashed/);
});

test.run();

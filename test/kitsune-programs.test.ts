// Programs written the way Kitsune's own tests are (kitsune-core tests/:
// argcargv, updatetest, prestartxform, ktcc-generics, ktcc-gener-tdef,
// ktcc-union), our own fixtures under test/programs/kitsune/: each version is
// built as `kitsune build` builds it, then `kitsune run v1.wasm v2.wasm ARGS`
// runs the first, which asks for its own update to argv[1]. Each must exit 0,
// print what its new version checked, and the runner must report the update
// committed: a program that merely ended is not a pass.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
// The built CLI's own build step (dist/: the runtime headers are found beside the package's files);
// typed by its source, loaded from dist so that tsc does not take dist/ for sources.
const buildFiles = async () => ((await import(new URL('../dist/cli/build-files.js', import.meta.url).href)) as typeof import('../cli/build-files.js')).buildFromFiles;

const cli = fileURLToPath(new URL('../dist/cli/kitsune.js', import.meta.url));
const fixtures = fileURLToPath(new URL('./programs/kitsune/', import.meta.url));
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kitsune-programs-'));

/** `kitsune build SOURCES -o OUT [options]`, in this process (one warm clang). */
async function kbuild(sources: string[], out: string, values: Record<string, string | string[]> = {}): Promise<string> {
  const r = await (await buildFiles())(sources.map((s) => path.join(fixtures, s)), { out, include: [fixtures], ...values }, () => {});
  fs.writeFileSync(path.join(dir, out), r.wasm);
  return r.diagnostics;
}

function krun(args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [cli, 'run', ...args], { cwd: dir });
    let stdout = '', stderr = '';
    p.stdout.on('data', (b) => { stdout += b; });
    p.stderr.on('data', (b) => { stderr += b; });
    p.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

/** The run passed: exit 0, the new version's "Success", and the update committed. */
function passed(r: { status: number | null; stdout: string; stderr: string }): void {
  const all = `${r.stdout}\n${r.stderr}`;
  assert.is(r.status, 0, all);
  assert.match(r.stderr, /kitsune: update committed at "/, all);
  assert.match(r.stdout, /^Success$/m, all);
  assert.not.match(all, /FAIL|Assertion failed|crashed|rolled back/, all);
}

test('argcargv: both versions get the same arguments; the update is asked for from C', async () => {
  await kbuild(['argcargv.c'], 'arg1.wasm');
  await kbuild(['argcargv.c'], 'arg2.wasm');
  const r = await krun(['arg1.wasm', 'arg2.wasm', 'alpha', 'beta']);
  passed(r);
  assert.match(r.stdout, /first: argc 4\nupdated: argc 4, argv\[2\] alpha, argv\[3\] beta\n/);
});

test('updatetest: hand-written transformers (GLOBAL/STATIC/LOCAL/LOCAL_STATIC_XFORM) with GET_OLD_*/GET_NEW_*, NOTE_AND_MIGRATE_*, DEF_XFORM_FUNC_PTR, over two files', async () => {
  const srcs = ['manual/main.c', 'manual/other.c', 'manual/dsu.c'];
  await kbuild(srcs, 'manual1.wasm');
  await kbuild(srcs, 'manual2.wasm');
  const r = await krun(['manual1.wasm', 'manual2.wasm']);
  passed(r);
  assert.match(r.stdout, /main: counter 16 hits 26 calls 36 depth 46\n/);
  assert.match(r.stdout, /worker: hits 56 calls 66 depth 76 handler\(7\) 21\n/);
});

test('prestartxform: _kitsune_prestart_xform sets the new version\'s global through GET_NEW_GLOBAL before main', async () => {
  await kbuild(['prestart/main.c', 'prestart/dsu.c'], 'pre1.wasm');
  await kbuild(['prestart/main.c', 'prestart/dsu.c'], 'pre2.wasm');
  const r = await krun(['pre1.wasm', 'pre2.wasm']);
  passed(r);
  assert.match(r.stdout, /prestart set level to 106\n/);
});

test('generics: Kitsune\'s syntax (several parameters, <...> arguments, [opaque], generic typedefs) carries a changed payload type through the heap', async () => {
  await kbuild(['generics.c'], 'gen1.wasm', { define: ['VERSION=1'] });
  const diagnostics = await kbuild(['generics.c'], 'gen2.wasm', { define: ['VERSION=2'], from: path.join(dir, 'gen1.wasm'), xf: path.join(fixtures, 'generics.xf') });
  assert.not.match(diagnostics, /warning|error/, diagnostics); // the generated migration compiles cleanly
  const r = await krun(['gen1.wasm', 'gen2.wasm']);
  passed(r);
  assert.match(r.stdout, /v1 nested: item 100 \[1 item 11 cookie 0xca\] cookie 0xc1 item 200 \[2 item 22 cookie 0xd4\] cookie 0xc2\n/);
  assert.match(r.stdout, /v2 nested: item 100\/200 \[1 item 11\/22 cookie 0xca\] cookie 0xc1 item 200\/400 \[2 item 22\/44 cookie 0xd4\] cookie 0xc2\n/);
  assert.match(r.stdout, /v2 plain: 3 item 33\/66 4 item 44\/88\n/);
  assert.match(r.stdout, /v2 both: item 55\/110 item 56\/112\n/);
  assert.match(r.stdout, /v2 policy: item 900\/1800 item 901\/1802 item 902\/1804 none NULL\n/);
  assert.match(r.stderr, /moved 11 object\(s\)/, r.stderr); // every item, and nothing behind [opaque]
});

test('union: a callback in a union, assigned as legacy C does, remapped by an .xf rule with XF_INVOKE(XF_FPTR()) and XF_ASSIGN', async () => {
  const warnings = await kbuild(['union/v1.c'], 'union1.wasm');
  assert.match(warnings, /warning: incompatible function pointer types .*\[-Wincompatible-function-pointer-types\]/);
  await kbuild(['union/v2.c'], 'union2.wasm', { from: path.join(dir, 'union1.wasm'), xf: path.join(fixtures, 'union/union.xf') });
  const r = await krun(['union1.wasm', 'union2.wasm']);
  passed(r);
  assert.match(r.stdout, /v1 pong\nv1 ping\nv2 pong\nv2 ping\n/);
});

test('pointers in globals whose types did not change follow the update: functions, globals, string literals (as ktcc-staticxf)', async () => {
  await kbuild(['pointers.c'], 'ptr1.wasm', { define: ['VERSION=1'] });
  await kbuild(['pointers.c'], 'ptr2.wasm', { define: ['VERSION=2'], from: path.join(dir, 'ptr1.wasm') });
  const r = await krun(['ptr1.wasm', 'ptr2.wasm']);
  passed(r);
  assert.match(r.stdout, /v1 read\nv1 write\nv2 read\nv2 write\nv2 write\nv2 read\ntotal 42 via hello\n/);
});

test.after(() => fs.rmSync(dir, { recursive: true, force: true }));


test('alloctrack: Kitsune\'s allocation tracker and transform.h closures (XF_PTRARRAY of an XF_CLOSURE with an argument) move a pointer into the middle of a block; a failed update that freed old blocks rolls back with them intact', async () => {
  await kbuild(['alloctrack/main.c'], 'at1.wasm');
  await kbuild(['alloctrack/other.c', 'alloctrack/dsu.c'], 'at-broken.wasm', { define: ['BREAK'], name: 'at' });
  await kbuild(['alloctrack/other.c', 'alloctrack/dsu.c'], 'at2.wasm');
  const r = await krun(['at1.wasm', 'at-broken.wasm', 'at2.wasm']);
  const all = `${r.stdout}\n${r.stderr}`;
  assert.is(r.status, 0, all);
  assert.match(r.stdout, /v2 \(broken\): freed the old blocks, now trapping\n/, all);
  assert.match(r.stderr, /update rolled back/, all);
  assert.match(r.stdout, /v1: intact after the rollback\n/, all);
  assert.match(r.stdout, /v2: current \[50, 55\] width 5\nSuccess\n/, all);
  assert.match(r.stderr, /kitsune: update committed at "loop"/, all);
  assert.not.match(r.stdout, /FAIL/, all);
});

test.run();

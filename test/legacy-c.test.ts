// Legacy C builds as it did with the compilers of its time: clang 16+'s new
// errors for old code are warnings in `kitsune build`, shown with the rest,
// and the program runs and updates; `--strict` (`strict: true`) keeps them
// errors.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build, BuildError } from 'kitsune-wasm/compiler';
import { start } from './helpers.js';

const file = fileURLToPath(new URL('./programs/legacy/records.c', import.meta.url));
const source = fs.readFileSync(file, 'utf8');
const cli = fileURLToPath(new URL('../dist/cli/kitsune.js', import.meta.url));
const FLAGS = ['implicit-int', 'implicit-function-declaration', 'incompatible-function-pointer-types', 'incompatible-pointer-types', 'int-conversion', 'return-mismatch'];

const buildV = (v: number, opts: { from?: Uint8Array; strict?: boolean } = {}) =>
  build({ sources: [{ path: 'records.c', text: source }], defines: [`VERSION=${v}`], optimize: 1, name: 'records', ...opts });

test('by default each of the errors clang 16+ introduced is a warning, named in the diagnostics', async () => {
  const r = await buildV(1);
  for (const f of FLAGS) assert.match(r.diagnostics, new RegExp(`records\\.c:\\d+:\\d+: warning: .*\\[-W${f}\\]`), `${f}:\n${r.diagnostics}`);
  assert.not.match(r.diagnostics, /error:/);
});

test('the legacy program runs and updates with its state', async () => {
  const v1 = (await buildV(1)).wasm;
  const v2 = (await buildV(2, { from: v1 })).wasm;
  const run = await start(v1);
  await run.waitFor(/v1 3: 21 11 1\n/);
  const r = await run.proc.update(v2);
  assert.is(r.outcome, 'committed', r.reason);
  await run.waitFor(/v2 3: 21 11 1\n/);
  await run.proc.kill();
});

test('strict: true keeps them errors', async () => {
  try {
    await buildV(1, { strict: true });
    assert.unreachable('a strict build of legacy C succeeded');
  } catch (e) {
    assert.instance(e, BuildError);
    for (const f of ['implicit-int', 'implicit-function-declaration', 'incompatible-function-pointer-types', 'int-conversion']) {
      assert.match((e as Error).message, new RegExp(`records\\.c:\\d+:\\d+: error: .*\\[-W${f}\\]`), (e as Error).message);
    }
  }
});

test('the CLI shows the warnings and builds; --strict fails with the errors and no stack trace', () => {
  const dir = fs.mkdtempSync(`${fs.realpathSync('/tmp')}/kitsune-legacy-`);
  fs.copyFileSync(file, `${dir}/records.c`);
  const ok = spawnSync(process.execPath, [cli, 'build', 'records.c', '-DVERSION=1', '-o', 'r1.wasm'], { cwd: dir, encoding: 'utf8' });
  assert.is(ok.status, 0, ok.stderr);
  assert.match(ok.stderr, /records\.c:\d+:\d+: warning: call to undeclared function 'scale'.*\[-Wimplicit-function-declaration\]/);
  assert.ok(fs.existsSync(`${dir}/r1.wasm`));
  const strict = spawnSync(process.execPath, [cli, 'build', '--strict', 'records.c', '-DVERSION=1', '-o', 'r2.wasm'], { cwd: dir, encoding: 'utf8' });
  assert.is(strict.status, 1, strict.stderr);
  assert.match(strict.stderr, /records\.c:\d+:\d+: error: .*\[-Wimplicit-int\]/);
  assert.not.match(strict.stderr, /    at /);
  assert.not.ok(fs.existsSync(`${dir}/r2.wasm`));
  fs.rmSync(dir, { recursive: true, force: true });
});

test.run();

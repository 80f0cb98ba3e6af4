// Where the run-time files come from (the `assets` option) and the worker
// (the `worker` option: a URL or a function), and what happens when they are
// not there: a KitsuneError or a crash event
// that names the file and what to do, never a bare ENOENT.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { Worker } from 'node:worker_threads';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { KitsuneProcess, KitsuneError, type KitsuneEvent } from 'kitsune-wasm';
import { build } from 'kitsune-wasm/compiler';
import { buildC } from './helpers.js';

const HELLO = '#include <kitsune.h>\nint main(void) { kitsune_update("loop"); printf("hello from the copy\\n"); return 0; }\n';
const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'kitsune-no-assets-'));
const root = fileURLToPath(new URL('..', import.meta.url));

async function rejection(p: Promise<unknown>): Promise<KitsuneError> {
  try { await p; } catch (e) { if (e instanceof KitsuneError) return e; throw e; }
  throw new Error('expected a rejection');
}

test('start: runtime.wasm missing from `assets`', async () => {
  const wasm = await buildC(HELLO, { file: 'hello.c' });
  const e = await rejection(KitsuneProcess.start(wasm, { assets: empty, stdout: () => {} }));
  assert.is(e.code, 'E_ASSET');
  assert.is(e.message, `runtime.wasm is missing: expected it at ${empty}/runtime.wasm. In an installed package, reinstall kitsune-wasm; in a git clone, run \`npm run build\`; or pass \`assets\` with the folder that holds it`);
});

test('build: the headers missing from `assets`', async () => {
  const e = await rejection(build({ sources: [{ path: 'hello.c', text: HELLO }], assets: pathToFileURL(empty + '/') }));
  assert.is(e.code, 'E_ASSET');
  assert.match(e.message, new RegExp(`^(kitsune\\.h|kitsune_xf\\.h|include/index\\.json) is missing: expected it at ${empty}/`));
});

test('a worker that does not load: a crash event naming it and why', async () => {
  const wasm = await buildC(HELLO, { file: 'hello.c' });
  const events: KitsuneEvent[] = [];
  const proc = await KitsuneProcess.start(wasm, { worker: new URL('file:///nonexistent/kitsune-worker.js'), stdout: () => {}, onEvent: (e) => events.push(e) });
  assert.is(await proc.exited, 134);
  const crash = events.find((e) => e.type === 'crash');
  assert.ok(crash && crash.type === 'crash', JSON.stringify(events));
  assert.match(crash.message, /^the program's worker file:\/\/\/nonexistent\/kitsune-worker\.js could not be loaded: .*Cannot find module '\/nonexistent\/kitsune-worker\.js'/);
});

test('the worker as a function that starts it, and as a URL', async () => {
  const wasm = await buildC(HELLO, { file: 'hello.c' });
  const entry = new URL('../dist/wasm-driver/worker.js', import.meta.url);
  let made = 0;
  for (const worker of [() => { made++; return new Worker(entry); }, entry]) {
    let out = '';
    const proc = await KitsuneProcess.start(wasm, { worker, stdout: (b) => (out += new TextDecoder().decode(b)) });
    assert.is(await proc.exited, 0);
    assert.is(out, 'hello from the copy\n');
  }
  assert.is(made, 1);
});

test('a copy made by `kitsune assets DIR` serves the driver and the compiler, clang included', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kitsune-assets-'));
  const copy = spawnSync(process.execPath, [path.join(root, 'dist/cli/kitsune.js'), 'assets', path.join(dir, 'kitsune')], { encoding: 'utf8' });
  assert.is(copy.status, 0, copy.stderr);
  assert.match(copy.stderr, /^kitsune: wrote \d+ files \(1\d\d\.\d MB\) to /);
  // A fresh process, so that clang is loaded from the copy and not already loaded.
  const script = path.join(dir, 'use.mjs');
  fs.writeFileSync(script, `
import { build } from ${JSON.stringify(pathToFileURL(path.join(root, 'dist/compiler/index.js')).href)};
import { KitsuneProcess } from ${JSON.stringify(pathToFileURL(path.join(root, 'dist/wasm-driver/index.js')).href)};
const assets = process.argv[2];
try {
  const v = await build({ sources: [{ path: 'hello.c', text: ${JSON.stringify(HELLO)} }], assets });
  const proc = await KitsuneProcess.start(v.wasm, { assets, stdout: (b) => process.stdout.write(b) });
  process.exitCode = await proc.exited;
} catch (e) { console.error(e.code + ': ' + e.message); process.exitCode = 1; }
`);
  const ok = spawnSync(process.execPath, [script, path.join(dir, 'kitsune')], { encoding: 'utf8', timeout: 120_000 });
  assert.is(ok.status, 0, ok.stderr);
  assert.is(ok.stdout, 'hello from the copy\n');
  // Without clang's files in the copy, the build says where it looked.
  fs.rmSync(path.join(dir, 'kitsune/clang/llvm-resources.tar'));
  const bad = spawnSync(process.execPath, [script, path.join(dir, 'kitsune')], { encoding: 'utf8', timeout: 120_000 });
  assert.is(bad.status, 1);
  assert.match(bad.stderr, new RegExp(`^E_ASSET: clang could not be loaded from file://${dir}/kitsune/clang/bundle\\.js: .*llvm-resources\\.tar.*\`npx kitsune assets DIR\` copies them to DIR/clang/`));
  fs.rmSync(dir, { recursive: true, force: true });
});

test.run();

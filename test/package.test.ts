// The package as a user installs it: `npm pack`, `npm install` of the tarball
// into an empty folder, then what the README promises there: `npx kitsune
// demo`, the README's JS example pasted as it is into index.mjs, and strict
// TypeScript (moduleResolution bundler and node16) on every entry point.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { pack, install, readmeBlocks, repoRoot, type Installed } from '../bench/installed-package.js';

let installed: Installed;
const project = () => installed.project;
const inProject = (cmd: string, args: string[], timeout: number) => spawnSync(cmd, args, { cwd: project(), encoding: 'utf8', timeout });

test.before(() => {
  installed = install(pack(), 'node');
});

test('the tarball holds the built package and nothing else', () => {
  const files = installed.packed.files;
  for (const f of ['package.json', 'README.md', 'LICENSE', 'runtime/runtime.wasm', 'runtime/kitsune.h', 'runtime/kitsune_xf.h', 'runtime/include/index.json', 'runtime/include/termios.h',
    'dist/wasm-driver/index.js', 'dist/wasm-driver/index.d.ts', 'dist/wasm-driver/worker.js', 'dist/format/assets.js', 'dist/compiler/index.js', 'dist/compiler/index.d.ts', 'dist/cli/kitsune.js', 'demos/heap/v1.c', 'demos/heap/v2.c']) {
    assert.ok(files.includes(f), `${f} is missing from the tarball`);
  }
  const stray = files.filter((f) => (/\.ts$/.test(f) && !/\.d\.ts$/.test(f)) || /^(test|bench|stress|\.ci|dist\/bench|dist\/test|dist\/stress)\//.test(f) || /\.(c)$/.test(f) && !f.startsWith('demos/heap/') || f === 'dist/cli/build-runtime.js');
  assert.equal(stray, [], `files that do not belong in the package: ${stray.join(', ')}`);
  // And the license npm will show is the file's.
  assert.match(fs.readFileSync(path.join(repoRoot(), 'LICENSE'), 'utf8'), /^MIT License/);
});

test('npx kitsune --version, --help and a usage error', () => {
  const version = JSON.parse(fs.readFileSync(path.join(repoRoot(), 'package.json'), 'utf8')).version;
  const v = inProject('npx', ['kitsune', '--version'], 60_000);
  assert.is(v.status, 0, v.stderr);
  assert.is(v.stdout, `kitsune-wasm ${version}\n`);
  const h = inProject('npx', ['kitsune', 'run', '--help'], 60_000);
  assert.is(h.status, 0, h.stderr);
  assert.match(h.stdout, /^usage: kitsune run /);
  const bad = inProject('npx', ['kitsune', 'build', 'x.c'], 60_000);
  assert.is(bad.status, 2);
  assert.is(bad.stdout, '');
  assert.match(bad.stderr, /expected -o OUT\.wasm\n\nusage: kitsune build SRC\.c\.\.\. -o OUT\.wasm/);
});

test('npx kitsune demo builds, runs and updates the heap demo', () => {
  const r = inProject('npx', ['kitsune', 'demo'], 180_000);
  assert.is(r.status, 0, `${r.stdout}\n${r.stderr}`);
  assert.match(r.stdout, /^v1 tick 1: 25000 readings, total \d+\n/);
  assert.match(r.stdout, /v2 took over: \d+ readings on the heap \(sum \d+, intact\)\n/);
  assert.match(r.stdout, /v2 tick 10: 250000 readings, total \d+, mean \d+\.\d\d\n$/);
  // stdout is the program's alone: clang's loading goes through the progress callback, to stderr.
  assert.not.match(r.stdout, /fetched|loading clang|demo:/);
  const stderr = r.stderr.replace(/\x1b\[\d+m/g, '');
  assert.match(stderr, /demo: loading clang: \d+%/);
  assert.match(stderr, /demo: update committed at "loop"/);
  // Built in a temporary folder, not inside the installed package.
  assert.not.ok(fs.existsSync(path.join(project(), 'node_modules/kitsune-wasm/demos/heap/v1.wasm')));
});

test('the README\'s JS example runs as it is, in index.mjs', () => {
  const blocks = readmeBlocks('## The JS API').filter(([lang]) => lang === 'js');
  assert.ok(blocks.length >= 1, 'README.md: no ```js block under "## The JS API"');
  fs.writeFileSync(path.join(project(), 'index.mjs'), blocks[0][1]);
  const r = inProject(process.execPath, ['index.mjs'], 120_000);
  assert.is(r.status, 0, `${r.stdout}\n${r.stderr}`);
  const at = Number(/v2 took over at count = (\d+)\n/.exec(r.stdout)?.[1]);
  assert.ok(at >= 3 && at < 10, `expected "v2 took over at count = N" with N from 3 on, found:\n${r.stdout}`);
  const expected = [
    ...Array.from({ length: at }, (_, i) => `v1: count = ${i + 1}`),
    `v2 took over at count = ${at}`,
    /^update committed at "loop", pause \d+\.\d ms$/,
    ...Array.from({ length: 10 - at }, (_, i) => `v2: count = ${at + i + 1}`),
    'exit code 0',
  ];
  const lines = r.stdout.trimEnd().split('\n');
  assert.is(lines.length, expected.length, r.stdout);
  expected.forEach((e, i) => (typeof e === 'string' ? assert.is(lines[i], e) : assert.match(lines[i], e)));
  assert.is(r.stderr, '');
});

test('strict TypeScript sees every entry point (moduleResolution bundler and node16)', () => {
  const tsc = path.join(repoRoot(), 'node_modules/typescript/bin/tsc');
  fs.writeFileSync(path.join(project(), 'check.mts'), CHECK);
  for (const [resolution, module] of [['bundler', 'esnext'], ['node16', 'node16']]) {
    const config = path.join(project(), `tsconfig.${resolution}.json`);
    fs.writeFileSync(config, JSON.stringify({
      compilerOptions: { strict: true, noEmit: true, target: 'es2022', module, moduleResolution: resolution, lib: ['es2022', 'dom'], types: [], resolveJsonModule: true, skipLibCheck: false },
      files: ['check.mts'],
    }));
    const r = spawnSync(process.execPath, [tsc, '-p', config], { cwd: project(), encoding: 'utf8', timeout: 120_000 });
    assert.is(r.status, 0, `tsc, moduleResolution ${resolution}:\n${r.stdout}${r.stderr}`);
  }
  // The check can fail: a wrong option type is an error under both.
  fs.writeFileSync(path.join(project(), 'check.mts'), `${CHECK}\nexport const wrong: StartOptions = { lineBuffered: 'yes' };\n`);
  const r = spawnSync(process.execPath, [tsc, '-p', path.join(project(), 'tsconfig.node16.json')], { cwd: project(), encoding: 'utf8', timeout: 120_000 });
  assert.match(r.stdout, /check\.mts\(\d+,\d+\): error TS2322/);
});

const CHECK = `// Every entry point of kitsune-wasm, as a TypeScript user imports them.
import { KitsuneProcess, KitsuneError, type StartOptions, type UpdateOptions, type UpdateResult, type KitsuneEvent, type WorkerOption, type AssetsOption } from 'kitsune-wasm';
import { build, BuildError, type BuildOptions, type BuildProgress, type BuildResult } from 'kitsune-wasm/compiler';
type Worker = typeof import('kitsune-wasm/worker');
type Package = typeof import('kitsune-wasm/package.json');

const worker: WorkerOption = new URL('./kitsune-worker.js', import.meta.url);
const assets: AssetsOption = '/kitsune/';
const start: StartOptions = { worker, assets, lineBuffered: true, isTTY: { stdin: false, stdout: false, stderr: false }, signal: AbortSignal.timeout(1000), stdout: (b: Uint8Array) => void b.length };
const progress = (p: BuildProgress): number => p.fraction;
const options: BuildOptions = { sources: [{ path: 'a.c', text: 'int main(void) { return 0; }' }], progress, assets, signal: new AbortController().signal };
export async function run(): Promise<number> {
  const built: BuildResult = await build(options);
  const proc = await KitsuneProcess.start(built.wasm, start);
  const update: UpdateOptions = { timeoutMs: 100, signal: AbortSignal.timeout(50) };
  const r: UpdateResult = await proc.update(built.wasm, update);
  proc.on((e: KitsuneEvent) => { if (e.type === 'crash') console.log(e.message); });
  const e: unknown = new BuildError('x', '');
  if (e instanceof KitsuneError) console.log(e.code);
  return r.outcome === 'committed' ? await proc.exited : 1;
}
export type { Worker, Package };
`;

test.run();

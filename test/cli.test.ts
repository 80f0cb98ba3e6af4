// The `kitsune` command as a person uses it: build, run with a control path,
// update twice (v1 -> v2 -> v3 built --from v2), inspect, and the errors.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const cli = fileURLToPath(new URL('../dist/cli/kitsune.js', import.meta.url));
const counter = fileURLToPath(new URL('./programs/counter.c', import.meta.url));
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kitsune-cli-'));
const kitsune = (...args: string[]) => spawnSync(process.execPath, [cli, ...args], { cwd: dir, encoding: 'utf8' });

test('build errors are clang\'s, with file:line:col, and no stack trace', () => {
  fs.writeFileSync(path.join(dir, 'bad.c'), 'int main(void) {\n  return nope;\n}\n');
  const r = kitsune('build', 'bad.c', '-o', 'bad.wasm');
  assert.is(r.status, 1);
  assert.match(r.stderr, /bad\.c:2:10: error: use of undeclared identifier 'nope'/);
  assert.not.match(r.stderr, /at .*\.js:\d+/);
  assert.not.ok(fs.existsSync(path.join(dir, 'bad.wasm')));
});

test('a quoted #include that climbs out of the source\'s folder ("../../common/defs.h") finds its file, from inside the tree or outside the working directory', () => {
  const proj = path.join(dir, 'proj');
  fs.mkdirSync(path.join(proj, 'src', 'app'), { recursive: true });
  fs.mkdirSync(path.join(proj, 'common'), { recursive: true });
  fs.writeFileSync(path.join(proj, 'common', 'defs.h'), '#include "limits.inc"\n#define GREETING "hello from ../../common"\n');
  fs.writeFileSync(path.join(proj, 'common', 'limits.inc'), '#define ANSWER 42\n');
  // A decoy where a file system that skipped ".." would look.
  fs.writeFileSync(path.join(proj, 'src', 'app', 'defs.h'), '#error "the wrong defs.h"\n');
  fs.mkdirSync(path.join(proj, 'src', 'app', 'common'), { recursive: true });
  fs.writeFileSync(path.join(proj, 'src', 'app', 'common', 'defs.h'), '#error "the wrong common/defs.h"\n');
  fs.writeFileSync(path.join(proj, 'src', 'app', 'main.c'), '#include <stdio.h>\n#include "../../common/defs.h"\nint main(void) { printf("%s %d\\n", GREETING, ANSWER); return 0; }\n');
  for (const [cwd, src] of [[proj, 'src/app/main.c'], [path.join(proj, 'src', 'app'), 'main.c']] as const) {
    const b = spawnSync(process.execPath, [cli, 'build', src, '-o', path.join(dir, 'climb.wasm')], { cwd, encoding: 'utf8' });
    assert.is(b.status, 0, b.stderr);
    const r = spawnSync(process.execPath, [cli, 'run', path.join(dir, 'climb.wasm')], { cwd, encoding: 'utf8' });
    assert.is(r.stdout, 'hello from ../../common 42\n', r.stderr);
  }
});

test('--help for the command and each subcommand, --version; usage errors on stderr', () => {
  const overview = kitsune('--help');
  assert.is(overview.status, 0);
  for (const cmd of ['build', 'run', 'update', 'dev', 'inspect', 'assets', 'demo']) {
    assert.match(overview.stdout, new RegExp(`\\n  kitsune ${cmd}\\b`));
    for (const flag of ['--help', '-h']) {
      const r = kitsune(cmd, flag);
      assert.is(r.status, 0, `${cmd} ${flag}: ${r.stderr}`);
      assert.match(r.stdout, new RegExp(`^usage: kitsune ${cmd}\\b[^]*\\n\\n\\S`), `${cmd} ${flag}`);
      assert.is(r.stderr, '', `${cmd} ${flag} printed on stderr`);
    }
  }
  // Help among the options wins over the rest; after the module it is the program's.
  assert.match(kitsune('build', 'x.c', '--help').stdout, /^usage: kitsune build/);
  assert.match(kitsune('run', 'nothere.wasm', '--help').stderr, /nothere\.wasm: no such file/);
  const version = kitsune('--version');
  assert.is(version.status, 0);
  assert.match(version.stdout, /^kitsune-wasm \d+\.\d+\.\d+\n$/);
  const none = kitsune();
  assert.is(none.status, 2);
  assert.is(none.stdout, '');
  assert.match(none.stderr, /^kitsune: dynamic software updating/);
  const bad = kitsune('update', 'only-one');
  assert.is(bad.status, 2);
  assert.is(bad.stdout, '');
  assert.is(bad.stderr, 'kitsune: kitsune update: expected TARGET NEXT.wasm, found 1 argument(s)\n\nusage: kitsune update [--snapshot] [--timeout MS] TARGET NEXT.wasm\nrun `kitsune update --help` for more\n');
});

test('bad input: one paragraph, non-zero exit', () => {
  const cases: [string[], RegExp, number][] = [
    [['frobnicate'], /unknown command "frobnicate"/, 2],
    [['build', 'missing.c', '-o', 'x.wasm'], /missing\.c: no such file/, 1],
    [['build', 'x.txt', '-o', 'x.wasm'], /expected a C source file/, 2],
    [['run', 'nothere.wasm'], /nothere\.wasm: no such file/, 1],
    [['inspect', 'plain.wasm'], /without one; build it with `kitsune build`/, 1],
    [['update', '999999', 'plain.wasm'], /no kitsune runner listens at .*kitsune-999999\.sock/, 1],
    [['build', 'bad.c', '-o', 'x.wasm', '--bogus'], /unknown option --bogus/, 2],
  ];
  fs.writeFileSync(path.join(dir, 'plain.wasm'), new Uint8Array([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0]));
  for (const [args, re, status] of cases) {
    const r = kitsune(...args);
    assert.is(r.status, status, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, re);
    assert.not.match(r.stderr, /internal error|    at /);
  }
});

test('run, update to v2, then to v3 built --from v2: state intact at each step', async () => {
  fs.copyFileSync(counter, path.join(dir, 'counter.c'));
  for (const [v, from] of [['1', ''], ['2', 'v1.wasm'], ['3', 'v2.wasm']]) {
    const r = kitsune('build', 'counter.c', '-o', `v${v}.wasm`, `-DVERSION=${v}`, ...(from ? ['--from', from] : []));
    assert.is(r.status, 0, r.stderr);
  }
  const inspect = kitsune('inspect', 'v3.wasm');
  assert.match(inspect.stdout, /program "kitsune-cli-[^"]+", build [0-9a-f]{24}, built from [0-9a-f]{24}/);
  assert.match(inspect.stdout, /counter\.c\/bump#calls\s+int/);
  const diff = kitsune('inspect', '--diff', 'v2.wasm', 'v3.wasm');
  assert.is(diff.status, 0, diff.stderr);
  assert.match(diff.stdout, /v2\.wasm -> v3\.wasm \(built --from it\)\nno type changes: every variable is copied as it is\nvariables:\n/);
  assert.match(diff.stdout, /  copy +counter\.c\/bump#calls  int\n/);
  const control = path.join(dir, 'ctl.sock');
  const bench = path.join(dir, 'updates.jsonl');
  const runner = spawn(process.execPath, [cli, 'run', '--control', control, '-b', bench, 'v1.wasm', '60', '100000'], { cwd: dir });
  let out = '';
  runner.stdout.on('data', (d) => (out += d));
  runner.stderr.on('data', (d) => (out += d));
  const until = async (re: RegExp) => { for (let i = 0; i < 300 && !re.test(out); i++) await new Promise((r) => setTimeout(r, 50)); assert.match(out, re); };
  await until(/v1 n=5 /);
  const up = (file: string) => new Promise<{ code: number; text: string }>((resolve) => {
    const p = spawn(process.execPath, [cli, 'update', control, file], { cwd: dir });
    let text = '';
    p.stdout.on('data', (d) => (text += d));
    p.stderr.on('data', (d) => (text += d));
    p.on('exit', (code) => resolve({ code: code ?? -1, text }));
  });
  const u2 = await up('v2.wasm');
  assert.is(u2.code, 0, u2.text);
  assert.match(u2.text, /update committed at "loop"/);
  await until(/v2 n=\d+ /);
  const u3 = await up('v3.wasm');
  assert.is(u3.code, 0, u3.text);
  await until(/v3 n=\d+ /);
  const failed = await up('v1.wasm'); // v1 was not built from v3 and its program name matches: allowed, commits
  assert.is(failed.code, 0, failed.text);
  const code = await new Promise((r) => runner.on('exit', r));
  assert.is(code, 0, out);
  const lines = out.split('\n').filter((l) => / n=\d+ /.test(l));
  assert.is(lines.length, 60);
  lines.forEach((l, i) => {
    const n = i + 1;
    assert.match(l, new RegExp(`^v\\d n=${n} sum=${(n * (n + 1)) / 2} stat=${2 * n} step=${n} calls=${n} typed=7 walk=${n}/${(n * (n - 1)) / 2}$`), `line ${n}: ${l}\n${out}`);
  });
  const records = fs.readFileSync(bench, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  assert.is(records.length, 3);
  assert.ok(records.every((r) => r.outcome === 'committed' && typeof r.timings.pause === 'number'));
});

test.run();

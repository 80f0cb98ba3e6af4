// `npm run kitsune-tests -- PATH [--only NAME,...] [--keep DIR]`: builds the
// test programs of a kitsune-core checkout (PATH, the
// repository or its tests/ folder) unchanged, as their Makefiles do, and runs
// each as Kitsune's driver would: `kitsune run v1.wasm v2.wasm ARGS`, the
// program asking for its own update to argv[1] (or, as the Makefile of
// ktcc-condwait does, updated from outside after a second, then stopped a
// second later: `kitsune update PID v2.wasm`). A test passes when the
// runner exits 0, reports the update committed, and no assertion failed; the
// table says why each other one did not. Nothing is fetched and nothing of
// kitsune-core is kept (the builds go to a temporary folder unless --keep).
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildFromFiles } from '../cli/build-files.js';
import { KitsuneError } from '../format/errors.js';

interface Case {
  /** The folder under tests/. */
  name: string;
  v1: string[];
  /** v2's sources; absent: the same as v1's (the Makefile copies the .so, or links xfgen's dsu.c). */
  v2?: string[];
  /** The spec xfgen reads (v2 is then built --from v1 with it). */
  xf?: string;
  args?: string[];
  /** Folders the test expects to use, created and granted (--dir): Kitsune's log folder for the logging test. */
  dirs?: string[];
  skip?: string;
  /** Updated from outside, as its Makefile does (run, sleep 1, doupd, sleep 1, kill); passes when the update commits and `expect` is printed after it. */
  external?: { expect: RegExp };
}

// From each test's Makefile (kitsune-core tests/*/Makefile).
const CASES: Case[] = [
  { name: 'argcargv', v1: ['argcargv.c'], args: ['b', 'c'] },
  { name: 'logging', v1: ['logging.c'], dirs: ['/tmp/kitsune'] },
  { name: 'updatetest', v1: ['main.c', 'other.c', 'dsu.c'] },
  { name: 'prestartxform', v1: ['main.c', 'dsu.c'] },
  { name: 'ktcc-generics', v1: ['main.c'], xf: 'updatetest.xf' },
  { name: 'ktcc-gener-tdef', v1: ['main.c'], xf: 'updatetest.xf' },
  { name: 'ktcc-autoxf', v1: ['main.c', 'other.c'], xf: 'updatetest.xf' },
  { name: 'ktcc-simplexf', v1: ['main.c', 'other.c'], xf: 'updatetest.xf' },
  { name: 'ktcc-staticxf', v1: ['main.c', 'other.c'], xf: 'updatetest.xf' },
  { name: 'ktcc-swapvars', v1: ['main.c', 'other.c'], xf: 'updatetest.xf' },
  { name: 'ktcc-cast', v1: ['main.c'], xf: 'updatetest.xf' },
  { name: 'ktcc-deptrack', v1: ['main.c'], xf: 'updatetest.xf' },
  { name: 'ktcc-automigrate', v1: ['main.c', 'other.c'] },
  { name: 'ktcc-globalreg', v1: ['main.c', 'other.c'] },
  { name: 'ktcc-autoarray', v1: ['main.c'], v2: ['main-2.c'], xf: 'updatetest.xf' },
  { name: 'ktcc-shallow', v1: ['v0.c'], v2: ['v1.c'], xf: 'updatetest.xf' },
  { name: 'ktcc-union', v1: ['main.c'], v2: ['mainv2.c'], xf: 'ktcc-union.xf' },
  { name: 'alloctrack', v1: ['main.c', 'other.c', 'dsu.c'] },
  { name: 'alloctrack-autoxf', v1: ['main.c'], v2: ['other.c', 'dsu.c'] },
  { name: 'ktcc-condwait', v1: ['testcondw.c'], v2: ['testcondw2.c'], xf: 'updatetest.xf', external: { expect: /update committed[^]*\*2: thread waiting forever/ } },
  { name: 'ktcc-plugin', v1: [], skip: 'a custom driver (its own driver.c and linker scripts)' },
];

const RUN_TIMEOUT_MS = 60_000;
const cli = fileURLToPath(new URL('../cli/kitsune.js', import.meta.url));

/** Why a run that did not pass failed, in the words of the runner's report. */
function diagnose(out: string): string {
  if (/no next version is known/.test(out)) return 'kitsune_signal_update() before kitsune_set_next_version(): the request fails at once (issue 16 item 5)';
  if (/exited before reaching an update point|the program exited before/.test(out)) return 'the update point passed while the next version was being prepared, and the program ended (issue 16 item 5)';
  const rolled = /update rolled back at stage (\w+): ([^\n]*)/.exec(out);
  if (rolled) return `rolled back at ${rolled[1]}: ${rolled[2]}`;
  const assertion = /Assertion failed[^\n]*/.exec(out);
  if (assertion) return assertion[0];
  const crash = /the program crashed: ([^\n]*)/.exec(out);
  if (crash) return `crashed: ${crash[1]}`;
  const refused = /update refused[^\n]*/.exec(out);
  if (refused) return refused[0];
  return 'no update committed';
}

function run(cwd: string, args: string[]): Promise<{ status: number | null; out: string; timedOut: boolean }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [cli, 'run', ...args], { cwd });
    let out = '';
    let timedOut = false;
    p.stdout.on('data', (b) => { out += b; });
    p.stderr.on('data', (b) => { out += b; });
    const timer = setTimeout(() => { timedOut = true; p.kill('SIGKILL'); }, RUN_TIMEOUT_MS);
    p.on('close', (status) => { clearTimeout(timer); resolve({ status, out, timedOut }); });
  });
}

/** `kitsune run v1.wasm`, updated to v2.wasm from outside after a second, and stopped with SIGINT a second later. */
async function runExternal(cwd: string): Promise<{ status: number | null; out: string; timedOut: boolean }> {
  const p = spawn(process.execPath, [cli, 'run', 'v1.wasm'], { cwd });
  let out = '';
  p.stdout.on('data', (b) => { out += b; });
  p.stderr.on('data', (b) => { out += b; });
  const closed = new Promise<number | null>((resolve) => p.on('close', resolve));
  const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
  await pause(1000);
  const u = spawn(process.execPath, [cli, 'update', String(p.pid), 'v2.wasm'], { cwd });
  u.stdout.on('data', (b) => { out += b; });
  u.stderr.on('data', (b) => { out += b; });
  await new Promise((resolve) => u.on('close', resolve));
  await pause(1000);
  p.kill('SIGINT');
  const timer = setTimeout(() => p.kill('SIGKILL'), 5000);
  await closed;
  clearTimeout(timer);
  // Stopped by the test, as the Makefile's killall does: that is its normal end.
  return { status: 0, out, timedOut: false };
}

const firstError = (text: string) => text.split('\n').find((l) => /error:/.test(l))?.replace(/^.*?error: /, '') ?? text.split('\n')[0] ?? '';

async function main(argv: string[]): Promise<number> {
  const only = argv.includes('--only') ? argv[argv.indexOf('--only') + 1]!.split(',') : undefined;
  const keep = argv.includes('--keep') ? argv[argv.indexOf('--keep') + 1] : undefined;
  const root = argv.find((a, i) => !a.startsWith('--') && !['--only', '--keep'].includes(argv[i - 1] ?? ''));
  if (!root) throw new KitsuneError('E_USAGE', 'usage: npm run kitsune-tests -- PATH/TO/kitsune-core [--only NAME,...] [--keep DIR]');
  const tests = fs.existsSync(path.join(root, 'tests', 'Makefile')) ? path.join(root, 'tests') : root;
  if (!fs.existsSync(path.join(tests, 'updatetest'))) throw new KitsuneError('E_READ', `${root}: expected a kitsune-core checkout (with tests/updatetest/), found none`);
  const work = keep ? path.resolve(keep) : fs.mkdtempSync(path.join(os.tmpdir(), 'kitsune-core-tests-'));
  fs.mkdirSync(work, { recursive: true });

  const rows: { name: string; result: string; why: string }[] = [];
  for (const c of CASES) {
    if (only && !only.includes(c.name)) continue;
    const dir = path.join(tests, c.name);
    if (c.skip) { rows.push({ name: c.name, result: 'skip', why: c.skip }); continue; }
    if (!fs.existsSync(dir)) { rows.push({ name: c.name, result: 'skip', why: 'not in this checkout' }); continue; }
    const out = path.join(work, c.name);
    fs.mkdirSync(out, { recursive: true });
    const src = (names: string[]) => names.map((n) => path.join(dir, n));
    process.stderr.write(`${c.name}: building\n`);
    try {
      const v1 = await buildFromFiles(src(c.v1), { out: path.join(out, 'v1.wasm'), name: c.name }, () => {});
      fs.writeFileSync(path.join(out, 'v1.wasm'), v1.wasm);
      const v2 = await buildFromFiles(src(c.v2 ?? c.v1), {
        out: path.join(out, 'v2.wasm'),
        ...(c.xf ? { xf: path.join(dir, c.xf) } : {}),
      }, () => {}, v1.wasm);
      fs.writeFileSync(path.join(out, 'v2.wasm'), v2.wasm);
    } catch (e) {
      const message = e instanceof KitsuneError ? e.message : String(e);
      rows.push({ name: c.name, result: 'FAIL', why: `build: ${firstError(message.split('\n').slice(1).join('\n') || message)}` });
      continue;
    }
    process.stderr.write(c.external ? `${c.name}: kitsune run v1.wasm, kitsune update PID v2.wasm after 1 s\n` : `${c.name}: kitsune run v1.wasm v2.wasm${c.args ? ` ${c.args.join(' ')}` : ''}\n`);
    for (const d of c.dirs ?? []) fs.mkdirSync(d, { recursive: true });
    const r = c.external ? await runExternal(out) : await run(out, [...(c.dirs ?? []).map((d) => `--dir=${d}`), 'v1.wasm', 'v2.wasm', ...(c.args ?? [])]);
    fs.writeFileSync(path.join(out, 'run.log'), r.out);
    const committed = /kitsune: update committed at "/.test(r.out);
    const failed = /Assertion failed|the program crashed/.test(r.out);
    // Some tests only check that a version builds and runs: they never ask for an update.
    const asks = [...c.v1, ...(c.v2 ?? [])].some((n) => /kitsune_signal_update\s*\(/.test(fs.readFileSync(path.join(dir, n), 'utf8')));
    const pass = r.status === 0 && (c.external ? committed && c.external.expect.test(r.out) : committed || !asks) && !failed && !r.timedOut;
    rows.push({
      name: c.name, result: pass ? 'pass' : 'FAIL',
      why: pass ? (committed ? 'update committed' : 'ran to the end (the test asks for no update)') : r.timedOut ? `no exit within ${RUN_TIMEOUT_MS / 1000} s` : `${diagnose(r.out)}${r.status !== 0 ? ` (exit ${r.status})` : ' (exit 0)'}`,
    });
  }

  const w = Math.max(...rows.map((r) => r.name.length), 4);
  console.log(`${'test'.padEnd(w)}  result  why`);
  for (const r of rows) console.log(`${r.name.padEnd(w)}  ${r.result.padEnd(6)}  ${r.why}`);
  const counts = ['pass', 'FAIL', 'skip'].map((k) => `${rows.filter((r) => r.result === k).length} ${k === 'FAIL' ? 'fail' : k}`);
  console.log(`\n${counts.join(', ')}; builds and run logs in ${work}${keep ? '' : ' (temporary)'}`);
  if (!keep) fs.rmSync(work, { recursive: true, force: true });
  return rows.some((r) => r.result === 'FAIL') ? 1 : 0;
}

main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  (e) => { process.stderr.write(`kitsune-tests: ${e instanceof KitsuneError ? e.message : (e as Error).stack}\n`); process.exitCode = 2; },
);

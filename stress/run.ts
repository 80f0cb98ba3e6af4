// `npm run stress`: the reliability suite. Fault injection at every stage of
// an update, endurance, bad inputs with fuzzing, and the kv server under load.
// Progress goes to stderr; the summary table to stdout and to
// stress/out/summary.json. Exits 1 if any case failed.
//
//   npx tsx stress/run.ts [--quick] [--seed N] [--only faults,thread-faults,endurance,bad-inputs,fuzz,load,attacks]
import fs from 'node:fs';
import path from 'node:path';
import os from 'node:os';
import { spawn } from 'node:child_process';
import { rng, log, OUT, STRESS, type Category } from './common.js';
import { runFaults } from './faults.js';
import { runThreadFaults } from './thread-faults.js';
import { runEndurance } from './endurance.js';
import { runBadInputs } from './bad-inputs.js';
import { runLoad } from './load.js';
import { runAttacks } from './attacks.js';

// stdout is for the summary: the toolchain's download progress ("yowasp-llvm: fetched ...") goes to stderr.
const writeOut = process.stdout.write.bind(process.stdout);
process.stdout.write = ((chunk: string | Uint8Array, ...rest: never[]) => {
  const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString();
  return text.startsWith('yowasp-') ? process.stderr.write(chunk) : writeOut(chunk, ...rest);
}) as typeof process.stdout.write;

const argv = process.argv.slice(2);
const quick = argv.includes('--quick');
const opt = (name: string) => { const i = argv.indexOf(name); return i >= 0 ? argv[i + 1] : undefined; };
const seed = Number(opt('--seed') ?? 20261125);
const only = opt('--only')?.split(',');
const unknown = argv.filter((a, i) => !['--quick', '--seed', '--only'].includes(a) && !['--seed', '--only'].includes(argv[i - 1]));
if (unknown.length) { process.stderr.write(`stress: unknown argument ${unknown[0]}; usage: stress/run.ts [--quick] [--seed N] [--only faults,thread-faults,endurance,bad-inputs,fuzz,load,attacks]\n`); process.exit(2); }

const config = quick
  ? { faultReps: 20, endurance: 300, loaderFuzz: 40, xfFuzz: 3000, dwarfFuzz: 400, loadUpdates: 25, loadConns: 20 }
  : { faultReps: 200, endurance: 1000, loaderFuzz: 300, xfFuzz: 50000, dwarfFuzz: 5000, loadUpdates: 100, loadConns: 50 };

/** The pure fuzzers run in a child process, so that a hang can be killed and reported. */
function runFuzzChild(ms: number): Promise<Category[]> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(STRESS, 'fuzz.ts'), String(config.xfFuzz), String(config.dwarfFuzz), String(seed)], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d) => { out += d; });
    const timer = setTimeout(() => child.kill('SIGKILL'), ms);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      try { resolve(JSON.parse(out.trim().split('\n').pop()!)); } catch {
        resolve([{ category: 'fuzz: .xf parser and DWARF reader', cases: 1, passed: 0, failed: 1, notes: '', failures: [
          signal === 'SIGKILL' ? `hang: the fuzzer did not finish within ${ms / 1000} s; the input under test is in stress/out/fuzz-current.{xf,json,wasm}` : `the fuzzer crashed (exit ${code}): ${out.slice(-500)}`] }]);
      }
    });
  });
}

const started = Date.now();
const results: Category[] = [];
const stage = async (name: string, f: () => Promise<Category | Category[]>) => {
  if (only && !only.includes(name)) return;
  const t = Date.now();
  log(`${name}: starting`);
  try {
    const r = await f();
    const list = Array.isArray(r) ? r : [r];
    for (const c of list) c.seconds = Math.round((Date.now() - t) / 1000 / list.length);
    results.push(...list);
  } catch (e) {
    results.push({ category: name, cases: 1, passed: 0, failed: 1, notes: 'the stage itself failed', failures: [(e as Error)?.stack ?? String(e)] });
  }
  log(`${name}: done in ${((Date.now() - t) / 1000).toFixed(0)} s`);
};

fs.mkdirSync(OUT, { recursive: true });
log(`${quick ? 'quick' : 'full'} run, seed ${seed}, ${os.cpus().length} cpus, node ${process.version}`);
await stage('fuzz', () => runFuzzChild(quick ? 180_000 : 600_000));
await stage('faults', () => runFaults(config.faultReps, rng(seed)));
await stage('thread-faults', () => runThreadFaults(config.faultReps, rng(seed + 4)));
await stage('endurance', () => runEndurance(config.endurance));
await stage('bad-inputs', () => runBadInputs(quick, config.loaderFuzz, rng(seed + 1)));
await stage('load', () => runLoad(config.loadUpdates, config.loadConns, rng(seed + 2)));
await stage('attacks', () => runAttacks(quick, rng(seed + 3)));

const total = { cases: results.reduce((n, c) => n + c.cases, 0), failed: results.reduce((n, c) => n + c.failed, 0) };
const seconds = Math.round((Date.now() - started) / 1000);
const summary = { date: new Date().toISOString(), mode: quick ? 'quick' : 'full', seed, node: process.version, cpus: os.cpus().length, platform: `${os.platform()} ${os.release()}`, seconds, ...total, categories: results };
fs.writeFileSync(path.join(OUT, 'summary.json'), JSON.stringify(summary, null, 2) + '\n');

const rows = [['category', 'cases', 'passed', 'failed', 'notes'], ...results.map((c) => [c.category, String(c.cases), String(c.passed), String(c.failed), c.notes])];
const widths = [0, 1, 2, 3].map((i) => Math.max(...rows.map((r) => r[i].length)));
const line = (r: string[]) => `| ${r.slice(0, 4).map((x, i) => (i ? x.padStart(widths[i]) : x.padEnd(widths[i]))).join(' | ')} | ${r[4]} |`;
const out = [line(rows[0]), `|${widths.map((w, i) => (i ? '-'.repeat(w + 1) + ':' : '-'.repeat(w + 2))).join('|')}|---|`, ...rows.slice(1).map(line)];
const attacks = results.filter((c) => c.category.startsWith('attacks:'));
if (attacks.length) out.push('', `attacks: ${attacks.reduce((n, c) => n + c.cases, 0)} attempts, ${attacks.reduce((n, c) => n + c.passed, 0)} held, ${attacks.reduce((n, c) => n + c.failed, 0)} holes open`);
out.push('', `${total.cases} cases, ${total.failed} failed, ${seconds} s (${quick ? 'quick' : 'full'}, seed ${seed}); details in stress/out/summary.json`);
for (const c of results.filter((x) => x.failed)) {
  out.push('', `FAILED ${c.category}:`, ...c.failures.slice(0, 10).map((f) => `  - ${f}`));
}
writeOut(out.join('\n') + '\n', () => process.exit(total.failed ? 1 : 0));

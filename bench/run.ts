// kitsune-wasm's benchmark: `npm run bench` (or `node dist/bench/run.js [--quick]`).
//  1. Steady-state overhead: CPU-bound C programs built by kitsune and run under
//     KitsuneProcess against the same source as a plain WASI module, timed
//     inside the program (instantiation excluded), runs alternated.
//  2. Update pause by stage for a program holding N heap objects of unchanged
//     types, for growing N.
// Prints tables and writes bench/out/results.json.
import fs from 'node:fs';
import os from 'node:os';
import v8 from 'node:v8';
import { build } from 'kitsune-wasm/compiler';
import { KitsuneProcess, type UpdateTimings } from 'kitsune-wasm';
import { buildPlain, runPlain } from './plain.js';
import { migrateBench } from './migrate.js';
import { runXfProperty, formatSummary } from './xf-property.js';
import { kvBench } from './kv.js';

const quick = process.argv.includes('--quick');
const root = new URL('../../', import.meta.url); // from dist/bench/run.js
const programs = new URL('bench/programs/', root);
const outDir = new URL('bench/out/', root);

const config = quick
  ? { reps: 3, compute: ['200', '100000'], listwalk: ['1000', '8192'], objects: [1_000, 100_000], updates: 4 }
  : { reps: 15, compute: ['500', '100000'], listwalk: ['2500', '8192'], objects: [1_000, 100_000, 1_000_000], updates: 20 };

// ---- statistics and tables -------------------------------------------------

interface Stats { min: number; median: number; max: number; samples: number[] }

function stats(samples: number[]): Stats {
  const s = [...samples].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return { min: s[0], median: s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2, max: s[s.length - 1], samples };
}

const geomean = (xs: number[]) => Math.exp(xs.reduce((a, x) => a + Math.log(x), 0) / xs.length);
const ms = (x: number) => x.toFixed(x < 10 ? 2 : 1);
const range = (s: Stats) => `${ms(s.min)} / ${ms(s.median)} / ${ms(s.max)}`;

function table(head: string[], rows: string[][]): string {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (r: string[]) => r.map((c, i) => (i ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join('  ');
  return [line(head), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

// ---- running ---------------------------------------------------------------

const read = (name: string) => fs.readFileSync(new URL(name, programs), 'utf8');

/** Starts a kitsune version, collecting its stdout; stderr goes to ours. */
async function startKitsune(wasm: Uint8Array, args: string[]) {
  const dec = new TextDecoder();
  const run = { out: '', proc: undefined as unknown as KitsuneProcess };
  run.proc = await KitsuneProcess.start(wasm, {
    args, argv0: 'bench.wasm', inheritStdin: false,
    stdout: (b) => { run.out += dec.decode(b, { stream: true }); },
    stderr: (b) => process.stderr.write(b),
    onEvent: (e) => { if (e.type === 'crash') console.error(`crash: ${e.message}`); },
  });
  return run;
}

async function runKitsune(wasm: Uint8Array, args: string[]): Promise<string> {
  const run = await startKitsune(wasm, args);
  const code = await run.proc.exited;
  await run.proc.kill();
  if (code !== 0) throw new Error(`kitsune run exited with ${code}:\n${run.out}`);
  return run.out;
}

/** The program's own timing of its hot loop, in ms, and its checksum. */
function parseTiming(out: string, what: string): { ms: number; check: string } {
  const m = /ns=(\d+) check=(\S+)/.exec(out);
  if (!m) throw new Error(`${what}: expected "ns=... check=..." on stdout, found:\n${out}`);
  return { ms: Number(m[1]) / 1e6, check: m[2] };
}

async function until(cond: () => boolean, what: string, timeoutMs = 60_000) {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 2));
  }
}

// ---- 1. steady-state overhead ----------------------------------------------

interface SteadyCase { name: string; file: string; defines: string[]; args: string[]; instrumented: boolean }

const cases: SteadyCase[] = [
  { name: 'compute', file: 'compute.c', defines: [], args: config.compute, instrumented: true },
  { name: 'listwalk', file: 'listwalk.c', defines: [], args: config.listwalk, instrumented: true },
  { name: 'compute, kernel outlined', file: 'compute.c', defines: ['OUTLINE'], args: config.compute, instrumented: false },
  { name: 'listwalk, walk outlined', file: 'listwalk.c', defines: ['OUTLINE'], args: config.listwalk, instrumented: false },
];

async function buildSteady(c: SteadyCase) {
  const text = read(c.file);
  const kitsune = (await build({ sources: [{ path: c.file, text }], optimize: 2, defines: c.defines, name: c.file.replace('.c', '') })).wasm;
  const plain = await buildPlain(text, c.defines);
  return { kitsune, plain };
}

async function steady(built: { kitsune: Uint8Array; plain: Uint8Array }[]) {
  const plainModules = await Promise.all(built.map((b) => WebAssembly.compile(b.plain as Uint8Array<ArrayBuffer>)));
  const samples = cases.map(() => ({ kitsune: [] as number[], plain: [] as number[], check: '' }));
  // Round 0 warms up (first runs are often slower) and is not counted.
  for (let rep = 0; rep <= config.reps; rep++) {
    process.stderr.write(`\rsteady state: round ${rep}/${config.reps}`);
    for (const [i, c] of cases.entries()) {
      // Alternate which variant goes first, so neither always runs warmer.
      const order = rep % 2 ? ['plain', 'kitsune'] as const : ['kitsune', 'plain'] as const;
      for (const variant of order) {
        const out = variant === 'kitsune' ? await runKitsune(built[i].kitsune, c.args) : await runPlain(plainModules[i], c.args);
        const t = parseTiming(out, `${c.name} (${variant})`);
        if (samples[i].check && samples[i].check !== t.check) throw new Error(`${c.name}: ${variant} computed ${t.check}, expected ${samples[i].check}: not the same work`);
        samples[i].check = t.check;
        if (rep > 0) samples[i][variant].push(t.ms);
      }
    }
  }
  process.stderr.write('\n');
  return cases.map((c, i) => {
    const kitsune = stats(samples[i].kitsune), plain = stats(samples[i].plain);
    return { program: c.name, hotLoopInstrumented: c.instrumented, args: c.args, kitsune, plain, ratio: kitsune.median / plain.median };
  });
}

// ---- 2. update pause ---------------------------------------------------------

const STAGES = ['wait', 'unwind', 'load', 'migrate', 'untilCommit', 'pause'] as const satisfies (keyof UpdateTimings)[];
/** What untilCommit holds besides load and migrate: the new main up to its update point, and the commit. */
const REST = 'mainAndCommit' as const;

async function pauses(v1: Uint8Array, v2: Uint8Array, n: number) {
  const run = await startKitsune(v1, [String(n)]);
  try {
    await until(() => run.out.includes(`ready: ${n} objects`), `v1 to allocate ${n} objects`);
    const timings: (Partial<UpdateTimings> & { [REST]?: number })[] = [];
    for (let i = 0; i < config.updates; i++) {
      const r = await run.proc.update(i % 2 ? v1 : v2, { timeoutMs: 10_000 });
      if (r.outcome !== 'committed') throw new Error(`update ${i + 1} with N=${n}: ${r.outcome} at ${r.stage}: ${r.reason}`);
      const t = r.timings;
      timings.push({ ...t, [REST]: (t.untilCommit ?? NaN) - (t.load ?? 0) - (t.migrate ?? 0) });
      // The new version prints what it found on the heap before it goes on.
      await until(() => (run.out.match(/took over: \d+ objects/g) ?? []).length > i, `update ${i + 1} to take over`);
      const found = [...run.out.matchAll(/took over: (\d+) objects/g)].map((m) => Number(m[1]));
      if (found[i] !== n) throw new Error(`update ${i + 1}: the new version found ${found[i]} objects, expected ${n}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    const stages = Object.fromEntries([...STAGES, REST].map((s) => [s, stats(timings.map((t) => t[s] ?? NaN))]));
    return { n, updates: timings.length, stages: stages as Record<(typeof STAGES)[number] | typeof REST, Stats> };
  } finally {
    await run.proc.kill();
  }
}

// ---- main ------------------------------------------------------------------

async function main() {
  if (!fs.existsSync(new URL('runtime/runtime.wasm', root))) {
    throw new Error('runtime/runtime.wasm is missing: run `npm run build` first (or `npm run bench`, which does)');
  }
  const machine = { cpu: os.cpus()[0]?.model ?? 'unknown', cores: os.cpus().length, os: `${os.type()} ${os.release()} ${os.arch()}`, node: process.version, date: new Date().toISOString() };
  console.log(`kitsune-wasm benchmark${quick ? ' (--quick)' : ''}`);
  console.log(`machine: ${machine.cpu}, ${machine.cores} cores, ${machine.os}; Node ${machine.node}; ${machine.date}`);
  console.log(`work: compute ${config.compute[0]} rounds of ${config.compute[1]} iterations; listwalk ${config.listwalk[0]} walks of ${config.listwalk[1]} nodes; V8 --no-liftoff while measuring`);

  const started = Date.now();
  process.stderr.write('building the programs (kitsune build -O2, and plain clang -O2)...\n');
  // @yowasp/clang announces its first load on console.log: keep stdout for the tables.
  const log = console.log;
  console.log = console.error;
  const built = [];
  for (const c of cases) built.push(await buildSteady(c));
  const objects = read('objects.c');
  const v1 = (await build({ sources: [{ path: 'objects.c', text: objects }], optimize: 2, defines: ['VERSION=1'], name: 'objects' })).wasm;
  const v2 = (await build({ sources: [{ path: 'objects.c', text: objects }], optimize: 2, defines: ['VERSION=2'], from: v1 })).wasm;
  console.log = log;
  const buildSeconds = (Date.now() - started) / 1000;

  // V8 has no on-stack replacement for Wasm: a loop in a function entered once
  // (main) would stay in the baseline tier (Liftoff) for the whole run. Compile
  // what is measured with the optimizing tier only, for both variants alike.
  // Set after the builds, so that clang itself still starts fast.
  v8.setFlagsFromString('--no-liftoff');

  const steadyRows = await steady(built);
  const inMain = steadyRows.filter((r) => r.hotLoopInstrumented);
  const geo = geomean(inMain.map((r) => r.ratio));
  console.log(`\n1. Steady-state overhead: time of the hot loop as the program measures it, ms (min / median / max of ${config.reps} runs each, alternated)`);
  console.log(table(['program', 'kitsune', 'plain', 'kitsune/plain'], steadyRows.map((r) => [
    `${r.program}${r.hotLoopInstrumented ? ' (hot loop in main, instrumented)' : ' (hot loop not instrumented)'}`,
    range(r.kitsune), range(r.plain), r.ratio.toFixed(3),
  ])));
  console.log(`geometric mean kitsune/plain over ${inMain.map((r) => r.program).join(', ')}: ${geo.toFixed(3)}`);

  // Asyncify's cost: the same loop inside main (on the update path) and outside it.
  const asyncifyRows = inMain.map((r) => {
    const out = steadyRows.find((o) => !o.hotLoopInstrumented && o.program.startsWith(r.program))!;
    const kitsune = r.kitsune.median / out.kitsune.median, plain = r.plain.median / out.plain.median;
    return { program: r.program, kitsuneInOverOut: kitsune, plainInOverOut: plain, asyncifyCost: kitsune / plain };
  });
  console.log('\nAsyncify: hot loop in main (instrumented) vs in a noinline function (not), ratio of medians');
  console.log(table(['program', 'kitsune in/out', 'plain in/out', 'cost (kitsune ÷ plain - 1)'], asyncifyRows.map((r) => [
    r.program, r.kitsuneInOverOut.toFixed(3), r.plainInOverOut.toFixed(3), `${((r.asyncifyCost - 1) * 100).toFixed(1)}%`,
  ])));
  console.log('Asyncify adds code around calls that may unwind, none inside a loop without such calls; a negative cost means the outlined loop was the slower one.');

  const pauseRows = [];
  for (const n of config.objects) {
    process.stderr.write(`update pause: N=${n}...\n`);
    pauseRows.push(await pauses(v1, v2, n));
  }
  console.log(`\n2. Update pause by stage, ms (min / median / max of ${config.updates} updates, v1->v2 and v2->v1 alternated; N heap objects, types unchanged)`);
  const columns = [...STAGES.slice(0, 4), REST, ...STAGES.slice(4)] as const;
  console.log(table(['N', ...columns], pauseRows.map((r) => [r.n.toLocaleString('en-US'), ...columns.map((s) => range(r.stages[s]))])));
  console.log(`${REST} = untilCommit - load - migrate: the new main up to its update point, then the commit; pause = from the unwind until the program runs on`);
  // Migration throughput: 1M changed objects against plain copies of the same bytes.
  const migrate = await migrateBench(programs, quick);
  const med = (xs: number[]) => stats(xs).median;
  const mm = med(migrate.runs.map((r) => r.migrate)), mc = med(migrate.runs.map((r) => r.memcpy)), mh = med(migrate.runs.map((r) => r.byHand));
  console.log(`\nMigration of ${migrate.n.toLocaleString('en-US')} changed objects (list node gained a field; median of ${migrate.runs.length} run(s), same process):`);
  console.log(table(['generated migration', 'memcpy of the bytes', 'hand-written copy', 'migration / memcpy', 'migration / by hand', 'update pause'],
    [[`${ms(mm)} ms`, `${ms(mc)} ms`, `${ms(mh)} ms`, (mm / mc).toFixed(1), (mh ? mm / mh : NaN).toFixed(2), `${ms(med(migrate.runs.map((r) => r.pause)))} ms`]]));
  console.log('the generated migration also keeps an old->new address map (sharing, cycles) and leaves the old heap intact until commit');
  // The migration generator against a TypeScript oracle, thousands of random cases.
  const xf = await runXfProperty({ cases: quick ? 200 : 3000, log: (l) => console.error(l) });
  console.log('\nState transformation property: random struct evolutions over random heaps (sharing, cycles) vs a TypeScript oracle');
  console.log(formatSummary(xf));
  // 3. The kv demo: throughput with and without Kitsune, client-visible pause, update vs restart.
  const kv = await kvBench(quick);
  const totalSeconds = (Date.now() - started) / 1000;
  console.log(`\nbuilds ${buildSeconds.toFixed(1)} s, whole run ${totalSeconds.toFixed(1)} s`);

  const results = {
    machine, quick, v8Flags: ['--no-liftoff'], config,
    steady: steadyRows, steadyGeomean: geo, asyncify: asyncifyRows,
    pause: pauseRows, migrate, xfProperty: { cases: xf.cases, failures: xf.failures.length, seconds: xf.millis.total / 1000 }, kv, seconds: { build: buildSeconds, total: totalSeconds },
  };
  fs.mkdirSync(outDir, { recursive: true });
  const file = new URL('results.json', outDir);
  fs.writeFileSync(file, JSON.stringify(results, null, 2) + '\n');
  console.log(`results: ${file.pathname}`);
}

main().then(() => process.exit(0), (e) => {
  console.error(e instanceof Error ? e.stack ?? e.message : e);
  process.exit(1);
});

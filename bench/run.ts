// kitsune-wasm's benchmark: `npm run bench` (or `node dist/bench/run.js [--quick]`).
//  1. Steady-state overhead: C programs (a compute kernel, a request loop, a
//     pointer-chasing list walk) built by kitsune and run under KitsuneProcess
//     against the same source as a plain WASI module (and natively with gcc
//     -O2 when gcc is there), timed inside the program (instantiation
//     excluded), runs alternated; the kv server's requests/s (bench/kv.ts).
//  2. Update pause by stage for a program holding N heap objects, for growing
//     N, with types unchanged and with types changed (bench/migrate.ts), and
//     the migration's throughput against a plain copy of the same bytes.
//  3. Build time (fresh process, warm rebuild), memory across 100 updates, the
//     migration property test, the kv demo (throughput, update vs restart),
//     the package as installed and a page bundled from it (bench/package.ts).
//     the playground in headless Chromium (bench/playground.ts).
// Prints tables, writes bench/out/results.json and bench/report.json (the same
// object), bench/report.md and its figures bench/report-*.svg (bench/report.ts);
// with --quick the report goes to bench/out/quick/ instead.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import v8 from 'node:v8';
import { spawnSync } from 'node:child_process';
import { build } from 'kitsune-wasm/compiler';
import { KitsuneProcess, type UpdateTimings } from 'kitsune-wasm';
import { buildPlain, runPlain } from './plain.js';
import { buildMigrateVersions, changedUpdate, type ChangedRun } from './migrate.js';
import { runXfProperty, formatSummary } from './xf-property.js';
import { kvBench } from './kv.js';
import { packageBench } from './package.js';
import { playgroundBench } from './playground.js';
import { updatesBench } from './updates.js';
import { goals } from './goals.js';
import { threadsBench } from './threads-bench.js';
import { buildFromFiles } from '../cli/build-files.js';
import { Parts, PartsError } from './parts.js';
import { stats, geomean, ms, range, ratioRange, paired, table, writeReport, type Stats, type Results, type SteadyProgram, type StageKey } from './report.js';

const quick = process.argv.includes('--quick');
const root = new URL('../../', import.meta.url); // from dist/bench/run.js
const programs = new URL('bench/programs/', root);
const outDir = new URL('bench/out/', root);
// --quick writes its report under bench/out/ (not tracked), so that it never replaces the full run's bench/report.md.
const reportDir = quick ? new URL('quick/', outDir) : new URL('bench/', root);

const config = quick
  ? { reps: 5, compute: ['200', '100000'], requests: ['40', '20000'], listwalk: ['1000', '8192'], objects: [1_000, 100_000], updates: 4, changedUpdates: 3, freshBuilds: 1, warmBuilds: 3, memoryObjects: 100_000, memoryUpdates: 100 }
  : { reps: 15, compute: ['500', '100000'], requests: ['100', '20000'], listwalk: ['2500', '8192'], objects: [1_000, 100_000, 1_000_000], updates: 20, changedUpdates: 7, freshBuilds: 3, warmBuilds: 7, memoryObjects: 100_000, memoryUpdates: 100 };

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

interface SteadyCase { name: string; file: string; defines: string[]; args: string[]; instrumented: boolean; label?: string; note?: string }

const cases: SteadyCase[] = [
  { name: 'compute', file: 'compute.c', defines: [], args: config.compute, instrumented: true, label: 'compute kernel' },
  { name: 'requests', file: 'requests.c', defines: [], args: config.requests, instrumented: true, label: 'request loop' },
  { name: 'listwalk', file: 'listwalk.c', defines: [], args: config.listwalk, instrumented: true, label: 'heap walk (list)' },
  { name: 'compute, kernel outlined', file: 'compute.c', defines: ['OUTLINE'], args: config.compute, instrumented: false, note: 'hot loop not instrumented' },
  { name: 'listwalk, walk outlined', file: 'listwalk.c', defines: ['OUTLINE'], args: config.listwalk, instrumented: false, note: 'hot loop not instrumented' },
  // Not an Asyncify comparison (main is instrumented either way): the update point once per round instead of per request.
  { name: 'requests, update point per round', file: 'requests.c', defines: ['POINT_PER_ROUND'], args: config.requests, instrumented: false, note: 'diagnostic' },
];

// The native reference: the same sources with gcc -O2 and the stub kitsune.h, if gcc is there.
const nativeDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kitsune-bench-native-'));
function gccVersion(): string | undefined {
  const r = spawnSync('gcc', ['--version'], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.split('\n')[0].trim() : undefined;
}
function buildNative(file: string, defines: string[], out: string): string {
  const exe = path.join(nativeDir, out);
  const r = spawnSync('gcc', ['-O2', '-DPLAIN', `-I${new URL('plain/', programs).pathname}`, ...defines.map((d) => `-D${d}`), '-o', exe, file], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`gcc -O2 ${file} failed:\n${r.stderr}`);
  return exe;
}
function runNative(exe: string, args: string[]): string {
  const r = spawnSync(exe, args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${exe} exited with ${r.status}: ${r.stderr}`);
  return r.stdout;
}

/** The functions a kitsune build imports from the runtime's libc (the plain build links its own). */
function libcImports(wasm: Uint8Array): string[] {
  return WebAssembly.Module.imports(new WebAssembly.Module(wasm as Uint8Array<ArrayBuffer>))
    .filter((i) => i.kind === 'function' && i.module === 'env' && !i.name.startsWith('__') && !i.name.startsWith('kitsune'))
    .map((i) => i.name);
}

async function buildSteady(c: SteadyCase, gcc: boolean) {
  const text = read(c.file);
  const kitsune = (await build({ sources: [{ path: c.file, text }], optimize: 2, defines: c.defines, name: c.file.replace('.c', '') })).wasm;
  const plain = await buildPlain(text, c.defines);
  const native = gcc ? buildNative(new URL(c.file, programs).pathname, c.defines, `${c.name}${c.defines.join('')}`) : undefined;
  return { kitsune, plain, native };
}

async function steady(built: { kitsune: Uint8Array; plain: Uint8Array; native?: string }[]) {
  const plainModules = await Promise.all(built.map((b) => WebAssembly.compile(b.plain as Uint8Array<ArrayBuffer>)));
  const samples = cases.map(() => ({ kitsune: [] as number[], plain: [] as number[], native: [] as number[], check: '', nativeCheck: '' }));
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
      // The native run last in each round: a process of its own, nothing of it warms the others.
      if (built[i].native) {
        const t = parseTiming(runNative(built[i].native!, c.args), `${c.name} (native)`);
        // Printed floats may differ in the last digit natively: noted, not fatal.
        if (t.check !== samples[i].check) samples[i].nativeCheck = t.check;
        if (rep > 0) samples[i].native.push(t.ms);
      }
    }
  }
  process.stderr.write('\n');
  return cases.map((c, i) => {
    const kitsune = stats(samples[i].kitsune), plain = stats(samples[i].plain);
    const s = samples[i];
    if (s.nativeCheck) console.error(`note: ${c.name}: the native build printed check=${s.nativeCheck}, the Wasm builds ${s.check}`);
    return {
      program: c.name, label: c.label, note: c.note, libcImports: libcImports(built[i].kitsune), hotLoopInstrumented: c.instrumented, args: c.args, kitsune, plain,
      ...(s.native.length ? { native: stats(s.native), plainOverNative: paired(s.plain, s.native), kitsuneOverNative: paired(s.kitsune, s.native), nativeCheckDiffers: !!s.nativeCheck } : {}),
      ratio: kitsune.median / plain.median, ratioStats: paired(s.kitsune, s.plain),
    };
  });
}

// ---- 2. update pause ---------------------------------------------------------

const STAGES = ['wait', 'unwind', 'load', 'migrate', 'untilCommit', 'pause'] as const satisfies (keyof UpdateTimings)[];
type StageSample = Partial<UpdateTimings> & { mainAndCommit?: number };
const withRest = (t: Partial<UpdateTimings>): StageSample => ({ ...t, mainAndCommit: (t.untilCommit ?? NaN) - (t.load ?? 0) - (t.migrate ?? 0) });
const stageStats = (ts: StageSample[]) => Object.fromEntries([...STAGES, 'mainAndCommit'].map((s) => [s, stats(ts.map((t) => t[s as StageKey] ?? NaN))])) as Record<StageKey, Stats>;
/** What untilCommit holds besides load and migrate: the new main up to its update point, and the commit. */
const REST = 'mainAndCommit' as const;

async function pauses(v1: Uint8Array, v2: Uint8Array, n: number) {
  const run = await startKitsune(v1, [String(n)]);
  try {
    await until(() => run.out.includes(`ready: ${n} objects`), `v1 to allocate ${n} objects`);
    const timings: StageSample[] = [];
    for (let i = 0; i < config.updates; i++) {
      const r = await run.proc.update(i % 2 ? v1 : v2, { timeoutMs: 10_000 });
      if (r.outcome !== 'committed') throw new Error(`update ${i + 1} with N=${n}: ${r.outcome} at ${r.stage}: ${r.reason}`);
      timings.push(withRest(r.timings));
      // The new version prints what it found on the heap before it goes on.
      await until(() => (run.out.match(/took over: \d+ objects/g) ?? []).length > i, `update ${i + 1} to take over`);
      const found = [...run.out.matchAll(/took over: (\d+) objects/g)].map((m) => Number(m[1]));
      if (found[i] !== n) throw new Error(`update ${i + 1}: the new version found ${found[i]} objects, expected ${n}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    return { n, updates: timings.length, stages: stageStats(timings) };
  } finally {
    await run.proc.kill();
  }
}

// ---- 2b. update pause with types changed -------------------------------------

async function changedPauses(v1: Uint8Array, v2: Uint8Array, n: number) {
  const runs: ChangedRun[] = [];
  for (let i = 0; i < config.changedUpdates; i++) {
    process.stderr.write(`\rupdate pause, types changed: N=${n}, update ${i + 1}/${config.changedUpdates}`);
    runs.push(await changedUpdate(v1, v2, n));
  }
  process.stderr.write('\n');
  const col = (f: (r: ChangedRun) => number) => stats(runs.map(f));
  return {
    n, updates: runs.length, stages: stageStats(runs.map((r) => withRest(r.timings))),
    memcpy: col((r) => r.memcpy), byHand: col((r) => r.byHand),
    migrateOverMemcpy: col((r) => r.migrate / r.memcpy), migrateOverByHand: col((r) => r.migrate / r.byHand),
    nsPerObject: col((r) => (r.migrate * 1e6) / n), movedObjects: runs[0]?.movedObjects,
    memory: { before: runs[0]?.memoryBefore, after: runs[0]?.memoryAfter },
    runs,
  };
}

// ---- 3. build time -----------------------------------------------------------

const KV_V1 = new URL('demos/kv/v1.c', root).pathname, KV_V2 = new URL('demos/kv/v2.c', root).pathname;

/** First build in a fresh process: a child node that imports the compiler and builds once. */
function freshBuild(): { wall: number; importCompiler: number; build: number } {
  const buildFiles = new URL('dist/cli/build-files.js', root).href;
  const script = `
    const t0 = performance.now();
    const { buildFromFiles } = await import(${JSON.stringify(buildFiles)});
    const t1 = performance.now();
    console.log = console.error; // @yowasp/clang announces its first load
    await buildFromFiles([${JSON.stringify(KV_V1)}], { out: 'kv1.wasm' }, () => {});
    const t2 = performance.now();
    process.stdout.write(JSON.stringify({ importCompiler: t1 - t0, build: t2 - t1 }));`;
  const t = performance.now();
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: new URL('.', root).pathname, encoding: 'utf8' });
  const wall = performance.now() - t;
  if (r.status !== 0) throw new Error(`fresh build failed (${r.status}):\n${r.stderr}`);
  return { wall, ...JSON.parse(r.stdout) };
}

async function buildTimes() {
  const fresh = [];
  for (let i = 0; i < config.freshBuilds; i++) {
    process.stderr.write(`build time: fresh process ${i + 1}/${config.freshBuilds}...\n`);
    fresh.push(freshBuild());
  }
  // As `kitsune dev` does on a save: the next version --from the running one, same process.
  const v1 = await buildFromFiles([KV_V1], { out: 'kv1.wasm' }, () => {});
  const warm: number[] = [];
  for (let i = 0; i < config.warmBuilds; i++) {
    const t = performance.now();
    await buildFromFiles([KV_V2], { out: 'kv2.wasm', from: '' }, () => {}, v1.wasm);
    warm.push(performance.now() - t);
  }
  return {
    program: 'demos/kv/v1.c (fresh), demos/kv/v2.c --from v1 (warm)',
    fresh: { wall: stats(fresh.map((f) => f.wall)), importCompiler: stats(fresh.map((f) => f.importCompiler)), build: stats(fresh.map((f) => f.build)) },
    warm: stats(warm),
  };
}

// ---- 4. memory across 100 updates ---------------------------------------------

async function memoryBench(v1: Uint8Array, v2: Uint8Array) {
  const n = config.memoryObjects, updates = config.memoryUpdates;
  const run = await startKitsune(v1, [String(n)]);
  const snap = () => ({ wasmBytes: run.proc.memoryBytes(), rss: process.memoryUsage().rss, heapUsed: process.memoryUsage().heapUsed });
  try {
    await until(() => run.out.includes(`ready: ${n} objects`), `v1 to allocate ${n} objects`);
    const before = snap();
    const pause: number[] = [];
    const wasmBytes: number[] = [before.wasmBytes]; // after each update
    for (let i = 0; i < updates; i++) {
      if (i % 10 === 0) process.stderr.write(`\rmemory: update ${i + 1}/${updates}`);
      const r = await run.proc.update(i % 2 ? v1 : v2, { timeoutMs: 10_000 });
      if (r.outcome !== 'committed') throw new Error(`memory bench, update ${i + 1}: ${r.outcome} at ${r.stage}: ${r.reason}`);
      pause.push(r.timings.pause!);
      await until(() => (run.out.match(/took over: \d+ objects/g) ?? []).length > i, `update ${i + 1} to take over`);
      wasmBytes.push(run.proc.memoryBytes());
    }
    process.stderr.write('\n');
    const found = [...run.out.matchAll(/took over: (\d+) objects/g)].map((m) => Number(m[1]));
    if (found[updates - 1] !== n) throw new Error(`memory bench: after ${updates} updates the program found ${found[updates - 1]} objects, expected ${n}`);
    return { objects: n, updates, before, after: snap(), pause: stats(pause), wasmBytes };
  } finally {
    await run.proc.kill();
  }
}

// ---- main ------------------------------------------------------------------

async function main() {
  if (!fs.existsSync(new URL('runtime/runtime.wasm', root))) {
    throw new Error('runtime/runtime.wasm is missing: run `npm run build` first (or `npm run bench`, which does)');
  }
  // `--only PART[,PART]` measures those parts and merges them into reportDir's report.json (bench/parts.ts).
  const parts = Parts.fromArgs(process.argv, new URL('report.json', reportDir));
  const machine = { cpu: os.cpus()[0]?.model ?? 'unknown', cores: os.cpus().length, os: `${os.type()} ${os.release()} ${os.arch()}`, node: process.version, date: new Date().toISOString(), memoryGB: Math.round(os.totalmem() / 2 ** 30), loadavg: { start: os.loadavg(), end: [] as number[] } };
  const gcc = gccVersion();
  const native = gcc
    ? { available: true, compiler: gcc, note: `${gcc}, -O2` }
    : { available: false, note: 'gcc not installed; native reference skipped' };
  console.log(`kitsune-wasm benchmark${quick ? ' (--quick)' : ''}${parts.only ? `, only ${[...parts.only].join(', ')} (the other parts from the saved results)` : ''}`);
  console.log(`machine: ${machine.cpu}, ${machine.cores} cores, ${machine.os}; Node ${machine.node}; ${machine.date}`);
  console.log(`work: compute ${config.compute[0]} rounds of ${config.compute[1]} iterations; requests ${config.requests[0]} rounds of ${config.requests[1]} requests; listwalk ${config.listwalk[0]} walks of ${config.listwalk[1]} nodes; V8 ${process.execArgv.includes('--no-liftoff') ? '--no-liftoff' : 'default tiers'}`);
  console.log(`native reference: ${native.note}`);

  const started = Date.now();
  const sections: Record<string, number> = {};
  let lapAt = Date.now();
  const lap = (name: string) => { sections[name] = (Date.now() - lapAt) / 1000; lapAt = Date.now(); };
  // The main thread's V8 heap at its largest, sampled (V8 keeps no peak of its own).
  let heapPeak = 0;
  const sampleHeap = () => { heapPeak = Math.max(heapPeak, v8.getHeapStatistics().used_heap_size); };
  const sampler = setInterval(sampleHeap, 100);
  sampler.unref();
  process.stderr.write('building the programs (kitsune build -O2, plain clang -O2, native gcc -O2)...\n');
  const built: Awaited<ReturnType<typeof buildSteady>>[] = [];
  if (parts.wants('steady')) for (const c of cases) built.push(await buildSteady(c, !!gcc));
  const objects = read('objects.c');
  const v1 = (await build({ sources: [{ path: 'objects.c', text: objects }], optimize: 2, defines: ['VERSION=1'], name: 'objects' })).wasm;
  const v2 = (await build({ sources: [{ path: 'objects.c', text: objects }], optimize: 2, defines: ['VERSION=2'], from: v1 })).wasm;
  const mig = await buildMigrateVersions(programs);
  const kvNative = gcc ? buildNative(KV_V1, [], 'kv') : undefined;
  const buildSeconds = (Date.now() - started) / 1000;
  lap('builds');
  const buildTime = await parts.run('build', buildTimes, (r) => r.build);
  lap('build time');

  // V8 has no on-stack replacement for Wasm: a loop in a function entered once
  // (main) would stay in the baseline tier (Liftoff) for the whole run, so what
  // is measured is compiled with the optimizing tier only, both variants alike.
  // The flag is given to node at start (package.json): set later, with
  // v8.setFlagsFromString, it crashed the run once (V8 leaves that undefined).
  if (!process.execArgv.includes('--no-liftoff')) console.error('note: run with node --no-liftoff (npm run bench does): Wasm main loops stay in V8\'s baseline tier without it');

  const steadyRows = await parts.run('steady', () => steady(built), (r) => r.steady as Awaited<ReturnType<typeof steady>>);
  lap('steady state');
  const inMain = steadyRows.filter((r) => r.hotLoopInstrumented);
  console.log(`\n1. Steady-state overhead: time of the hot loop as the program measures it, ms (min / median / max of ${config.reps} runs each, alternated)`);
  console.log(table(['program', 'kitsune', 'plain', ...(gcc ? ['native gcc -O2'] : []), 'kitsune/plain per round'], steadyRows.map((r) => [
    `${r.program}${r.hotLoopInstrumented ? ' (hot loop in main, instrumented)' : ` (${r.note})`}`,
    range(r.kitsune), range(r.plain), ...(gcc ? [r.native ? range(r.native) : '-'] : []), ratioRange(r.ratioStats),
  ])));

  // Asyncify's cost: the same loop inside main (on the update path) and outside it.
  const asyncifyRows = inMain.flatMap((r) => {
    const out = steadyRows.find((o) => o.note === 'hot loop not instrumented' && o.program.startsWith(r.program));
    if (!out) return [];
    const kitsune = r.kitsune.median / out.kitsune.median, plain = r.plain.median / out.plain.median;
    return [{ program: r.program, kitsuneInOverOut: kitsune, plainInOverOut: plain, asyncifyCost: kitsune / plain }];
  });
  console.log('\nAsyncify (the one unwinding mechanism the driver has): hot loop in main (instrumented) vs in a noinline function (not), ratio of medians');
  console.log(table(['program', 'kitsune in/out', 'plain in/out', 'cost (kitsune ÷ plain - 1)'], asyncifyRows.map((r) => [
    r.program, r.kitsuneInOverOut.toFixed(3), r.plainInOverOut.toFixed(3), `${((r.asyncifyCost - 1) * 100).toFixed(1)}%`,
  ])));
  console.log('Asyncify adds code around calls that may unwind, none inside a loop without such calls; a negative cost means the outlined loop was the slower one.');

  // 2. Update pause, types unchanged and changed, alternating per heap size.
  const pauseRows = parts.wants('pause') ? [] : parts.prior('pause', (r) => r.pause);
  const changedRows = parts.wants('migrate') ? [] : parts.prior('migrate', (r) => r.pauseChanged as Awaited<ReturnType<typeof changedPauses>>[]);
  for (const n of config.objects) {
    if (parts.wants('pause')) process.stderr.write(`update pause, types unchanged: N=${n}...\n`);
    if (parts.wants('pause')) pauseRows.push(await parts.measure('pause', () => pauses(v1, v2, n)));
    if (parts.wants('migrate')) changedRows.push(await parts.measure('migrate', () => changedPauses(mig.v1, mig.v2, n)));
  }
  lap('update pause');
  const columns = [...STAGES.slice(0, 4), REST, ...STAGES.slice(4)] as const;
  const pauseTable = (rows: { n: number; stages: Record<StageKey, Stats> }[]) => table(['N', ...columns], rows.map((r) => [r.n.toLocaleString('en-US'), ...columns.map((s) => range(r.stages[s]))]));
  console.log(`\n2. Update pause by stage, ms (min / median / max of ${config.updates} updates, v1->v2 and v2->v1 alternated; N heap objects, types unchanged)`);
  console.log(pauseTable(pauseRows));
  console.log(`\nTypes changed (the list node gains a field; ${config.changedUpdates} updates v1->v2 per N, each in a fresh process)`);
  console.log(pauseTable(changedRows));
  console.log(`${REST} = untilCommit - load - migrate: the new main up to its update point, then the commit; pause = from the unwind until the program runs on`);
  // Migration throughput: the most changed objects against plain copies of the same bytes.
  const big = changedRows[changedRows.length - 1];
  console.log(`\nMigration of ${big.n.toLocaleString('en-US')} changed objects (median of ${big.updates} runs, baselines timed after the commit in the same process):`);
  console.log(table(['generated migration', 'memcpy of the bytes', 'hand-written copy', 'migration / memcpy', 'migration / by hand', 'update pause'],
    [[`${ms(big.stages.migrate.median)} ms`, `${ms(big.memcpy.median)} ms`, `${ms(big.byHand.median)} ms`, big.migrateOverMemcpy.median.toFixed(1), big.migrateOverByHand.median.toFixed(2), `${ms(big.stages.pause.median)} ms`]]));
  console.log('the generated migration also keeps an old->new address map (sharing, cycles) and leaves the old heap intact until commit');

  const memory = await parts.run('memory', () => memoryBench(v1, v2), (r) => r.memory as Awaited<ReturnType<typeof memoryBench>>);
  lap('memory');
  console.log(`\nMemory across ${memory.updates} updates (${memory.objects.toLocaleString('en-US')} objects): Wasm memory ${(memory.before.wasmBytes / 2 ** 20).toFixed(1)} -> ${(memory.after.wasmBytes / 2 ** 20).toFixed(1)} MiB, process RSS ${(memory.before.rss / 2 ** 20).toFixed(1)} -> ${(memory.after.rss / 2 ** 20).toFixed(1)} MiB; pause ${range(memory.pause)} ms`);

  // The migration generator against a TypeScript oracle, thousands of random cases.
  const xf = parts.wants('xf') ? await parts.measure('xf', () => runXfProperty({ cases: quick ? 200 : 3000, log: (l) => console.error(l) })) : undefined;
  if (xf) console.log(`\nState transformation property: random struct evolutions over random heaps (sharing, cycles) vs a TypeScript oracle\n${formatSummary(xf)}`);
  lap('xf property');
  // The kv demo: throughput with and without Kitsune (and native), client-visible pause, update vs restart.
  const kv = await parts.run('kv', () => kvBench(quick, console.log, { native: kvNative }), (r) => r.kv);
  lap('kv');
  // The playground in headless Chromium: page open -> first program, toolchain downloaded and cached; Build & update per lesson.
  const playground = await parts.optional('playground', () => playgroundBench(quick, console.log), (r) => r.playground);
  lap('playground');
  const kvRatio = paired(kv.rps.plain, kv.rps.kitsune); // time per request, kitsune / plain
  // The package as users install it, and a page bundled from it (bench/package.ts).
  const pkg = await parts.optional('package', () => packageBench(quick, console.log), (r) => r.package);
  lap('package');
  // 10,000 updates back and forth in one process (1,000 with --quick): the pause and the memory must stay flat.
  if (parts.wants('endurance')) console.log(`\nEndurance: ${quick ? '1,000' : '10,000'} updates back and forth, state checked after each`);
  const endurance = await parts.optional('endurance', () => updatesBench(quick, console.log), (r) => r.endurance);
  if (endurance) console.log(`all ${endurance.updates} committed in ${endurance.seconds.toFixed(0)} s; median pause of the first ${endurance.updates / 10 < 1000 ? 'tenth' : '1,000'} ${ms(endurance.first)} ms, of the last ${ms(endurance.last)} ms (x${endurance.ratio.toFixed(2)}); Wasm memory ${(endurance.memory[0]!.wasm / 2 ** 20).toFixed(1)} -> ${(endurance.memory.at(-1)!.wasm / 2 ** 20).toFixed(1)} MiB`);
  lap('endurance');
  // Threads: the update pause against their number, and the thread-pool server with Kitsune, without and native.
  const threads = await parts.optional('threads', () => threadsBench(quick, console.log, { gcc: !!gcc }), (r) => r.threads);
  lap('threads');
  console.log(`\nBuild time (${buildTime.program}): first build in a fresh process ${range(stats(buildTime.fresh.wall.samples.map((x) => x / 1e3)))} s (of it the build ${range(stats(buildTime.fresh.build.samples.map((x) => x / 1e3)))} s); warm rebuild --from ${range(stats(buildTime.warm.samples.map((x) => x / 1e3)))} s`);

  // The four programs of the steady-state figure: kitsune/plain per round.
  const steadyPrograms: SteadyProgram[] = [
    ...inMain.map((r) => ({
      program: r.label ?? r.program, measure: 'in-program timer', ratio: r.ratioStats,
      ...(r.plainOverNative ? { plainOverNative: r.plainOverNative, kitsuneOverNative: r.kitsuneOverNative } : {}),
    })),
    {
      program: 'kv server', measure: 'clients, requests/s', ratio: kvRatio,
      ...(kv.rps.native ? { plainOverNative: paired(kv.rps.native, kv.rps.plain), kitsuneOverNative: paired(kv.rps.native, kv.rps.kitsune) } : {}),
    },
  ];
  const geo = geomean(steadyPrograms.map((p) => p.ratio.median));
  console.log(`\nSteady state, kitsune/plain per round (min / median / max): ${steadyPrograms.map((p) => `${p.program} ${ratioRange(p.ratio)}`).join('; ')}`);
  console.log(`geometric mean of the medians over the ${steadyPrograms.length} programs: ${geo.toFixed(3)}`);

  const totalSeconds = (Date.now() - started) / 1000;
  machine.loadavg.end = os.loadavg();
  console.log(`\nbuilds ${buildSeconds.toFixed(1)} s, whole run ${totalSeconds.toFixed(1)} s (${Object.entries(sections).map(([k, v]) => `${k} ${v.toFixed(1)} s`).join(', ')}); load average ${machine.loadavg.start[0].toFixed(2)} at start, ${machine.loadavg.end[0].toFixed(2)} at end`);
  sampleHeap();
  clearInterval(sampler);
  const results = {
    machine, quick, v8Flags: [...process.execArgv], config, native,
    steadyPrograms, steadyGeomean: geo, steady: steadyRows, asyncify: asyncifyRows,
    pause: pauseRows, pauseChanged: changedRows,
    migrate: { n: big.n, runs: big.runs.map((r) => ({ migrate: r.migrate, pause: r.pause, memcpy: r.memcpy, byHand: r.byHand })) },
    xfProperty: xf ? { cases: xf.cases, failures: xf.failures.length, seconds: xf.millis.total / 1000 } : parts.prior('xf', (r) => r.xfProperty), kv, package: pkg, playground, endurance,
    build: buildTime, threads,
    memory: { ...memory, peak: { maxRSS: process.resourceUsage().maxRSS * 1024, heapPeak } },
    seconds: { build: buildSeconds, total: totalSeconds, sections },
  } satisfies Results;
  console.log('\nGoals (median of the repeated runs, 95% bootstrap interval; a verdict only when the interval is on one side):');
  console.log(table(['measure', 'goal', 'this run (interval)', 'verdict'], goals(results).map((g) => [
    g.measure, g.goal, g.value ? `${g.value.estimate.toFixed(3)} (${g.value.lo.toFixed(3)} to ${g.value.hi.toFixed(3)})` : '-', g.verdict,
  ])));
  fs.mkdirSync(outDir, { recursive: true });
  const file = new URL('results.json', outDir);
  const merged = parts.finish(results);
  fs.writeFileSync(file, JSON.stringify(merged, null, 2) + '\n');
  fs.mkdirSync(reportDir, { recursive: true });
  const written = writeReport(merged, reportDir);
  console.log(`results: ${file.pathname}; report: ${written.join(', ')}`);
}

main().then(() => {
  fs.rmSync(nativeDir, { recursive: true, force: true });
  process.exit(0);
}, (e) => {
  console.error(e instanceof PartsError ? e.message : e instanceof Error ? e.stack ?? e.message : e);
  fs.rmSync(nativeDir, { recursive: true, force: true });
  process.exit(1);
});

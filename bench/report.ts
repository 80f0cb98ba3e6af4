// The benchmark's report: bench/report.md, bench/report.json and the figures
// beside them (bench/report-*.svg), from the results `bench/run.ts` measured.
// Also the statistics and table helpers the benchmark prints with.
import type { PlaygroundBench } from './playground.js';
import type { UpdatesResults } from './updates.js';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { barChart, lineChart, stackedBars, type Spread } from './figures.js';
import { threadsSection, type ThreadsResults } from './threads-report.js';
import { goals } from './goals.js';
import { goalsFigure, partsTable, type PartRun } from './goals-report.js';
export type { PartRun } from './goals-report.js';

// ---- statistics and tables -------------------------------------------------

export interface Stats { min: number; median: number; max: number; samples: number[] }

export function stats(samples: number[]): Stats {
  const s = [...samples].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return { min: s[0], median: s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2, max: s[s.length - 1], samples };
}

export const geomean = (xs: number[]) => Math.exp(xs.reduce((a, x) => a + Math.log(x), 0) / xs.length);
export const ms = (x: number) => x.toFixed(x < 10 ? 2 : 1);
export const range = (s: Stats) => `${ms(s.min)} / ${ms(s.median)} / ${ms(s.max)}`;
const rfix = (x: number) => x.toFixed(x >= 100 ? 0 : x >= 10 ? 1 : 3);
export const ratioRange = (s: Stats) => `${rfix(s.min)} / ${rfix(s.median)} / ${rfix(s.max)}`;
/** Per-run ratios a[i]/b[i] of runs made side by side. */
export const paired = (a: number[], b: number[]) => stats(a.map((x, i) => x / b[i]));

export function table(head: string[], rows: string[][]): string {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (r: string[]) => r.map((c, i) => (i ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join('  ');
  return [line(head), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

// ---- the results -----------------------------------------------------------

export const STAGE_KEYS = ['wait', 'unwind', 'load', 'migrate', 'mainAndCommit', 'untilCommit', 'pause'] as const;
export type StageKey = (typeof STAGE_KEYS)[number];

export interface SteadyProgram {
  program: string;
  /** How it is timed. */
  measure: string;
  /** kitsune/plain, time per unit of work, one ratio per alternated round. */
  ratio: Stats;
  /** plain Wasm / native and kitsune / native, when gcc is there. */
  plainOverNative?: Stats;
  kitsuneOverNative?: Stats;
}

export interface PauseRow { n: number; updates: number; stages: Record<StageKey, Stats> }

/** bench/package.ts: the package as installed, and a page bundled from it. */
export interface PackageResults {
  tarball: { bytes: number; files: number };
  installed: { bytes: number; kitsune: number; clang: number; binaryen: number; packages: number };
  installSeconds: number;
  page: {
    visits: number;
    cold: { firstRun: Stats; built: Stats; served: Stats };
    cached: { firstRun: Stats; built: Stats; served: Stats };
  };
}

export interface Results {
  machine: { cpu: string; cores: number; os: string; node: string; date: string; memoryGB?: number; loadavg?: { start: number[]; end: number[] } };
  quick: boolean;
  v8Flags: string[];
  config: Record<string, unknown>;
  native: { available: boolean; compiler?: string; note: string };
  steadyPrograms: SteadyProgram[];
  steadyGeomean: number;
  steady: { program: string; label?: string; note?: string; libcImports?: string[]; hotLoopInstrumented: boolean; args: string[]; kitsune: Stats; plain: Stats; native?: Stats; ratio: number; ratioStats: Stats }[];
  asyncify: { program: string; kitsuneInOverOut: number; plainInOverOut: number; asyncifyCost: number }[];
  pause: PauseRow[];
  pauseChanged: (PauseRow & { memcpy: Stats; byHand: Stats; migrateOverMemcpy: Stats; migrateOverByHand: Stats; nsPerObject: Stats })[];
  migrate: { n: number; runs: { migrate: number; pause: number; memcpy: number; byHand: number }[] };
  xfProperty: { cases: number; failures: number; seconds: number };
  kv: {
    config: { connections: number; seconds: number; rounds: number; updates: number; keys: number[]; reloadReps: number };
    rps: { kitsune: number[]; plain: number[]; native?: number[] }; rpsRatio: number;
    maxWait: { calm: number; updating: number }; pauses: number[]; updateFailures: number; wrong: number; dropped: number;
    reload: { keys: number; update: { pause: number; answered: number }; restart: { answered: number; load: number }; ratio: number }[];
  };
  build: { program: string; fresh: { wall: Stats; importCompiler: Stats; build: Stats }; warm: Stats };
  /** bench/playground.ts (absent from reports written before it existed). */
  playground?: PlaygroundBench;
  memory: {
    objects: number; updates: number;
    before: { wasmBytes: number; rss: number; heapUsed: number };
    after: { wasmBytes: number; rss: number; heapUsed: number };
    pause: Stats;
    /** The Wasm memory's size before the first update and after each one. */
    wasmBytes?: number[];
    peak: { maxRSS: number; heapPeak: number };
  };
  seconds: { build: number; total: number; sections?: Record<string, number> };
  /** The package as installed and in a page (bench/package.ts); absent in reports from before it. */
  package?: PackageResults;
  /** bench/updates.ts: 10,000 updates in one process; `separateRun` when merged in from a run of its own. */
  endurance?: UpdatesResults & { separateRun?: string };
  /** When each part ran and under which load (bench/parts.ts); absent in reports from before it. */
  parts?: Partial<Record<string, PartRun>>;
  /** bench/threads-bench.ts; absent in reports from before it. */
  threads?: ThreadsResults;
}

// ---- writing -----------------------------------------------------------------

const MB = (b: number) => `${(b / 2 ** 20).toFixed(1)} MiB`;
const pct = (r: number) => `${r >= 1 ? '+' : ''}${((r - 1) * 100).toFixed(1)}%`;
const spread = (s: Stats): Spread => ({ median: s.median, min: s.min, max: s.max });
const n3 = (n: number) => n.toLocaleString('en-US');
const fence = (s: string) => '```\n' + s + '\n```';

/** Why a program's overhead is above 1%, from what this run measured. */
function whyOver(p: SteadyProgram, r: Results): string {
  const parts: string[] = [];
  if (p.ratio.min <= 1.0 && p.ratio.max >= 1.0) parts.push(`the paired ratios spread from ${p.ratio.min.toFixed(3)} to ${p.ratio.max.toFixed(3)}, across 1.0: this run cannot tell the difference from noise`);
  else parts.push(`every round was slower (paired ratios ${p.ratio.min.toFixed(3)} to ${p.ratio.max.toFixed(3)})`);
  const row = r.steady.find((s) => s.hotLoopInstrumented && s.label === p.program);
  const a = row && r.asyncify.find((x) => x.program === row.program);
  if (a) {
    const outlined = r.steady.find((s) => s.note === 'hot loop not instrumented' && s.program.startsWith(a.program));
    parts.push(`with the loop moved out of main, where Asyncify does not touch it, kitsune/plain is ${outlined ? outlined.ratioStats.median.toFixed(3) : '?'}, and Asyncify's own cost ((kitsune in/out) ÷ (plain in/out)) is ${pct(a.asyncifyCost)}; ` +
      (a.asyncifyCost <= 1.01
        ? 'so the excess does not come from the unwinding instrumentation but from how the kitsune build differs otherwise: a position-independent side module (globals addressed from __memory_base and through the GOT, indirect calls through the shared table), the runtime\'s allocator in place of wasi-libc\'s (a different heap layout), and a worker thread; this benchmark does not separate those'
        : 'so part of the excess is the instrumentation of the calls main makes'));
  }
  if (p.program === 'request loop') {
    const perRound = r.steady.find((s) => s.program === 'requests, update point per round');
    const imports = row?.libcImports ?? [];
    parts.push('the update point sits in the innermost loop, once per request (a few tens of ns of work each); idle it is a load and a branch' +
      (perRound ? `, and moving it out to once per 20,000 requests leaves kitsune/plain at ${perRound.ratioStats.median.toFixed(3)} (${perRound.ratioStats.min.toFixed(3)} to ${perRound.ratioStats.max.toFixed(3)}): ${perRound.ratioStats.median > 1.01 ? 'the per-request update point is not what costs' : 'the per-request update point is what costs'}` : '') +
      (imports.includes('strlen') && imports.includes('memcmp') ? '; besides, the kitsune build calls libc in the shared runtime module, so the strlen and memcmp of every key lookup are imports (calls across instances, never inlined) where the plain build links its own copies' : ''));
  }
  if (p.program === 'kv server') parts.push('both variants run on the same runtime and host (the other one has the update point and the migration calls compiled away); what differs is one update-point check per event-loop iteration and Asyncify\'s checks after the calls main makes, small against a poll() and socket I/O through the host per iteration, so a difference of a few percent at this spread is within the round-to-round variation of a client-driven measurement');
  return parts.join('; ');
}

export function writeReport(r: Results, dir: URL): string[] {
  const files: string[] = [];
  const shown = (name: string) => path.relative(process.cwd(), fileURLToPath(new URL(name, dir)));
  const svg = (name: string, content: string) => {
    fs.writeFileSync(new URL(`report-${name}.svg`, dir), content + '\n');
    files.push(shown(`report-${name}.svg`));
    return `report-${name}.svg`;
  };
  const md: string[] = [];
  const m = r.machine;
  md.push(`# kitsune-wasm benchmark report${r.quick ? ' (--quick)' : ''}`, '',
    `- machine: ${m.cpu}, ${m.cores} cores${m.memoryGB ? `, ${m.memoryGB} GB` : ''}, ${m.os}`,
    `- Node ${m.node}; V8 flags for the whole run: ${r.v8Flags.join(' ') || 'none'}`,
    `- date: ${m.date}`,
    `- command: \`npm run bench${r.quick ? ' -- --quick' : ''}\` (builds ${r.seconds.build.toFixed(1)} s, whole run ${r.seconds.total.toFixed(1)} s${r.seconds.sections ? `: ${Object.entries(r.seconds.sections).map(([k, v]) => `${k} ${v.toFixed(1)} s`).join(', ')}` : ''})`,
    `- native reference: ${r.native.note}`,
    ...(m.loadavg ? [`- load average (1 min) at start ${m.loadavg.start[0].toFixed(2)}, at end ${m.loadavg.end[0].toFixed(2)}`] : []),
    ...(m.loadavg && Math.max(m.loadavg.start[0], m.loadavg.end[0]) > m.cores * 0.5 ? ['', `> **The machine was busy while this ran** (load average above half its ${m.cores} cores, other processes competing): the steady-state ratios in particular are less reliable than their whiskers suggest. Rerun on an idle machine for numbers to quote.`] : []),
    '', 'Every figure is measured in this one process run; variants are alternated round by round, and each value is shown as min, median and max over the repeated runs (ratios are taken per round, between runs made side by side). Raw numbers: [report.json](report.json).', '');

  // ---- the goals
  const fmt = (x: number) => (Math.abs(x) >= 100 ? x.toFixed(0) : Math.abs(x) >= 10 ? x.toFixed(1) : x.toFixed(3));
  md.push('## Goals', '',
    'Each measure is the median of its repeated runs (ratios per round, between runs made side by side), with a 95% interval bootstrapped over those runs: "met" or "missed" only when the whole interval lies on one side of the goal.', '',
    '| measure | goal | this run (95% interval, runs) | verdict |', '|---|---|---|---|',
    ...goals(r).map((g) => `| ${g.measure}${g.note ? ` <br><small>${g.note}</small>` : ''} | ${g.goal} | ${g.value ? (g.measure.includes('interval') ? `±${(g.value.estimate * 100).toFixed(1)}%` : `${fmt(g.value.estimate)} (${fmt(g.value.lo)} to ${fmt(g.value.hi)}, ${g.value.n})`) : '-'} | ${g.verdict} |`), '',
    `![the goals](${svg('goals', goalsFigure(goals(r)))})`, '', ...partsTable(r.parts, r.machine.cores));

  // ---- 1. steady state
  const sp = r.steadyPrograms;
  md.push('## 1. Steady-state overhead', '',
    'Each program is built twice from the same source: plain (clang -O2 for wasm32-wasip1, update points compiled away by a stub `kitsune.h`, run by node:wasi) and with Kitsune (`kitsune build`, -O2, position-independent side module with Asyncify on the update path, run by `KitsuneProcess`). The compute kernel, the request loop and the list walk time their hot loop inside the program (instantiation excluded); the kv server is measured by its clients as requests per second (there the "plain" variant is the same source with the Kitsune calls compiled away, on the same runtime, since node:wasi has no sockets). The goal is overhead at most 1% (ratio ≤ 1.01).', '');
  const minRatio = (p: SteadyProgram) => {
    const s = r.steady.find((x) => x.hotLoopInstrumented && x.label === p.program);
    return s ? (s.kitsune.min / s.plain.min).toFixed(3) : p.program === 'kv server' ? (Math.max(...r.kv.rps.plain) / Math.max(...r.kv.rps.kitsune)).toFixed(3) : '-';
  };
  md.push(fence(table(['program', 'measured by', 'kitsune/plain (min / median / max)', 'overhead (median)', 'best run ÷ best run', 'goal ≤ 1%'], sp.map((p) => [
    p.program, p.measure, ratioRange(p.ratio), pct(p.ratio.median), minRatio(p), p.ratio.median <= 1.01 ? 'met' : 'MISSED',
  ]))));
  md.push('', '"best run ÷ best run" is the fastest kitsune run over the fastest plain run, the estimate least disturbed by other load.');
  md.push('', `Geometric mean of the medians over the ${sp.length} programs: **${r.steadyGeomean.toFixed(3)}** (${pct(r.steadyGeomean)}).`, '');
  const fig1 = svg('steady', barChart({
    title: 'Steady-state cost: Kitsune build vs plain clang -O2 build',
    subtitle: `time per unit of work, kitsune ÷ plain, ${r.steady[0]?.kitsune.samples.length ?? 0} alternated rounds (kv: ${r.kv.rps.kitsune.length})`,
    xLabel: 'program', yLabel: 'ratio kitsune / plain (lower is better)', series: ['kitsune / plain'],
    groups: [...sp.map((p) => ({ label: p.program, values: [spread(p.ratio)] })), { label: 'geometric mean', values: [r.steadyGeomean] }],
    yMin: Math.min(0.8, ...sp.map((p) => p.ratio.min - 0.02)),
    refs: [{ value: 1, label: 'no overhead' }, { value: 1.01, label: 'goal: 1%', dashed: true }],
  }));
  md.push(`![steady-state ratios](${fig1})`, '');
  const missed = sp.filter((p) => p.ratio.median > 1.01);
  if (missed.length) {
    md.push('**Where the goal is missed, and why:**', '');
    for (const p of missed) md.push(`- ${p.program}: ${pct(p.ratio.median)}. ${whyOver(p, r)}.`);
    md.push('');
  }
  md.push('All builds, hot-loop times in ms (min / median / max):', '');
  md.push(fence(table(['program', 'kitsune', 'plain', ...(r.native.available ? ['native gcc -O2'] : []), 'kitsune/plain per round'], r.steady.map((s) => [
    `${s.program}${s.hotLoopInstrumented ? '' : ` (${s.note ?? 'not instrumented'})`}`, range(s.kitsune), range(s.plain), ...(r.native.available ? [s.native ? range(s.native) : '-'] : []), ratioRange(s.ratioStats),
  ]))));
  md.push('', `kv server: requests/s with Kitsune ${Math.round(stats(r.kv.rps.kitsune).median)}, without ${Math.round(stats(r.kv.rps.plain).median)}${r.kv.rps.native ? `, native ${Math.round(stats(r.kv.rps.native).median)}` : ''} (medians of ${r.kv.config.rounds} rounds of ${r.kv.config.seconds} s, ${r.kv.config.connections} connections in request-response loops, the clients in a process of their own).`, '');

  md.push('### Native reference (gcc -O2)', '');
  if (r.native.available) {
    md.push(`The same sources built natively with ${r.native.compiler} (-O2, the stub \`kitsune.h\`), run as child processes in the same rounds. This is the limit Wasm itself is measured against, not a goal for Kitsune.`, '');
    md.push(fence(table(['program', 'plain Wasm / native', 'kitsune / native'], sp.filter((p) => p.plainOverNative).map((p) => [p.program, ratioRange(p.plainOverNative!), ratioRange(p.kitsuneOverNative!)]))));
    const fig = svg('native', barChart({
      title: 'Wasm against native code (gcc -O2)', subtitle: 'time per unit of work relative to the native build, per alternated round',
      xLabel: 'program', yLabel: 'ratio to native (lower is better)', series: ['plain Wasm / native', 'kitsune / native'],
      groups: sp.filter((p) => p.plainOverNative).map((p) => ({ label: p.program, values: [spread(p.plainOverNative!), spread(p.kitsuneOverNative!)] })),
      refs: [{ value: 1, label: 'native' }],
    }));
    md.push('', `![Wasm vs native](${fig})`, '');
    if (r.kv.rps.native) md.push(`For the kv server, the native build served ${(stats(r.kv.rps.native).median / stats(r.kv.rps.plain).median).toFixed(1)}× the requests per second of the Wasm build without Kitsune, under the same clients (Node, in this process): the Wasm server's socket calls cross from its worker to the host, the native ones go straight to the kernel.`, '');
  } else md.push(r.native.note, '');

  md.push('### Unwinding alternatives', '',
    'The driver supports one way to unwind the old version\'s stack: Binaryen\'s Asyncify. There is no second mechanism to compare (no stack switching or exception-based unwinding in this driver). What Asyncify costs is measured instead by moving the hot loop out of main (a noinline function, off the update path, so Asyncify leaves it alone) and comparing the two placements in both builds:', '');
  md.push(fence(table(['program', 'kitsune in/out', 'plain in/out', 'Asyncify cost (kitsune ÷ plain - 1)'], r.asyncify.map((a) => [a.program, a.kitsuneInOverOut.toFixed(3), a.plainInOverOut.toFixed(3), pct(a.asyncifyCost)]))));
  md.push('', 'Asyncify adds code around calls that may unwind, and none inside a loop that makes no such call; a negative cost means the outlined loop was the slower one.', '');
  const outlined = r.steady.find((s) => s.program === 'compute, kernel outlined');
  if (outlined && outlined.ratioStats.median > 1.01) {
    md.push(`The outlined compute kernel, which Asyncify does not touch, runs ${pct(outlined.ratioStats.median)} against plain in this run. Its Wasm (disassembled with binaryen, \`emitText\`) is the same in both builds inside the loop; the only difference is position-independent addressing of the two globals it reads before the loop and writes after it (\`global.get $__memory_base\` + offset instead of a constant address), once per call of ${r.steady.find((s) => s.program === 'compute')?.args[1] ?? '100000'} iterations. So the gap is neither Asyncify nor PIC code in the loop; what remains is how V8 compiles and places the two modules' code (one instantiated on the main thread, the other on the program's worker), which this benchmark does not control.`, '');
  }
  const withImports = r.steady.filter((s) => s.hotLoopInstrumented && s.libcImports?.length);
  if (withImports.length) md.push(`libc functions the kitsune builds import from the shared runtime (calls across instances, where the plain builds link their own copy): ${withImports.map((s) => `${s.label ?? s.program}: ${s.libcImports!.join(', ')}`).join('; ')}.`, '');

  // ---- 2. update pause
  md.push('## 2. Update pause by stage against heap size', '',
    `Types unchanged: \`bench/programs/objects.c\` holds N malloc'd objects; ${r.pause[0]?.updates ?? 0} updates per N, v1→v2 and back, in one process. Types changed: \`bench/programs/migrate.c\`, whose list node gains a field in v2 (built \`--from\` v1 with the spec \`${'INIT struct node.weight: ...'}\`), so every node is moved to a block of its new size; ${r.pauseChanged[0]?.updates ?? 0} updates per N, each in a fresh process. Stages: unwind (Asyncify unwinds the old stack), load (instantiate and link the new version), migrate (inside the migration calls), main+commit (the rest until the new version reaches its update point, then the commit); pause = from the unwind until the program runs on (wait, the time until the old version reaches an update point, is not part of the pause).`, '');
  const cols = ['wait', 'unwind', 'load', 'migrate', 'mainAndCommit', 'pause'] as const;
  const pauseTable = (rows: PauseRow[]) => fence(table(['N', ...cols], rows.map((p) => [n3(p.n), ...cols.map((c) => range(p.stages[c]))])));
  md.push('Types unchanged, ms (min / median / max):', '', pauseTable(r.pause), '', 'Types changed, ms (min / median / max):', '', pauseTable(r.pauseChanged), '');
  const flat = r.pause.length > 1 ? r.pause[r.pause.length - 1].stages.pause.median / r.pause[0].stages.pause.median : 1;
  md.push(`With types unchanged the pause does not grow with the heap: the median at ${n3(r.pause[r.pause.length - 1]?.n ?? 0)} objects is ${flat.toFixed(2)}× the one at ${n3(r.pause[0]?.n ?? 0)} (nothing on the heap is visited; the globals are copied by key). With types changed it grows linearly with the objects the migration moves.`, '');
  const fig2 = svg('pause', lineChart({
    title: 'Update pause against heap size', subtitle: 'from the unwind until the program runs on; log-log',
    xLabel: 'objects on the heap (N, log scale)', yLabel: 'pause, ms (log scale)', logX: true, logY: true,
    series: [
      { name: 'types unchanged', points: r.pause.map((p) => ({ x: p.n, ...spread(p.stages.pause) })) },
      { name: 'types changed (node gains a field)', points: r.pauseChanged.map((p) => ({ x: p.n, ...spread(p.stages.pause) })) },
    ],
  }));
  const stageNames = ['unwind', 'load', 'migrate', 'main + commit'];
  const fig3 = svg('stages', stackedBars({
    title: 'Update pause by stage (medians)', subtitle: 'types unchanged (same) and changed (changed) at each heap size',
    xLabel: 'objects on the heap, and whether the types changed', yLabel: 'ms', stages: stageNames,
    bars: [...r.pause.map((p) => ({ p, kind: 'same' })), ...r.pauseChanged.map((p) => ({ p, kind: 'changed' }))]
      .sort((a, b) => a.p.n - b.p.n || (a.kind === 'same' ? -1 : 1))
      .map(({ p, kind }) => ({ label: `${n3(p.n)}\n${kind}`, values: [p.stages.unwind.median, p.stages.load.median, p.stages.migrate.median, p.stages.mainAndCommit.median] })),
  }));
  const fig3b = svg('stages-unchanged', stackedBars({
    title: 'Update pause by stage, types unchanged (medians)', subtitle: 'the same stages on their own scale: flat in the heap size',
    xLabel: 'objects on the heap', yLabel: 'ms', stages: stageNames,
    bars: r.pause.map((p) => ({ label: n3(p.n), values: [p.stages.unwind.median, p.stages.load.median, p.stages.migrate.median, p.stages.mainAndCommit.median] })),
  }));
  md.push(`![pause vs heap size](${fig2})`, '', `![pause by stage](${fig3})`, '', `![pause by stage, types unchanged](${fig3b})`, '');

  // ---- 3. migration throughput
  const big = r.pauseChanged[r.pauseChanged.length - 1];
  if (big) {
    const mig = big.stages.migrate;
    md.push('## 3. Migration throughput against a plain copy', '',
      `At ${n3(big.n)} changed objects (${big.updates} updates): the generated migration, which follows every pointer, keeps an old→new address map (sharing, cycles), allocates each node's new block and leaves the old heap whole until commit, against two baselines timed right after the commit in the same process: a bulk \`memcpy\` of the same bytes, and a hand-written copy (a malloc and a field copy per node, no map).`, '');
    md.push(fence(table(['', 'ms (min / median / max)', 'ns per object (median)', 'migration ÷ this (min / median / max)'], [
      ['generated migration', range(mig), (mig.median * 1e6 / big.n).toFixed(1), '1'],
      ['hand-written copy', range(big.byHand), (big.byHand.median * 1e6 / big.n).toFixed(1), ratioRange(big.migrateOverByHand)],
      ['memcpy of the bytes', range(big.memcpy), (big.memcpy.median * 1e6 / big.n).toFixed(2), ratioRange(big.migrateOverMemcpy)],
    ])));
    md.push('', `The generated migration moves ${(big.n / (mig.median / 1e3) / 1e6).toFixed(1)} M objects/s. A memcpy of the bytes is the limit of any copy and does no pointer fixing at all; the hand-written copy is what a programmer's own migration would cost without sharing or rollback.`, '');
    const fig = svg('migrate', barChart({
      title: `Migrating ${n3(big.n)} changed objects`, subtitle: 'generated migration against copies of the same objects, same process', log: true,
      xLabel: 'method', yLabel: 'time, ms (log scale)', series: ['ms'],
      groups: [{ label: 'generated migration', values: [spread(mig)] }, { label: 'hand-written copy', values: [spread(big.byHand)] }, { label: 'memcpy of the bytes', values: [spread(big.memcpy)] }],
    }));
    md.push(`![migration throughput](${fig})`, '');
  }

  // ---- 4. update vs restart
  md.push('## 4. Update against restart-and-reload', '',
    'The kv server holding N keys is updated to v2; the alternative is to stop it and start a new server that reloads the same data from a dump file (`kv --load`). Both are timed until a client is answered by the new server.', '');
  const keys = [...new Set(r.kv.reload.map((x) => x.keys))];
  const byKeys = keys.map((k) => {
    const rows = r.kv.reload.filter((x) => x.keys === k);
    return { k, update: stats(rows.map((x) => x.update.answered)), pause: stats(rows.map((x) => x.update.pause)), restart: stats(rows.map((x) => x.restart.answered)), ratio: stats(rows.map((x) => x.ratio)) };
  });
  md.push(fence(table(['keys', 'update: answered, ms', 'update: pause, ms', 'restart: answered, ms', 'restart ÷ update'], byKeys.map((b) => [n3(b.k), range(b.update), range(b.pause), range(b.restart), `${b.ratio.median.toFixed(0)}x (${b.ratio.min.toFixed(0)}-${b.ratio.max.toFixed(0)})`]))));
  const fig4 = svg('restart', barChart({
    title: 'Update against restart-and-reload of the same state (kv server)', subtitle: `time until a client is answered by the new server; ${r.kv.config.reloadReps} run(s) each`, log: true,
    xLabel: 'keys held by the server', yLabel: 'ms (log scale)', series: ['update', 'restart and reload'],
    groups: byKeys.map((b) => ({ label: `${n3(b.k)} keys`, values: [spread(b.update), spread(b.restart)] })),
  }));
  md.push('', `![update vs restart](${fig4})`, '');
  md.push(`Under load (${r.kv.config.connections} connections, ${r.kv.config.updates} updates): longest wait a client saw ${r.kv.maxWait.updating.toFixed(1)} ms while updating, ${r.kv.maxWait.calm.toFixed(1)} ms without updates; ${r.kv.wrong} wrong answers, ${r.kv.dropped} connections dropped, ${r.kv.updateFailures} updates not committed; pause median ${stats(r.kv.pauses).median.toFixed(2)} ms.`, '');

  // ---- 5. build time
  const b = r.build;
  md.push('## 5. Build time', '',
    `Building \`${b.program}\` (-O2). First build in a fresh process: a child \`node\` that imports the compiler and builds once, so loading and compiling clang is included (wall time from spawning the child until it exits; inside it, importing the compiler and the build). Warm rebuild as \`kitsune dev\` does it on a save: the next version \`--from\` the running one, built in the same process with the compiler already loaded.`, '');
  md.push(fence(table(['', 'seconds (min / median / max)', 'runs'], [
    ['first build, fresh process (wall, incl. Node start)', range(stats(b.fresh.wall.samples.map((x) => x / 1e3))), String(b.fresh.wall.samples.length)],
    ['  of it: import the compiler', range(stats(b.fresh.importCompiler.samples.map((x) => x / 1e3))), ''],
    ['  of it: the build (loads clang)', range(stats(b.fresh.build.samples.map((x) => x / 1e3))), ''],
    ['warm rebuild --from (kitsune dev)', range(stats(b.warm.samples.map((x) => x / 1e3))), String(b.warm.samples.length)],
  ])));
  const fig5 = svg('build', barChart({
    title: 'Build time: first build vs warm rebuild', subtitle: b.program, xLabel: 'build', yLabel: 'seconds', series: ['s'],
    groups: [
      { label: 'first build, fresh process', values: [spread(stats(b.fresh.wall.samples.map((x) => x / 1e3)))] },
      { label: 'warm rebuild (kitsune dev)', values: [spread(stats(b.warm.samples.map((x) => x / 1e3)))] },
    ],
  }));
  md.push('', `![build time](${fig5})`, '');

  // ---- 6. memory
  const mem = r.memory;
  md.push('## 6. Memory', '',
    `\`objects.c\` holding ${n3(mem.objects)} objects, updated ${mem.updates} times (v1→v2 and back) in one process. Resident set size is the whole benchmark process (the program runs on a worker thread of it).`, '');
  md.push(fence(table(['', 'before', `after ${mem.updates} updates`, 'growth'], [
    ['Wasm memory (proc.memoryBytes())', MB(mem.before.wasmBytes), MB(mem.after.wasmBytes), MB(mem.after.wasmBytes - mem.before.wasmBytes)],
    ['process RSS', MB(mem.before.rss), MB(mem.after.rss), MB(mem.after.rss - mem.before.rss)],
    ['V8 heap used (main thread)', MB(mem.before.heapUsed), MB(mem.after.heapUsed), MB(mem.after.heapUsed - mem.before.heapUsed)],
  ])));
  md.push('', `Peak over the whole run: max RSS ${MB(mem.peak.maxRSS)} (process.resourceUsage().maxRSS, clang${r.pause.some((p) => p.n >= 1e6) ? ' and the 1M-object programs' : ''} included), V8 heap peak ${MB(mem.peak.heapPeak)} (main thread). Pause over those ${mem.updates} updates: ${range(mem.pause)} ms.`, '');
  if (mem.wasmBytes?.length) {
    const w = mem.wasmBytes, half = w[Math.floor(w.length / 2)];
    md.push(`Wasm memory over the updates: ${MB(w[0])} before, ${MB(half)} after ${Math.floor(w.length / 2)}, ${MB(w[w.length - 1])} after ${w.length - 1}` +
      (w[w.length - 1] > half ? ` (still growing in the second half: ${MB(w[w.length - 1] - half)} over ${w.length - 1 - Math.floor(w.length / 2)} updates).` : ' (no growth in the second half: bounded).'), '');
    const step = Math.max(1, Math.round((w.length - 1) / 20));
    const fig6 = svg('memory', lineChart({
      title: `Wasm memory across ${mem.updates} updates`, subtitle: `${n3(mem.objects)} objects on the heap, v1→v2 and back; process RSS ${MB(mem.before.rss)} before, ${MB(mem.after.rss)} after`,
      xLabel: 'updates done', yLabel: 'Wasm memory, MiB', labels: false, yFromZero: true,
      series: [{ name: 'Wasm memory (proc.memoryBytes())', points: w.flatMap((b, i) => (i % step === 0 || i === w.length - 1 ? [{ x: i, median: b / 2 ** 20, min: b / 2 ** 20, max: b / 2 ** 20 }] : [])) }],
    }));
    md.push(`![memory](${fig6})`, '');
  }

  // ---- 7. property
  md.push('## 7. State transformation property', '',
    `${n3(r.xfProperty.cases)} random struct evolutions over random heaps (sharing, cycles), migrated by the generated code and compared with a TypeScript oracle: ${r.xfProperty.failures} failure(s), ${r.xfProperty.seconds.toFixed(1)} s.`, '');

  // ---- 8. the package
  const pk = r.package;
  if (pk) {
    const mb = (b: number) => `${(b / 1e6).toFixed(1)} MB`;
    md.push('## 8. The package as users install it', '',
      `\`npm pack\`, then \`npm install\` of the tarball into an empty folder (from the npm cache): the tarball is ${mb(pk.tarball.bytes)} (${pk.tarball.files} files), the install ${mb(pk.installed.bytes)} in ${pk.installed.packages} packages (kitsune-wasm ${mb(pk.installed.kitsune)}, @yowasp/clang ${mb(pk.installed.clang)}, binaryen ${mb(pk.installed.binaryen)}), in ${pk.installSeconds.toFixed(1)} s.`, '',
      `A page bundled from that install with esbuild (the README's recipe), served from this machine with COOP/COEP to headless Chromium, builds demos/heap's v1 in the page and runs it in a Web Worker. Seconds from opening the page (min / median / max of ${pk.page.visits} visit(s)):`, '');
    md.push(fence(table(['visit', 'v1 built', 'first program running', 'bytes from the server'], [
      ['first (clang fetched)', range(pk.page.cold.built), range(pk.page.cold.firstRun), mb(pk.page.cold.served.median)],
      ['again (browser cache)', range(pk.page.cached.built), range(pk.page.cached.firstRun), mb(pk.page.cached.served.median)],
    ])));
    const saved = pk.page.cold.firstRun.median - pk.page.cached.firstRun.median;
    md.push('', `The server is on the same machine, so a first visit pays for the transfer at local speed only; over a network, clang's 105 MB come on top. The cache saved ${saved.toFixed(2)} s of the median here (first ÷ cached: ${(pk.page.cold.firstRun.median / pk.page.cached.firstRun.median).toFixed(2)}); what remains is compiling clang's Wasm, running it and starting the program.`, '');
  }

  // ---- 9. playground
  if (r.playground) {
    const p = r.playground, med = (xs: number[]) => stats(xs).median, sec = (x: number) => (x / 1000).toFixed(1);
    md.push('## 9. The playground in headless Chromium', '',
      'bench/playground.ts: the static site served with COOP/COEP on 127.0.0.1, Debian\'s Chromium headless. Page open until the first line of lesson 1\'s program in its terminal, Run pressed at once (the build waits for the toolchain): with a fresh browser profile (clang, about 100 MB, downloaded from the local server, so this is the machine\'s cost, not a network\'s) and with the same profile reloaded (clang from Cache Storage, Binaryen from the HTTP cache).', '',
      '| | page open -> first program running | of it, loading the toolchain |', '|---|---|---|',
      `| toolchain downloaded | ${sec(med(p.open.uncached))} s | ${sec(med(p.toolchain.uncached))} s |`,
      `| toolchain from the browser's cache | ${sec(med(p.open.cached))} s | ${sec(med(p.toolchain.cached))} s |`,
      `| cached / downloaded | ${(med(p.open.cached) / med(p.open.uncached)).toFixed(2)} | ${(med(p.toolchain.cached) / med(p.toolchain.uncached)).toFixed(2)} |`, '',
      '"Build & update" pressed on each lesson\'s v2 while v1 runs, until the outcome is shown: the build (clang and Asyncify in the compile worker, --from the running version) and the update; beside it the program\'s own pause.', '',
      '| lesson | outcome | Build & update -> outcome | the program\'s pause |', '|---|---|---|---|',
      ...p.lessons.map((l) => `| ${l.lesson} | ${l.outcome} | ${(med(l.buildUpdate) / 1000).toFixed(2)} s | ${med(l.pause).toFixed(1)} ms |`), '');
  }

  // ---- 10. endurance
  const e = r.endurance;
  if (e) {
    const m0 = e.memory[0], m1 = e.memory[e.memory.length - 1];
    const window = e.updates >= 10_000 ? '1,000' : 'tenth of the';
    md.push('## 10. Endurance: updates back and forth', '',
      `bench/updates.ts: test/programs/counter.c updated ${n3(e.updates)} times in one process (v1→v2 and back), each update committed and the program's state checked after it (every counter it prints is a function of its tick count)${e.separateRun ? `; measured in a run of its own (${e.separateRun}, load average ${e.loadavg[0].toFixed(2)} at start, ${e.loadavg[1].toFixed(2)} at end)` : ''}. ${n3(e.updates)} updates in ${e.seconds.toFixed(0)} s.`, '');
    md.push(fence(table(['', 'first', 'last', 'last ÷ first'], [
      [`median pause, ${window} updates`, `${ms(e.first)} ms`, `${ms(e.last)} ms`, e.ratio.toFixed(2)],
      ['Wasm memory', MB(m0.wasm), MB(m1.wasm), (m1.wasm / m0.wasm).toFixed(2)],
      ['process RSS', MB(m0.rss), MB(m1.rss), (m1.rss / m0.rss).toFixed(2)],
    ])), '', `Goal: the last ${window} updates' median pause within 1.5× of the first's (${e.ratio <= 1.5 ? 'met' : 'missed'}), memory flat after the first 100 (Wasm memory ${m1.wasm <= m0.wasm ? 'did not grow' : `grew by ${MB(m1.wasm - m0.wasm)}`}).`, '');
    const fig = svg('endurance', lineChart({
      title: `The pause across ${n3(e.updates)} updates`, subtitle: 'median of each 100 updates, whiskers min-max; counter.c v1→v2 and back',
      xLabel: 'updates done', yLabel: 'pause, ms', labels: false, yFromZero: true,
      series: [{ name: 'pause (unwind to commit)', points: e.buckets.map((b) => ({ x: b.at, median: b.median, min: b.min, max: Math.min(b.max, b.median * 4) })) }],
    }));
    md.push(`![endurance](${fig})`, '', 'Whiskers are clipped at 4× the median: a few updates in each hundred wait for the machine (garbage collection, another process).', '');
  }

  if (r.threads) md.push(...threadsSection(r.threads, svg));

  fs.writeFileSync(new URL('report.md', dir), md.join('\n'));
  fs.writeFileSync(new URL('report.json', dir), JSON.stringify(r, null, 2) + '\n');
  return [shown('report.md'), shown('report.json'), ...files];
}

// Alone: `node dist/bench/report.js [bench/report.json]` writes report.md and the
// figures again from a saved report.json, without measuring anything.
if (process.argv[1] && process.argv[1].replace(/\\/g, '/').endsWith('bench/report.js')) {
  const root = new URL('../../', import.meta.url); // from dist/bench/report.js
  const file = process.argv[2] ? new URL(process.argv[2], `file://${process.cwd()}/`) : new URL('bench/report.json', root);
  const written = writeReport(JSON.parse(fs.readFileSync(file, 'utf8')) as Results, new URL('bench/', root));
  console.log(`wrote ${written.join(', ')}`);
}

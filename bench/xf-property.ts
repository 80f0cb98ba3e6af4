// The state-transformation property at scale: thousands of random struct
// evolutions over random heaps (sharing, cycles), migrated by the generated
// code and compared with the TypeScript oracle (test/xf-property/).
//
//   npx tsx bench/xf-property.ts [--cases N] [--batch K] [--seed S] [--max-objects M] [--shrink-seconds T]
//
// Cases are batched: K independent struct types obj0..objK-1, each with its
// own evolution, heap and roots, share one old and one new program, so N cases
// cost about N/K pairs of builds. Case i is generated from seed S+i alone, so
// a failing case is regenerated and shrunk by fast-check on its own
// (fc.check with that seed), and its minimal reproduction (old C, new C,
// expected and got, the generated migration) is written to a temporary
// directory whose path is printed.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { caseArb, describe, firstDifferences, runBatch, saveReproduction, type BatchOutcome, type StructCase } from '../test/xf-property/harness.js';

export interface XfPropertyOptions {
  cases?: number;
  batch?: number;
  seed?: number;
  maxObjects?: number;
  /** Time allowed to shrink each failure (at most 3 are shrunk). */
  shrinkSeconds?: number;
  log?: (line: string) => void;
}

export interface XfPropertyFailure {
  seed: number;
  case: string;
  error?: string;
  differences: string;
  /** Where the minimal reproduction was written (v1.c, v2.c, expected.txt, got.txt, xf.c). */
  reproduction?: string;
  shrunk?: string;
}

export interface XfPropertySummary {
  cases: number;
  batches: number;
  failures: XfPropertyFailure[];
  objects: number;
  /** Objects reachable from the roots in the new version: walked, printed and compared. */
  walked: number;
  millis: { total: number; build: number; run: number };
  /** Cases whose struct kept its size (in-place transform) and cases that moved to new blocks. */
  sameSize: number;
  movedObjects: number;
}

export async function runXfProperty(opts: XfPropertyOptions = {}): Promise<XfPropertySummary> {
  const total = opts.cases ?? 4000, batch = opts.batch ?? 100, seed = opts.seed ?? 20261125, maxObjects = opts.maxObjects ?? 200;
  const log = opts.log ?? ((l: string) => console.log(l));
  const arb = caseArb({ maxObjects });
  const gen = (i: number): StructCase => fc.sample(arb, { seed: seed + i, numRuns: 1 })[0]!;
  const started = performance.now();
  const summary: XfPropertySummary = { cases: 0, batches: 0, failures: [], objects: 0, walked: 0, millis: { total: 0, build: 0, run: 0 }, sameSize: 0, movedObjects: 0 };

  /**
   * Runs the cases with these ids as one batch; returns how many failures it recorded. A failure of the
   * whole batch (build error, crash, rollback) is bisected down to its cases; if every half then passes,
   * the batch itself is recorded (it failed only in that combination, or only that time).
   */
  const run = async (ids: number[]): Promise<number> => {
    const cases = ids.map(gen);
    const r: BatchOutcome = await runBatch(cases);
    summary.batches++;
    summary.millis.build += r.millis.build;
    summary.millis.run += r.millis.run;
    if (r.error && ids.length > 1) {
      log(`  batch of ${ids.length} failed as a whole (${r.error.split('\n')[0]}); bisecting`);
      const half = ids.length >> 1;
      const found = (await run(ids.slice(0, half))) + (await run(ids.slice(half)));
      if (found) return found;
      summary.failures.push({
        seed: seed + ids[0]!, case: `the batch of seeds ${seed + ids[0]!}..${seed + ids[ids.length - 1]!} (every half passed on its own)`,
        error: r.error, differences: '', reproduction: saveReproduction(r),
      });
      return 1;
    }
    summary.cases += ids.length;
    summary.objects += cases.reduce((a, c) => a + c.objects.length, 0);
    summary.walked += r.cases.reduce((a, x) => a + x.expected.split('\n').length - 1, 0);
    summary.sameSize += cases.filter((c) => c.sameSize).length;
    summary.movedObjects += r.update?.movedObjects ?? 0;
    let found = 0;
    r.cases.forEach((x, k) => {
      if (x.ok) return;
      found++;
      summary.failures.push({ seed: seed + ids[k]!, case: describe(cases[k]!), ...(r.error ? { error: r.error } : {}), differences: firstDifferences(x.expected, x.got) });
    });
    return found;
  };

  for (let first = 0; first < total; first += batch) {
    const ids = Array.from({ length: Math.min(batch, total - first) }, (_, j) => first + j);
    const t = performance.now();
    const before = summary.failures.length;
    await run(ids);
    log(`cases ${first}..${first + ids.length - 1}: ${summary.failures.length - before} failure(s), ${((performance.now() - t) / 1000).toFixed(1)} s`);
  }

  // Shrink the first few failures, each from its own seed.
  for (const f of summary.failures.filter((x) => !x.reproduction).slice(0, 3)) {
    log(`shrinking the failure of seed ${f.seed} (${f.case})`);
    const res = await fc.check(fc.asyncProperty(arb, async (c) => (await runBatch([c])).ok), {
      seed: f.seed, numRuns: 1, interruptAfterTimeLimit: (opts.shrinkSeconds ?? 240) * 1000, markInterruptAsFailure: false,
    });
    const c = res.counterexample?.[0] ?? gen(f.seed - seed);
    const r = await runBatch([c]);
    const dir = saveReproduction(r);
    f.reproduction = dir;
    f.shrunk = `${describe(c)} (after ${res.numShrinks} shrink(s)${res.interrupted ? ', interrupted' : ''})`;
  }
  summary.millis.total = performance.now() - started;
  return summary;
}

export function formatSummary(s: XfPropertySummary): string {
  const sec = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
  const lines = [
    `xf property: ${s.cases} case(s) in ${s.batches} batch(es), ${s.objects} heap objects, ${s.walked} of them reachable and compared (${s.sameSize} same-size structs, ${s.movedObjects} objects moved to new blocks)`,
    `  failures: ${s.failures.length}`,
    `  time: ${sec(s.millis.total)} (builds ${sec(s.millis.build)}, runs ${sec(s.millis.run)}; ${(s.millis.total / Math.max(1, s.cases)).toFixed(0)} ms per case)`,
  ];
  for (const f of s.failures.slice(0, 10)) {
    lines.push(`  - seed ${f.seed}: ${f.case}`);
    if (f.error) lines.push(`    ${f.error.split('\n').slice(0, 4).join('\n    ')}`);
    if (f.differences) lines.push(f.differences.replace(/^/gm, '    '));
    if (f.shrunk) lines.push(`    shrunk to: ${f.shrunk}`);
    if (f.reproduction) lines.push(`    reproduction: ${f.reproduction}/{v1.c,v2.c,expected.txt,got.txt,xf.c}`);
  }
  return lines.join('\n');
}

function flag(name: string): number | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : undefined;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const s = await runXfProperty({ cases: flag('cases'), batch: flag('batch'), seed: flag('seed'), maxObjects: flag('max-objects'), shrinkSeconds: flag('shrink-seconds') });
  console.log(formatSummary(s));
  process.exit(s.failures.length ? 1 : 0);
}

// Runs a batch of property cases for real: builds the old version, builds the
// new one `--from` it (generated migration), starts the old one under the
// driver, updates it, and compares what the new version prints with the
// oracle, case by case. Shared by test/xf-property.test.ts and
// bench/xf-property.ts.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { build } from 'kitsune-wasm/compiler';
import { KitsuneProcess, type KitsuneEvent, type UpdateResult } from 'kitsune-wasm';
import { caseArb, describe, emitNew, emitOld, oracle, type CaseOptions, type StructCase } from './model.js';

export * from './model.js';

export interface CaseOutcome {
  ok: boolean;
  expected: string;
  got: string;
}

export interface BatchOutcome {
  /** True when every case printed what the oracle says and the update committed. */
  ok: boolean;
  /** What went wrong for the whole batch (a build error, a crash, a rollback), if anything. */
  error?: string;
  update?: UpdateResult;
  cases: CaseOutcome[];
  oldC: string;
  newC: string;
  xfCode?: string;
  millis: { build: number; run: number };
}

/** A per-line diff of the first few lines that differ. */
export function firstDifferences(expected: string, got: string, max = 6): string {
  const a = expected.split('\n'), b = got.split('\n');
  const out: string[] = [];
  for (let i = 0; i < Math.max(a.length, b.length) && out.length < max * 2; i++) {
    if (a[i] !== b[i]) out.push(`  expected: ${a[i] ?? '(nothing)'}`, `  got:      ${b[i] ?? '(nothing)'}`);
  }
  return out.join('\n');
}

export async function runBatch(cases: StructCase[], opts: { timeoutMs?: number } = {}): Promise<BatchOutcome> {
  const oldC = emitOld(cases), newC = emitNew(cases);
  const t0 = performance.now();
  const expected = cases.map((c, k) => oracle(c, k));
  const fail = (error: string, extra: Partial<BatchOutcome> = {}): BatchOutcome => ({
    ok: false, error, cases: expected.map((e) => ({ ok: false, expected: e, got: '' })), oldC, newC, millis: { build: performance.now() - t0, run: 0 }, ...extra,
  });
  let v1: Uint8Array, v2: Uint8Array, xfCode: string | undefined;
  try {
    v1 = (await build({ sources: [{ path: 'prog.c', text: oldC }], name: 'xfprop', optimize: 1 })).wasm;
  } catch (e) {
    return fail(`building the old version: ${(e as Error).message}`);
  }
  try {
    const b = await build({ sources: [{ path: 'prog.c', text: newC }], from: v1, optimize: 1 });
    v2 = b.wasm;
    xfCode = b.xfCode;
  } catch (e) {
    return fail(`building the new version --from the old: ${(e as Error).message}`);
  }
  const t1 = performance.now();

  let out = '';
  const waiters = new Set<() => void>();
  const events: KitsuneEvent[] = [];
  const dec = new TextDecoder();
  const proc = await KitsuneProcess.start(v1, {
    argv0: 'xfprop.wasm', inheritStdin: false,
    stdout: (b) => { out += dec.decode(b, { stream: true }); waiters.forEach((w) => w()); },
    stderr: (b) => { out += dec.decode(b, { stream: true }); waiters.forEach((w) => w()); },
    onEvent: (e) => { events.push(e); waiters.forEach((w) => w()); },
  });
  const timeoutMs = opts.timeoutMs ?? 60000;
  const waitFor = (marker: string) => new Promise<void>((resolve, reject) => {
    const check = () => {
      const crash = events.find((e) => e.type === 'crash' || e.type === 'exit');
      if (out.includes(marker)) { done(); resolve(); } else if (crash) { done(); reject(new Error(`${JSON.stringify(crash)}; output:\n${out.slice(-2000)}`)); }
    };
    const timer = setTimeout(() => { done(); reject(new Error(`timed out waiting for ${marker}; output:\n${out.slice(-2000)}`)); }, timeoutMs);
    const done = () => { clearTimeout(timer); waiters.delete(check); };
    waiters.add(check);
    check();
  });
  let update: UpdateResult | undefined;
  try {
    await waitFor('@@READY');
    update = await proc.update(v2);
    if (update.outcome !== 'committed') return fail(`update ${update.outcome}: ${update.stage ?? ''} ${update.reason ?? ''}`, { update, xfCode });
    await waitFor('@@DONE');
  } catch (e) {
    return fail(`running: ${(e as Error).message}`, { ...(update ? { update } : {}), xfCode });
  } finally {
    await proc.kill();
  }
  const lines = out.split('\n');
  const results = expected.map((e, k) => {
    const got = lines.filter((l) => l.startsWith(`T${k} `)).join('\n');
    return { ok: got === e, expected: e, got };
  });
  return { ok: results.every((r) => r.ok), update, cases: results, oldC, newC, xfCode, millis: { build: t1 - t0, run: performance.now() - t1 } };
}

/** A failure report for one case of a batch: the case, the two programs reduced to it, and the first differences. */
export function reportCase(c: StructCase, r: CaseOutcome): string {
  return [`case: ${describe(c)}`, firstDifferences(r.expected, r.got)].join('\n');
}

/** Writes a batch's programs, the generated migration, the oracle's dump and the new version's to a new temporary directory. */
export function saveReproduction(r: BatchOutcome): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kitsune-xf-property-'));
  fs.writeFileSync(path.join(dir, 'v1.c'), r.oldC);
  fs.writeFileSync(path.join(dir, 'v2.c'), r.newC);
  fs.writeFileSync(path.join(dir, 'expected.txt'), r.cases.map((x) => x.expected).join('\n') + '\n');
  fs.writeFileSync(path.join(dir, 'got.txt'), `${r.error ? `${r.error}\n` : ''}${r.cases.map((x) => x.got).join('\n')}\n`);
  if (r.xfCode) fs.writeFileSync(path.join(dir, 'xf.c'), r.xfCode);
  return dir;
}

/** The property over batches of `size` cases: every case migrates to what the oracle says. */
export function batchProperty(size: number, caseOpts: CaseOptions = {}, onBatch?: (cases: StructCase[], r: BatchOutcome) => void) {
  return fc.asyncProperty(fc.array(caseArb(caseOpts), { minLength: size, maxLength: size }), async (cases) => {
    const r = await runBatch(cases);
    onBatch?.(cases, r);
    if (r.ok) return true;
    const bad = r.cases.flatMap((x, k) => (x.ok ? [] : [`${reportCase(cases[k]!, x)}`]));
    const dir = saveReproduction(r);
    throw new Error(`${r.error ? `${r.error.slice(0, 4000)}\n` : ''}${bad.length} of ${cases.length} case(s) differ from the oracle:\n${bad.slice(0, 3).join('\n')}\nreproduction: ${dir}/{v1.c,v2.c,expected.txt,got.txt,xf.c}`);
  });
}

// Fault injection for threaded programs: faults in the new version of
// test/programs/threads/ticker.c while its threads are parked or relaunching
// (a trap in a relaunched worker, exit() in one, a trap in the new main before
// its point, a relaunched worker that never gets back to its point), each
// `reps` times (the stuck one, which waits out the relaunch deadline of 5 s,
// fewer) at random moments. Each time the update must roll back, naming the
// fault, and every old thread must go on: main still prints v1, each worker's
// count and the total keep growing from where they were, and the counts still
// add up to the total.
import fs from 'node:fs';
import path from 'node:path';
import { KitsuneProcess } from 'kitsune-wasm';
import { buildCached, ROOT, Tally, log, sleep, within, median, max, type Rng, type Category } from './common.js';

const SOURCE = fs.readFileSync(path.join(ROOT, 'test/programs/threads/ticker.c'), 'utf8');
const TICK = /^v(\d) tick (\d+) counts (\d+) (\d+) (\d+) total (\d+) ok=(\d)$/;

interface Tick { version: number; n: number; counts: number[]; total: number; ok: boolean }
interface ThreadFault { name: string; define: string; reason: RegExp; reps: (r: number) => number }

/** The ticker running, its ticks parsed as they come. */
class Ticker {
  ticks: Tick[] = [];
  other: string[] = [];
  private partial = '';
  private constructor(readonly proc: KitsuneProcess) {}

  static async start(wasm: Uint8Array): Promise<Ticker> {
    let t!: Ticker;
    const dec = new TextDecoder();
    const proc = await KitsuneProcess.start(wasm, { argv0: 'ticker.wasm', stdout: (b) => t.feed(dec.decode(b, { stream: true })), stderr: (b) => t.feed(dec.decode(b, { stream: true })) });
    t = new Ticker(proc);
    return t;
  }

  private feed(text: string) {
    this.partial += text;
    let nl: number;
    while ((nl = this.partial.indexOf('\n')) >= 0) {
      const l = this.partial.slice(0, nl);
      this.partial = this.partial.slice(nl + 1);
      const m = TICK.exec(l);
      if (m) this.ticks.push({ version: Number(m[1]), n: Number(m[2]), counts: [Number(m[3]), Number(m[4]), Number(m[5])], total: Number(m[6]), ok: m[7] === '1' });
      else if (l.trim() && this.other.length < 20) this.other.push(l);
      if (this.ticks.length > 1000) this.ticks.splice(0, 500);
    }
  }

  get last(): Tick | undefined { return this.ticks[this.ticks.length - 1]; }

  /** Waits until `k` more ticks came, and until each worker counted since `from`. */
  async progressed(from: Tick, k: number, ms = 10_000): Promise<Tick | undefined> {
    const end = Date.now() + ms;
    const base = this.last?.n ?? 0;
    for (;;) {
      const l = this.last;
      if (l && l.n >= base + k && l.counts.every((c, i) => c > from.counts[i])) return l;
      if (Date.now() > end) return l;
      await sleep(5);
    }
  }
}

export async function runThreadFaults(reps: number, r: Rng): Promise<Category[]> {
  const v1 = await buildCached({ source: SOURCE, file: 'ticker.c', name: 'ticker', defines: ['VERSION=1'] });
  const faults: ThreadFault[] = [
    { name: 'trap in a relaunched thread', define: 'FAIL_WORKER_TRAP', reason: /^thread \d+ \(worker\): trap: unreachable/, reps: (n) => n },
    { name: 'exit() in a relaunched thread', define: 'FAIL_WORKER_EXIT', reason: /exit\(3\)/, reps: (n) => n },
    { name: 'trap in the new main before its point', define: 'FAIL_MAIN_TRAP', reason: /trap: unreachable/, reps: (n) => n },
    { name: 'a relaunched thread never back at its point', define: 'FAIL_WORKER_STUCK', reason: /relaunched, did not reach its update point \("worker"\) within 5000 ms/, reps: (n) => Math.max(2, Math.ceil(n / 10)) },
  ];
  const versions = new Map<string, Uint8Array>();
  for (const f of faults) versions.set(f.define, await buildCached({ source: SOURCE, file: 'ticker.c', name: 'ticker', defines: ['VERSION=2', f.define], from: v1 }));
  const good = await buildCached({ source: SOURCE, file: 'ticker.c', name: 'ticker', defines: ['VERSION=2'], from: v1 });
  const tallies = new Map(faults.map((f) => [f.define, new Tally(`thread fault: ${f.name}`)]));
  const pauses = new Map(faults.map((f) => [f.define, [] as number[]]));
  const plan = r.shuffle(faults.flatMap((f) => Array.from({ length: f.reps(reps) }, () => f)));
  let run = await Ticker.start(v1);
  let done = 0;
  for (const f of plan) {
    const t = tallies.get(f.define)!;
    const what = `${f.name} [tick ${run.last?.n}]`;
    try {
      if (!(await run.progressed(run.last ?? { version: 1, n: 0, counts: [-1, -1, -1], total: 0, ok: true }, 2))) throw new Error('the program does not tick');
      await sleep(r.next() * 10);
      const before = run.last!;
      const res = await within(run.proc.update(versions.get(f.define)!, { timeoutMs: 10_000 }), 30_000, `update (${f.name})`);
      const after = await run.progressed(before, 3);
      const problems: string[] = [];
      if (res.outcome !== 'rolled-back') problems.push(`outcome ${res.outcome}, expected rolled-back`);
      if (!res.reason || !f.reason.test(res.reason)) problems.push(`reason ${JSON.stringify(res.reason)}, expected ${f.reason}`);
      if (!after || after.version !== 1) problems.push(`v${after?.version} running afterwards`);
      else {
        const stopped = after.counts.flatMap((c, i) => (c > before.counts[i] ? [] : [`worker ${i} (count ${c}, ${before.counts[i]} before)`]));
        if (stopped.length) problems.push(`old threads that did not go on: ${stopped.join(', ')}`);
        if (after.total < before.total) problems.push(`total went back from ${before.total} to ${after.total}`);
      }
      const bad = run.ticks.find((k) => !k.ok);
      if (bad) problems.push(`counts do not add up to the total at tick ${bad.n}: ${bad.counts.join(' + ')} != ${bad.total}`);
      if (res.timings.pause !== undefined) pauses.get(f.define)!.push(res.timings.pause);
      if (problems.length) t.fail(`${what}: ${problems.join('; ')}`); else t.pass();
      if (problems.length) throw new Error('restart');
    } catch (e) {
      if ((e as Error).message !== 'restart') t.fail(`${what}: ${(e as Error).message}; output: ${run.other.slice(-3).join(' | ')}`);
      await run.proc.kill();
      run = await Ticker.start(v1);
    }
    if (++done % 20 === 0) log(`thread faults: ${done}/${plan.length}`);
  }
  // After all the faults, the same process still takes a good update: every thread relaunched, the counts carried.
  const last = new Tally('thread fault: a good update after all of them');
  try {
    const before = run.last!;
    const res = await within(run.proc.update(good, { timeoutMs: 10_000 }), 30_000, 'the good update');
    await sleep(50);
    const after = await run.progressed(before, 3);
    last.check(res.outcome === 'committed' && after?.version === 2 && after.counts.every((c, i) => c > before.counts[i]) && after.ok,
      () => `outcome ${res.outcome} (${res.reason ?? ''}), then ${JSON.stringify(after)} after ${JSON.stringify(before)}`);
  } catch (e) {
    last.fail(`the good update: ${(e as Error).message}`);
  }
  if (run.other.length) log(`thread faults: unexpected lines: ${run.other.slice(0, 3).join(' | ')}`);
  await run.proc.kill();
  return [...faults.map((f) => {
    const t = tallies.get(f.define)!;
    const p = pauses.get(f.define)!;
    if (p.length) t.notes.push(`pause med ${median(p).toFixed(1)} ms, max ${max(p).toFixed(1)} ms`);
    return t.result();
  }), last.result()];
}

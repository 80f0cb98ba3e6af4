// 10,000 updates back and forth in one process (1,000 with --quick): every
// one must commit, the state is checked after each (the counter program's
// line is a function of its tick count), and the pause and the memory are
// recorded, to show that neither grows with the number of updates: the
// median pause of the last 1,000 within 1.5x of the first 1,000, Wasm memory
// and the host's memory flat after the first 100. Drawn as a figure (pause
// against update count) by the report; alone: `node dist/bench/updates.js [--quick]`.
import fs from 'node:fs';
import os from 'node:os';
import { build } from 'kitsune-wasm/compiler';
import { KitsuneProcess } from 'kitsune-wasm';

export interface UpdatesResults {
  updates: number;
  /** The pause, ms, over each 100 updates in order: median, min and max. */
  buckets: { at: number; median: number; min: number; max: number }[];
  /** Wasm memory and the host process's RSS every 100 updates, bytes. */
  memory: { at: number; wasm: number; rss: number }[];
  /** Median pause of the first and the last 1,000 updates (or tenth), and their ratio. */
  first: number;
  last: number;
  ratio: number;
  seconds: number;
  /** The load average when it started and ended (a loaded machine stretches pauses). */
  loadavg: [number, number];
}

const median = (xs: number[]) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]!; };

export async function updatesBench(quick: boolean, log: (line: string) => void): Promise<UpdatesResults> {
  const updates = quick ? 1000 : 10_000;
  const text = fs.readFileSync(new URL('../../test/programs/counter.c', import.meta.url), 'utf8');
  const src = (v: number) => ({ sources: [{ path: 'counter.c', text }], defines: [`VERSION=${v}`], name: 'counter', optimize: 2 as const });
  const v1 = (await build(src(1))).wasm;
  const v2 = (await build({ ...src(2), from: v1 })).wasm;
  let out = '';
  const dec = new TextDecoder();
  const proc = await KitsuneProcess.start(v1, { args: ['2000000000', '0'], argv0: 'counter.wasm', inheritStdin: false, stdout: (b) => { out = (out + dec.decode(b, { stream: true })).slice(-4096); } });
  const line = /v(\d) n=(\d+) sum=(\d+) stat=(\d+) step=(\d+) calls=(\d+) typed=7 walk=(\d+)\/(\d+)\n/g;
  /** Waits for a line of `version`'s, and checks it: every counter agrees with n. */
  const check = async (version: number) => {
    for (let i = 0; i < 20_000; i++) {
      const all = [...out.matchAll(line)];
      const m = all[all.length - 1];
      if (m && Number(m[1]) === version) {
        const n = Number(m[2]);
        if (Number(m[3]) !== (n * (n + 1)) / 2 || Number(m[4]) !== 2 * n || Number(m[5]) !== n || Number(m[6]) !== n || Number(m[7]) !== n || Number(m[8]) !== (n * (n - 1)) / 2) {
          throw new Error(`updates bench: version ${version}'s state is inconsistent: ${m[0]}`);
        }
        return;
      }
      await new Promise((r) => setTimeout(r, 1));
    }
    throw new Error(`updates bench: no line from version ${version}; output ends with ${out.slice(-300)}`);
  };
  const t0 = Date.now(), load0 = os.loadavg()[0];
  const pauses: number[] = [];
  const memory: UpdatesResults['memory'] = [];
  try {
    await check(1);
    for (let i = 1; i <= updates; i++) {
      const to = i % 2 ? 2 : 1;
      const r = await proc.update(to === 2 ? v2 : v1);
      if (r.outcome !== 'committed') throw new Error(`updates bench: update ${i} ${r.outcome} at ${r.stage}: ${r.reason}`);
      pauses.push(r.timings.pause!);
      out = '';
      await check(to);
      if (i % 100 === 0) {
        memory.push({ at: i, wasm: proc.memoryBytes(), rss: process.memoryUsage().rss });
        if (i % 1000 === 0) log(`  ${i} updates: median pause of the last 100 ${median(pauses.slice(-100)).toFixed(2)} ms, Wasm memory ${(proc.memoryBytes() / 2 ** 20).toFixed(1)} MiB, RSS ${(process.memoryUsage().rss / 2 ** 20).toFixed(0)} MiB`);
      }
    }
  } finally {
    await proc.kill();
  }
  const window = Math.min(1000, Math.floor(updates / 10));
  const first = median(pauses.slice(0, window)), last = median(pauses.slice(-window));
  const buckets = [];
  for (let at = 0; at < pauses.length; at += 100) {
    const b = pauses.slice(at, at + 100);
    buckets.push({ at: at + b.length, median: median(b), min: Math.min(...b), max: Math.max(...b) });
  }
  return { updates, buckets, memory, first, last, ratio: last / first, seconds: (Date.now() - t0) / 1000, loadavg: [load0, os.loadavg()[0]] };
}

if (process.argv[1]?.replace(/\\/g, '/').endsWith('bench/updates.js')) {
  const r = await updatesBench(process.argv.includes('--quick'), console.log);
  const into = process.argv.indexOf('--into');
  if (into > 0) fs.writeFileSync(process.argv[into + 1]!, JSON.stringify(r, null, 2) + '\n');
  console.log(`${r.updates} updates in ${r.seconds.toFixed(0)} s, all committed with their state checked; median pause first ${r.first.toFixed(2)} ms, last ${r.last.toFixed(2)} ms (x${r.ratio.toFixed(2)}); Wasm memory ${r.memory[0]?.wasm} -> ${r.memory.at(-1)?.wasm} bytes, RSS ${r.memory[0]?.rss} -> ${r.memory.at(-1)?.rss}`);
}

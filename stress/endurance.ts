// Endurance: `count` updates back and forth between v1 and v2, every one
// committed, state checked line by line (its checksum must carry across each
// commit), Wasm memory and the host process's RSS bounded.
import { baseVersions, Runner, Tally, log, within, median, max, type Category } from './common.js';

export async function runEndurance(count: number): Promise<Category> {
  const t = new Tally(`endurance: ${count} updates v1<->v2`);
  const { v1, v2 } = await baseVersions();
  const run = await Runner.start(v1, ['2000000000', '500']);
  await run.waitTicks(3);
  const pauses: number[] = [];
  let wasmEarly = 0, rssEarly = 0, wasmPeak = 0, rssPeak = 0;
  const started = performance.now();
  for (let i = 1; i <= count; i++) {
    const target = i % 2 ? 2 : 1;
    try {
      const r = await within(run.proc.update(target === 2 ? v2 : v1, { timeoutMs: 10000 }), 30000, `update ${i}`);
      if (r.outcome !== 'committed') { t.fail(`update ${i}: ${JSON.stringify(r)}`); continue; }
      pauses.push(r.timings.pause ?? 0);
      await run.waitTicks(1); // a tick after each commit: its checksum must equal the one before
      if (run.last?.version !== target) { t.fail(`update ${i}: v${run.last?.version} running, expected v${target}`); continue; }
      t.pass();
    } catch (e) {
      t.fail(`update ${i}: ${(e as Error).message}`);
      break;
    }
    const wasm = run.proc.memoryBytes(), rss = process.memoryUsage().rss;
    if (i === Math.min(50, count)) { wasmEarly = wasm; rssEarly = rss; }
    wasmPeak = Math.max(wasmPeak, wasm); rssPeak = Math.max(rssPeak, rss);
    if (i % 100 === 0) log(`endurance: ${i}/${count} updates, wasm memory ${(wasm / 2 ** 20).toFixed(1)} MiB, rss ${(rss / 2 ** 20).toFixed(0)} MiB`);
  }
  await run.waitTicks(5).catch((e) => t.fail(`after the last update: ${(e as Error).message}`));
  const secs = (performance.now() - started) / 1000;
  // Bounds: old versions' stacks (1 MiB each) and data must be released; a leak of either shows over hundreds of updates.
  const wasmGrowth = wasmPeak - wasmEarly, rssGrowth = rssPeak - rssEarly;
  t.check(wasmGrowth <= 4 << 20, () => `wasm memory grew by ${(wasmGrowth / 2 ** 20).toFixed(1)} MiB after update 50 (bound 4 MiB)`);
  t.check(rssGrowth <= 256 << 20, () => `process RSS grew by ${(rssGrowth / 2 ** 20).toFixed(0)} MiB after update 50 (bound 256 MiB)`);
  t.check(run.violations.length === 0, () => `state: ${run.violations.slice(0, 5).join('; ')}`);
  t.notes.push(`${secs.toFixed(0)} s; pause med ${median(pauses).toFixed(2)} ms, max ${max(pauses).toFixed(1)} ms; wasm ${(wasmEarly / 2 ** 20).toFixed(1)}->${(wasmPeak / 2 ** 20).toFixed(1)} MiB; rss ${(rssEarly / 2 ** 20).toFixed(0)}->${(rssPeak / 2 ** 20).toFixed(0)} MiB; ${run.posts} ticks checked`);
  await run.stop();
  return t.result();
}

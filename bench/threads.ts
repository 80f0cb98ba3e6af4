// Threads' costs, the numbers the README quotes (`npx tsx bench/threads.ts`):
// a switch between two cooperative threads, and what instrumenting the
// blocking calls for Asyncify costs a hot loop that shares a function with one,
// and the update pause against the number of threads.
import fs from 'node:fs';
import { build } from 'kitsune-wasm/compiler';
import { KitsuneProcess } from 'kitsune-wasm';

async function run(defines: string[]): Promise<string> {
  const text = fs.readFileSync(new URL('./threads.c', import.meta.url), 'utf8');
  const { wasm, meta } = await build({ sources: [{ path: 'threads.c', text }], name: 'threads-bench', optimize: 2, defines });
  let out = '';
  const proc = await KitsuneProcess.start(wasm, { stdout: (b) => { out += new TextDecoder().decode(b); } });
  await proc.exited;
  return `${defines.length ? 'threaded' : 'single'} (${wasm.length} bytes, threads instrumented: ${!!meta.asyncify.threads}):\n${out}`;
}

/** The median pause of five updates of a program with `n` idle worker threads (each relaunched every time). */
async function pause(v1: Uint8Array, v2: Uint8Array, n: number): Promise<string> {
  let out = '';
  const proc = await KitsuneProcess.start(v1, { args: [String(n)], stdout: (b) => { out += new TextDecoder().decode(b); } });
  while (!out.includes('ready')) await new Promise((r) => setTimeout(r, 20));
  const pauses: number[] = [];
  for (let i = 0; i < 6; i++) {
    const r = await proc.update(i % 2 ? v1 : v2);
    if (r.outcome !== 'committed') throw new Error(`update with ${n} threads: ${r.reason}`);
    pauses.push(r.timings.pause ?? NaN);
  }
  await proc.kill();
  pauses.sort((a, b) => a - b);
  return `${n} threads: update pause median ${pauses[3].toFixed(1)} ms (min ${pauses[0].toFixed(1)}, max ${pauses[5].toFixed(1)})`;
}

(async () => {
  console.log(await run([]));
  console.log(await run(['THREADED']));
  const text = fs.readFileSync(new URL('./threads-update.c', import.meta.url), 'utf8');
  // Two builds of one source, neither --from the other: updates go back and forth between them.
  const [a, b] = await Promise.all(['1', '2'].map(async (l) => (await build({ sources: [{ path: 'threads-update.c', text: `/* ${l} */\n${text}` }], name: 'threads-update', optimize: 2 })).wasm));
  for (const n of [1, 4, 16, 64]) console.log(await pause(a, b, n));
})();

// Threads' costs, the numbers the README quotes (`npx tsx bench/threads.ts`):
// a switch between two cooperative threads, and what instrumenting the
// blocking calls for Asyncify costs a hot loop that shares a function with one.
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

(async () => {
  console.log(await run([]));
  console.log(await run(['THREADED']));
})();

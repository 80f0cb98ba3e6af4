// The kv demo's benchmark (part of `npm run bench`, or alone:
// `node dist/bench/kv.js [--quick]`):
//  1. requests per second with and without Kitsune, in the same run. "Without"
//     is the same source built with its update point and migration calls
//     compiled away (so nothing is Asyncify-instrumented), on the same runtime
//     and host: the ratio is what Kitsune's update machinery costs the server.
//  2. the longest wait a client saw while the server was updated, against the
//     longest without updates, under the same load.
//  3. an update against a restart that reloads the same data from a file
//     (kv --load, the dump on stdin), at 100k and 1M keys: time until a client
//     is answered by the new version, repeated `reloadReps` times.
// With `native` (a gcc -O2 build of the same source with the update point
// compiled away), the throughput rounds also run it natively, alternated with
// the other two: the reference limit under the same client load.
import fs from 'node:fs';
import { spawn } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'kitsune-wasm/compiler';
import { KitsuneProcess } from 'kitsune-wasm';
import { KvClient, freePort, load, startNative, type LoadResult } from './kv-client.js';

const root = new URL('../../', import.meta.url); // from dist/bench/kv.js
const src = (v: number) => fs.readFileSync(new URL(`demos/kv/v${v}.c`, root), 'utf8');
const NO_KITSUNE = ['KITSUNE_WASM_H', 'kitsune_update(p)=((void)0)', 'kitsune_do_automigrate()=((void)0)', 'kitsune_is_updating()=0'];

export interface KvConfig { connections: number; seconds: number; rounds: number; updates: number; keys: number[]; reloadReps: number }
export const kvConfig = (quick: boolean): KvConfig => (quick
  ? { connections: 20, seconds: 1.5, rounds: 2, updates: 5, keys: [100_000], reloadReps: 2 }
  : { connections: 50, seconds: 4, rounds: 5, updates: 20, keys: [100_000, 1_000_000], reloadReps: 3 });


async function startKv(wasm: Uint8Array, port: number, extra: string[] = []) {
  let out = '';
  const proc = await KitsuneProcess.start(wasm, {
    args: [String(port), ...extra], argv0: 'kv.wasm', inheritStdin: false, grants: { net: [`127.0.0.1:${port}`] },
    stdout: (b) => { out += new TextDecoder().decode(b); },
    stderr: (b) => process.stderr.write(b),
    onEvent: (e) => { if (e.type === 'crash') console.error(`kv crashed: ${e.message}`); },
  });
  return { proc, out: () => out };
}

async function until(cond: () => boolean | Promise<boolean>, what: string, ms = 120_000) {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 2));
  }
}

/**
 * Throughput is measured by clients in a process of their own (kv-load.ts),
 * as a server's clients would be: in this process they would share the
 * event loop with the Kitsune host's sockets, and charge it to Kitsune
 * where the native server has a core to itself.
 */
function loadApart(port: number, connections: number, seconds: number): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [fileURLToPath(new URL('./kv-load.js', import.meta.url)), String(port), String(connections), String(seconds)], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    p.stdout.on('data', (b) => { out += b; });
    p.on('error', reject);
    p.on('close', (code) => (code === 0 ? resolve(JSON.parse(out) as LoadResult) : reject(new Error(`the load clients exited with ${code}`))));
  });
}

function dumpFile(n: number): string {
  const file = path.join(os.tmpdir(), `kitsune-kv-${n}.dump`);
  if (!fs.existsSync(file)) {
    const chunks: string[] = [];
    for (let i = 0; i < n; i++) { const v = `value-${i}-${'x'.repeat(i % 32)}`; chunks.push(`set key:${i} ${i % 7} 0 ${v.length}\r\n${v}\r\n`); }
    fs.writeFileSync(file, chunks.join(''));
  }
  return file;
}

async function answered(port: number, key: string, version?: string): Promise<boolean> {
  try {
    const c = await KvClient.connect(port);
    try {
      if (version && (await c.request('version\r\n')) !== `VERSION ${version}\r\n`) return false;
      return (await c.get(key)) !== null;
    } finally { c.close(); }
  } catch { return false; }
}

export async function kvBench(quick: boolean, log: (s: string) => void = console.log, opts: { native?: string } = {}) {
  const cfg = kvConfig(quick);
  const say = (s: string) => process.stderr.write(`${s}\n`);
  say('kv: building v1, v2 and v1 without Kitsune (-O2)...');
  const quiet = console.log;
  console.log = console.error;
  const v1 = (await build({ sources: [{ path: 'kv.c', text: src(1) }], name: 'kv', optimize: 2 })).wasm;
  const v2 = (await build({ sources: [{ path: 'kv.c', text: src(2) }], name: 'kv', optimize: 2, from: v1 })).wasm;
  const plain = (await build({ sources: [{ path: 'kv.c', text: src(1) }], name: 'kv', optimize: 2, defines: NO_KITSUNE })).wasm;
  console.log = quiet;

  // 1. Throughput, alternated (which of kitsune and plain goes first alternates too).
  const rps: { kitsune: number[]; plain: number[]; native?: number[] } = { kitsune: [], plain: [] };
  if (opts.native) rps.native = [];
  for (let r = 0; r < cfg.rounds; r++) {
    const order: ('kitsune' | 'plain' | 'native')[] = r % 2 ? ['plain', 'kitsune'] : ['kitsune', 'plain'];
    if (opts.native) order.push('native');
    for (const name of order) {
      say(`kv: throughput, ${name}, round ${r + 1}/${cfg.rounds}...`);
      const port = await freePort();
      if (name === 'native') {
        const kv = await startNative(opts.native!, port);
        await until(() => kv.out().includes('listening'), 'the native kv to listen');
        rps.native!.push((await loadApart(port, cfg.connections, cfg.seconds)).rps);
        await kv.kill();
        continue;
      }
      const kv = await startKv(name === 'kitsune' ? v1 : plain, port);
      await until(() => kv.out().includes('listening'), 'kv to listen');
      const res = await loadApart(port, cfg.connections, cfg.seconds);
      rps[name].push(res.rps);
      await kv.proc.kill();
    }
  }
  const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
  const ratio = med(rps.kitsune) / med(rps.plain);

  // 2. The longest wait a client saw, without and with updates.
  say(`kv: ${cfg.updates} updates under load...`);
  const port = await freePort();
  const kv = await startKv(v1, port);
  await until(() => kv.out().includes('listening'), 'kv to listen');
  const calm = await load(port, cfg.connections, cfg.seconds);
  const pauses: number[] = [];
  let failed = 0;
  const busy = await load(port, cfg.connections, 0, async () => {
    for (let u = 0; u < cfg.updates; u++) {
      await new Promise((r) => setTimeout(r, (cfg.seconds * 1000) / cfg.updates));
      const r = await kv.proc.update(u % 2 ? v1 : v2);
      if (r.outcome === 'committed') pauses.push(r.timings.pause!); else failed++;
    }
  });
  await kv.proc.kill();

  // 3. Update against restart-and-reload.
  const reload: { keys: number; update: { pause: number; answered: number }; restart: { answered: number; load: number }; ratio: number }[] = [];
  for (const n of cfg.keys) for (let rep = 0; rep < cfg.reloadReps; rep++) {
    say(`kv: ${n.toLocaleString('en-US')} keys: update vs restart (${rep + 1}/${cfg.reloadReps})...`);
    const file = dumpFile(n);
    const bytes = fs.readFileSync(file);
    const lastKey = `key:${n - 1}`;
    const p = await freePort();
    // The first server loads the data, then is updated to v2.
    const a = await startKv(v1, p, ['--load']);
    const loadStart = performance.now();
    a.proc.writeStdin(bytes);
    a.proc.closeStdin();
    await until(() => a.out().includes('listening'), 'the data to load', 600_000);
    const firstLoad = performance.now() - loadStart;
    const t0 = performance.now();
    const u = await a.proc.update(v2);
    if (u.outcome !== 'committed') throw new Error(`update at ${n} keys: ${u.outcome}: ${u.reason}`);
    await until(() => answered(p, lastKey, 'kitsune-kv 2'), 'v2 to answer');
    const updateAnswered = performance.now() - t0;
    // The restart: the old server stops, a new one reloads the same file.
    const t1 = performance.now();
    await a.proc.kill();
    const b = await startKv(v1, p, ['--load']);
    b.proc.writeStdin(bytes);
    b.proc.closeStdin();
    await until(() => answered(p, lastKey), 'the restarted server to answer', 600_000);
    const restartAnswered = performance.now() - t1;
    await b.proc.kill();
    reload.push({ keys: n, update: { pause: u.timings.pause!, answered: updateAnswered }, restart: { answered: restartAnswered, load: firstLoad }, ratio: restartAnswered / updateAnswered });
  }

  const f = (x: number, d = 1) => x.toFixed(d);
  log(`\n3. kv demo (memcached text protocol), ${cfg.connections} connections in request-response loops, half get half set, the clients in a process of their own`);
  log(`requests/s: with Kitsune ${Math.round(med(rps.kitsune))}, without ${Math.round(med(rps.plain))}${rps.native ? `, native (gcc -O2) ${Math.round(med(rps.native))}` : ''} (medians of ${cfg.rounds} runs of ${cfg.seconds} s, alternated): ratio ${f(ratio, 3)}`);
  log(`  without Kitsune = same source with its update point and migration calls compiled away (nothing instrumented), same runtime and host`);
  log(`longest wait a client saw: ${f(calm.maxWait)} ms with no update, ${f(busy.maxWait)} ms across ${pauses.length} updates (pause median ${f(med(pauses), 2)} ms, max ${f(Math.max(...pauses), 2)} ms); ${busy.requests} requests, ${busy.wrong} wrong, ${busy.dropped} connections dropped, ${failed} updates not committed`);
  log(`update vs restart-and-reload from a file (time until a client is answered by the new server):`);
  for (const r of reload) {
    log(`  ${r.keys.toLocaleString('en-US').padStart(9)} keys: update ${f(r.update.answered)} ms (pause ${f(r.update.pause, 2)} ms), restart ${f(r.restart.answered)} ms: restart/update ${f(r.ratio)}x`);
  }
  return { config: cfg, rps, rpsRatio: ratio, maxWait: { calm: calm.maxWait, updating: busy.maxWait }, pauses, updateFailures: failed, wrong: busy.wrong, dropped: busy.dropped, reload };
}

// Alone: node dist/bench/kv.js [--quick]
if (process.argv[1] && fileEndsWith(process.argv[1], 'bench/kv.js')) {
  kvBench(process.argv.includes('--quick')).then(() => process.exit(0), (e) => { console.error(e); process.exit(1); });
}
function fileEndsWith(p: string, tail: string) { return p.replace(/\\/g, '/').endsWith(tail); }

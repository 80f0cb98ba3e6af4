// Threads in `npm run bench` (its section: bench/threads-report.ts):
//  1. the update pause against the number of threads (1, 4, 16, 64), each an
//     idle worker in Kitsune's condition wait that every update relaunches
//     (bench/threads-update.c; two builds of one source, updated back and forth);
//  2. the thread-pool server's throughput (test/programs/threads/pool.c: an
//     acceptor, four workers, a queue and a table under mutexes; one
//     connection per request, as its clients in the tests do) built with
//     Kitsune, without (the same source with Kitsune's calls compiled away,
//     on the same driver: the threads stay cooperative), and natively (gcc
//     -O2 -pthread, real threads), alternated round by round.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { build } from 'kitsune-wasm/compiler';
import { KitsuneProcess } from 'kitsune-wasm';
import { ask, freePort, startNative } from './kv-client.js';
import { stats, paired, type Stats } from './report.js';
import type { ThreadsConfig, ThreadsResults } from './threads-report.js';

const root = new URL('../../', import.meta.url); // from dist/bench/threads-bench.js
const POOL = new URL('test/programs/threads/pool.c', root).pathname;
/** Kitsune's calls compiled away, for the build "without": kitsune.h and ktthreads.h left out by their guards. */
const NO_KITSUNE = [
  'KITSUNE_WASM_H', 'KT_THREADS', 'kitsune_update(p)=((void)0)', 'kitsune_do_automigrate()=((void)0)', 'kitsune_is_updating()=0',
  'kitsune_pthread_create=pthread_create', 'ktthreads_pthread_cond_wait=pthread_cond_wait',
  'ktthreads_ms_sleep(ms)=usleep((ms)*1000)',
];

export const threadsConfig = (quick: boolean): ThreadsConfig => (quick
  ? { threads: [1, 4, 16, 64], updates: 4, clients: 12, seconds: 1.5, rounds: 2 }
  : { threads: [1, 4, 16, 64], updates: 12, clients: 12, seconds: 4, rounds: 5 });

async function until(cond: () => boolean, what: string, ms = 60_000) {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

async function startWasm(wasm: Uint8Array, args: string[], port?: number) {
  let out = '';
  const proc = await KitsuneProcess.start(wasm, {
    args, argv0: 'pool.wasm', inheritStdin: false, ...(port ? { grants: { net: [`127.0.0.1:${port}`] } } : {}),
    stdout: (b) => { out += new TextDecoder().decode(b); },
    stderr: (b) => process.stderr.write(b),
    onEvent: (e) => { if (e.type === 'crash') console.error(`crash: ${e.message}`); },
  });
  return { out: () => out, kill: () => proc.kill().then(() => undefined), proc };
}



/** `clients` clients asking INCR in a loop for `seconds`: requests per second, and replies not of the form "vN key count". */
async function load(port: number, clients: number, seconds: number): Promise<{ rps: number; wrong: number }> {
  let stop = false, done = 0, wrong = 0;
  const t0 = performance.now();
  const loops = Array.from({ length: clients }, async (_, c) => {
    for (let i = 0; !stop; i++) {
      const key = `k${(c + i) % 8}`;
      if (!new RegExp(`^v\\d ${key} \\d+$`).test(await ask(port, `INCR ${key}`))) wrong++;
      done++;
    }
  });
  await new Promise((r) => setTimeout(r, seconds * 1000));
  stop = true;
  await Promise.all(loops);
  return { rps: done / ((performance.now() - t0) / 1000), wrong };
}

/** The median pause of `updates` updates of a program with `n` idle threads, each relaunched every time. */
async function pauseWith(a: Uint8Array, b: Uint8Array, n: number, updates: number): Promise<Stats> {
  const run = await startWasm(a, [String(n)]);
  try {
    await until(() => run.out().includes('ready'), `the program with ${n} threads to start`);
    const pauses: number[] = [];
    for (let i = 0; i < updates; i++) {
      const r = await run.proc.update(i % 2 ? a : b, { timeoutMs: 10_000 });
      if (r.outcome !== 'committed') throw new Error(`threads bench, update ${i + 1} with ${n} threads: ${r.outcome} at ${r.stage}: ${r.reason}`);
      pauses.push(r.timings.pause ?? NaN);
      await new Promise((res) => setTimeout(res, 20));
    }
    return stats(pauses);
  } finally {
    await run.kill();
  }
}

function buildNative(dir: string): string {
  const exe = path.join(dir, 'pool');
  const r = spawnSync('gcc', ['-O2', '-pthread', '-DPLAIN', `-I${new URL('bench/programs/plain/', root).pathname}`, '-o', exe, POOL], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`gcc -O2 -pthread ${POOL} failed:\n${r.stderr}`);
  return exe;
}

export async function threadsBench(quick: boolean, log: (s: string) => void = console.log, opts: { gcc: boolean }): Promise<ThreadsResults> {
  const cfg = threadsConfig(quick);
  const say = (s: string) => process.stderr.write(`${s}\n`);
  say('threads: building the update-pause program and the thread-pool server (with Kitsune, without, native)...');
  const quiet = console.log;
  console.log = console.error;
  const updText = fs.readFileSync(new URL('bench/threads-update.c', root), 'utf8');
  // Two builds of one source, neither --from the other: updates go back and forth between them.
  const [a, b] = await Promise.all(['1', '2'].map(async (l) => (await build({ sources: [{ path: 'threads-update.c', text: `/* ${l} */\n${updText}` }], name: 'threads-update', optimize: 2 })).wasm));
  const poolText = fs.readFileSync(POOL, 'utf8');
  const kitsune = (await build({ sources: [{ path: 'pool.c', text: poolText }], name: 'pool', optimize: 2 })).wasm;
  const plain = (await build({ sources: [{ path: 'pool.c', text: poolText }], name: 'pool', optimize: 2, defines: NO_KITSUNE })).wasm;
  console.log = quiet;
  const nativeDir = opts.gcc ? fs.mkdtempSync(path.join(os.tmpdir(), 'kitsune-bench-threads-')) : undefined;
  try {
    const native = nativeDir ? buildNative(nativeDir) : undefined;

    const pause: ThreadsResults['pause'] = [];
    for (const n of cfg.threads) {
      say(`threads: update pause with ${n} thread(s)...`);
      pause.push({ threads: n, pause: await pauseWith(a, b, n, cfg.updates) });
    }

    const rps: ThreadsResults['rps'] = { kitsune: [], plain: [], ...(native ? { native: [] } : {}) };
    let wrong = 0;
    for (let r = 0; r < cfg.rounds; r++) {
      const order: ('kitsune' | 'plain' | 'native')[] = r % 2 ? ['plain', 'kitsune'] : ['kitsune', 'plain'];
      if (native) order.push('native');
      for (const name of order) {
        say(`threads: pool throughput, ${name}, round ${r + 1}/${cfg.rounds}...`);
        const port = await freePort();
        const server = name === 'native' ? startNative(native!, port) : await startWasm(name === 'kitsune' ? kitsune : plain, [String(port)], port);
        try {
          await until(() => server.out().includes('ready'), `the ${name} pool server to listen`);
          const res = await load(port, cfg.clients, cfg.seconds);
          rps[name]!.push(res.rps);
          wrong += res.wrong;
        } finally {
          await server.kill();
        }
      }
    }
    const results: ThreadsResults = {
      config: cfg, pause, rps, wrong,
      kitsuneOverPlain: paired(rps.plain, rps.kitsune),
      ...(rps.native ? { plainOverNative: paired(rps.native, rps.plain), kitsuneOverNative: paired(rps.native, rps.kitsune) } : {}),
    };
    const med = (xs: number[]) => stats(xs).median;
    log(`\nThreads: update pause against the number of threads (${cfg.updates} updates each, every thread relaunched), ms median: ${pause.map((p) => `${p.threads}: ${p.pause.median.toFixed(1)}`).join(', ')}`);
    log(`thread-pool server, requests/s (${cfg.clients} clients, a connection per request, medians of ${cfg.rounds} rounds of ${cfg.seconds} s, alternated): with Kitsune ${Math.round(med(rps.kitsune))}, without ${Math.round(med(rps.plain))}${rps.native ? `, native (gcc -O2 -pthread) ${Math.round(med(rps.native))}` : ''}; time per request with ÷ without ${results.kitsuneOverPlain.median.toFixed(3)}${results.kitsuneOverNative ? `, with ÷ native ${results.kitsuneOverNative.median.toFixed(2)}` : ''}; wrong replies ${wrong}`);
    if (wrong) throw new Error(`threads bench: ${wrong} replies of the pool server were not the expected line`);
    return results;
  } finally {
    if (nativeDir) fs.rmSync(nativeDir, { recursive: true, force: true });
  }
}

// Alone: `node dist/bench/threads-bench.js [--quick]` (the report's other sections untouched).
if (process.argv[1] && process.argv[1].replace(/\\/g, '/').endsWith('bench/threads-bench.js')) {
  const gcc = spawnSync('gcc', ['--version']).status === 0;
  threadsBench(process.argv.includes('--quick'), console.log, { gcc }).then((r) => {
    console.log(JSON.stringify(r));
    process.exit(0);
  }, (e) => { console.error(e instanceof Error ? e.message : e); process.exit(1); });
}

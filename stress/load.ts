// Load: the kv demo server (demos/kv) under a steady stream of set/get
// requests over many connections while it is updated `updates` times
// (v1 -> v2 -> v3 -> v1 ...). Counts dropped connections, lost and wrong
// answers, and the longest wait any client saw; checks every key at the end.
import fs from 'node:fs';
import path from 'node:path';
import { KitsuneProcess } from 'kitsune-wasm';
import { KvClient, freePort } from '../bench/kv-client.js';
import { buildCached, ROOT, Tally, log, sleep, within, median, max, type Rng, type Category } from './common.js';

export async function runLoad(updates: number, connections: number, r: Rng): Promise<Category> {
  const t = new Tally(`load: kv, ${connections} conns, ${updates} updates`);
  const src = (v: number) => fs.readFileSync(path.join(ROOT, `demos/kv/v${v}.c`), 'utf8');
  const v1 = await buildCached({ source: src(1), file: 'kv.c', name: 'kv', optimize: 2 });
  const v2 = await buildCached({ source: src(2), file: 'kv.c', name: 'kv', optimize: 2, from: v1 });
  const v3 = await buildCached({ source: src(3), file: 'kv.c', name: 'kv', optimize: 2, from: v2 });
  const port = await freePort();
  let out = '';
  const dec = new TextDecoder();
  const proc = await KitsuneProcess.start(v1, {
    args: [String(port)], argv0: 'kv.wasm', grants: { net: [`127.0.0.1:${port}`] },
    stdout: (b) => { out += dec.decode(b); if (out.length > 1e5) out = out.slice(-5e4); },
    stderr: (b) => { out += dec.decode(b); },
  });
  for (let i = 0; i < 200 && !/listening/.test(out); i++) await sleep(50);
  const clients = await Promise.all(Array.from({ length: connections }, () => KvClient.connect(port)));
  let stop = false, sent = 0, answered = 0;
  const written = new Map<string, string>();
  const wrong: string[] = [], lost: string[] = [];
  const work = clients.map(async (c, ci) => {
    for (let i = 0; !stop; i++) {
      const key = `c${ci}-k${i % 200}`, value = `v${ci}.${i}.${'x'.repeat(i % 50)}`;
      try {
        sent++;
        const stored = await c.set(key, value);
        answered++;
        if (stored !== 'STORED\r\n') wrong.push(`${key}: set answered ${JSON.stringify(stored)}`);
        written.set(key, value);
        sent++;
        const got = await c.get(key);
        answered++;
        if (got !== value) wrong.push(`${key}: expected ${JSON.stringify(value)}, got ${JSON.stringify(got)}`);
      } catch (e) {
        lost.push(`${key}: ${(e as Error).message}`);
        return;
      }
    }
  });
  const versions = [v2, v3, v1];
  const pauses: number[] = [];
  const started = performance.now();
  for (let u = 0; u < updates; u++) {
    await sleep(r.int(30, 150));
    try {
      const res = await within(proc.update(versions[u % 3], { timeoutMs: 10000 }), 30000, `update ${u + 1}`);
      t.check(res.outcome === 'committed', () => `update ${u + 1}: ${JSON.stringify(res)}`);
      if (res.timings.pause !== undefined) pauses.push(res.timings.pause);
    } catch (e) { t.fail(`update ${u + 1}: ${(e as Error).message}`); }
    if ((u + 1) % 25 === 0) log(`load: ${u + 1}/${updates} updates, ${answered} answers`);
  }
  await sleep(200);
  stop = true;
  await within(Promise.all(work), 30000, 'the clients\' last requests').catch((e) => lost.push(String(e)));
  const secs = (performance.now() - started) / 1000;
  const dropped = clients.filter((c) => c.closed).length;
  t.check(dropped === 0, () => `${dropped} connection(s) dropped: ${clients.find((c) => c.closed)?.error?.message}`);
  t.check(lost.length === 0 && sent === answered, () => `${sent - answered} request(s) lost: ${lost.slice(0, 3).join('; ')}`);
  t.check(wrong.length === 0, () => `${wrong.length} wrong answer(s): ${wrong.slice(0, 3).join('; ')}`);
  const check = await KvClient.connect(port);
  let missing = 0;
  for (const [k, v] of written) if ((await check.get(k)) !== v) missing++;
  t.check(missing === 0, () => `${missing} of ${written.size} keys missing or stale after the updates`);
  const expectVersion = `VERSION kitsune-kv ${[2, 3, 1][(updates - 1) % 3]}\r\n`;
  const version = await check.request('version\r\n');
  t.check(version === expectVersion, () => `version: ${JSON.stringify(version)}, expected ${JSON.stringify(expectVersion)}`);
  const maxWait = max(clients.map((c) => c.maxWait));
  t.notes.push(`${answered} answers in ${secs.toFixed(0)} s (${(answered / secs).toFixed(0)}/s); dropped ${dropped}, lost ${sent - answered}, wrong ${wrong.length}; pause med ${median(pauses).toFixed(1)} ms, max ${max(pauses).toFixed(1)} ms; longest client wait ${maxWait.toFixed(1)} ms; ${written.size} keys checked`);
  for (const c of [...clients, check]) c.close();
  await proc.kill();
  return t.result();
}

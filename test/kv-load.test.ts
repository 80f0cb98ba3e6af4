// The kv demo under load: 50 clients keep a steady stream of set/get
// requests going while the server is updated 20 times, v1 -> v2 -> v3 -> v1...
// No connection drops, every answer is right, every key is still there.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import { buildC, start } from './helpers.js';
import { KvClient, freePort } from '../bench/kv-client.js';

const src = (v: number) => fs.readFileSync(new URL(`../demos/kv/v${v}.c`, import.meta.url), 'utf8');

test('50 connections, 20 updates: nothing dropped, lost or wrong', async () => {
  const v1 = await buildC(src(1), { file: 'kv.c', name: 'kv', optimize: 2 });
  const v2 = await buildC(src(2), { file: 'kv.c', name: 'kv', optimize: 2, from: v1 });
  const v3 = await buildC(src(3), { file: 'kv.c', name: 'kv', optimize: 2, from: v2 });
  const port = await freePort();
  const run = await start(v1, [String(port)], { grants: { net: [`127.0.0.1:${port}`] } });
  await run.waitFor(/kv v1: listening/);
  const clients = await Promise.all(Array.from({ length: 50 }, () => KvClient.connect(port)));
  let stop = false, requests = 0;
  const written = new Map<string, string>();
  const failures: string[] = [];
  const work = clients.map(async (c, ci) => {
    for (let i = 0; !stop; i++) {
      const key = `c${ci}-k${i % 200}`, value = `v${ci}.${i}.${'x'.repeat(i % 50)}`;
      const stored = await c.set(key, value);
      if (stored !== 'STORED\r\n') failures.push(`${key}: set answered ${JSON.stringify(stored)}`);
      written.set(key, value);
      const got = await c.get(key);
      if (got !== value) failures.push(`${key}: expected ${JSON.stringify(value)}, got ${JSON.stringify(got)}`);
      requests += 2;
    }
  });
  const versions = [v2, v3, v1];
  const pauses: number[] = [];
  for (let u = 0; u < 20; u++) {
    await new Promise((r) => setTimeout(r, 100));
    const r = await run.proc.update(versions[u % 3], { timeoutMs: 10000 });
    assert.is(r.outcome, 'committed', JSON.stringify(r));
    pauses.push(r.timings.pause!);
  }
  await new Promise((r) => setTimeout(r, 200));
  stop = true;
  await Promise.all(work.map((w) => w.catch((e) => failures.push(String(e)))));
  assert.equal(failures.slice(0, 5), [], `${failures.length} failures`);
  assert.ok(clients.every((c) => !c.closed), 'a connection was dropped');
  // v3 (20 updates: v2 v3 v1 ... ends on v3) still has every key with its last value.
  const check = await KvClient.connect(port);
  for (const [k, v] of written) assert.is(await check.get(k), v, k);
  const version = await check.request('version\r\n');
  assert.is(version, 'VERSION kitsune-kv 3\r\n');
  const maxWait = Math.max(...clients.map((c) => c.maxWait));
  console.log(`  ${requests} requests over 50 connections, 20 updates; pause median ${pauses.sort((a, b) => a - b)[10].toFixed(1)} ms, max ${pauses[19].toFixed(1)} ms; longest client wait ${maxWait.toFixed(1)} ms; ${written.size} keys checked`);
  for (const c of [...clients, check]) c.close();
  await run.proc.kill();
});

test.run();

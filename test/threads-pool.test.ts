// The thread-pool server (test/programs/threads/pool.c: an acceptor, four
// workers, a queue and a table under mutexes) updated 20 times under client
// load: every request answered once and right, every thread relaunched,
// the table intact through a type change (.xf); then a thread that faults in
// the new version and a thread that never reaches an update point, each
// leaving every old thread running where it stopped.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import { buildC, start, type Running } from './helpers.js';
import { ask, freePort } from '../bench/kv-client.js';

const src = fs.readFileSync(new URL('./programs/threads/pool.c', import.meta.url), 'utf8');
const spec = fs.readFileSync(new URL('./programs/threads/pool-v3.xf', import.meta.url), 'utf8');


/**
 * SUM, once every connection answered so far is counted: a worker counts a
 * connection served just after the close its client saw, and may wait for
 * the table's lock first, so a SUM asked at once can come before the last
 * counts. Asked again, each SUM's own connection counts too: `expected(k)` is
 * the reply wanted after k earlier SUMs. Returns the last reply and k.
 */
async function settledSum(port: number, expected: (sums: number) => string): Promise<{ sum: string; sums: number }> {
  let sums = 0, sum = '';
  for (const deadline = Date.now() + 5000; ; sums++) {
    sum = await ask(port, 'SUM');
    if (sum === expected(sums) || Date.now() > deadline) return { sum, sums };
    await new Promise((res) => setTimeout(res, 50));
  }
}

async function server(v1: Uint8Array): Promise<{ r: Running; port: number }> {
  const port = await freePort();
  const r = await start(v1, [String(port)], { grants: { net: [`127.0.0.1:${port}`] } });
  await r.waitFor(/v1 ready/);
  return { r, port };
}

let v1: Uint8Array, v2: Uint8Array, v3: Uint8Array;

test.before(async () => {
  v1 = await buildC(src, { defines: ['VERSION=1'] });
  v2 = await buildC(src, { defines: ['VERSION=2'], from: v1 });
  v3 = await buildC(src, { defines: ['VERSION=3'], from: v2, xf: spec });
});

test('20 updates under load: no request lost or answered wrongly, every thread relaunched, the table intact', async () => {
  // Versions 4 and 5: version 3's types, built on their own (no --from): updates between them migrate by key and type.
  const v4 = await buildC(src, { defines: ['VERSION=3', 'LABEL=4'] });
  const v5 = await buildC(src, { defines: ['VERSION=3', 'LABEL=5'] });
  const { r, port } = await server(v1);
  try {
    const KEYS = 8, CLIENTS = 12;
    const replies = new Map<string, number[]>();
    const labels = new Set<string>();
    let stop = false, sent = 0;
    const client = async (c: number) => {
      for (let i = 0; !stop; i++) {
        const key = `k${(c + i) % KEYS}`;
        sent++;
        const line = await ask(port, `INCR ${key}`);
        const m = line.match(/^v(\d) (k\d) (\d+)$/);
        assert.ok(m && m[2] === key, `reply to INCR ${key}: ${JSON.stringify(line)}`);
        labels.add(m[1]);
        (replies.get(key) ?? replies.set(key, []).get(key)!).push(Number(m[3]));
      }
    };
    const load = Promise.all(Array.from({ length: CLIENTS }, (_, c) => client(c)));
    const chain = [v2, v3, ...Array.from({ length: 18 }, (_, i) => (i % 2 ? v5 : v4))];
    const pauses: number[] = [];
    for (const [i, v] of chain.entries()) {
      await new Promise((res) => setTimeout(res, 60));
      const result = await r.proc.update(v, { timeoutMs: 10000 });
      assert.is(result.outcome, 'committed', `update ${i + 1}: ${JSON.stringify(result)}`);
      pauses.push(result.timings.pause ?? NaN);
    }
    await new Promise((res) => setTimeout(res, 200));
    stop = true;
    await load;
    // Each key's INCR replies are 1..n exactly once: none lost, none doubled, none answered from a stale table.
    let total = 0;
    for (const [key, values] of replies) {
      values.sort((a, b) => a - b);
      assert.equal(values, values.map((_, i) => i + 1), `INCR replies for ${key}`);
      total += values.length;
    }
    assert.is(total, sent);
    assert.ok(['1', '2', '3', '4', '5'].every((l) => labels.has(l)), `answers from every version: ${[...labels]}`);
    const want = (k: number) => `v5 sum ${total} entries ${KEYS} served ${total + k}`;
    const { sum, sums } = await settledSum(port, want);
    assert.is(sum, want(sums));
    // Main said it took over 20 times; the relaunched threads answered (the labels above).
    assert.is((r.out().match(/took over/g) ?? []).length, 20);
    // The old versions' static data is reclaimed with threads running (the scan reads their stacks and save buffers as live memory).
    const deadline = Date.now() + 8000;
    while (!r.events.some((e) => e.type === 'reclaim' && e.what === 'static-data' && e.freed) && Date.now() < deadline) await new Promise((res) => setTimeout(res, 200));
    assert.ok(r.events.some((e) => e.type === 'reclaim' && e.what === 'static-data' && e.freed), `no old version's static data reclaimed: ${JSON.stringify(r.events.filter((e) => e.type === 'reclaim'))}`);
    assert.is(await ask(port, 'SUM'), `v5 sum ${total} entries ${KEYS} served ${total + sums + 1}`); // the SUMs' connections count
    pauses.sort((a, b) => a - b);
    console.log(`  ${total} requests from ${CLIENTS} clients over 20 updates; pause median ${pauses[10].toFixed(1)} ms, max ${pauses[19].toFixed(1)} ms`);
  } finally {
    await r.proc.kill();
  }
});

test('a thread that traps in the new version rolls the update back; every old thread goes on with the table intact', async () => {
  const bad = await buildC(src.replace('static void *worker(void *arg) {\n  (void)arg;', 'static void *worker(void *arg) {\n  if (kitsune_is_updating() && (long)arg == 2) __builtin_trap();'), { defines: ['VERSION=2'], from: v1 });
  const { r, port } = await server(v1);
  try {
    for (let i = 0; i < 5; i++) await ask(port, 'INCR a');
    const result = await r.proc.update(bad);
    assert.is(result.outcome, 'rolled-back', JSON.stringify(result));
    assert.match(result.reason ?? '', /^thread 5 \(worker\): trap: unreachable/, JSON.stringify(result));
    const replies = await Promise.all(Array.from({ length: 12 }, () => ask(port, 'INCR a')));
    assert.equal(replies.map((l) => Number(l.split(' ')[2])).sort((a, b) => a - b), Array.from({ length: 12 }, (_, i) => i + 6));
    assert.ok(replies.every((l) => l.startsWith('v1 ')), replies.join('\n'));
    const want = (k: number) => `v1 sum 17 entries 1 served ${17 + k}`;
    const { sum, sums } = await settledSum(port, want);
    assert.is(sum, want(sums));
    // The old version can still be updated, its threads relaunched.
    assert.is((await r.proc.update(v2)).outcome, 'committed');
    assert.is(await ask(port, 'INCR a'), 'v2 a 18');
  } finally {
    await r.proc.kill();
  }
});

test('a thread that never reaches an update point: the request is withdrawn at its deadline, and the parked threads go on', async () => {
  const stuck = await buildC(src.replace('int main(int argc, char **argv) {', 'static void *busy(void *arg) { for (;;) usleep(1000); return arg; }\nint main(int argc, char **argv) {')
    .replace('printf("v" STR(LABEL) " ready\\n");', 'kitsune_pthread_create(&t, 0, busy, 0);\n    printf("v" STR(LABEL) " ready\\n");'), { defines: ['VERSION=1'] });
  const { r, port } = await server(stuck);
  try {
    assert.is(await ask(port, 'INCR b'), 'v1 b 1');
    const result = await r.proc.update(v2.length ? await buildC(src, { defines: ['VERSION=1', 'LABEL=9'] }) : v2, { timeoutMs: 1500 });
    assert.is(result.outcome, 'refused', JSON.stringify(result));
    assert.match(result.reason ?? '', /within 1500 ms/);
    const replies = await Promise.all(Array.from({ length: 8 }, () => ask(port, 'INCR b')));
    assert.equal(replies.map((l) => l.split(' ')[2]).sort(), ['2', '3', '4', '5', '6', '7', '8', '9']);
    assert.ok(replies.every((l) => l.startsWith('v1 ')));
  } finally {
    await r.proc.kill();
  }
});

test.run();

// Control migration with two update points (demos/points): updated while in
// the inner "session" loop, the new version goes straight back into the open
// session at its next item; updated while in the outer "accept" loop, it goes
// back to accepting. Every item line carries the state (session, item, value,
// subtotal, total), checked in full: nothing skipped, repeated or lost.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import { buildC, start } from './helpers.js';

const read = (v: string) => fs.readFileSync(new URL(`../demos/points/${v}.c`, import.meta.url), 'utf8');

let v1: Uint8Array, v2: Uint8Array;
test.before(async () => {
  v1 = await buildC(read('v1'), { file: 'points.c', name: 'points' });
  v2 = await buildC(read('v2'), { file: 'points.c', name: 'points', from: v1 });
});

const SESSIONS = 4;
const count = (s: number) => s + 2;
const value = (s: number, k: number) => s * 10 + k;

interface Item { version: string; session: number; item: number; of: number; value: number; subtotal: number; total: number }

/**
 * Checks every line against the model: sessions 1..4 with their items in
 * order, each scored once by the version that ran it (v1: its value, v2:
 * twice), subtotals and totals carried through the update; one switch from
 * v1 to v2. Returns the first item v2 ran.
 */
function check(out: string): { first: Item; last: Item } {
  const items: Item[] = [];
  for (const l of out.split('\n')) {
    if (!/ item \d+\/\d+ /.test(l)) continue;
    const m = /^(v[12]) session (\d+) item (\d+)\/(\d+) value (\d+)( x2)? subtotal (\d+) total (\d+)$/.exec(l);
    assert.ok(m, `unexpected line: ${l}`);
    assert.is(!!m![6], m![1] === 'v2', `v2 scores double, v1 does not: ${l}`);
    items.push({ version: m![1], session: +m![2], item: +m![3], of: +m![4], value: +m![5], subtotal: +m![7], total: +m![8] });
  }
  const expected: [number, number][] = [];
  for (let s = 1; s <= SESSIONS; s++) for (let k = 1; k <= count(s); k++) expected.push([s, k]);
  assert.equal(items.map((i) => [i.session, i.item]), expected, 'every item of every session, once, in order');
  let total = 0, subtotal = 0, switched = -1;
  items.forEach((it, n) => {
    if (it.item === 1) subtotal = 0;
    const score = it.version === 'v1' ? it.value : 2 * it.value;
    subtotal += score;
    total += score;
    assert.is(it.of, count(it.session));
    assert.is(it.value, value(it.session, it.item), `the batch on the heap: ${JSON.stringify(it)}`);
    assert.is(it.subtotal, subtotal, `subtotal: ${JSON.stringify(it)}`);
    assert.is(it.total, total, `total: ${JSON.stringify(it)}`);
    if (n && items[n - 1].version !== it.version) {
      assert.is(switched, -1, 'one switch only');
      assert.is(`${items[n - 1].version}->${it.version}`, 'v1->v2');
      switched = n;
    }
  });
  assert.ok(switched > 0, 'v2 ran some of the items, v1 the ones before');
  // The end: v2 walks the history list, built by both versions, on the heap.
  const subtotals = new Map<number, number>();
  for (const it of items) subtotals.set(it.session, it.subtotal);
  const history = [...subtotals].reverse().map(([s, st]) => `${s}:${st}`).join(' ');
  assert.ok(out.includes(`v2 done: ${SESSIONS} sessions, total ${total}, history ${history}\n`), `final line: expected history ${history}, total ${total}\n${out}`);
  return { first: items[switched], last: items[switched - 1] };
}

test('updated in the inner loop: v2 resumes the open session at its next item', async () => {
  const run = await start(v1, [String(SESSIONS), '120', '150']);
  await run.waitFor(/^v1 session 2 item 2\/4 .*\n/m);
  const r = await run.proc.update(v2, { timeoutMs: 5000 });
  assert.is(r.outcome, 'committed', JSON.stringify(r));
  assert.is(r.point, 'session');
  for (const k of ['total', 'opened', 'current', 'history', 'main#closed', 'run_session#i']) assert.ok(r.migrated!.includes(k), `${k} migrated: ${r.migrated}`);
  assert.is(await run.proc.exited, 0);
  const out = run.out();
  const { first, last } = check(out);
  // The request cut v1's 120 ms sleep after item 2 short: v2 took item 3.
  assert.equal([last.version, last.session, last.item], ['v1', 2, 2], out);
  assert.equal([first.version, first.session, first.item], ['v2', 2, 3], out);
  // Session 1 by v1: 11+12+13 = 36; session 2: 21+22 by v1, then 2*(23+24) by v2.
  assert.match(out, /^v2 took over in the session loop: session 2 open, 1 closed, total 79$/m);
  assert.match(out, /^v2 session 2 resumes at item 3\/4$/m);
  assert.not.match(out, /took over in the accept loop/);
  // Session 2 was opened by v1 only: v2 did not pass through the accept step for it.
  assert.equal(out.match(/v\d accept: session \d+ opened/g), ['v1 accept: session 1 opened', 'v1 accept: session 2 opened', 'v2 accept: session 3 opened', 'v2 accept: session 4 opened']);
  assert.match(out, /^v2 session 2 closed: subtotal 137, total 173, 2 closed$/m);
});

test('updated in the outer loop: v2 resumes accepting, the closed sessions kept', async () => {
  const run = await start(v1, [String(SESSIONS), '30', '400']);
  await run.waitFor(/^v1 session 2 closed: .*\n/m);
  const r = await run.proc.update(v2, { timeoutMs: 5000 });
  assert.is(r.outcome, 'committed', JSON.stringify(r));
  assert.is(r.point, 'accept');
  assert.ok(r.migrated!.includes('main#closed') && !r.migrated!.includes('run_session#i'), `migrated: ${r.migrated}`);
  // The request cut v1's 400 ms wait for a connection short.
  assert.ok(r.timings.wait! < 200, `waited ${r.timings.wait} ms for the update point`);
  assert.is(await run.proc.exited, 0);
  const out = run.out();
  const { first, last } = check(out);
  assert.equal([last.version, last.session, last.item], ['v1', 2, 4], out);
  assert.equal([first.version, first.session, first.item], ['v2', 3, 1], out);
  // Sessions 1 and 2 scored by v1: 11+12+13 = 36, 21+22+23+24 = 90.
  assert.match(out, /^v1 session 2 closed: subtotal 90, total 126, 2 closed$/m);
  assert.match(out, /^v2 took over in the accept loop: 2 closed, total 126$/m);
  assert.not.match(out, /took over in the session loop|resumes at item/);
  assert.equal(out.match(/v\d accept: session \d+ opened/g), ['v1 accept: session 1 opened', 'v1 accept: session 2 opened', 'v2 accept: session 3 opened', 'v2 accept: session 4 opened']);
  // v2 scored sessions 3 and 4: 2*(31+..+35) = 330, 2*(41+..+46) = 522.
  assert.ok(out.includes('v2 done: 4 sessions, total 978, history 4:522 3:330 2:90 1:36\n'), out);
});

test.run();

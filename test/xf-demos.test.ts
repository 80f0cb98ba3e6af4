// The .xf demos (demos/xf/*): one per kind of type change. Each is built as a
// user would build it (v1, then v2 --from v1 with its v2.xf), v1 runs a few
// ticks, is updated to v2 while it runs, and every line either version prints
// is compared, exactly, with a model of the program's state computed here:
// v2's first line ("took over at tick K") shows the state v1 left at tick K in
// its new shape, and v2's ticks go on from it. Nothing is checked by "it ran".
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import { build, type BuildResult } from 'kitsune-wasm/compiler';
import { start } from './helpers.js';

const MS_PER_TICK = '40';

const read = (demo: string, file: string) => ({ path: file, text: fs.readFileSync(new URL(`../demos/xf/${demo}/${file}`, import.meta.url), 'utf8') });

async function buildDemo(demo: string, opts: { xf?: boolean } = {}): Promise<{ v1: BuildResult; v2: BuildResult }> {
  const v1 = await build({ sources: [read(demo, 'v1.c')], name: demo, optimize: 1 });
  const v2 = await build({ sources: [read(demo, 'v2.c')], from: v1.wasm, name: demo, optimize: 1, ...(opts.xf === false ? {} : { xf: read(demo, 'v2.xf') }) });
  return { v1, v2 };
}

/** The migration plan of v2 (from v1): how each variable and type moves. */
function plan(b: { v2: BuildResult }): NonNullable<BuildResult['plan']> {
  assert.ok(b.v2.plan, 'v2 was built --from v1, so it has a plan');
  return b.v2.plan!;
}

interface Model {
  v1(t: number): string;
  /** v2's line right after migration, before its first tick; v1 stopped after tick k. */
  tookOver(k: number): string;
  v2(k: number, t: number): string;
}

/**
 * Runs v1, updates it to v2 once it has printed a few ticks, lets v2 run a few
 * ticks, and checks every line of output against the model. Returns K.
 */
async function runDemo(demo: string, model: Model, built?: { v1: BuildResult; v2: BuildResult }, rollsBack?: { wasm: Uint8Array; stage: string; reason: RegExp }): Promise<number> {
  const { v1, v2 } = built ?? await buildDemo(demo);
  const run = await start(v1.wasm, [MS_PER_TICK]);
  try {
    await run.waitFor(/^v1 tick 3:/m);
    if (rollsBack) {
      // A version that cannot take this state: v1 goes on as if nothing had happened.
      const r = await run.proc.update(rollsBack.wasm);
      assert.is(r.outcome, 'rolled-back', JSON.stringify(r));
      assert.is(r.stage, rollsBack.stage, JSON.stringify(r));
      assert.match(r.reason!, rollsBack.reason);
    }
    const r = await run.proc.update(v2.wasm);
    assert.is(r.outcome, 'committed', JSON.stringify(r));
    const k = Number((await run.waitFor(/^v2 took over at tick (\d+)/m))[1]);
    await run.waitFor(new RegExp(`^v2 tick ${k + 3}:`, 'm'));
    const lines = run.out().split('\n').filter((l) => l !== '');
    const expected = [
      ...Array.from({ length: k }, (_, i) => model.v1(i + 1)),
      model.tookOver(k),
      ...Array.from({ length: lines.length - k - 1 }, (_, i) => model.v2(k, k + 1 + i)),
    ];
    assert.ok(k >= 3, `updated at tick ${k}`);
    assert.equal(lines, expected, run.out());
    // The state's string literals (task names, paths, op names) now point to
    // v2's identical literals and old blocks were wiped when freed: nothing
    // points into v1's static data, so it was freed.
    const reclaim = run.events.find((e) => e.type === 'reclaim' && e.what === 'static-data');
    assert.ok(reclaim?.type === 'reclaim' && reclaim.version === 1 && reclaim.freed, `v1's static data: ${JSON.stringify(reclaim)}`);
    return k;
  } finally {
    await run.proc.kill();
  }
}

// ---------------------------------------------------------------- field-added

test('field-added: struct task gains priority (INIT from the estimate), the list moves to bigger blocks', async () => {
  const TASKS: [string, number][] = [['docs', 10], ['bugfix', 8], ['review', 2], ['deploy', 3]];
  const prio = (estimate: number) => (estimate <= 2 ? 1 : estimate <= 4 ? 2 : 3);
  /** Hours spent on each task after tick t, v1 (first come, first served) until tick k, v2 (best priority) after. */
  const spent = (k: number, t: number) => {
    const s = TASKS.map(() => 0);
    for (let i = 1; i <= t; i++) {
      let pick = -1;
      TASKS.forEach(([, e], j) => {
        if (s[j]! >= e) return;
        if (pick < 0 || (i > k && prio(e) < prio(TASKS[pick]![1]))) pick = j;
      });
      if (pick >= 0) s[pick]!++;
    }
    return s;
  };
  const row = (s: number[], withPrio: boolean) => TASKS.map(([n, e], j) => ` ${n} ${s[j]}/${e}${withPrio ? ` p${prio(e)}` : ''}`).join('');
  const built = await buildDemo('field-added');
  assert.equal(plan(built).types.map((d) => [d.old, d.kind]), [['struct task', 'deep']]);
  assert.equal(plan(built).variables.find((v) => v.key === 'tasks')?.action, 'transform');
  const k = await runDemo('field-added', {
    v1: (t) => `v1 tick ${t}:${row(spent(t, t), false)}`,
    tookOver: (k) => `v2 took over at tick ${k}:${row(spent(k, k), true)}`,
    v2: (k, t) => `v2 tick ${t}:${row(spent(k, t), true)}`,
  }, built);
  // The new behaviour on the old data: v2 left docs unfinished for review (p1).
  if (k < 9) assert.equal(spent(k, k + 1), [k, 0, 1, 0]);
});

// ---------------------------------------------------------------- field-retyped

test('field-retyped: int counters become long long and double, two renamed and rescaled by rules', async () => {
  const PATHS = ['/', '/api', '/img'];
  const secs = (ms: number) => `${Math.floor(ms / 1000)}.${String(ms % 1000).padStart(3, '0')}`;
  const v2row = (t: number) => PATHS.map((p, i) => ` ${p} hits=${t * (i + 1)} bytes=${4096 * t * (i + 1)} s=${secs(15 * t * (i + 1))}`).join('');
  const built = await buildDemo('field-retyped');
  assert.equal(plan(built).variables.find((v) => v.key === 'counters'), { key: 'counters', from: 'counters', newType: 'struct counter[3]', oldType: 'struct counter[3]', action: 'transform' });
  await runDemo('field-retyped', {
    v1: (t) => `v1 tick ${t}:${PATHS.map((p, i) => ` ${p} hits=${t * (i + 1)} kb=${4 * t * (i + 1)} ms=${15 * t * (i + 1)}`).join('')}`,
    tookOver: (k) => `v2 took over at tick ${k}:${v2row(k)}`,
    v2: (_k, t) => `v2 tick ${t}:${v2row(t)}`,
  }, built);
});

// ---------------------------------------------------------------- list-to-tree

interface TreeNode { key: number; left?: TreeNode; right?: TreeNode }

test('list-to-tree: a sorted list becomes a balanced search tree by a rule on the root variable', async () => {
  const keysAfter = (t: number) => {
    const s = new Set([10, 20, 30, 40, 50, 60, 70, 80]);
    for (let i = 1; i <= t; i++) s.add((i * 37) % 101);
    return [...s].sort((a, b) => a - b);
  };
  const balanced = (keys: number[], lo: number, hi: number): TreeNode | undefined => {
    if (lo >= hi) return undefined;
    const mid = lo + Math.floor((hi - lo) / 2);
    return { key: keys[mid]!, left: balanced(keys, lo, mid), right: balanced(keys, mid + 1, hi) };
  };
  const insert = (root: TreeNode, key: number) => {
    for (let n = root; ;) {
      if (key === n.key) return;
      const side = key < n.key ? 'left' : 'right';
      if (!n[side]) { n[side] = { key }; return; }
      n = n[side]!;
    }
  };
  const depth = (n?: TreeNode): number => (n ? 1 + Math.max(depth(n.left), depth(n.right)) : 0);
  const inorder = (n?: TreeNode): number[] => (n ? [...inorder(n.left), n.key, ...inorder(n.right)] : []);
  /** v2's tree at tick t: v1's list at tick k, balanced by the rule, then v2's inserts. */
  const tree = (k: number, t: number) => {
    const root = balanced(keysAfter(k), 0, keysAfter(k).length)!;
    for (let i = k + 1; i <= t; i++) insert(root, (i * 37) % 101);
    return root;
  };
  const v2row = (root: TreeNode) => {
    const keys = inorder(root);
    return `${keys.length} keys, depth ${depth(root)}, root ${root.key}: ${keys.join(' ')}`;
  };
  const built = await buildDemo('list-to-tree');
  assert.equal(plan(built).variables.find((v) => v.key === 'set')?.action, 'rule');
  const k = await runDemo('list-to-tree', {
    v1: (t) => `v1 tick ${t}: ${keysAfter(t).length} keys: ${keysAfter(t).join(' ')}`,
    tookOver: (k) => `v2 took over at tick ${k}: ${v2row(tree(k, k))}`,
    v2: (k, t) => `v2 tick ${t}: ${v2row(tree(k, t))}`,
  }, built);
  // Balanced: with n keys the depth is the least d with 2^d > n.
  const n = keysAfter(k).length;
  assert.is(depth(tree(k, k)), Math.ceil(Math.log2(n + 1)));
});

// ---------------------------------------------------------------- renamed-global

test('renamed-global: a global, a file static and a local static renamed by key', async () => {
  const line = (v: string, t: number, names: [string, string]) => `${v} tick ${t}: ${names[0]}=${t - Math.floor(t / 3)} ${names[1]}=${Math.floor(t / 3)} seen=${t}`;
  const built = await buildDemo('renamed-global');
  const moves = Object.fromEntries(plan(built).variables.map((v) => [v.key, [v.from, v.action]]));
  assert.equal(moves, { total: ['count', 'copy'], 'v2.c/refused': ['v1.c/rejected', 'copy'], 'v2.c/gate#seen': ['v1.c/admit#seen', 'copy'], ticks: ['ticks', 'copy'] });
  await runDemo('renamed-global', {
    v1: (t) => line('v1', t, ['count', 'rejected']),
    tookOver: (k) => `v2 took over at tick ${k}: total=${k - Math.floor(k / 3)} refused=${Math.floor(k / 3)}`,
    v2: (_k, t) => line('v2', t, ['total', 'refused']),
  }, built);
  // Without the spec the renamed variables are new ones, and v1's are dropped.
  const bare = await buildDemo('renamed-global', { xf: false });
  const bareMoves = Object.fromEntries(plan(bare).variables.map((v) => [v.key, v.action]));
  assert.equal(bareMoves, { total: 'new', 'v2.c/refused': 'new', 'v2.c/gate#seen': 'new', ticks: 'copy', count: 'dropped', 'v1.c/rejected': 'dropped', 'v1.c/admit#seen': 'dropped' });
});

// ---------------------------------------------------------------- fn-table

test('fn-table: a heap table of function pointers calls v2\'s functions by name, one renamed by a rule', async () => {
  const built = await buildDemo('fn-table');
  // Without the spec, the old pointer to mul() has nowhere to go: the update rolls back, naming it.
  const bare = await buildDemo('fn-table', { xf: false });
  assert.equal(plan(built).types.map((d) => [d.old, d.kind]).sort(), [['struct op', 'deep'], ['struct table', 'shallow']]);
  await runDemo('fn-table', {
    v1: (t) => `v1 tick ${t}: add(3,${t})=${3 + t} sub(3,${t})=${3 - t} mul(3,${t})=${3 * t}`,
    tookOver: (k) => `v2 took over at tick ${k}: 4 ops`,
    v2: (k, t) => `v2 tick ${t}: add(3,${t})=${3 + t} sub(3,${t})=${Math.abs(3 - t)} mul(3,${t})=${3 * t} gcd(3,${t})=${t % 3 === 0 ? 3 : 1} calls: ${Array(4).fill(t - k).join(' ')}`,
  }, built, { wasm: bare.v2.wasm, stage: 'migrate', reason: /struct op\.fn: a function pointer to `mul`, which the new version does not define/ });
});

test.run();

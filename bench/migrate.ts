// Updates whose types change: v1 of bench/programs/migrate.c holds a list of
// N nodes; in v2 (built --from v1 with a one-rule spec) the node gained a
// field, so the generated migration moves every node to a block of its new
// size. Each update runs in a fresh process (the same starting state every
// time); after the commit v2 checks every node and times two baselines over
// the same N objects in the same process: a bulk memcpy of their bytes, and
// the copy a programmer would write by hand (a malloc and a field copy per
// node, no address map). So one update gives its pause by stage and the
// migration's throughput against a plain copy of the same bytes.
import fs from 'node:fs';
import { build } from 'kitsune-wasm/compiler';
import { KitsuneProcess, type UpdateTimings } from 'kitsune-wasm';

export interface ChangedRun {
  timings: Partial<UpdateTimings>;
  /** Generated migration (the update's migrate stage), ms. */
  migrate: number;
  pause: number;
  memcpy: number;
  byHand: number;
  movedObjects: number;
  /** The Wasm memory's size before and after the update, bytes. */
  memoryBefore: number;
  memoryAfter: number;
}

export interface MigrateRow { n: number; runs: { migrate: number; pause: number; memcpy: number; byHand: number }[] }

export const MIGRATE_XF = 'INIT struct node.weight: { $out = $base.value & 7; }';

export async function buildMigrateVersions(programs: URL) {
  const text = fs.readFileSync(new URL('migrate.c', programs), 'utf8');
  const src = (v: number) => ({ sources: [{ path: 'migrate.c', text }], defines: [`VERSION=${v}`], optimize: 2 as const, name: 'migrate' });
  const v1 = await build(src(1));
  const v2 = await build({ ...src(2), from: v1.wasm, xf: { path: 'migrate.xf', text: MIGRATE_XF } });
  return { v1: v1.wasm, v2: v2.wasm };
}

async function waitFor(cond: () => boolean, what: string, ms = 120_000) {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`migration bench: timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** One update v1 -> v2 of a fresh process holding n nodes. */
export async function changedUpdate(v1: Uint8Array, v2: Uint8Array, n: number): Promise<ChangedRun> {
  let out = '';
  const dec = new TextDecoder();
  const proc = await KitsuneProcess.start(v1, { args: [String(n)], argv0: 'migrate.wasm', inheritStdin: false, stdout: (b) => { out += dec.decode(b, { stream: true }); } });
  try {
    await waitFor(() => out.includes('ready:'), `v1 to allocate ${n} nodes`);
    const memoryBefore = proc.memoryBytes();
    const r = await proc.update(v2, { timeoutMs: 120_000 });
    if (r.outcome !== 'committed') throw new Error(`migration bench (N=${n}): ${r.outcome} at ${r.stage}: ${r.reason}`);
    const memoryAfter = proc.memoryBytes();
    await waitFor(() => out.includes('migrated:'), 'v2 to check the nodes and time the baselines');
    const m = /migrated: (\d+) objects, (\d+) wrong; memcpy ([\d.]+) ms; by hand ([\d.]+) ms/.exec(out);
    if (!m || Number(m[1]) !== n || m[2] !== '0') throw new Error(`migration bench: unexpected output ${out}`);
    return {
      timings: r.timings, migrate: r.timings.migrate!, pause: r.timings.pause!, memcpy: Number(m[3]), byHand: Number(m[4]),
      movedObjects: r.movedObjects ?? NaN, memoryBefore, memoryAfter,
    };
  } finally {
    await proc.kill();
  }
}

/** Migration throughput alone (kept for `results.json`'s `migrate` field): `runs` updates at N nodes. */
export async function migrateBench(programs: URL, quick: boolean, n = 1_000_000): Promise<MigrateRow> {
  const { v1, v2 } = await buildMigrateVersions(programs);
  const runs: MigrateRow['runs'] = [];
  for (let i = 0; i < (quick ? 1 : 3); i++) {
    process.stderr.write(`migration throughput: run ${i + 1}...\n`);
    const r = await changedUpdate(v1, v2, n);
    runs.push({ migrate: r.migrate, pause: r.pause, memcpy: r.memcpy, byHand: r.byHand });
  }
  return { n, runs };
}

// Reproductions of the driver bugs `npm run stress` found, one per argument:
//   npx tsx stress/repro.ts link-leak      a failed link leaks the new version's stack and data
//   npx tsx stress/repro.ts snapshot-leak  a rollback with { snapshot: true } leaks the memory the update grew
//   npx tsx stress/repro.ts meta-offset    a kitsune section with out-of-range offsets commits and loses the state
//   npx tsx stress/repro.ts meta-null      a kitsune section holding `null` throws a TypeError, not a KitsuneError
import { readMeta } from 'kitsune-wasm';
import { rewriteCustomSections, customSection } from '../format/wasm-sections.js';
import { buildCached, baseVersions, Runner } from './common.js';

const which = process.argv[2];
const { v1, v2 } = await baseVersions();

async function leak(bad: Uint8Array, snapshot: boolean) {
  const run = await Runner.start(v1, ['2000000000', '300']);
  await run.waitTicks(2);
  const before = run.proc.memoryBytes();
  let last;
  for (let i = 0; i < 50; i++) last = await run.proc.update(bad, { snapshot });
  await run.waitTicks(2);
  console.log(`last result: ${last!.outcome} at ${last!.stage}: ${last!.reason?.split('\n')[0]}`);
  console.log(`memory: ${before} -> ${run.proc.memoryBytes()} bytes after 50 failed updates (${((run.proc.memoryBytes() - before) / 50 / 1024).toFixed(0)} KiB each); state intact: ${run.violations.length === 0}`);
  await run.stop();
}

if (which === 'link-leak') await leak(await buildCached({ defines: ['VERSION=2', 'FAIL_LINK'], from: v1 }), false);
else if (which === 'snapshot-leak') await leak(await buildCached({ defines: ['VERSION=2', 'FAIL_TRAP'], from: v1 }), true);
else if (which === 'meta-offset') {
  const meta = JSON.parse(new TextDecoder().decode(customSection(v2, 'kitsune')!));
  meta.variables = meta.variables.map((v: { offset?: number }) => (v.offset !== undefined ? { ...v, offset: 0x7ffffff0 } : v));
  const bad = rewriteCustomSections(v2, (n) => n === 'kitsune', { kitsune: new TextEncoder().encode(JSON.stringify(meta)) });
  const run = await Runner.start(v1, ['2000000000', '300']);
  await run.waitTicks(3);
  const r = await run.proc.update(bad);
  await run.waitTicks(3);
  console.log(`outcome: ${r.outcome}; state problems: ${run.violations.slice(0, 2).join('; ')}`);
  await run.stop();
} else if (which === 'meta-null') {
  try { readMeta(rewriteCustomSections(v2, (n) => n === 'kitsune', { kitsune: new TextEncoder().encode('null') })); } catch (e) { console.log(`${(e as Error).name}: ${(e as Error).message}`); }
} else console.log('usage: npx tsx stress/repro.ts link-leak|snapshot-leak|meta-offset|meta-null');
process.exit(0);

// One line, for people, about an update's outcome.
import type { UpdateResult } from '../wasm-driver/index.js';

const ms = (x: number | undefined) => (x === undefined ? '-' : `${x.toFixed(2)} ms`);

export function formatResult(r: UpdateResult): string {
  const t = r.timings;
  const times = `wait ${ms(t.wait)}, unwind ${ms(t.unwind)}, load ${ms(t.load)}, migrate ${ms(t.migrate)}, until commit ${ms(t.untilCommit)}, pause ${ms(t.pause)}`;
  if (r.outcome === 'committed') {
    const moved = r.movedObjects ? `, moved ${r.movedObjects} object(s) to blocks of their new size` : '';
    return `update committed at "${r.point}": ${r.from} -> ${r.to} (${times}; migrated ${r.migrated?.length ?? 0} variable(s)${moved})`;
  }
  // A program that has exited runs no version at all.
  if (r.outcome === 'refused') return `update refused at stage ${r.stage}: ${r.reason}${r.code === 'E_EXITED' ? '' : `\nthe old version (${r.from}) keeps running`}`;
  return `update rolled back at stage ${r.stage}: ${r.reason}\nthe old version (${r.from}) continues from "${r.point}" with its state intact (${times}${r.freedAllocations ? `; freed ${r.freedAllocations} allocation(s) of the failed version` : ''}${r.restoredObjects ? `; put back ${r.restoredObjects} object(s) transformed in place` : ''})`;
}

// The update timeline: one strip per update, its stages drawn to one scale
// (wait for an update point, unwind, load the new version, migrate, the new
// main until it reaches the point, commit), rollbacks with the stage they
// failed at and why.
import type { UpdateResult } from './kitsune.js';

const STAGES = ['wait', 'unwind', 'load', 'migrate', 'main', 'commit'] as const;
type Stage = typeof STAGES[number];
const WHAT: Record<Stage, string> = {
  wait: 'from the request until the program reached an update point',
  unwind: 'Asyncify unwinding the old version\'s stack',
  load: 'instantiating and linking the new version',
  migrate: 'migration calls (kitsune_do_automigrate, MIGRATE_*)',
  main: 'the new main steering back to the update point (control migration)',
  commit: 'commit: old stack freed, table slots forwarded',
};

export interface TimelineEntry { result: UpdateResult; from: string; to: string }

/** Each stage's time, in ms; a failed update's stages stop at the one that failed. */
export function stagesOf(r: UpdateResult): { stage: Stage; ms: number }[] {
  const t = r.timings;
  const unwind = t.unwind ?? 0, load = t.load ?? 0, migrate = t.migrate ?? 0;
  const commit = r.trace?.commitMillis ?? 0;
  const out: { stage: Stage; ms: number }[] = [{ stage: 'wait', ms: t.wait ?? 0 }];
  if (r.outcome === 'refused') return out;
  const total = r.outcome === 'committed' ? (t.untilCommit ?? t.pause ?? 0) : (t.pause ?? 0);
  out.push({ stage: 'unwind', ms: unwind }, { stage: 'load', ms: load });
  if (r.outcome === 'rolled-back' && (r.stage === 'link' || r.stage === 'unwind')) return out;
  out.push({ stage: 'migrate', ms: migrate }, { stage: 'main', ms: Math.max(0, total - unwind - load - migrate - commit) });
  if (r.outcome === 'committed') out.push({ stage: 'commit', ms: commit });
  return out;
}

export class Timeline {
  private entries: TimelineEntry[] = [];
  constructor(private readonly el: HTMLElement) { this.render(); }

  add(e: TimelineEntry): void { this.entries.push(e); this.render(); }
  clear(): void { this.entries = []; this.render(); }
  get count(): number { return this.entries.length; }
  list(): readonly TimelineEntry[] { return this.entries; }

  private render(): void {
    const el = this.el;
    el.replaceChildren();
    const h = document.createElement('h3');
    h.innerHTML = '<span>Update timeline</span>';
    const legend = document.createElement('span');
    legend.className = 'stage-legend';
    for (const s of STAGES) legend.insertAdjacentHTML('beforeend', `<span title="${WHAT[s]}"><i class="tl-seg ${s}"></i>${s}</span>`);
    h.append(legend);
    el.append(h);
    if (!this.entries.length) {
      el.insertAdjacentHTML('beforeend', '<div class="hint">Each update appears here as a strip of its stages, to scale. Run a program, edit a version, then press Build &amp; update.</div>');
      return;
    }
    const width = Math.max(260, el.clientWidth - 420);
    const max = Math.max(1, ...this.entries.map((e) => stagesOf(e.result).reduce((a, s) => a + s.ms, 0)));
    const scale = width / max;
    this.entries.forEach((e, i) => {
      const r = e.result;
      const row = document.createElement('div');
      row.className = 'tl-row';
      row.dataset.outcome = r.outcome;
      if (r.stage) row.dataset.stage = r.stage;
      const label = document.createElement('div');
      label.className = 'tl-label';
      const mark = r.outcome === 'committed' ? '<span class="ok">✓ committed</span>' : r.outcome === 'rolled-back' ? '<span class="bad">✗ rolled back</span>' : '<span class="bad">✗ refused</span>';
      label.innerHTML = `#${i + 1} ${e.from} → ${e.to} ${mark}`;
      label.title = r.point ? `at update point "${r.point}"` : '';
      row.append(label);
      const bar = document.createElement('div');
      bar.className = 'tl-bar';
      let total = 0;
      for (const s of stagesOf(r)) {
        total += s.ms;
        const seg = document.createElement('div');
        seg.className = `tl-seg ${s.stage}`;
        seg.style.width = `${Math.max(2, s.ms * scale)}px`;
        seg.title = `${s.stage}: ${s.ms.toFixed(2)} ms (${WHAT[s.stage]})`;
        if (s.ms * scale > 46) seg.textContent = `${s.stage} ${s.ms < 10 ? s.ms.toFixed(1) : Math.round(s.ms)}`;
        bar.append(seg);
      }
      row.append(bar);
      if (r.outcome !== 'committed') row.insertAdjacentHTML('beforeend', '<span class="tl-fail">✕</span>');
      const tot = document.createElement('span');
      tot.className = 'tl-total';
      tot.textContent = r.outcome === 'committed' ? `pause ${(r.timings.pause ?? 0).toFixed(1)} ms` : `${total.toFixed(1)} ms, then the old version went on`;
      row.append(tot);
      el.append(row);
      if (r.outcome !== 'committed') {
        // The reason gets a line of its own: it is what a person reads first.
        const why = document.createElement('div');
        why.className = 'tl-reason';
        why.textContent = `${r.outcome === 'refused' ? 'refused' : 'rolled back'} at stage ${r.stage}: ${r.reason ?? ''}`;
        why.title = why.textContent;
        el.append(why);
      }
    });
    el.scrollTop = el.scrollHeight;
  }
}

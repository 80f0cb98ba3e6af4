// The state inspector: every global, static and migrated local decoded by
// its type, and the heap they reach drawn as a graph; after an update, the
// state before and after side by side, told apart by what the update did.
import { show, type StateImage, type VarState } from './heap.js';
import { drawGraph, type Comparison, type Fate } from './heap-view.js';

const hex = (n: number) => `0x${n.toString(16)}`;
const esc = (s: string) => s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' }[c]!));
const FATE_WORDS: Record<Fate, string> = {
  copied: 'copied: the same bytes, carried over', transformed: 'transformed to its new type', new: 'new in this version', freed: 'freed or dropped', plain: '',
};

const LEGEND = '<div class="legend"><span class="copied">copied / unchanged</span><span class="transformed">transformed</span><span class="new">new</span><span class="freed">freed</span></div>';

function kindOf(v: VarState): string { return v.kind === 'local-static' ? 'static in function' : v.kind; }

export class StateView {
  constructor(private readonly el: HTMLElement) { this.empty(); }

  empty(text = 'Run a program to see its globals, statics and migrated locals here, decoded by their types, with the heap they point to drawn as a graph.'): void {
    this.el.innerHTML = `<div class="empty">${esc(text)}</div>`;
  }

  /** The state as it is now (no update to compare with). */
  live(now: StateImage, label: string, toolbar: HTMLElement): void {
    this.el.replaceChildren(toolbar);
    const rows = now.vars.map((v) => `<tr data-key="${esc(v.key)}"><td class="key">${esc(v.key)}<br><span class="type">${esc(kindOf(v))}</span></td><td><span class="type">${esc(v.typeName)}</span></td><td class="val">${esc(show(v.value))}</td></tr>`);
    this.el.insertAdjacentHTML('beforeend', `<h3>${esc(label)}: variables</h3><table class="vars"><tr><th>variable</th><th>type</th><th>value</th></tr>${rows.join('')}</table><h3>Heap reachable from them</h3>`);
    const graphs = document.createElement('div');
    graphs.className = 'graphs single';
    graphs.append(drawGraph(now, {
      title: `${label} now`, side: 'now', fates: () => 'plain', varFate: () => 'plain', counterpart: () => undefined,
      describe: () => 'hover an object after an update to see where it moved',
    }));
    this.el.append(graphs);
  }

  /** Before and after an update, side by side. */
  compare(before: StateImage, after: StateImage, cmp: Comparison, labels: { from: string; to: string; point: string }, toolbar: HTMLElement): void {
    this.el.replaceChildren(toolbar);
    const old = new Map(before.vars.map((v) => [v.key, v]));
    const rows: string[] = [];
    for (const v of after.vars) {
      const fate = cmp.vars.get(v.key) ?? 'copied';
      const o = old.get(v.key);
      const was = o && show(o.value) !== show(v.value) ? `<span class="old">${esc(show(o.value, 60))}</span><br>` : '';
      rows.push(`<tr class="${fate}" data-key="${esc(v.key)}" data-fate="${fate}" title="${esc(FATE_WORDS[fate])}${o ? `; old address ${hex(o.addr)}, new ${hex(v.addr)}` : ''}"><td class="key">${esc(v.key)}<br><span class="type">${esc(kindOf(v))}</span></td><td><span class="type">${esc(v.typeName)}</span></td><td class="val">${was}${esc(show(v.value))}</td></tr>`);
    }
    for (const key of cmp.droppedVars) {
      const o = old.get(key)!;
      rows.push(`<tr class="freed" data-key="${esc(key)}" data-fate="freed" title="dropped: ${labels.to} has no such variable"><td class="key">${esc(key)}</td><td><span class="type">${esc(o.typeName)}</span></td><td class="val"><span class="old">${esc(show(o.value, 60))}</span> (dropped)</td></tr>`);
    }
    this.el.insertAdjacentHTML('beforeend', `${LEGEND}<h3>Variables: ${esc(labels.from)} → ${esc(labels.to)} at "${esc(labels.point)}"</h3><table class="vars"><tr><th>variable</th><th>type</th><th>value (before → after)</th></tr>${rows.join('')}</table><h3>The heap, before and after (hover an object: where it went)</h3>`);
    const graphs = document.createElement('div');
    graphs.className = 'graphs';
    const describeOld = (addr: number, fate: Fate): string => {
      const to = cmp.oldToNew.get(addr);
      if (fate === 'freed') return `freed: ${cmp.freedNote.get(addr) ?? 'gone after the update'}`;
      if (to !== undefined && to !== addr) return `moved: ${hex(addr)} → ${hex(to)} (transformed into a block of its new size)`;
      if (to === addr) return `transformed in place at ${hex(addr)}`;
      return `unchanged, still at ${hex(addr)}`;
    };
    const describeNew = (addr: number, fate: Fate): string => {
      const from = cmp.newToOld.get(addr);
      if (from !== undefined && from !== addr) return `moved: ${hex(from)} → ${hex(addr)}`;
      if (from === addr) return `transformed in place at ${hex(addr)}`;
      return fate === 'new' ? `new: made by ${labels.to} or by a rule of the spec` : `unchanged, still at ${hex(addr)}`;
    };
    const varOld = (key: string): Fate => (cmp.droppedVars.has(key) ? 'freed' : cmp.vars.get(key) === 'transformed' ? 'transformed' : 'copied');
    graphs.append(
      drawGraph(before, {
        title: `before: ${labels.from}`, side: 'before', fates: (a) => cmp.before.get(a) ?? 'copied', varFate: varOld,
        describe: describeOld, counterpart: (a) => cmp.oldToNew.get(a) ?? (cmp.before.get(a) === 'copied' ? a : undefined),
      }),
      drawGraph(after, {
        title: `after: ${labels.to}`, side: 'after', fates: (a) => cmp.after.get(a) ?? 'copied', varFate: (k) => cmp.vars.get(k) ?? 'copied',
        describe: describeNew, counterpart: (a) => cmp.newToOld.get(a) ?? (cmp.after.get(a) === 'copied' ? a : undefined),
      }),
    );
    this.el.append(graphs);
  }
}

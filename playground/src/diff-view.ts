// `kitsune inspect --diff` as a view: how the state moves from the running
// version to the one just built, type by type (same, shallow: rewritten in
// place, deep: moved to a block of its new size) and variable by variable.
import type { MigrationPlan } from '../../compiler/xf-gen.js';

const esc = (s: string) => s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' }[c]!));

const ACTION: Record<string, string> = {
  copy: 'copied byte for byte', transform: 'transformed (generated code)', rule: 'moved by a rule of the spec',
  init: 'initialised by a rule of the spec', new: 'new: keeps its initialiser', dropped: 'dropped: the new version has no such variable',
};

export function renderDiff(el: HTMLElement, plan: MigrationPlan | undefined, from: string, to: string): void {
  el.replaceChildren();
  if (!plan) {
    el.innerHTML = '<div class="empty">Build &amp; update shows here how the running version\'s state moves to the new one: the same plan as <code>kitsune inspect --diff OLD.wasm NEW.wasm</code>.</div>';
    return;
  }
  const types = plan.types;
  let html = `<p class="hint">The migration plan from ${esc(from)} to ${esc(to)}, as <code>kitsune inspect --diff</code> prints it.</p>`;
  html += '<h3>Types that change</h3>';
  html += types.length
    ? `<table class="plan"><tr><th>old</th><th>new</th><th>how</th><th>why</th></tr>${types.map((t) => `<tr data-type="${esc(t.new)}"><td>${esc(t.old)}</td><td>${esc(t.new)}</td><td><span class="badge ${t.kind}">${t.kind}</span></td><td>${esc(t.why)}</td></tr>`).join('')}</table>`
    : '<p class="hint">None: every type is the same, so every variable is copied as it is and the heap is left where it is.</p>';
  html += '<h3>Variables</h3>';
  html += `<table class="plan"><tr><th>variable</th><th>moves</th><th>type</th></tr>${plan.variables.map((v) => {
    const type = v.oldType && v.newType && v.oldType !== v.newType ? `${esc(v.oldType)} → ${esc(v.newType)}` : esc(v.newType ?? v.oldType ?? '');
    const from = v.from && v.from !== v.key ? ` <span class="hint">from ${esc(v.from)}</span>` : '';
    return `<tr data-key="${esc(v.key)}"><td>${esc(v.key)}${from}</td><td><span class="badge ${v.action}" title="${esc(ACTION[v.action] ?? v.action)}">${v.action}</span></td><td>${type}</td></tr>`;
  }).join('')}</table>`;
  html += '<p class="hint">shallow: same size, rewritten where it is (its old bytes journaled for a rollback). deep: a new size, so each object moves to a new block and every pointer to it follows (the old block is freed after commit).</p>';
  el.innerHTML = html;
}

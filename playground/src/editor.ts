// The editors: one CodeMirror 6 state per tab (v1, v2, ... and the .xf spec)
// in one view. Marks the update points (kitsune_update("name")) and the one
// the last update happened at, shows build errors at their line and column,
// and lights up the lines a refused update's reasons name.
import { EditorView, basicSetup } from 'codemirror';
import { EditorState, StateEffect, StateField, RangeSetBuilder, type Extension } from '@codemirror/state';
import { Decoration, WidgetType, type DecorationSet } from '@codemirror/view';
import { cpp } from '@codemirror/lang-cpp';
import { setDiagnostics, lintGutter, type Diagnostic } from '@codemirror/lint';

export interface Problem { line: number; column: number; severity: 'error' | 'warning' | 'info'; message: string }

const setLastPoint = StateEffect.define<string | null>();
const lastPoint = StateField.define<string | null>({
  create: () => null,
  update: (v, tr) => tr.effects.reduce((x, e) => (e.is(setLastPoint) ? e.value : x), v),
});

const setRefLines = StateEffect.define<number[]>();
const refLines = StateField.define<DecorationSet>({
  create: () => Decoration.none,
  update(v, tr) {
    for (const e of tr.effects) {
      if (!e.is(setRefLines)) continue;
      const b = new RangeSetBuilder<Decoration>();
      for (const n of [...new Set(e.value)].sort((a, c) => a - c)) {
        if (n >= 1 && n <= tr.state.doc.lines) { const l = tr.state.doc.line(n); b.add(l.from, l.from, Decoration.line({ class: 'cm-ref-line' })); }
      }
      return b.finish();
    }
    return tr.docChanged ? v.map(tr.changes) : v;
  },
  provide: (f) => EditorView.decorations.from(f),
});

class PointBadge extends WidgetType {
  constructor(readonly name: string, readonly last: boolean) { super(); }
  eq(o: PointBadge) { return o.name === this.name && o.last === this.last; }
  toDOM() {
    const s = document.createElement('span');
    s.className = 'cm-point-badge';
    s.textContent = this.last ? `⟲ the last update happened here ("${this.name}")` : `⟲ update point "${this.name}"`;
    s.title = this.last
      ? 'The running program was unwound at this update point for the last update, and the new version came back to it'
      : 'An update point: when an update is pending, the running version is unwound here and the new one takes over';
    return s;
  }
}

export const UPDATE_POINT = /kitsune_update\s*\(\s*"((?:[^"\\]|\\.)*)"\s*\)/g;

/** Lines with kitsune_update("name"), the last update's point highlighted. */
const pointDecorations = EditorView.decorations.compute(['doc', lastPoint], (state) => {
  const b = new RangeSetBuilder<Decoration>();
  const last = state.field(lastPoint);
  for (let i = 1; i <= state.doc.lines; i++) {
    const line = state.doc.line(i);
    UPDATE_POINT.lastIndex = 0;
    const m = UPDATE_POINT.exec(line.text);
    if (!m || /^\s*(\/\/|\/\*|\*)/.test(line.text)) continue;
    const isLast = m[1] === last;
    b.add(line.from, line.from, Decoration.line({ class: isLast ? 'cm-update-point cm-update-point-last' : 'cm-update-point' }));
    b.add(line.to, line.to, Decoration.widget({ widget: new PointBadge(m[1]!, isLast), side: 1 }));
  }
  return b.finish();
});

export interface Tab { name: string; state: EditorState }

export class Editors {
  readonly view: EditorView;
  private tabs: Tab[] = [];
  private current = 0;
  private point: string | null = null;
  onChange: () => void = () => {};

  constructor(parent: HTMLElement) {
    this.view = new EditorView({ parent, state: this.make('', 'c') });
  }

  private make(text: string, lang: 'c' | 'xf'): EditorState {
    // The .xf spec is C-like enough (rules with C bodies) for C highlighting to help.
    const ext: Extension[] = [basicSetup, cpp(), lintGutter(), lastPoint.init(() => this.point), refLines, EditorView.updateListener.of((u) => { if (u.docChanged) this.onChange(); })];
    if (lang === 'c') ext.push(pointDecorations);
    return EditorState.create({ doc: text, extensions: ext });
  }

  /** Replaces every tab. */
  load(tabs: { name: string; text: string }[], select: string): void {
    this.save();
    this.tabs = tabs.map((t) => ({ name: t.name, state: this.make(t.text, t.name.endsWith('.xf') ? 'xf' : 'c') }));
    this.current = Math.max(0, this.tabs.findIndex((t) => t.name === select));
    this.view.setState(this.tabs[this.current]!.state);
  }

  private save() { if (this.tabs[this.current]) this.tabs[this.current]!.state = this.view.state; }

  names(): string[] { return this.tabs.map((t) => t.name); }
  get selected(): string { return this.tabs[this.current]?.name ?? ''; }

  select(name: string): void {
    const i = this.tabs.findIndex((t) => t.name === name);
    if (i < 0 || i === this.current) return;
    this.save();
    this.current = i;
    this.view.setState(this.tabs[i]!.state);
  }

  text(name: string): string {
    this.save();
    return this.tabs.find((t) => t.name === name)?.state.doc.toString() ?? '';
  }

  /** Adds a tab after the last version, starting from `text`. */
  add(name: string, text: string): void {
    this.save();
    const at = this.tabs.findIndex((t) => t.name.endsWith('.xf'));
    const tab = { name, state: this.make(text, 'c') };
    if (at < 0) this.tabs.push(tab); else this.tabs.splice(at, 0, tab);
    this.current = this.tabs.indexOf(tab);
    this.view.setState(tab.state);
  }

  private apply(name: string, f: (s: EditorState) => EditorState): void {
    this.save();
    const t = this.tabs.find((x) => x.name === name);
    if (!t) return;
    t.state = f(t.state);
    if (this.tabs[this.current] === t) this.view.setState(t.state);
  }

  /** Shows problems in tab `name` at their line and column (and clears them with []). */
  setProblems(name: string, problems: Problem[], refs: number[] = []): void {
    this.apply(name, (s) => {
      const diags: Diagnostic[] = problems.filter((p) => p.line >= 1 && p.line <= s.doc.lines).map((p) => {
        const line = s.doc.line(p.line);
        const from = Math.min(line.from + Math.max(0, p.column - 1), line.to);
        const word = /^[\w$]+/.exec(s.doc.sliceString(from, line.to))?.[0].length ?? 0;
        return { from, to: Math.max(from + word, Math.min(from + 1, line.to)), severity: p.severity, message: p.message };
      });
      return s.update(setDiagnostics(s, diags), { effects: setRefLines.of(refs) }).state;
    });
  }

  clearProblems(): void { for (const n of this.names()) this.setProblems(n, []); }

  /** Marks the update point the last update happened at, in every tab. */
  setLastPoint(point: string | null): void {
    this.point = point;
    this.save();
    for (const t of this.tabs) t.state = t.state.update({ effects: setLastPoint.of(point) }).state;
    this.view.setState(this.tabs[this.current]!.state);
  }

  /** Opens tab `name` at `line` (1-based). */
  reveal(name: string, line: number): void {
    this.select(name);
    const doc = this.view.state.doc;
    const l = doc.line(Math.min(Math.max(1, line), doc.lines));
    this.view.dispatch({ selection: { anchor: l.from }, effects: EditorView.scrollIntoView(l.from, { y: 'center' }) });
    this.view.focus();
  }
}

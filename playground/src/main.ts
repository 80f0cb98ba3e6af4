// The playground: write C, run it, update it live, and see the state move.
// Wires the editors, the terminal, the compile worker, the driver (with its
// `inspect` option) and the views; keeps document.body.dataset.status at
// loading / ready / running / updating / exited.
import '@xterm/xterm/css/xterm.css';
import './style.css';
import { KitsuneProcess, type KitsuneEvent, type KitsuneMeta, type UpdateResult } from './kitsune.js';
import { Compiler, type BuildOutcome } from './compiler-client.js';
import { Editors } from './editor.js';
import { TerminalPane } from './terminal.js';
import { explain } from './problems.js';
import { memoryImage, readState, type Resolver, type StateImage, type VersionView } from './heap.js';
import { compare } from './heap-view.js';
import { StateView } from './state-view.js';
import { Timeline } from './timeline.js';
import { renderUnwind } from './unwind-view.js';
import { renderDiff } from './diff-view.js';
import { encodeShare, decodeShare } from './share.js';
import { LESSONS, lessonByName, type Lesson } from './lessons.js';
import type { MigrationPlan } from '../../compiler/xf-gen.js';
import type {} from './hook.js';

type Status = 'loading' | 'ready' | 'running' | 'updating' | 'exited';
const SPEC = 'spec.xf';
const $ = <T extends HTMLElement>(sel: string) => document.querySelector<T>(sel)!;

interface Running {
  proc: KitsuneProcess;
  wasm: Uint8Array;
  meta: KitsuneMeta;
  /** The tab whose build is running. */
  tab: string;
  versions: Map<number, VersionView & { tab: string }>;
  current: number;
  heapBase: number;
  exited: boolean;
  /** MIGRATE_LOCAL locals by version number; a version's may arrive before its update result. */
  localsOf(version: number): Map<string, { addr: number; size: number }>;
}

class App {
  private status: Status = 'loading';
  private readonly editors = new Editors($('#editor'));
  private readonly terminal = new TerminalPane($('#terminal'));
  private readonly stateView = new StateView($('#state-view'));
  private readonly timeline = new Timeline($('#timeline'));
  private lesson: Lesson = LESSONS[0]!;
  private running: Running | undefined;
  private busy = false;
  private compiler: Compiler;
  private warm = false;
  private liveTimer: ReturnType<typeof setInterval> | undefined;
  private lastComparison: (() => void) | undefined;

  constructor() {
    this.compiler = new Compiler(crossOriginIsolated, {
      onPhase: (text) => this.loader(text),
      onDownload: (done, total, cached) => this.loader(undefined, done, total, cached),
    });
    this.renderGallery();
    this.bind();
    this.setStatus('loading');
    const t0 = performance.now();
    this.compiler.ready().then(({ cached }) => {
      this.warm = true;
      $('#loader').hidden = true;
      document.body.dataset.toolchain = cached ? 'cached' : 'downloaded';
      document.body.dataset.toolchainMillis = String(Math.round(performance.now() - t0));
      if (this.status === 'loading') this.setStatus('ready');
    }, (e: Error) => this.loader(`The C toolchain could not be loaded: ${e.message}`));
    if (crossOriginIsolated) this.loader('Loading the C toolchain: clang (about 100 MB the first time, then from the browser\'s cache) and Binaryen');
    if (!crossOriginIsolated) {
      document.body.dataset.isolation = 'missing';
      this.toast('This page is not cross-origin isolated, so programs cannot run here: it must be served with the headers Cross-Origin-Opener-Policy: same-origin and Cross-Origin-Embedder-Policy: require-corp (npm run playground does; see README.txt of a --build folder).', 0);
    }
    void this.open(location.hash);
    addEventListener('hashchange', () => { void this.open(location.hash); });
  }

  terminalText(): string {
    const b = this.terminal.term.buffer.active;
    const lines: string[] = [];
    for (let i = 0; i < b.length; i++) {
      const line = b.getLine(i);
      const text = line?.translateToString(true) ?? '';
      // A line the terminal wrapped is one line of output.
      if (line?.isWrapped && lines.length) lines[lines.length - 1] += text; else lines.push(text);
    }
    return lines.join('\n').replace(/\n+$/, '');
  }
  tabText(name: string): string { return this.editors.text(name); }
  tabNames(): string[] { return this.editors.names(); }
  updates(): { outcome: string; stage?: string; timings: Record<string, number | undefined> }[] {
    return this.timeline.list().map((e) => ({ outcome: e.result.outcome, ...(e.result.stage ? { stage: e.result.stage } : {}), timings: { ...e.result.timings, commit: e.result.trace?.commitMillis } }));
  }

  // ---- status, loader, toasts ------------------------------------------------

  private setStatus(s: Status): void {
    this.status = s;
    document.body.dataset.status = s;
    $('#status-pill').textContent = s;
    const run = this.running && !this.running.exited;
    ($('[data-action="stop"]') as HTMLButtonElement).disabled = !run;
    ($('[data-action="build-update"]') as HTMLButtonElement).disabled = !run || this.busy;
    ($('[data-action="run"]') as HTMLButtonElement).disabled = this.busy;
  }

  private loader(text?: string, done?: number, total?: number, cached?: boolean): void {
    const l = $('#loader');
    if (this.warm) return;
    l.hidden = false;
    if (text) $('#loader-text').textContent = text;
    if (done !== undefined && total) {
      $('#loader-bar').style.width = `${(100 * done / total).toFixed(1)}%`;
      document.body.dataset.loaded = (done / total).toFixed(3);
      $('#loader-detail').textContent = `${(done / 1e6).toFixed(1)} of ${(total / 1e6).toFixed(1)} MB ${cached ? 'from the browser\'s cache' : 'downloaded (kept in the browser\'s cache for the next visit)'}`;
    }
  }

  private toast(text: string, ms = 3000): void {
    const t = $('#toast');
    t.textContent = text;
    t.hidden = false;
    if (ms) setTimeout(() => { if (t.textContent === text) t.hidden = true; }, ms);
  }

  private note(text: string): void { $('#build-note').textContent = text; }

  // ---- lessons, tabs, sharing ------------------------------------------------

  private renderGallery(): void {
    const nav = $('#gallery');
    LESSONS.forEach((l, i) => {
      const a = document.createElement('a');
      a.href = `#lesson=${l.name}`;
      a.dataset.lesson = l.name;
      a.innerHTML = `<span class="n">${i + 1}</span>`;
      a.append(l.short);
      a.title = l.title;
      // The lesson already open: no hashchange, so open it again as written.
      a.onclick = () => { if (location.hash === a.getAttribute('href')) void this.open(location.hash); };
      nav.append(a);
    });
  }

  private async open(hash: string): Promise<void> {
    let shared = null;
    try { shared = await decodeShare(hash); } catch (e) { this.toast((e as Error).message, 6000); }
    const name = shared?.lesson ?? /^#lesson=([\w-]+)/.exec(hash)?.[1] ?? this.lesson.name;
    const lesson = lessonByName(name) ?? LESSONS[0]!;
    await this.stop();
    this.setStatus(this.warm ? 'ready' : 'loading');
    this.lesson = lesson;
    const tabs = shared?.tabs ?? [...lesson.tabs, ...(lesson.tabs.some((t) => t.name === SPEC) ? [] : [{ name: SPEC, text: '' }])];
    this.editors.load(tabs, shared?.selected ?? tabs[0]!.name);
    this.renderLesson();
    this.renderTabs();
    this.clearProblems();
    this.terminal.clear();
    this.terminal.note(`Lesson ${LESSONS.indexOf(lesson) + 1}: ${lesson.title}. Press ▶ Run to build ${this.editors.selected} and start it.`);
    this.timeline.clear();
    this.stateView.empty();
    renderUnwind($('#unwind-view'), undefined, '', '');
    renderDiff($('#diff-view'), undefined, '', '');
    document.querySelectorAll<HTMLElement>('#gallery a').forEach((a) => a.setAttribute('aria-current', String(a.dataset.lesson === lesson.name)));
    document.body.dataset.openLesson = lesson.name;
    delete document.body.dataset.lastOutcome;
    document.body.dataset.updates = '0';
  }

  private renderLesson(): void {
    const l = this.lesson;
    const el = $('#lesson');
    el.innerHTML = `<div class="kicker">Lesson ${LESSONS.indexOf(l) + 1} of ${LESSONS.length}</div><h1>${l.title}</h1>${l.intro}`
      + `<ol class="steps">${l.steps.map((s) => `<li>${s}</li>`).join('')}</ol>`
      + `<h3>What to watch</h3>${l.watch}<div class="try" data-part="try"><h2>Try this</h2>${l.tryThis}</div>`;
  }

  private renderTabs(): void {
    const bar = $('#tabs');
    bar.replaceChildren();
    for (const name of this.editors.names()) {
      const b = document.createElement('button');
      b.className = 'tab';
      b.dataset.tab = name;
      b.setAttribute('role', 'tab');
      b.setAttribute('aria-selected', String(name === this.editors.selected));
      b.textContent = name;
      if (this.running && !this.running.exited && this.running.tab === name) {
        const dot = document.createElement('span');
        dot.className = 'dot';
        dot.title = 'the running version';
        b.append(dot);
      }
      b.onclick = () => { this.editors.select(name); this.renderTabs(); };
      bar.append(b);
    }
    const add = document.createElement('button');
    add.className = 'tab add';
    add.dataset.action = 'add-version';
    add.title = 'Add a version: a copy of the last one, to change and update to';
    add.textContent = '+ version';
    add.onclick = () => this.addVersion();
    const spec = bar.querySelector(`[data-tab="${SPEC}"]`);
    bar.insertBefore(add, spec);
  }

  private versionTabs(): string[] { return this.editors.names().filter((n) => !n.endsWith('.xf')); }

  private addVersion(): void {
    const tabs = this.versionTabs();
    const last = tabs[tabs.length - 1] ?? 'v0';
    const n = Math.max(0, ...tabs.map((t) => Number(/^v(\d+)$/.exec(t)?.[1] ?? 0))) + 1;
    this.editors.add(`v${n}`, this.editors.text(last));
    this.renderTabs();
    this.toast(`v${n} starts as a copy of ${last}: change it, then Build & update`);
  }

  private async share(): Promise<void> {
    const state = { lesson: this.lesson.name, tabs: this.editors.names().map((name) => ({ name, text: this.editors.text(name) })), selected: this.editors.selected };
    const hash = await encodeShare(state);
    history.replaceState(null, '', hash);
    const url = location.href;
    document.body.dataset.shareUrl = url;
    try { await navigator.clipboard.writeText(url); this.toast('Link copied: it holds every tab, compressed, in its fragment (nothing is uploaded)'); }
    catch { this.toast('The link is in the address bar: it holds every tab, compressed, in its fragment'); }
  }

  // ---- building and running --------------------------------------------------

  private bind(): void {
    $('[data-action="run"]').onclick = () => void this.run();
    $('[data-action="stop"]').onclick = () => void this.stop(true);
    $('[data-action="build-update"]').onclick = () => void this.buildUpdate();
    $('[data-action="share"]').onclick = () => void this.share();
    document.querySelectorAll<HTMLButtonElement>('.pane-tab').forEach((b) => {
      b.onclick = () => {
        document.querySelectorAll<HTMLButtonElement>('.pane-tab').forEach((x) => x.setAttribute('aria-selected', String(x === b)));
        document.querySelectorAll<HTMLElement>('.seeing .view').forEach((v) => { v.hidden = v.id !== `${b.dataset.view}-view`; });
      };
    });
    this.editors.onChange = () => { if (document.body.dataset.build === 'failed') this.note('edited since the failed build'); };
  }

  private clearProblems(): void {
    this.editors.clearProblems();
    const p = $('#problems');
    p.hidden = true;
    p.replaceChildren();
  }

  private showProblems(outcome: Extract<BuildOutcome, { ok: false }>, tab: string, usedSpec: boolean): void {
    const sources = Object.fromEntries(this.editors.names().map((n) => [n, this.editors.text(n)]));
    const ex = explain(outcome.error, { file: `${this.lesson.program}.c`, tab, ...(usedSpec ? { spec: SPEC } : {}) }, sources);
    const byTab = new Map<string, { problems: typeof ex.located[number]['problem'][]; refs: number[] }>();
    const entry = (file: string) => { let e = byTab.get(file); if (!e) byTab.set(file, (e = { problems: [], refs: [] })); return e; };
    for (const l of ex.located) entry(l.file).problems.push(l.problem);
    for (const r of ex.refs) entry(r.file).refs.push(r.line);
    this.editors.clearProblems();
    for (const [file, e] of byTab) this.editors.setProblems(file, e.problems, e.refs);
    const p = $('#problems');
    p.hidden = false;
    p.replaceChildren();
    p.insertAdjacentHTML('beforeend', `<h3>${ex.title}</h3>`);
    const link = (file: string, line: number, label: string) => {
      const a = document.createElement('a');
      a.textContent = label;
      a.dataset.file = file;
      a.dataset.line = String(line);
      a.onclick = () => { this.editors.reveal(file, line); this.renderTabs(); };
      return a;
    };
    for (const l of ex.located.filter((x) => x.problem.severity !== 'info' && !ex.reasons.some((r) => r.text === x.problem.message))) {
      const d = document.createElement('div');
      d.className = 'problem';
      d.append(link(l.file, l.problem.line, `${l.file}:${l.problem.line}:${l.problem.column}`), ` ${l.problem.message}`);
      p.append(d);
    }
    for (const r of ex.reasons) {
      const d = document.createElement('div');
      d.className = 'problem reason';
      d.append(r.text);
      for (const l of r.links) d.append(' ', link(l.file, l.line, `→ ${l.label}`));
      p.append(d);
    }
    if (ex.raw) {
      const d = document.createElement('div');
      d.className = 'problem';
      d.textContent = ex.raw;
      p.append(d);
    }
    const first = ex.located[0];
    if (first) { this.editors.reveal(first.file, first.problem.line); this.renderTabs(); }
  }

  private async compile(tab: string, from?: Uint8Array): Promise<{ outcome: BuildOutcome; usedSpec: boolean }> {
    const spec = this.editors.text(SPEC);
    const usedSpec = !!from && spec.replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, '').trim().length > 0;
    document.body.dataset.build = 'building';
    this.clearProblems();
    this.note(this.warm ? `building ${tab}${from ? ` --from ${this.running?.tab}` : ''}…` : 'waiting for the C toolchain to load…');
    const outcome = await this.compiler.build({
      sources: [{ path: `${this.lesson.program}.c`, text: this.editors.text(tab) }],
      name: this.lesson.program,
      // -O0: no function is inlined, so the Unwind view shows every frame.
      optimize: 0,
      ...(from ? { from } : {}),
      ...(usedSpec ? { xf: { path: SPEC, text: spec } } : {}),
    }, (t) => this.note(t));
    document.body.dataset.build = outcome.ok ? 'ok' : 'failed';
    if (outcome.ok) this.note(`built ${tab} in ${(outcome.millis / 1000).toFixed(1)} s${outcome.notes.length ? ` (${outcome.notes.join('; ')})` : ''}`);
    else { this.note(`${tab}: build failed`); this.showProblems(outcome, tab, usedSpec); }
    return { outcome, usedSpec };
  }

  private selectedVersion(): string {
    const s = this.editors.selected;
    return s.endsWith('.xf') ? (this.running?.tab ?? this.versionTabs()[0]!) : s;
  }

  private async run(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    this.setStatus(this.status);
    try {
      await this.stop();
      const tab = this.selectedVersion();
      const { outcome } = await this.compile(tab);
      if (!outcome.ok) return;
      this.terminal.clear();
      this.timeline.clear();
      renderUnwind($('#unwind-view'), undefined, '', '');
      renderDiff($('#diff-view'), undefined, '', '');
      const versions = new Map<number, VersionView & { tab: string }>();
      const locals = new Map<number, Map<string, { addr: number; size: number }>>();
      const localsOf = (n: number) => { let m = locals.get(n); if (!m) locals.set(n, (m = new Map())); return m; };
      let heapBase = 0;
      const onEvent = (e: KitsuneEvent) => {
        if (e.type === 'started' && e.layout) {
          versions.set(e.layout.number, { meta: outcome.meta, layout: e.layout, locals: localsOf(e.layout.number), tab });
          heapBase = e.heapBase ?? 0;
          if (this.running?.versions === versions) this.running.heapBase = heapBase;
        } else if (e.type === 'local') {
          localsOf(e.version).set(e.key, { addr: e.addr, size: e.size });
        } else if (e.type === 'crash') {
          this.terminal.note(`kitsune: ${e.message}`, '31');
        } else if (e.type === 'notice') {
          this.terminal.note(`kitsune: ${e.message}`, '33');
        }
      };
      const proc = await KitsuneProcess.start(outcome.wasm, {
        argv0: this.lesson.program, args: this.lesson.args ?? [], inspect: true,
        // The driver's worker, bundled beside this module (kitsune-assets.ts): the package's recipe passes its URL.
        worker: new URL('./worker.js', import.meta.url),
        isTTY: { stdin: true, stdout: true, stderr: true },
        stdout: (b) => this.terminal.write(b), stderr: (b) => this.terminal.write(b), onEvent,
      });
      const running: Running = { proc, wasm: outcome.wasm, meta: outcome.meta, tab, versions, current: 1, heapBase, exited: false, localsOf };
      this.running = running;
      running.heapBase = heapBase;
      this.terminal.attach(proc);
      this.terminal.focus();
      void proc.exited.then((code) => {
        running.exited = true;
        if (this.running !== running) return;
        this.terminal.note(`\r\n[the program exited with code ${code}]`);
        this.stopLive();
        this.setStatus('exited');
        this.renderTabs();
      });
      this.renderTabs();
      document.body.dataset.runs = String(Number(document.body.dataset.runs ?? '0') + 1);
      this.setStatus('running');
      this.startLive();
    } catch (e) {
      this.terminal.note(`kitsune: ${(e as Error).message}`, '31');
      this.setStatus(this.warm ? 'ready' : 'loading');
    } finally {
      this.busy = false;
      this.setStatus(this.status);
    }
  }

  private async stop(byUser = false): Promise<void> {
    const r = this.running;
    this.stopLive();
    if (!r) return;
    this.running = undefined;
    this.terminal.attach(undefined);
    if (!r.exited) {
      await r.proc.kill();
      r.exited = true;
      if (byUser) this.terminal.note('\r\n[stopped]');
    }
    if (byUser) this.setStatus('exited');
    this.renderTabs();
  }

  private resolver(r: Running): Resolver {
    const versions = [...r.versions.values()];
    return {
      fnName: (slot) => {
        for (const v of versions) {
          const hit = v.layout.functions?.find((f) => f.slot === slot);
          if (hit) return hit.name;
        }
        return undefined;
      },
      dataName: (addr) => {
        for (const v of versions) {
          const c = v.layout.variables?.find((y) => addr >= y.addr && addr < y.addr + Math.max(1, y.size));
          if (!c) continue;
          const x = v.meta.variables.find((y) => y.key === c.key);
          return `&${x?.name ?? c.key}${addr > c.addr ? ` + ${addr - c.addr}` : ''}`;
        }
        return undefined;
      },
    };
  }

  private snapshot(r: Running): Uint8Array { return new Uint8Array(r.proc.memory.buffer.slice(0)); }

  private readNow(r: Running): StateImage | undefined {
    const v = r.versions.get(r.current);
    if (!v) return undefined;
    return readState(memoryImage(this.snapshot(r)), v, r.heapBase, this.resolver(r));
  }

  private toolbar(mode: 'live' | 'update'): HTMLElement {
    const bar = document.createElement('div');
    bar.className = 'controls';
    bar.style.padding = '0 0 6px';
    bar.style.borderTop = 'none';
    const now = document.createElement('button');
    now.textContent = mode === 'live' ? '↻ Refresh' : '↻ State now';
    now.onclick = () => { this.stopLive(); this.showLive(); };
    bar.append(now);
    if (this.lastComparison) {
      const last = document.createElement('button');
      last.textContent = '⟲ Last update: before and after';
      last.onclick = () => { this.stopLive(); this.lastComparison?.(); };
      bar.append(last);
    }
    return bar;
  }

  private showLive(): void {
    const r = this.running;
    if (!r) return;
    const img = this.readNow(r);
    const v = r.versions.get(r.current);
    if (img && v) this.stateView.live(img, v.tab, this.toolbar('live'));
  }

  private startLive(): void {
    this.stopLive();
    this.showLive();
    this.liveTimer = setInterval(() => { if (!this.busy) this.showLive(); }, 1500);
  }

  private stopLive(): void { if (this.liveTimer) clearInterval(this.liveTimer); this.liveTimer = undefined; }

  private async buildUpdate(): Promise<void> {
    const r = this.running;
    if (!r || r.exited) { this.toast('Run a program first: Build & update changes a running one'); return; }
    if (this.busy) return;
    this.busy = true;
    this.setStatus('updating');
    try {
      const tab = this.selectedVersion();
      const fromTab = r.tab;
      const { outcome } = await this.compile(tab, r.wasm);
      if (!outcome.ok) return;
      if (outcome.plan) renderDiff($('#diff-view'), outcome.plan as MigrationPlan, fromTab, tab);
      this.stopLive();
      const oldVersion = r.versions.get(r.current);
      const result = await r.proc.update(outcome.wasm);
      const after = this.snapshot(r);
      this.timeline.add({ result, from: fromTab, to: tab });
      document.body.dataset.lastOutcome = result.outcome;
      document.body.dataset.updates = String(this.timeline.count);
      if (result.point) this.editors.setLastPoint(result.point);
      if (result.outcome === 'committed' && result.layout) {
        const nv = { meta: outcome.meta, layout: result.layout, locals: r.localsOf(result.layout.number), tab };
        r.versions.set(result.layout.number, nv);
        r.current = result.layout.number;
        r.wasm = outcome.wasm;
        r.meta = outcome.meta;
        r.tab = tab;
      }
      renderUnwind($('#unwind-view'), result, fromTab, tab);
      this.showUpdate(r, result, oldVersion, after);
      this.terminal.note(this.describe(result, fromTab, tab), result.outcome === 'committed' ? '32' : '31');
      this.renderTabs();
    } finally {
      this.busy = false;
      this.setStatus(this.running && !this.running.exited ? 'running' : 'exited');
    }
  }

  private describe(r: UpdateResult, from: string, to: string): string {
    if (r.outcome === 'committed') return `[kitsune: updated ${from} → ${to} at "${r.point}": paused ${(r.timings.pause ?? 0).toFixed(1)} ms, migrated ${r.migrated?.length ?? 0} variable(s)]`;
    if (r.outcome === 'refused') return `[kitsune: update to ${to} refused at ${r.stage}: ${r.reason}; ${from} keeps running]`;
    return `[kitsune: update to ${to} rolled back at stage ${r.stage}: ${r.reason}\n ${from} goes on from "${r.point}" with its state intact]`;
  }

  private showUpdate(r: Running, result: UpdateResult, oldVersion: (VersionView & { tab: string }) | undefined, afterBytes: Uint8Array): void {
    const trace = result.trace;
    const newVersion = r.versions.get(r.current);
    if (!trace?.before || !oldVersion || !newVersion) { this.showLive(); return; }
    const resolve = this.resolver(r);
    const before = readState(memoryImage(trace.before), oldVersion, r.heapBase, resolve);
    const committed = result.outcome === 'committed';
    // The commit's own copy when there is one: the new version has run on since.
    const afterMem = memoryImage(committed && trace.after ? trace.after : afterBytes);
    // A rolled-back update leaves the old version running: "after" is its state, now.
    const after = readState(afterMem, committed ? newVersion : oldVersion, r.heapBase, resolve);
    const cmp = compare(before, after, committed ? trace : { ...trace, addressMap: [] }, afterMem, r.heapBase);
    const labels = { from: oldVersion.tab, to: committed ? newVersion.tab : `${oldVersion.tab} (after the rollback)`, point: result.point ?? '' };
    this.lastComparison = () => this.stateView.compare(before, after, cmp, labels, this.toolbar('update'));
    this.lastComparison();
  }
}

const app = new App();
window.playground = { terminalText: () => app.terminalText(), tabText: (n) => app.tabText(n), tabs: () => app.tabNames(), updates: () => app.updates() };

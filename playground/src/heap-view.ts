// The heap as a graph of objects and pointers, drawn in SVG: variables that
// hold pointers on top, the objects they reach below. Before and after an
// update, every object is told apart by what the update did to it: copied
// (unchanged: carried over as it was), transformed (rewritten in place, or
// moved to a block of its new size), new (made by the new version or a rule)
// or freed (no longer reachable, its block given back).
import { show, blockAt, type MemoryImage, type ObjectState, type StateImage, type VarState } from './heap.js';
import type { UpdateTrace } from './kitsune.js';

export type Fate = 'copied' | 'transformed' | 'new' | 'freed' | 'plain';

export interface Comparison {
  before: Map<number, Fate>;
  after: Map<number, Fate>;
  /** By the new variable's key; dropped variables by the old key in `droppedVars`. */
  vars: Map<string, Fate>;
  droppedVars: Set<string>;
  oldToNew: Map<number, number>;
  newToOld: Map<number, number>;
  /** Objects of the old state that are gone: freed, or still allocated but reachable from nothing. */
  freedNote: Map<number, string>;
}

/** What the update did to each variable and object, from the two states and the migration's address map. */
export function compare(before: StateImage, after: StateImage, trace: UpdateTrace, afterMem: MemoryImage, heapBase: number): Comparison {
  const oldToNew = new Map<number, number>(), newToOld = new Map<number, number>();
  const deep = new Set<number>();
  for (const p of trace.addressMap) {
    oldToNew.set(p.old, p.new);
    newToOld.set(p.new, p.old);
    if (p.deep) deep.add(p.old);
  }
  const b = new Map<number, Fate>(), a = new Map<number, Fate>(), freedNote = new Map<number, string>();
  for (const o of after.objects.values()) {
    const old = newToOld.get(o.addr);
    if (old !== undefined) a.set(o.addr, 'transformed');
    else if (before.objects.has(o.addr)) {
      const was = before.objects.get(o.addr)!;
      a.set(o.addr, was.signature === o.signature || !was.signature ? 'copied' : 'transformed');
    } else a.set(o.addr, 'new');
  }
  for (const o of before.objects.values()) {
    if (oldToNew.has(o.addr)) b.set(o.addr, 'transformed');
    else if (after.objects.has(o.addr)) b.set(o.addr, a.get(o.addr) === 'transformed' ? 'transformed' : 'copied');
    else {
      b.set(o.addr, 'freed');
      freedNote.set(o.addr, blockAt(afterMem, o.addr, heapBase) ? 'still allocated, but nothing reachable points to it any more' : 'its block was freed');
    }
  }
  const vars = new Map<string, Fate>(), droppedVars = new Set<string>();
  const olds = new Map(before.vars.map((v) => [v.key, v]));
  const moves = new Map((after.version.meta.xf?.variables ?? []).map((m) => [m.key, m]));
  for (const v of after.vars) {
    const mv = moves.get(v.key);
    if (mv) vars.set(v.key, mv.action === 'copy' ? 'copied' : mv.action === 'new' || mv.action === 'init' ? 'new' : 'transformed');
    else {
      const o = olds.get(v.key);
      vars.set(v.key, !o ? 'new' : o.signature === v.signature ? 'copied' : 'transformed');
    }
  }
  const renamedFrom = new Set([...moves.values()].map((m) => m.from).filter((x): x is string => !!x));
  for (const v of before.vars) if (!after.vars.some((x) => x.key === v.key) && !renamedFrom.has(v.key)) droppedVars.add(v.key);
  return { before: b, after: a, vars, droppedVars, oldToNew, newToOld, freedNote };
}

// ---- layout ------------------------------------------------------------------

interface Node {
  id: string;
  addr: number;
  title: string;
  sub: string;
  lines: string[];
  fate: Fate;
  isVar: boolean;
  children: Node[];
  x: number; y: number; w: number; h: number;
  depth: number;
  tip: string;
}

const W = 118, LINE = 13, GAP_X = 10, GAP_Y = 30;
const hex = (n: number) => `0x${n.toString(16)}`;

function objectLines(o: ObjectState): string[] {
  if (o.type === null) return ['(untyped block)'];
  const lines: string[] = [];
  const vals = o.items;
  if (o.count > 1) {
    // One line an element: its fields' values only (names would leave no room).
    vals.slice(0, 5).forEach((v, i) => lines.push(`[${i}] ${v.k === 'rec' ? v.fields.map((f) => show(f.value, 12)).join(' ') : show(v, 17)}`));
    if (o.count > 5) lines.push(`… ${o.count - 5} more`);
    return lines;
  }
  const v = vals[0];
  if (v?.k === 'rec') {
    for (const f of v.fields.slice(0, 6)) lines.push(f.value.k === 'ptr' && f.value.to !== undefined ? `${f.name} ●` : `${f.name} ${show(f.value, 17 - f.name.length)}`);
    if (v.fields.length > 6) lines.push(`… ${v.fields.length - 6} more`);
  } else if (v) lines.push(show(v, 19));
  return lines;
}

export interface GraphOptions {
  title: string;
  fates: (addr: number) => Fate;
  varFate: (key: string) => Fate;
  /** For the tooltip: what the update did, in words (old -> new address). */
  describe: (addr: number, fate: Fate) => string;
  /** The id of the same object in the other graph, to light both up on hover. */
  counterpart: (addr: number) => number | undefined;
  side: 'before' | 'after' | 'now';
}

function layout(image: StateImage, opt: GraphOptions): { nodes: Node[]; edges: [Node, Node, boolean][]; width: number; height: number } {
  const nodes = new Map<string, Node>();
  const make = (id: string, addr: number, title: string, sub: string, lines: string[], fate: Fate, isVar: boolean, tip: string): Node => {
    const n: Node = { id, addr, title, sub, lines, fate, isVar, children: [], x: 0, y: 0, w: W, h: 30 + lines.length * LINE + 6, depth: 0, tip };
    nodes.set(id, n);
    return n;
  };
  const objNode = (addr: number): Node | undefined => {
    const id = `o${addr}`;
    const have = nodes.get(id);
    if (have) return have;
    const o = image.objects.get(addr);
    if (!o) return undefined;
    const fate = opt.fates(addr);
    return make(id, addr, o.count > 1 ? `${o.typeName} ×${o.count}` : o.typeName, hex(addr), objectLines(o), fate, false,
      `${o.typeName}${o.count > 1 ? ` ×${o.count}` : ''} at ${hex(addr)} (${o.size} bytes)\n${opt.describe(addr, fate)}`);
  };
  const roots: Node[] = [];
  const edges: [Node, Node, boolean][] = [];
  const tree = new Set<Node>();
  for (const v of image.vars.filter((x: VarState) => x.refs.length)) {
    const fate = opt.varFate(v.key);
    const r = make(`v${v.key}`, v.addr, v.name, v.kind === 'local' ? `local ${v.key}` : v.typeName, [], fate, true,
      `${v.kind} ${v.key}: ${v.typeName} at ${hex(v.addr)}\n${opt.describe(v.addr, fate)}`);
    r.h = 34;
    roots.push(r);
  }
  // Breadth-first from the variables: the first path to an object places it (a spanning tree); others are cross edges.
  const queue: [Node, { from: string; to: number }[]][] = [];
  const refsOf = (n: Node): { from: string; to: number }[] => (n.isVar ? image.vars.find((v) => `v${v.key}` === n.id)!.refs : image.objects.get(n.addr)?.refs ?? []);
  for (const r of roots) { tree.add(r); queue.push([r, refsOf(r)]); }
  while (queue.length) {
    const [n, refs] = queue.shift()!;
    for (const ref of refs) {
      const c = objNode(ref.to);
      if (!c) continue;
      const fresh = !tree.has(c);
      edges.push([n, c, fresh]);
      if (fresh) { tree.add(c); c.depth = n.depth + 1; n.children.push(c); queue.push([c, refsOf(c)]); }
    }
  }
  // Tidy placement: leaves left to right, parents centred over their children.
  let nextX = 0;
  const rowH = new Map<number, number>();
  for (const n of tree) rowH.set(n.depth, Math.max(rowH.get(n.depth) ?? 0, n.h));
  const place = (n: Node): void => {
    if (!n.children.length) { n.x = nextX; nextX += W + GAP_X; return; }
    n.children.forEach(place);
    const first = n.children[0]!, last = n.children[n.children.length - 1]!;
    n.x = Math.max((first.x + last.x) / 2, 0);
    if (n.x + W + GAP_X > nextX) nextX = n.x + W + GAP_X;
  };
  roots.forEach(place);
  const rowY = new Map<number, number>();
  let y = 8;
  for (let d = 0; rowH.has(d); d++) { rowY.set(d, y); y += rowH.get(d)! + GAP_Y; }
  for (const n of tree) { n.x += 8; n.y = rowY.get(n.depth)!; }
  return { nodes: [...tree], edges, width: Math.max(nextX + 8, 200), height: y };
}

const SVG = 'http://www.w3.org/2000/svg';
const el = (tag: string, attrs: Record<string, string | number>, text?: string): SVGElement => {
  const e = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  if (text !== undefined) e.textContent = text;
  return e;
};

let tipEl: HTMLDivElement | undefined;
function tooltip(text: string | null, ev?: MouseEvent): void {
  tipEl ??= Object.assign(document.createElement('div'), { className: 'tip' });
  if (!tipEl.isConnected) document.body.append(tipEl);
  if (text === null || !ev) { tipEl.hidden = true; return; }
  tipEl.hidden = false;
  tipEl.textContent = text;
  tipEl.style.left = `${Math.min(ev.clientX + 14, innerWidth - 390)}px`;
  tipEl.style.top = `${ev.clientY + 14}px`;
}

/** Draws one state's graph into a new element; hovering an object lights up its counterpart (data-addr) in the other graph. */
export function drawGraph(image: StateImage, opt: GraphOptions): HTMLElement {
  const box = document.createElement('div');
  box.className = 'graph';
  box.dataset.side = opt.side;
  const h = document.createElement('h4');
  h.textContent = opt.title;
  box.append(h);
  const { nodes, edges, width, height } = layout(image, opt);
  if (!nodes.length) {
    const p = document.createElement('div');
    p.className = 'empty';
    p.textContent = 'No pointer in the globals reaches the heap.';
    box.append(p);
    return box;
  }
  const svg = el('svg', { width, height, viewBox: `0 0 ${width} ${height}` }) as SVGSVGElement;
  // Wide graphs shrink to fit their pane, down to 70%; wider ones scroll.
  requestAnimationFrame(() => {
    const room = box.clientWidth - 2;
    if (room > 0 && width > room) {
      const k = Math.max(0.7, room / width);
      svg.setAttribute('width', String(Math.round(width * k)));
      svg.setAttribute('height', String(Math.round(height * k)));
    }
  });
  const defs = el('defs', {});
  const marker = el('marker', { id: `arrow-${opt.side}`, viewBox: '0 0 10 10', refX: 9, refY: 5, markerWidth: 7, markerHeight: 7, orient: 'auto-start-reverse' });
  marker.append(el('path', { d: 'M0,0 L10,5 L0,10 z', fill: '#8a8f9c' }));
  defs.append(marker);
  svg.append(defs);
  const edgeEls: [SVGElement, Node, Node][] = [];
  for (const [a, b, isTree] of edges) {
    const x1 = a.x + W / 2, y1 = a.y + a.h, x2 = b.x + W / 2, y2 = b.y;
    const d = isTree || y2 > y1
      ? `M${x1},${y1} C${x1},${y1 + 22} ${x2},${y2 - 22} ${x2},${y2 - 1}`
      : `M${a.x + W},${a.y + a.h / 2} C${a.x + W + 40},${a.y + a.h / 2} ${b.x + W + 40},${b.y + b.h / 2} ${b.x + W},${b.y + b.h / 2}`;
    const p = el('path', { d, class: 'edge', 'marker-end': `url(#arrow-${opt.side})` });
    svg.append(p);
    edgeEls.push([p, a, b]);
  }
  for (const n of nodes) {
    const g = el('g', { class: `node ${n.fate}${n.isVar ? ' var' : ''}`, transform: `translate(${n.x},${n.y})`, 'data-addr': n.addr, 'data-fate': n.fate, 'data-kind': n.isVar ? 'var' : 'object' });
    g.append(el('rect', { class: 'box', width: W, height: n.h, rx: 5 }));
    g.append(el('text', { class: 'title', x: 6, y: 14 }, n.title.length > 16 ? `${n.title.slice(0, 15)}…` : n.title));
    g.append(el('text', { class: 'addr', x: 6, y: 26 }, n.sub.length > 20 ? `${n.sub.slice(0, 19)}…` : n.sub));
    n.lines.forEach((l, i) => g.append(el('text', { x: 6, y: 40 + i * LINE }, l.length > 17 ? `${l.slice(0, 16)}…` : l)));
    g.addEventListener('mouseenter', (ev) => {
      tooltip(n.tip, ev);
      g.classList.add('hot');
      for (const [p, a, b] of edgeEls) if (a === n || b === n) p.classList.add('hot');
      const other = opt.counterpart(n.addr);
      if (other !== undefined) document.querySelectorAll(`.graph:not([data-side="${opt.side}"]) .node[data-addr="${other}"]`).forEach((x) => x.classList.add('hot'));
    });
    g.addEventListener('mousemove', (ev) => tooltip(n.tip, ev));
    g.addEventListener('mouseleave', () => {
      tooltip(null);
      document.querySelectorAll('.node.hot, .edge.hot').forEach((x) => x.classList.remove('hot'));
    });
    svg.append(g);
  }
  box.append(svg);
  if (image.truncated) {
    const p = document.createElement('div');
    p.className = 'hint';
    p.textContent = `… and ${image.truncated} more object(s) not drawn`;
    box.append(p);
  }
  return box;
}

// SVG figures for the benchmark report, no dependencies: bars with min-max
// whiskers (ratios, times), stacked bars (update stages), and lines with
// points on a logarithmic x axis (pause against heap size). Every figure has a
// title, axis labels with units, and a legend when it has more than one series.

/** A value with its spread over repeated runs. */
export interface Spread { median: number; min: number; max: number }

const W = 720, H = 400;
const M = { left: 78, right: 24, top: 46, bottom: 84 };
const PW = W - M.left - M.right, PH = H - M.top - M.bottom;
const COLORS = ['#3b6fb6', '#e08a2c', '#4f9d5d', '#b8493f', '#7d5ba6', '#8c6d4f'];
const FONT = 'font-family="system-ui, -apple-system, Segoe UI, Helvetica, Arial, sans-serif"';

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const f = (x: number) => (Math.round(x * 10) / 10).toString();

function text(x: number, y: number, s: string, o: { size?: number; anchor?: 'start' | 'middle' | 'end'; weight?: string; rotate?: number; fill?: string } = {}) {
  const rot = o.rotate ? ` transform="rotate(${o.rotate} ${f(x)} ${f(y)})"` : '';
  return `<text x="${f(x)}" y="${f(y)}" font-size="${o.size ?? 12}" text-anchor="${o.anchor ?? 'start'}"${o.weight ? ` font-weight="${o.weight}"` : ''}${o.fill ? ` fill="${o.fill}"` : ''}${rot}>${esc(s)}</text>`;
}

function frame(title: string, xLabel: string, yLabel: string, body: string[], subtitle?: string): string {
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" ${FONT}>`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    text(W / 2, 22, title, { size: 15, anchor: 'middle', weight: 'bold' }),
    subtitle ? text(W / 2, 38, subtitle, { size: 11, anchor: 'middle', fill: '#555' }) : '',
    ...body,
    text(M.left + PW / 2, H - 10, xLabel, { size: 12, anchor: 'middle' }),
    text(16, M.top + PH / 2, yLabel, { size: 12, anchor: 'middle', rotate: -90 }),
    `<line x1="${M.left}" y1="${M.top + PH}" x2="${M.left + PW}" y2="${M.top + PH}" stroke="#222"/>`,
    `<line x1="${M.left}" y1="${M.top}" x2="${M.left}" y2="${M.top + PH}" stroke="#222"/>`,
    '</svg>',
  ].join('\n');
}

function fmtTick(v: number): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1e6) return `${+(v / 1e6).toPrecision(3)}M`;
  if (a >= 1e3) return `${+(v / 1e3).toPrecision(3)}k`;
  return `${+v.toPrecision(3)}`;
}

/** A y (or x) scale: linear from lo to hi, or logarithmic. */
interface Scale { at(v: number): number; ticks: number[] }

function linearTicks(lo: number, hi: number): number[] {
  const span = hi - lo || 1;
  const step0 = span / 6, mag = 10 ** Math.floor(Math.log10(step0));
  const step = [1, 2, 2.5, 5, 10].map((k) => k * mag).find((s) => s >= step0)!;
  const ticks = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) ticks.push(+v.toPrecision(12));
  return ticks;
}

function scale(lo: number, hi: number, log: boolean, pixels: number, invert: boolean): Scale {
  if (log) {
    const a = Math.floor(Math.log10(lo)), b = Math.ceil(Math.log10(hi));
    const span = Math.max(1, b - a);
    const at = (v: number) => { const t = (Math.log10(Math.max(v, 10 ** a)) - a) / span; return invert ? pixels * (1 - t) : pixels * t; };
    const ticks = [];
    for (let e = a; e <= b; e++) ticks.push(10 ** e);
    return { at, ticks };
  }
  const at = (v: number) => { const t = (v - lo) / (hi - lo || 1); return invert ? pixels * (1 - t) : pixels * t; };
  return { at, ticks: linearTicks(lo, hi) };
}

function yAxis(s: Scale, grid = true): string[] {
  return s.ticks.flatMap((t) => {
    const y = M.top + s.at(t);
    if (y < M.top - 0.5 || y > M.top + PH + 0.5) return [];
    return [
      grid ? `<line x1="${M.left}" y1="${f(y)}" x2="${M.left + PW}" y2="${f(y)}" stroke="#e4e4e4"/>` : '',
      `<line x1="${M.left - 4}" y1="${f(y)}" x2="${M.left}" y2="${f(y)}" stroke="#222"/>`,
      text(M.left - 7, y + 4, fmtTick(t), { size: 11, anchor: 'end' }),
    ];
  });
}

function legend(names: string[], colors: string[], y = M.top + 4): string[] {
  const out: string[] = [];
  let x = M.left + 10;
  names.forEach((n, i) => {
    out.push(`<rect x="${f(x)}" y="${f(y)}" width="12" height="12" fill="${colors[i]}"/>`, text(x + 16, y + 10, n, { size: 11 }));
    x += 28 + n.length * 6.4;
  });
  return [`<rect x="${M.left + 4}" y="${y - 4}" width="${f(x - M.left - 4)}" height="20" fill="white" fill-opacity="0.85"/>`, ...out];
}

export interface BarChart {
  title: string; subtitle?: string; xLabel: string; yLabel: string;
  /** Series names (one bar of each per group). */
  series: string[];
  groups: { label: string; values: (Spread | number | null)[] }[];
  log?: boolean;
  /** Horizontal reference lines, e.g. 1.0 for a ratio. */
  refs?: { value: number; label: string; dashed?: boolean }[];
  /** Lower end of a linear y axis (default 0). */
  yMin?: number;
  /** What the whiskers show, said under the plot (default: min to max over repeated runs). */
  whiskers?: string;
}

/** Grouped bars with min-max whiskers where a value has a spread. */
export function barChart(c: BarChart): string {
  const spreads = c.groups.flatMap((g) => g.values.filter((v): v is Spread | number => v !== null).map((v) => (typeof v === 'number' ? { median: v, min: v, max: v } : v)));
  const hiData = Math.max(...spreads.map((s) => s.max), ...(c.refs ?? []).map((r) => r.value));
  const loData = Math.min(...spreads.map((s) => s.min).filter((v) => v > 0), ...(c.refs ?? []).map((r) => r.value));
  const ys = c.log ? scale(loData, hiData, true, PH, true) : scale(c.yMin ?? 0, hiData * 1.08, false, PH, true);
  const base = c.log ? PH : ys.at(c.yMin ?? 0);
  const body = yAxis(ys);
  const gw = PW / c.groups.length, bw = Math.min(46, (gw * 0.72) / c.series.length);
  c.groups.forEach((g, gi) => {
    const x0 = M.left + gi * gw + (gw - bw * c.series.length) / 2;
    g.values.forEach((v, si) => {
      if (v === null) return;
      const s = typeof v === 'number' ? { median: v, min: v, max: v } : v;
      const x = x0 + si * bw, y = M.top + ys.at(s.median);
      const yb = M.top + base;
      body.push(`<rect x="${f(x + 2)}" y="${f(Math.min(y, yb))}" width="${f(bw - 4)}" height="${f(Math.abs(yb - y))}" fill="${COLORS[si % COLORS.length]}"><title>${esc(`${g.label}, ${c.series[si]}: median ${s.median.toPrecision(4)} (min ${s.min.toPrecision(4)}, max ${s.max.toPrecision(4)})`)}</title></rect>`);
      if (s.max > s.min) {
        const cx = x + bw / 2, y1 = M.top + ys.at(s.min), y2 = M.top + ys.at(s.max);
        body.push(`<line x1="${f(cx)}" y1="${f(y1)}" x2="${f(cx)}" y2="${f(y2)}" stroke="#111" stroke-width="1.3"/>`,
          `<line x1="${f(cx - 5)}" y1="${f(y1)}" x2="${f(cx + 5)}" y2="${f(y1)}" stroke="#111" stroke-width="1.3"/>`,
          `<line x1="${f(cx - 5)}" y1="${f(y2)}" x2="${f(cx + 5)}" y2="${f(y2)}" stroke="#111" stroke-width="1.3"/>`);
      }
      body.push(text(x + bw / 2, Math.min(y, yb) - 4 - (s.max > s.median ? Math.max(0, y - (M.top + ys.at(s.max))) : 0), fmtValue(s.median), { size: 10, anchor: 'middle', fill: '#333' }));
    });
    body.push(text(M.left + gi * gw + gw / 2, M.top + PH + 18, g.label, { size: 11, anchor: 'middle' }));
  });
  (c.refs ?? []).forEach((r, i) => {
    const y = M.top + ys.at(r.value);
    // Labels alternate between the right and left ends, so that close lines stay readable.
    const right = i % 2 === 0;
    body.push(`<line x1="${M.left}" y1="${f(y)}" x2="${M.left + PW}" y2="${f(y)}" stroke="#b8493f" stroke-width="1.2"${r.dashed ? ' stroke-dasharray="5 4"' : ''}/>`,
      text(right ? M.left + PW - 4 : M.left + 4, right ? y + 12 : y - 4, r.label, { size: 10, anchor: right ? 'end' : 'start', fill: '#b8493f' }));
  });
  if (c.series.length > 1) body.push(...legend(c.series, c.series.map((_, i) => COLORS[i % COLORS.length])));
  body.push(text(M.left, H - 30, c.whiskers ?? 'bars: median; whiskers: min to max over repeated runs', { size: 10, fill: '#666' }));
  return frame(c.title, c.xLabel, c.yLabel, body, c.subtitle);
}

function fmtValue(v: number): string {
  const a = Math.abs(v);
  if (a >= 100) return Math.round(v).toLocaleString('en-US');
  if (a >= 10) return v.toFixed(1);
  return v.toFixed(a >= 1 ? 2 : 3);
}

export interface StackedChart {
  title: string; subtitle?: string; xLabel: string; yLabel: string;
  /** Stage names, bottom to top. */
  stages: string[];
  bars: { label: string; values: number[] }[];
  log?: false;
}

/** Stacked bars (medians of each stage), one bar per label. */
export function stackedBars(c: StackedChart): string {
  const hi = Math.max(...c.bars.map((b) => b.values.reduce((a, v) => a + Math.max(0, v), 0)));
  const ys = scale(0, hi * 1.1, false, PH, true);
  const body = yAxis(ys);
  const gw = PW / c.bars.length, bw = Math.min(52, gw * 0.6);
  c.bars.forEach((b, bi) => {
    const x = M.left + bi * gw + (gw - bw) / 2;
    let acc = 0;
    b.values.forEach((v, si) => {
      const v0 = Math.max(0, v);
      const y1 = M.top + ys.at(acc), y2 = M.top + ys.at(acc + v0);
      body.push(`<rect x="${f(x)}" y="${f(y2)}" width="${f(bw)}" height="${f(Math.max(0, y1 - y2))}" fill="${COLORS[si % COLORS.length]}"><title>${esc(`${b.label}, ${c.stages[si]}: ${v.toPrecision(4)}`)}</title></rect>`);
      acc += v0;
    });
    body.push(text(x + bw / 2, M.top + ys.at(acc) - 4, fmtValue(acc), { size: 10, anchor: 'middle', fill: '#333' }));
    const [l1, l2] = b.label.split('\n');
    body.push(text(x + bw / 2, M.top + PH + 16, l1, { size: 11, anchor: 'middle' }));
    if (l2) body.push(text(x + bw / 2, M.top + PH + 30, l2, { size: 10, anchor: 'middle', fill: '#555' }));
  });
  body.push(...legend(c.stages, c.stages.map((_, i) => COLORS[i % COLORS.length])));
  return frame(c.title, c.xLabel, c.yLabel, body, c.subtitle);
}

export interface LineChart {
  title: string; subtitle?: string; xLabel: string; yLabel: string;
  series: { name: string; points: ({ x: number } & Spread)[] }[];
  logX?: boolean; logY?: boolean;
  /** Print each point's value beside it (default true). */
  labels?: boolean;
  /** Start a linear y axis at 0 (default true). */
  yFromZero?: boolean;
}

/** Lines through the medians, with min-max whiskers at each point. */
export function lineChart(c: LineChart): string {
  const pts = c.series.flatMap((s) => s.points);
  const xs = scale(Math.min(...pts.map((p) => p.x)), Math.max(...pts.map((p) => p.x)), !!c.logX, PW - 40, false);
  const ys = c.logY
    ? scale(Math.min(...pts.map((p) => p.min).filter((v) => v > 0)), Math.max(...pts.map((p) => p.max)), true, PH, true)
    : scale(c.yFromZero === false ? Math.min(...pts.map((p) => p.min)) * 0.9 : 0, Math.max(...pts.map((p) => p.max)) * 1.1, false, PH, true);
  const X = (v: number) => M.left + 20 + xs.at(v), Y = (v: number) => M.top + ys.at(v);
  const body = yAxis(ys);
  for (const t of xs.ticks) {
    body.push(`<line x1="${f(X(t))}" y1="${M.top + PH}" x2="${f(X(t))}" y2="${M.top + PH + 4}" stroke="#222"/>`, text(X(t), M.top + PH + 18, fmtTick(t), { size: 11, anchor: 'middle' }));
  }
  c.series.forEach((s, si) => {
    const col = COLORS[si % COLORS.length];
    const sorted = [...s.points].sort((a, b) => a.x - b.x);
    body.push(`<polyline fill="none" stroke="${col}" stroke-width="2" points="${sorted.map((p) => `${f(X(p.x))},${f(Y(p.median))}`).join(' ')}"/>`);
    for (const p of sorted) {
      const cx = X(p.x);
      if (p.max > p.min) body.push(`<line x1="${f(cx)}" y1="${f(Y(p.min))}" x2="${f(cx)}" y2="${f(Y(p.max))}" stroke="${col}" stroke-width="1.3"/>`,
        `<line x1="${f(cx - 4)}" y1="${f(Y(p.min))}" x2="${f(cx + 4)}" y2="${f(Y(p.min))}" stroke="${col}"/>`,
        `<line x1="${f(cx - 4)}" y1="${f(Y(p.max))}" x2="${f(cx + 4)}" y2="${f(Y(p.max))}" stroke="${col}"/>`);
      body.push(`<circle cx="${f(cx)}" cy="${f(Y(p.median))}" r="4" fill="${col}"><title>${esc(`${s.name}, ${fmtTick(p.x)}: median ${p.median.toPrecision(4)} (min ${p.min.toPrecision(4)}, max ${p.max.toPrecision(4)})`)}</title></circle>`);
      if (c.labels !== false) body.push(text(cx + 7, Y(p.median) - 6, fmtValue(p.median), { size: 10, fill: col }));
    }
  });
  body.push(...legend(c.series.map((s) => s.name), c.series.map((_, i) => COLORS[i % COLORS.length])));
  if (pts.some((p) => p.max > p.min)) body.push(text(M.left, H - 30, 'points: median; whiskers: min to max over repeated updates', { size: 10, fill: '#666' }));
  return frame(c.title, c.xLabel, c.yLabel, body, c.subtitle);
}

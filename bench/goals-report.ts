// The report's Goals section beyond its table: one figure of every goal's
// measure against its goal with its 95% interval, and when each part of the
// benchmark ran and under which load (parts may come from separate runs:
// `npm run bench -- --only PART`, bench/parts.ts).
import { barChart } from './figures.js';
import type { Goal } from './goals.js';

/** When a part of the benchmark was measured, how long it took, and the 1-minute load average at its start and end (and the highest seen). */
export interface PartRun { date: string; seconds: number; loadavg: [number, number]; maxLoad?: number }

/**
 * Every goal's measure divided by its goal, turned round for a "≥" goal
 * (goal ÷ measure), so that one line at 1 is every goal and below it is met.
 */
export function goalsFigure(gs: Goal[]): string {
  const rel = (g: Goal, x: number) => (g.atLeast ? g.target / x : x / g.target);
  const shown = gs.filter((g) => g.value && g.value.estimate > 0);
  return barChart({
    title: 'The performance goals: each measure against its goal',
    subtitle: 'measure ÷ goal (for a "≥" goal: goal ÷ measure), so that 1 is the goal and below it is met',
    xLabel: 'goal', yLabel: 'measure relative to its goal (log scale)', series: ['relative to the goal'], log: true,
    groups: shown.map((g) => {
      const v = g.value!;
      // The widest-interval goal has no interval of its own (its lo and hi are the narrowest and widest of the programs).
      if (g.measure.includes('interval')) return { label: g.short, values: [rel(g, v.estimate)] };
      const a = rel(g, v.lo), b = rel(g, v.hi);
      return { label: g.short, values: [{ median: rel(g, v.estimate), min: Math.min(a, b), max: Math.max(a, b) }] };
    }),
    refs: [{ value: 1, label: 'goal' }],
    whiskers: 'bars: median of the repeated runs; whiskers: its 95% bootstrap interval (none for the widest interval itself)',
  });
}

/** A table of when each part ran; a part measured while the load average was above half the cores is marked busy. */
export function partsTable(parts: Partial<Record<string, PartRun>> | undefined, cores: number): string[] {
  const rows = Object.entries(parts ?? {}).filter((e): e is [string, PartRun] => !!e[1]);
  if (!rows.length) return [];
  const day = (iso: string) => (/^\d{4}-\d\d-\d\dT/.test(iso) ? `${iso.slice(0, 16).replace('T', ' ')} UTC` : iso);
  const load = (x: number) => (Number.isFinite(x) ? x.toFixed(2) : '?');
  return [
    'When each part was measured (parts can be rerun on their own: `npm run bench -- --only PART[,PART]`), with the 1-minute load average at its start and end:', '',
    '| part | measured | seconds | load average | machine |', '|---|---|---|---|---|',
    ...rows.map(([name, p]) => {
      const peak = Math.max(p.maxLoad ?? 0, ...p.loadavg.filter(Number.isFinite));
      return `| ${name} | ${day(p.date)} | ${Number.isFinite(p.seconds) ? p.seconds.toFixed(0) : '?'} | ${load(p.loadavg[0])} → ${load(p.loadavg[1])} | ${peak > cores * 0.5 ? '**busy**' : 'idle'} |`;
    }), '',
  ];
}

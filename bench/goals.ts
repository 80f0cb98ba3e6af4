// The performance goals (issue 15) and their verdicts, from one run's results:
// each measure with a 95% interval bootstrapped over its repeated runs, so a
// verdict is "met" or "missed" only when the whole interval is on one side of
// the goal, and "not decidable" when the interval straddles it.

/** What the goals read of a run's results (report.ts Results has it all; declared here so that report.ts can import this file). */
interface Samples { samples: number[]; median: number }
export interface GoalInputs {
  kv: { rps: { kitsune: number[]; native?: number[] } };
  pause: { n: number; stages: { pause: Samples } }[];
  pauseChanged: { n: number; migrateOverByHand: Samples }[];
  steadyPrograms: { program: string; ratio: Samples }[];
  steady: { program: string; ratioStats: Samples }[];
}

export interface Interval { estimate: number; lo: number; hi: number; n: number }
export interface Goal {
  measure: string;
  /** A few words for a figure's axis. */
  short: string;
  goal: string;
  /** The goal as a number, and whether the measure must reach it from above (≥) or stay below it (≤). */
  target: number;
  atLeast: boolean;
  value?: Interval;
  verdict: 'met' | 'missed' | 'not decidable' | 'not measured';
  note?: string;
}

const median = (xs: number[]) => { const s = [...xs].sort((a, b) => a - b); const m = s.length >> 1; return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2; };

/** Median with a percentile-bootstrap 95% interval (seeded: the same results give the same report). */
export function bootstrap(samples: number[], resamples = 4000): Interval {
  let seed = 0x9e3779b9;
  const rand = () => { seed ^= seed << 13; seed ^= seed >>> 17; seed ^= seed << 5; return (seed >>> 0) / 2 ** 32; };
  const n = samples.length;
  const medians: number[] = [];
  for (let i = 0; i < resamples; i++) {
    const s = Array.from({ length: n }, () => samples[Math.floor(rand() * n)]!);
    medians.push(median(s));
  }
  medians.sort((a, b) => a - b);
  return { estimate: median(samples), lo: medians[Math.floor(0.025 * resamples)]!, hi: medians[Math.ceil(0.975 * resamples) - 1]!, n };
}

function judge(measure: string, short: string, samples: number[] | undefined, goal: number, atLeast: boolean, note?: string): Goal {
  const g = `${atLeast ? '≥' : '≤'} ${goal}`;
  const head = { measure, short, goal: g, target: goal, atLeast };
  if (!samples?.length) return { ...head, verdict: 'not measured', ...(note ? { note } : {}) };
  const v = bootstrap(samples);
  const met = atLeast ? v.lo >= goal : v.hi <= goal;
  const missed = atLeast ? v.hi < goal : v.lo > goal;
  return { ...head, value: v, verdict: met ? 'met' : missed ? 'missed' : 'not decidable', ...(note ? { note } : {}) };
}

export function goals(r: GoalInputs): Goal[] {
  const out: Goal[] = [];
  const kv = r.kv.rps;
  out.push(judge('kv server requests/s, Kitsune ÷ native gcc -O2', 'kv ÷ native', kv.native ? kv.kitsune.map((k, i) => k / kv.native![i]!) : undefined, 0.77, true,
    kv.native ? undefined : 'gcc was not there'));
  const unchanged = r.pause.map((p) => p.stages.pause.samples);
  const worst = r.pause.length ? r.pause.reduce((a, b) => (b.stages.pause.median > a.stages.pause.median ? b : a)) : undefined;
  out.push(judge(`update pause, types unchanged, ms (the slowest N: ${worst ? worst.n.toLocaleString('en-US') : '-'} objects)`, 'pause (ms)', worst?.stages.pause.samples, 1.0, false,
    unchanged.length ? `medians by N: ${r.pause.map((p) => `${p.n.toLocaleString('en-US')}: ${p.stages.pause.median.toFixed(2)}`).join(', ')}` : undefined));
  const big = r.pauseChanged[r.pauseChanged.length - 1];
  out.push(judge(`migration of ${big ? big.n.toLocaleString('en-US') : '-'} changed objects ÷ hand-written malloc+copy`, 'migration ÷ hand', big?.migrateOverByHand.samples, 2, false));
  const loop = r.steadyPrograms.find((p) => p.program === 'request loop');
  out.push(judge('steady state, request loop with an update point per request, Kitsune ÷ plain', 'request loop', loop?.ratio.samples, 1.01, false));
  const outlined = r.steady.find((s) => s.program === 'compute, kernel outlined');
  out.push(judge('steady state, outlined compute kernel, Kitsune ÷ plain', 'outlined kernel', outlined?.ratioStats.samples, 1.01, false));
  // The method: can this run tell 1%? The widest interval of the steady ratios, as ± half its width.
  const widths = r.steadyPrograms.map((p) => { const v = bootstrap(p.ratio.samples); return (v.hi - v.lo) / 2 / v.estimate; });
  const widest = Math.max(...widths);
  out.push({
    measure: 'the widest 95% interval of the steady-state ratios, ± of the estimate', short: 'interval width', goal: '≤ ±1% (idle machine)', target: 0.01, atLeast: false,
    value: { estimate: widest, lo: Math.min(...widths), hi: widest, n: widths.length },
    verdict: widest <= 0.01 ? 'met' : 'missed',
    note: `${r.steadyPrograms.map((p, i) => `${p.program} ±${(widths[i]! * 100).toFixed(1)}%`).join(', ')}`,
  });
  return out;
}

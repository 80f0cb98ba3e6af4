// The report's section on threads (bench/threads-bench.ts measures it): the
// update pause against the number of threads, and the thread-pool server's
// throughput with Kitsune, without, and native, as ratios of one run.
// It imports nothing of report.ts, which calls it (no import circle): its
// tables are markdown tables.
import { barChart, lineChart, type Spread } from './figures.js';

/** report.ts's Stats: min, median and max of the samples. */
type Sampled = Spread & { samples: number[] };

export interface ThreadsConfig { threads: number[]; updates: number; clients: number; seconds: number; rounds: number }

export interface ThreadsResults {
  config: ThreadsConfig;
  /** The update pause (unwind to commit, every thread relaunched) against the number of threads besides main. */
  pause: { threads: number; pause: Sampled }[];
  /** Requests per second of each round, per variant; native only when gcc is there. */
  rps: { kitsune: number[]; plain: number[]; native?: number[] };
  /** Time per request, per round: with Kitsune ÷ without, and each ÷ native. */
  kitsuneOverPlain: Sampled;
  plainOverNative?: Sampled;
  kitsuneOverNative?: Sampled;
  /** Replies that were not the expected line, over all rounds (must be 0). */
  wrong: number;
}

const spread = (s: Sampled): Spread => ({ median: s.median, min: s.min, max: s.max });
const row = (cells: string[]) => `| ${cells.join(' | ')} |`;
const mdTable = (head: string[], rows: string[][]) => [row(head), row(head.map(() => '---')), ...rows.map(row)].join('\n');
const f = (x: number, digits: number) => x.toFixed(digits);

/** The section's markdown lines; `svg` writes a figure and returns its file name. */
export function threadsSection(t: ThreadsResults, svg: (name: string, content: string) => string): string[] {
  const c = t.config;
  const md: string[] = ['## Threads', '',
    `Update pause against the number of threads: \`bench/threads-update.c\`, whose threads each wait in Kitsune's condition wait as an idle pool worker does; at every update each is woken, parks at its point, and is relaunched by the new version, and the update commits once all are back (${c.updates} updates per count, two builds of one source updated back and forth).`, '',
    mdTable(['threads', 'pause, ms: min', 'median', 'max'], t.pause.map((p) => [String(p.threads), f(p.pause.min, 1), f(p.pause.median, 1), f(p.pause.max, 1)])), ''];
  const fig = svg('threads-pause', lineChart({
    title: 'Update pause against the number of threads', subtitle: 'every thread relaunched by the new version; min-max whiskers',
    xLabel: 'threads besides main (log scale)', yLabel: 'pause, ms', logX: true, yFromZero: true,
    series: [{ name: 'pause (unwind to commit)', points: t.pause.map((p) => ({ x: p.threads, ...spread(p.pause) })) }],
  }));
  md.push(`![pause against threads](${fig})`, '');

  const ratio = (what: string, s: Sampled) => [what, f(s.min, 3), f(s.median, 3), f(s.max, 3)];
  const rows: string[][] = [ratio('with Kitsune ÷ without', t.kitsuneOverPlain)];
  if (t.plainOverNative && t.kitsuneOverNative) rows.push(ratio('without Kitsune ÷ native', t.plainOverNative), ratio('with Kitsune ÷ native', t.kitsuneOverNative));
  const med = (xs: number[]) => { const s = [...xs].sort((a, b) => a - b), h = s.length >> 1; return s.length % 2 ? s[h] : (s[h - 1] + s[h]) / 2; };
  const rps = `requests/s (medians): with Kitsune ${Math.round(med(t.rps.kitsune))}, without ${Math.round(med(t.rps.plain))}${t.rps.native ? `, native ${Math.round(med(t.rps.native))}` : ''}`;
  md.push(`The thread-pool server (\`test/programs/threads/pool.c\`: an acceptor, four workers, a queue and a table under mutexes) under ${c.clients} clients, each asking \`INCR\` on a connection of its own per request, ${c.rounds} rounds of ${c.seconds} s, the variants alternated in each round: built with Kitsune; without (the same source with Kitsune's calls compiled away, on the same driver, so its threads are cooperative too); and natively (gcc -O2 -pthread, real threads)${t.rps.native ? '' : ' (gcc was not there: skipped)'}. Time per request, ratios per round; ${rps}; ${t.wrong} wrong replies.`, '',
    mdTable(['time per request', 'min', 'median', 'max'], rows), '');
  const groups = [{ label: 'with ÷ without', values: [spread(t.kitsuneOverPlain)] }];
  if (t.plainOverNative && t.kitsuneOverNative) groups.push({ label: 'without ÷ native', values: [spread(t.plainOverNative)] }, { label: 'with ÷ native', values: [spread(t.kitsuneOverNative)] });
  const fig2 = svg('threads-pool', barChart({
    title: 'Thread-pool server: time per request, ratios', subtitle: `${c.clients} clients, a connection per request; per round, min-max whiskers`,
    xLabel: 'variants compared', yLabel: 'ratio of time per request', series: ['ratio'], groups,
    refs: [{ value: 1, label: 'equal', dashed: true }],
  }));
  md.push(`![thread-pool throughput ratios](${fig2})`, '');
  return md;
}

// `npm run bench -- --only PART[,PART]`: reruns some parts of the benchmark
// and merges them into the saved results (bench/report.json, or the --quick
// one), so that one part can be measured again on an idle machine, or after
// a change to what it measures, without the other nine minutes. Each part
// that ran records when and under which load it ran (`parts` in the
// results); the parts not rerun keep their numbers and their conditions.
// The run loop asks `wants(part)` before measuring a part and `prior(...)`
// for what a part it skips measured last time.
import fs from 'node:fs';
import os from 'node:os';
import type { Results, PartRun } from './report.js';

/** The parts, named after the results they fill, with the run's section (lap) that times them. */
export const PARTS = {
  build: { keys: ['build'], section: 'build time', what: 'build time (fresh process, warm rebuild)' },
  steady: { keys: ['steady', 'asyncify'], section: 'steady state', what: 'steady-state overhead of the four programs (the kv server is part kv)' },
  pause: { keys: ['pause'], section: 'update pause', what: 'update pause with types unchanged' },
  migrate: { keys: ['pauseChanged', 'migrate'], section: 'update pause', what: 'update pause with types changed, and the migration against a hand-written copy' },
  memory: { keys: ['memory'], section: 'memory', what: 'memory across 100 updates' },
  xf: { keys: ['xfProperty'], section: 'xf property', what: 'the migration property test' },
  kv: { keys: ['kv'], section: 'kv', what: 'the kv server: throughput against plain and native, update against restart' },
  playground: { keys: ['playground'], section: 'playground', what: 'the playground in headless Chromium' },
  package: { keys: ['package'], section: 'package', what: 'the package as installed, and a page bundled from it' },
  endurance: { keys: ['endurance'], section: 'endurance', what: '10,000 updates back and forth' },
  threads: { keys: ['threads'], section: 'threads', what: 'the pause against the number of threads, and the thread-pool server' },
} as const satisfies Record<string, { keys: (keyof Results)[]; section: string; what: string }>;
export type Part = keyof typeof PARTS;

/** A command-line mistake: said plainly, without a stack trace. */
export class PartsError extends Error {
  readonly code = 'E_USAGE';
  constructor(message: string) { super(message); this.name = 'PartsError'; }
}

const loadavg = () => os.loadavg()[0]!;

export class Parts {
  private readonly runs = new Map<Part, PartRun>();

  private constructor(
    /** The parts to measure; undefined: all of them. */
    readonly only: ReadonlySet<Part> | undefined,
    /** The results the measured parts are merged into (with --only). */
    private readonly previous: Results | undefined,
    private readonly file: string,
  ) {}

  /** From the command line: `--only a,b` (or `--only=a,b`); `results` is the file the merge reads. */
  static fromArgs(argv: string[], results: URL): Parts {
    const at = argv.findIndex((a) => a === '--only' || a.startsWith('--only='));
    const file = decodeURIComponent(results.pathname);
    if (at < 0) return new Parts(undefined, undefined, file);
    const list = argv[at]!.includes('=') ? argv[at]!.slice('--only='.length) : argv[at + 1];
    const names = (list ?? '').split(',').map((s) => s.trim()).filter(Boolean);
    const known = Object.keys(PARTS) as Part[];
    if (!names.length) throw new PartsError(`--only expects a comma-separated list of parts (${known.join(', ')}), found ${list === undefined ? 'nothing after it' : `"${list}"`}`);
    const unknown = names.filter((n) => !(n in PARTS));
    if (unknown.length) throw new PartsError(`--only: no part named ${unknown.map((n) => `"${n}"`).join(', ')}; the parts are:\n${known.map((k) => `  ${k.padEnd(11)}${PARTS[k].what}`).join('\n')}`);
    if (!fs.existsSync(file)) throw new PartsError(`--only merges into the results of an earlier run, expected at ${file}, which does not exist: run the whole benchmark once first (npm run bench${argv.includes('--quick') ? ' -- --quick' : ''})`);
    let previous: Results;
    try { previous = JSON.parse(fs.readFileSync(file, 'utf8')) as Results; } catch (e) {
      throw new PartsError(`--only merges into ${file}, which is not readable JSON (${e instanceof Error ? e.message : String(e)}): run the whole benchmark again to write it afresh`);
    }
    if (!!previous.quick !== argv.includes('--quick')) throw new PartsError(`--only: ${file} holds a ${previous.quick ? '--quick' : 'full'} run, this one is ${previous.quick ? 'full' : '--quick'}: the two do not mix`);
    return new Parts(new Set(names as Part[]), previous, file);
  }

  /** Whether this run measures `part`. */
  wants(part: Part): boolean { return !this.only || this.only.has(part); }

  /** What a part this run skips measured in the run merged into; a clear error when that run did not have it. */
  prior<T>(part: Part, pick: (r: Results) => T | undefined): T {
    const v = this.previous ? pick(this.previous) : undefined;
    if (v === undefined) throw new PartsError(`--only ${[...this.only ?? []].join(',')}: this run needs part "${part}" from ${this.file}, which has none; add ${part} to --only`);
    return v;
  }

  /** `part`'s value: measured by `f` when this run wants it, else the earlier run's. */
  async run<T>(part: Part, f: () => Promise<T>, pick: (r: Results) => T | undefined): Promise<T> {
    return this.wants(part) ? this.measure(part, f) : this.prior(part, pick);
  }

  /** The same for a part that older results may lack (their report then has no section for it). */
  async optional<T>(part: Part, f: () => Promise<T>, pick: (r: Results) => T | undefined): Promise<T | undefined> {
    return this.wants(part) ? this.measure(part, f) : this.previous ? pick(this.previous) : undefined;
  }

  /** Measures (a piece of) `part`, noting the time and the machine's load around it; a part measured in pieces spans them all. */
  async measure<T>(part: Part, f: () => Promise<T>): Promise<T> {
    const started = Date.now(), load = loadavg();
    const value = await f();
    const seen = this.runs.get(part);
    const seconds = (Date.now() - started) / 1000;
    this.runs.set(part, seen
      ? { ...seen, seconds: seen.seconds + seconds, loadavg: [seen.loadavg[0], loadavg()], maxLoad: Math.max(seen.maxLoad ?? 0, load, loadavg()) }
      : { date: new Date(started).toISOString(), seconds, loadavg: [load, loadavg()], maxLoad: Math.max(load, loadavg()) });
    return value;
  }

  /**
   * The results to write: all of this run's with the conditions of each part,
   * or, with --only, the earlier run's with the parts measured now put in.
   * Values derived from several parts (the steady-state programs, which take
   * the kv server from part kv) were computed by the run from the merged parts.
   */
  finish(r: Results): Results {
    const runs = Object.fromEntries(this.runs) as Partial<Record<Part, PartRun>>;
    if (!this.only || !this.previous) return { ...r, parts: runs };
    const prev = this.previous;
    const out: Results = { ...prev, steadyPrograms: r.steadyPrograms, steadyGeomean: r.steadyGeomean, config: r.config, native: this.wants('steady') || this.wants('kv') ? r.native : prev.native };
    const merged = out as unknown as Record<string, unknown>, fresh = r as unknown as Record<string, unknown>;
    const sections = { ...prev.seconds.sections };
    for (const part of this.only) {
      for (const key of PARTS[part].keys) merged[key] = fresh[key];
      const s = PARTS[part].section;
      if (r.seconds.sections?.[s] !== undefined) sections[s] = r.seconds.sections[s]!;
    }
    out.seconds = { ...prev.seconds, sections };
    out.parts = { ...priorRuns(prev), ...runs };
    return out;
  }
}

/** When each part of an earlier run ran: its own record, else the whole run's date and load. */
function priorRuns(prev: Results): Partial<Record<Part, PartRun>> {
  const whole: PartRun = { date: prev.machine.date, seconds: NaN, loadavg: [prev.machine.loadavg?.start[0] ?? NaN, prev.machine.loadavg?.end[0] ?? NaN] };
  const out: Partial<Record<Part, PartRun>> = {};
  for (const part of Object.keys(PARTS) as Part[]) {
    if (PARTS[part].keys.every((k) => prev[k] === undefined)) continue;
    const e = prev.endurance;
    out[part] = prev.parts?.[part] ?? (part === 'endurance' && e?.separateRun ? { date: e.separateRun, seconds: e.seconds, loadavg: e.loadavg } : { ...whole, seconds: prev.seconds.sections?.[PARTS[part].section] ?? NaN });
  }
  return out;
}

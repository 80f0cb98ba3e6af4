// Shared by the stress suite: cached builds, a seeded PRNG, timeouts, and a
// runner that checks every line the stress program prints, as it arrives.
import fs from 'node:fs';
import path from 'node:path';
import crypto from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { build } from 'kitsune-wasm/compiler';
import { KitsuneProcess, type StartOptions, type KitsuneEvent } from 'kitsune-wasm';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const STRESS = path.join(ROOT, 'stress');
export const OUT = path.join(STRESS, 'out');
/** The tests' counter program, built with -DSTRESS (test/programs/counter.c says what that changes). */
export const COUNTER = fs.readFileSync(path.join(ROOT, 'test/programs/counter.c'), 'utf8');
export const CAP = 48;

export const log = (msg: string) => process.stderr.write(`[stress ${new Date().toISOString().slice(11, 19)}] ${msg}\n`);
export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Seeded PRNG (mulberry32), so a failing run can be repeated with --seed. */
export function rng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (lo: number, hi: number) => lo + Math.floor(next() * (hi - lo + 1)),
    pick: <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)],
    shuffle: <T>(xs: T[]): T[] => { for (let i = xs.length - 1; i > 0; i--) { const j = Math.floor(next() * (i + 1)); [xs[i], xs[j]] = [xs[j], xs[i]]; } return xs; },
  };
}
export type Rng = ReturnType<typeof rng>;

export class Timeout extends Error {}
/** Rejects with Timeout if `p` has not settled after `ms`. */
export function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let t: ReturnType<typeof setTimeout>;
  return Promise.race([p, new Promise<T>((_, rej) => { t = setTimeout(() => rej(new Timeout(`hang: ${what} did not finish within ${ms} ms`)), ms); })]).finally(() => clearTimeout(t));
}

// ---- builds, cached on disk by their inputs and the compiler's code ----------

let toolHash: string | undefined;
function toolchainHash(): string {
  if (toolHash) return toolHash;
  const h = crypto.createHash('sha256');
  for (const dir of ['dist/compiler', 'runtime']) {
    for (const f of fs.readdirSync(path.join(ROOT, dir)).sort()) {
      if (/\.(js|h|c)$/.test(f)) h.update(f).update(fs.readFileSync(path.join(ROOT, dir, f)));
    }
  }
  return (toolHash = h.digest('hex'));
}

export interface BuildSpec { source?: string; file?: string; name?: string; defines?: string[]; from?: Uint8Array; xf?: string; optimize?: number }

export async function buildCached(spec: BuildSpec): Promise<Uint8Array> {
  const source = spec.source ?? COUNTER;
  const file = spec.file ?? 'counter.c';
  if (spec.source === undefined) spec = { ...spec, defines: ['STRESS', ...(spec.defines ?? [])] };
  const key = crypto.createHash('sha256').update(JSON.stringify([toolchainHash(), source, file, spec.name ?? 'prog', spec.defines ?? [], spec.xf ?? null, spec.optimize ?? 1]));
  if (spec.from) key.update(spec.from);
  const p = path.join(OUT, 'cache', `${key.digest('hex').slice(0, 24)}.wasm`);
  if (fs.existsSync(p)) return new Uint8Array(fs.readFileSync(p));
  const t = Date.now();
  const r = await build({
    sources: [{ path: file, text: source }], name: spec.name ?? 'prog', optimize: spec.optimize ?? 1, defines: spec.defines, from: spec.from,
    ...(spec.xf !== undefined ? { xf: { path: 'spec.xf', text: spec.xf } } : {}),
  });
  fs.mkdirSync(path.dirname(p), { recursive: true });
  fs.writeFileSync(p, r.wasm);
  log(`built ${file} ${(spec.defines ?? []).join(' ')}${spec.xf ? ' +xf' : ''}${spec.from ? ' --from' : ''} in ${Date.now() - t} ms`);
  return r.wasm;
}

/** The program's two ordinary versions: v1, and v2 built --from v1. */
export async function baseVersions(): Promise<{ v1: Uint8Array; v2: Uint8Array }> {
  const v1 = await buildCached({ defines: ['VERSION=1'] });
  const v2 = await buildCached({ defines: ['VERSION=2'], from: v1 });
  return { v1, v2 };
}

// ---- a running stress program, checked line by line ---------------------------

interface Post { n: number; ck: string; version: number }
const POST = /^v(\d) n=(\d+) sum=(\d+) stat=(\d+) step=(\d+) calls=(\d+) typed=(\d+) walk=(\d+)\/(-?\d+) ck=([0-9a-f]{16})$/;
const PRE = /^pre n=(\d+) ck=([0-9a-f]{16})$/;
const TOOK = /^v(\d) took over at step (\d+)$/;

/** What a post line must say at tick n (the list holds the last CAP values). */
function oracle(n: number): string {
  const count = Math.min(n, CAP);
  const wsum = (count * (2 * n - count - 1)) / 2;
  return `n=${n} sum=${(n * (n + 1)) / 2} stat=${2 * n} step=${n} calls=${n} typed=7 walk=${count}/${wsum}`;
}

export class Runner {
  proc!: KitsuneProcess;
  posts = 0;
  last: Post | undefined;
  violations: string[] = [];
  events: KitsuneEvent[] = [];
  tookOver = 0;
  other: string[] = [];
  private partial = '';
  private pendingPre: { n: number; ck: string } | undefined;
  private waiters = new Set<() => void>();
  private dec = new TextDecoder();
  exitCode: number | undefined;

  static async start(wasm: Uint8Array, args: string[], options: StartOptions = {}): Promise<Runner> {
    const r = new Runner();
    const sink = (b: Uint8Array) => r.feed(r.dec.decode(b, { stream: true }));
    r.proc = await KitsuneProcess.start(wasm, {
      args, argv0: 'counter.wasm', ...options, stdout: sink, stderr: sink,
      onEvent: (e) => { if (e.type !== 'reclaim') r.events.push(e); if (r.events.length > 2000) r.events.splice(0, 1000); },
    });
    void r.proc.exited.then((c) => { r.exitCode = c; r.wake(); });
    return r;
  }

  private wake() { for (const w of [...this.waiters]) w(); }

  private feed(text: string) {
    this.partial += text;
    let nl: number;
    while ((nl = this.partial.indexOf('\n')) >= 0) {
      this.line(this.partial.slice(0, nl));
      this.partial = this.partial.slice(nl + 1);
    }
    this.wake();
  }

  private violation(msg: string) { if (this.violations.length < 50) this.violations.push(msg); }

  private line(l: string) {
    let m: RegExpExecArray | null;
    if ((m = PRE.exec(l))) {
      const n = Number(m[1]);
      if (this.last) {
        if (n !== this.last.n) this.violation(`a tick began at n=${n} after the tick that ended at n=${this.last.n}`);
        else if (m[2] !== this.last.ck) this.violation(`state changed between ticks at n=${n}: checksum ${this.last.ck} after the tick, ${m[2]} before the next (last version v${this.last.version})`);
      }
      this.pendingPre = { n, ck: m[2] };
    } else if ((m = POST.exec(l))) {
      const n = Number(m[2]);
      const got = l.slice(l.indexOf(' ') + 1, l.indexOf(' ck='));
      if (got !== oracle(n)) this.violation(`wrong state at n=${n}: "${got}", expected "${oracle(n)}"`);
      if (!this.pendingPre || this.pendingPre.n !== n - 1) this.violation(`tick n=${n} without its "pre" line`);
      this.pendingPre = undefined;
      this.last = { n, ck: m[10], version: Number(m[1]) };
      this.posts++;
    } else if ((m = TOOK.exec(l))) {
      this.tookOver++;
    } else if (l.trim()) {
      if (this.other.length < 20) this.other.push(l);
    }
  }

  /** Resolves once `k` more ticks have been printed; rejects on exit or timeout. */
  waitTicks(k: number, ms = 10000): Promise<void> {
    const target = this.posts + k;
    return new Promise((resolve, reject) => {
      const check = () => {
        if (this.posts >= target) { done(); resolve(); } else if (this.exitCode !== undefined) { done(); reject(new Error(`the program exited (code ${this.exitCode}) while ${k} more tick(s) were expected`)); }
      };
      const timer = setTimeout(() => { done(); reject(new Error(`no ${k} tick(s) within ${ms} ms (at n=${this.last?.n})`)); }, ms);
      const done = () => { clearTimeout(timer); this.waiters.delete(check); };
      this.waiters.add(check);
      check();
    });
  }

  async stop() { try { await this.proc.kill(); } catch { /* gone */ } }
}

// ---- results ----------------------------------------------------------------

export interface Category { category: string; cases: number; passed: number; failed: number; notes: string; failures: string[]; seconds?: number }

export class Tally {
  cases = 0; passed = 0; failures: string[] = []; notes: string[] = [];
  constructor(readonly category: string) {}
  pass() { this.cases++; this.passed++; }
  fail(msg: string) { this.cases++; if (this.failures.length < 20) this.failures.push(msg); else if (this.failures.length === 20) this.failures.push('(more failures not shown)'); }
  check(ok: boolean, msg: () => string) { if (ok) this.pass(); else this.fail(msg()); }
  result(): Category { return { category: this.category, cases: this.cases, passed: this.passed, failed: this.cases - this.passed, notes: this.notes.join('; '), failures: this.failures }; }
}

export const median = (xs: number[]) => { if (!xs.length) return NaN; const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]; };
export const max = (xs: number[]) => xs.reduce((a, b) => Math.max(a, b), -Infinity);

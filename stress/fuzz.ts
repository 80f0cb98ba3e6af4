// Property-based fuzz of the .xf parser and the DWARF reader. Run as a child
// process (`node --import tsx stress/fuzz.ts RUNS SEED`) so that run.ts can
// kill it on a hang; the input under test is kept in stress/out/fuzz-current.*
// so that a hang can be reproduced. Prints one JSON line of results on stdout.
//  - parseXf(random strings, mutations of every valid spec in the repo) must
//    return or throw XfSyntaxError with "file:line:col: message" inside the
//    text; never another exception, never take more than a second.
//  - dwarfSectionsFromWasm + readDwarf on bit-flipped, truncated, spliced
//    sections of real clang output (DWARF 4 and 5) must return or throw
//    DwarfError; never another exception, never take more than two seconds.
import fs from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { parseXf, XfSyntaxError } from '../compiler/xf-parser.js';
import { readDwarf, dwarfSectionsFromWasm, DwarfError, type DwarfSections } from '../compiler/dwarf.js';
import { runClang, putFile, getFile, type Tree } from '../compiler/clang.js';
import { rng, ROOT, OUT, type Category } from './common.js';

const DWARF_SRC = `#include <stddef.h>
struct node { int v; struct node *next; union { float f; char b[4]; } u; };
struct node *head;
typedef unsigned long long u64;
u64 big; static double ratio = 1.5;
enum color { RED, GREEN = 5, BLUE = -1 } col;
struct flags { unsigned a : 3; unsigned b : 5; int c; } fl;
int grid[2][3];
struct msg { int len; char data[]; } *msgp;
int (*handler)(int, char **);
const volatile int cvi = 9;
struct ma { struct mb *b; int x; } ma_v;
struct mb { struct ma *a; } mb_v;
int tick(int by) { static int calls = 7; int local = by * 2; { int nested = local + 1; calls += nested; } ratio += calls; return calls; }
double *addr_of_ratio(void) { return &ratio; }
`;

async function dwarfWasm(version: 4 | 5): Promise<Uint8Array> {
  const cached = path.join(OUT, 'cache', `dwarf${version}.wasm`);
  if (fs.existsSync(cached)) return new Uint8Array(fs.readFileSync(cached));
  const tree: Tree = {};
  putFile(tree, '/work/d.c', DWARF_SRC);
  const r = await runClang(['-O1', `-gdwarf-${version}`, '-fPIC', '-shared', '-nostartfiles', '-Wl,--no-entry', '-Wl,--experimental-pic',
    '-Wl,--unresolved-symbols=import-dynamic', '-Wl,--export-all', '-o', '/out/d.wasm', '/work/d.c'], tree);
  const w = getFile(r.files, '/out/d.wasm');
  if (!r.ok || !w) throw new Error(`clang failed: ${r.diagnostics}`);
  fs.mkdirSync(path.dirname(cached), { recursive: true });
  fs.writeFileSync(cached, w);
  return w;
}

function validSpecs(): string[] {
  const out: string[] = [];
  for (const d of ['demos/xf', 'test/programs/xf']) {
    const walk = (p: string) => {
      for (const e of fs.readdirSync(p, { withFileTypes: true })) {
        const f = path.join(p, e.name);
        if (e.isDirectory()) walk(f); else if (e.name.endsWith('.xf')) out.push(fs.readFileSync(f, 'utf8'));
      }
    };
    walk(path.join(ROOT, d));
  }
  return out;
}

const CURRENT = path.join(OUT, 'fuzz-current');

function checkXf(text: string): string | null {
  fs.writeFileSync(`${CURRENT}.xf`, text);
  const t = performance.now();
  try {
    parseXf(text, 'f.xf');
  } catch (e) {
    if (!(e instanceof XfSyntaxError)) return `threw ${(e as Error)?.name}: ${(e as Error)?.message}`;
    const m = /^f\.xf:(\d+):(\d+): \S/.exec(e.message);
    if (!m) return `XfSyntaxError without file:line:col: ${e.message}`;
    const lines = text.split('\n');
    const line = Number(m[1]), col = Number(m[2]);
    if (line < 1 || line > lines.length || col < 1 || col > lines[line - 1].length + 1) return `location ${line}:${col} outside the text (${lines.length} lines): ${e.message}`;
  }
  const ms = performance.now() - t;
  if (ms > 1000) return `took ${ms.toFixed(0)} ms`;
  return null;
}

const XF_TOKENS = ['->', ':', '{', '}', '(', ')', ',', '.', '/', '#', '$in', '$out', '$base', '$xform(', '$oldtype(', '$newtype(', 'INIT ', 'struct ', 'union ', 'enum ', 'typedef ',
  '"', "'", '/*', '*/', '//', '\n', ' ', '\\', 'a', 'x.c/f#v', '$', '\u00e9', '\0'];

function xfFuzz(runs: number, seed: number): Category {
  const failures: string[] = [];
  const specs = validSpecs();
  const mutate = fc.tuple(fc.constantFrom(...specs), fc.array(fc.tuple(fc.nat(), fc.nat(4), fc.constantFrom(...XF_TOKENS), fc.nat(20)), { minLength: 1, maxLength: 8 }))
    .map(([spec, edits]) => {
      let s = spec;
      for (const [at, kind, tok, len] of edits) {
        const i = at % (s.length + 1);
        if (kind === 0) s = s.slice(0, i) + tok + s.slice(i);
        else if (kind === 1) s = s.slice(0, i) + s.slice(i + len);
        else if (kind === 2) s = s.slice(0, i) + tok + s.slice(i + len);
        else if (kind === 3) s = s.slice(0, i);
        else s = s.slice(0, i) + s.slice(i, i + len).repeat(3) + s.slice(i + len);
      }
      return s;
    });
  const tokens = fc.array(fc.constantFrom(...XF_TOKENS), { maxLength: 60 }).map((t) => t.join(''));
  const input = fc.oneof(fc.string({ maxLength: 200 }), fc.string({ unit: 'binary', maxLength: 200 }), tokens, mutate, mutate);
  let cases = 0, errors = 0;
  const r = fc.check(fc.property(input, (text) => {
    cases++;
    const p = checkXf(text);
    try { parseXf(text); } catch { errors++; }
    if (p) throw new Error(p);
  }), { numRuns: runs, seed });
  if (r.failed) failures.push(`parseXf(${JSON.stringify(r.counterexample?.[0]).slice(0, 300)}): ${String((r.errorInstance as Error | undefined)?.message ?? r.errorInstance).slice(0, 300)} (seed ${seed}, path ${r.counterexamplePath})`);
  return { category: `fuzz: .xf parser (${runs} inputs)`, cases: runs, passed: r.failed ? runs - 1 : runs, failed: r.failed ? 1 : 0, notes: `${errors} of ${cases} inputs rejected with XfSyntaxError, the rest parsed; fast-check seed ${seed}`, failures };
}

const KEYS: (keyof DwarfSections)[] = ['info', 'abbrev', 'str', 'strOffsets', 'addr', 'lineStr', 'line'];

async function dwarfFuzz(runs: number, seed: number): Promise<Category> {
  const r = rng(seed);
  const failures: string[] = [];
  const wasms = [await dwarfWasm(4), await dwarfWasm(5)];
  const bases = wasms.map((w) => dwarfSectionsFromWasm(w)!);
  let passed = 0, errors = 0, slowest = 0;
  for (let i = 0; i < runs; i++) {
    const which = i % 2;
    const base = bases[which];
    const kind = r.pick(['flip', 'flip', 'truncate', 'splice', 'zero', 'wasm-flip', 'wasm-truncate']);
    const desc: Record<string, unknown> = { run: i, seed, dwarf: which ? 5 : 4, kind };
    const t = performance.now();
    let problem: string | null = null;
    try {
      if (kind.startsWith('wasm')) {
        const w = wasms[which].slice();
        const c = kind === 'wasm-flip' ? (() => { for (let k = r.int(1, 16); k > 0; k--) w[r.int(0, w.length - 1)] ^= 1 << r.int(0, 7); return w; })() : w.slice(0, r.int(0, w.length));
        fs.writeFileSync(`${CURRENT}.wasm`, c);
        const s = dwarfSectionsFromWasm(c);
        if (s) readDwarf(s);
      } else {
        const s: DwarfSections = { ...base };
        const keys = KEYS.filter((k) => s[k]);
        const key = r.pick(keys);
        const b = s[key]!.slice();
        desc.section = key;
        if (kind === 'flip') { const flips = []; for (let k = r.int(1, 8); k > 0; k--) { const at = r.int(0, b.length - 1), bit = r.int(0, 7); b[at] ^= 1 << bit; flips.push([at, bit]); } desc.flips = flips; s[key] = b; }
        else if (kind === 'truncate') { const n = r.int(0, b.length); desc.length = n; s[key] = b.slice(0, n); }
        else if (kind === 'zero') { const at = r.int(0, b.length - 1), n = r.int(1, 64); b.fill(0, at, at + n); desc.zero = [at, n]; s[key] = b; }
        else { const at = r.int(0, b.length - 1), n = r.int(1, 32); for (let k = 0; k < n && at + k < b.length; k++) b[at + k] = r.int(0, 255); desc.splice = [at, n]; s[key] = b; }
        fs.writeFileSync(`${CURRENT}.json`, JSON.stringify(desc));
        readDwarf(s);
      }
    } catch (e) {
      if (e instanceof DwarfError) errors++;
      else problem = `threw ${(e as Error)?.name}: ${String((e as Error)?.message).slice(0, 200)}`;
    }
    const ms = performance.now() - t;
    slowest = Math.max(slowest, ms);
    if (!problem && ms > 2000) problem = `took ${ms.toFixed(0)} ms`;
    if (problem) { if (failures.length < 10) failures.push(`${JSON.stringify(desc)}: ${problem}`); } else passed++;
  }
  return { category: `fuzz: DWARF reader (${runs} inputs)`, cases: runs, passed, failed: runs - passed, notes: `${errors} rejected with DwarfError, the rest read; slowest ${slowest.toFixed(0)} ms; seed ${seed}`, failures };
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(new URL(import.meta.url).pathname)) {
  const [xfRuns, dwarfRuns, seed] = process.argv.slice(2).map(Number);
  const out: Category[] = [];
  out.push(xfFuzz(xfRuns, seed));
  process.stderr.write(`[stress fuzz] .xf parser: ${out[0].passed}/${out[0].cases}\n`);
  out.push(await dwarfFuzz(dwarfRuns, seed));
  process.stderr.write(`[stress fuzz] DWARF reader: ${out[1].passed}/${out[1].cases}\n`);
  process.stdout.write(JSON.stringify(out) + '\n');
  process.exit(0);
}

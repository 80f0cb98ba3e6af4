// Bad inputs: a corpus of malformed .wasm files (generated from a real
// version, written to stress/out/corpus/wasm for reproduction), .xf specs
// (stress/corpus/xf, xf-semantic), C sources (stress/corpus/c) and CLI argument
// lists, plus a random-mutation fuzz of the module loader against a running
// program. Every case must end in a clear error: a KitsuneError (or
// XfSyntaxError) with a message, or for the CLI exit code 1 or 2 and stderr
// starting with "kitsune:" without a stack trace; never a crash, a hang or a
// changed running program.
import fs from 'node:fs';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { build } from 'kitsune-wasm/compiler';
import { KitsuneProcess } from 'kitsune-wasm';
import { parseXf } from '../compiler/xf-parser.js';
import { rewriteCustomSections, sections, customSection } from '../format/wasm-sections.js';
import { buildCached, baseVersions, Runner, Tally, ROOT, STRESS, OUT, COUNTER, log, within, type Rng, type Category } from './common.js';

const CLI = path.join(ROOT, 'dist/cli/kitsune.js');
const STACK = /^\s+at .+(:\d+:\d+\)?|\(native\))$/m;

interface CliResult { code: number | null; stdout: string; stderr: string; hung: boolean }
function runCli(args: string[], cwd: string, ms = 60000): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '', stderr = '', hung = false;
    child.stdout.on('data', (d) => { stdout += d; });
    child.stderr.on('data', (d) => { stderr += d; });
    const timer = setTimeout(() => { hung = true; child.kill('SIGKILL'); }, ms);
    child.on('close', (code) => { clearTimeout(timer); resolve({ code, stdout, stderr, hung }); });
  });
}

/** What is wrong with a CLI run that should have failed cleanly, or null. */
function cliProblem(r: CliResult, codes = [1, 2]): string | null {
  if (r.hung) return 'hang (killed after the timeout)';
  const problems: string[] = [];
  if (!codes.includes(r.code ?? -1)) problems.push(`exit code ${r.code}, expected ${codes.join(' or ')}`);
  if (!r.stderr.startsWith('kitsune: ')) problems.push(`stderr does not start with "kitsune: "`);
  if (/internal error/.test(r.stderr)) problems.push('an internal error');
  if (STACK.test(r.stderr)) problems.push('a stack trace');
  return problems.length ? `${problems.join(', ')}; stderr: ${JSON.stringify(r.stderr.slice(0, 300))}` : null;
}

const isClear = (e: unknown, names = ['KitsuneError', 'BuildError', 'XfSyntaxError']) =>
  e instanceof Error && names.includes(e.name) && typeof (e as { code?: unknown }).code === 'string' && e.message.length > 0;
const describe = (e: unknown) => (e instanceof Error ? `${e.name}: ${e.message.split('\n')[0].slice(0, 200)}` : String(e));

/** A small pool: at most `n` at a time. */
async function pool<T>(items: T[], n: number, f: (x: T, i: number) => Promise<void>) {
  let next = 0;
  await Promise.all(Array.from({ length: n }, async () => { while (next < items.length) { const i = next++; await f(items[i], i); } }));
}

interface WasmCase { name: string; bytes: Uint8Array; metaFails: boolean; startFails: boolean; mayCommit?: boolean }

function wasmCorpus(v1: Uint8Array, v2: Uint8Array, other: Uint8Array, changed: Uint8Array, r: Rng): WasmCase[] {
  const enc = new TextEncoder();
  const meta = JSON.parse(new TextDecoder().decode(customSection(v2, 'kitsune')!));
  const withKitsune = (content: string | Uint8Array) => rewriteCustomSections(v2, (n) => n === 'kitsune', { kitsune: typeof content === 'string' ? enc.encode(content) : content });
  const random = (n: number) => Uint8Array.from({ length: n }, () => r.int(0, 255));
  const cases: WasmCase[] = [];
  const bad = (name: string, bytes: Uint8Array, metaFails = true, startFails = true) => cases.push({ name, bytes, metaFails, startFails });
  bad('empty', new Uint8Array());
  bad('three-bytes', new Uint8Array([0, 0x61, 0x73]));
  bad('text-file', enc.encode('#!/bin/sh\necho not wasm\n'));
  bad('wrong-magic', Uint8Array.from([0, 0x61, 0x73, 0x6e, ...v2.subarray(4)]));
  bad('wrong-version', Uint8Array.from([...v2.subarray(0, 4), 2, 0, 0, 0, ...v2.subarray(8)]));
  bad('header-only', v2.slice(0, 8));
  bad('random-1k', random(1024));
  bad('random-with-header', Uint8Array.from([...v2.subarray(0, 8), ...random(1024)]));
  for (const pct of [10, 50, 90, 99]) bad(`truncated-${pct}pct`, v2.slice(0, Math.floor(v2.length * pct / 100)));
  bad('truncated-last-byte', v2.slice(0, v2.length - 1));
  bad('no-kitsune-section', rewriteCustomSections(v2, (n) => n === 'kitsune'));
  bad('kitsune-empty', withKitsune(''));
  bad('kitsune-bad-json', withKitsune('{"format":1,'));
  bad('kitsune-json-null', withKitsune('null'));
  bad('kitsune-json-array', withKitsune('[]'));
  bad('kitsune-json-string', withKitsune('"kitsune"'));
  bad('kitsune-json-number', withKitsune('42'));
  bad('kitsune-not-utf8', withKitsune(Uint8Array.from([0xff, 0xfe, 0xc3, 0x28])));
  bad('kitsune-deep-nesting', withKitsune('['.repeat(200000)));
  bad('kitsune-format-2', withKitsune(JSON.stringify({ ...meta, format: 2 })));
  bad('kitsune-format-string', withKitsune(JSON.stringify({ ...meta, format: '1' })));
  bad('kitsune-only-format', withKitsune('{"format":1}'));
  bad('kitsune-variables-not-array', withKitsune(JSON.stringify({ ...meta, variables: 'x' })));
  bad('kitsune-variables-null-entries', withKitsune(JSON.stringify({ ...meta, variables: [null, 1] })));
  bad('kitsune-updatepoints-not-array', withKitsune(JSON.stringify({ ...meta, updatePoints: 7 })));
  // Not needed for an update with unchanged types: may commit, if the state survives.
  bad('kitsune-types-missing', withKitsune(JSON.stringify({ ...meta, types: undefined })), false, false);
  cases[cases.length - 1].mayCommit = true;
  bad('kitsune-tablefunctions-missing', withKitsune(JSON.stringify({ ...meta, tableFunctions: undefined })), false, false);
  bad('kitsune-offset-out-of-range', withKitsune(JSON.stringify({ ...meta, variables: meta.variables.map((v: { offset?: number }) => (v.offset !== undefined ? { ...v, offset: 0x7ffffff0 } : v)) })), false, false);
  bad('kitsune-size-huge', withKitsune(JSON.stringify({ ...meta, variables: meta.variables.map((v: { size: number }) => ({ ...v, size: 0x7ffffff0 })) })), false, false);
  bad('no-dylink', rewriteCustomSections(v2, (n) => n === 'dylink.0'), false, true);
  bad('other-program', other, false, false);
  bad('type-changed', changed, false, false);
  bad('v1-again-from-v2', v1, false, false); // the running version itself: fine to commit
  cases[cases.length - 1].mayCommit = true;
  for (let i = 0; i < 12; i++) {
    const c = v2.slice();
    for (let k = r.int(1, 4); k > 0; k--) c[r.int(0, c.length - 1)] ^= 1 << r.int(0, 7);
    cases.push({ name: `bit-flips-${i}`, bytes: c, metaFails: false, startFails: false, mayCommit: true });
  }
  return cases;
}

/** One update of a running v1 with `bytes`: refused or rolled back with a reason, v1 unchanged; or, where allowed, a commit that keeps the state. */
async function updateCase(run: Runner, bytes: Uint8Array, v1: Uint8Array, mayCommit: boolean): Promise<{ problem: string | null; committed: boolean }> {
  const before = run.violations.length;
  const res = await within(run.proc.update(bytes, { timeoutMs: 10000 }), 30000, 'update');
  await run.waitTicks(3);
  const problems: string[] = [];
  let committed = false;
  if (res.outcome === 'committed') {
    committed = true;
    if (!mayCommit) problems.push('committed');
    const back = await within(run.proc.update(v1, { timeoutMs: 10000 }), 30000, 'update back to v1');
    if (back.outcome !== 'committed') problems.push(`could not update back to v1: ${back.reason}`);
    await run.waitTicks(2);
  } else {
    if (!res.reason) problems.push(`${res.outcome} without a reason`);
    if (run.last?.version !== 1) problems.push(`v${run.last?.version} running afterwards`);
  }
  if (run.violations.length > before) problems.push(...run.violations.slice(before, before + 3));
  return { problem: problems.length ? `${res.outcome} at ${res.stage}: ${problems.join('; ')} (reason: ${res.reason?.split('\n')[0].slice(0, 200)})` : null, committed };
}

export async function runBadInputs(quick: boolean, fuzzLoader: number, r: Rng): Promise<Category[]> {
  const { v1, v2 } = await baseVersions();
  const other = await buildCached({ defines: ['VERSION=1'], name: 'other' });
  const changed = await buildCached({ source: COUNTER.replace('long long sum;', 'double sum;'), defines: ['VERSION=3'] });
  const dir = path.join(OUT, 'corpus');
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(path.join(dir, 'wasm'), { recursive: true });
  const results: Category[] = [];

  // ---- .wasm corpus: update against a running program, start, CLI inspect and run
  {
    const t = new Tally('bad .wasm files');
    const corpus = wasmCorpus(v1, v2, other, changed, r);
    for (const c of corpus) fs.writeFileSync(path.join(dir, 'wasm', `${c.name}.wasm`), c.bytes);
    let run = await Runner.start(v1, ['2000000000', '2000']);
    await run.waitTicks(2);
    for (const c of corpus) {
      try {
        const { problem } = await updateCase(run, c.bytes, v1, !!c.mayCommit);
        t.check(!problem, () => `update with ${c.name}.wasm: ${problem}`);
        if (problem) throw new Error('restart'); // a fresh program, so one failure does not spill into the next case
      } catch (e) {
        if ((e as Error).message !== 'restart') t.fail(`update with ${c.name}.wasm: ${(e as Error).message}`);
        await run.stop();
        run = await Runner.start(v1, ['2000000000', '2000']);
        await run.waitTicks(2);
      }
      if (c.startFails) {
        // Starting it must fail with a KitsuneError, or exit at once with a crash report.
        try {
          const crashes: string[] = [];
          const p = await within(KitsuneProcess.start(c.bytes, { args: ['3', '0'], stdout: () => {}, stderr: () => {}, onEvent: (e) => { if (e.type === 'crash') crashes.push(e.message); } }), 20000, 'start');
          const code = await within(p.exited, 10000, 'exit').catch(async (e) => { await p.kill(); throw e; });
          t.check(code !== 0 && crashes.length > 0 && crashes[0].length > 0, () => `start ${c.name}.wasm: exited with ${code}${crashes.length ? `, crash: ${crashes[0]}` : ' without a crash report'}`);
        } catch (e) {
          t.check(isClear(e), () => `start ${c.name}.wasm: threw ${describe(e)}`);
        }
      }
    }
    if (run.other.length) t.notes.push(`unexpected output: ${run.other.slice(0, 2).join(' | ')}`);
    await run.stop();
    // The CLI on the same files.
    const cliCases = corpus.flatMap((c) => [
      ...(c.metaFails ? [['inspect', `wasm/${c.name}.wasm`]] : []),
      ...(c.startFails ? [['run', `wasm/${c.name}.wasm`, '3', '0']] : []),
    ]);
    await pool(cliCases, 2, async (args) => {
      const res = await runCli(args, dir, 30000);
      const p = cliProblem(res);
      t.check(!p, () => `kitsune ${args.join(' ')}: ${p}`);
    });
    t.notes.push(`${corpus.length} files: update on a running program, start, CLI inspect/run`);
    results.push(t.result());
    log(`bad inputs: .wasm corpus done (${t.cases} checks, ${t.cases - t.passed} failed)`);
  }

  // ---- .xf syntax errors: parseXf and the CLI
  fs.writeFileSync(path.join(dir, 'v1.wasm'), v1);
  fs.writeFileSync(path.join(dir, 'v2.wasm'), v2);
  fs.writeFileSync(path.join(dir, 'counter.c'), COUNTER);
  fs.writeFileSync(path.join(dir, 'notwasm.wasm'), 'not wasm\n');
  fs.writeFileSync(path.join(dir, 'bad.xf'), 'n -> : {');
  {
    const t = new Tally('bad .xf specs (syntax)');
    const xfDir = path.join(STRESS, 'corpus/xf');
    const files = fs.readdirSync(xfDir).filter((f) => f.endsWith('.xf')).sort();
    for (const f of files) {
      const text = fs.readFileSync(path.join(xfDir, f), 'utf8');
      try {
        parseXf(text, f);
        t.fail(`${f}: parsed without an error`);
      } catch (e) {
        const m = e instanceof Error ? new RegExp(`^${f.replace(/\./g, '\\.')}:(\\d+):(\\d+): \\S`).exec(e.message) : null;
        const lines = text.split('\n');
        t.check(isClear(e, ['XfSyntaxError']) && !!m && Number(m[1]) >= 1 && Number(m[1]) <= lines.length && Number(m[2]) >= 1 && Number(m[2]) <= (lines[Number(m[1]) - 1]?.length ?? 0) + 1,
          () => `${f}: ${describe(e)}`);
      }
    }
    await pool(files, 2, async (f) => {
      const res = await runCli(['build', 'counter.c', '-o', 'out.wasm', '--from', 'v1.wasm', '--xf', path.join(xfDir, f)], dir, 60000);
      const p = cliProblem(res, [1]) ?? (res.stderr.includes(`${f}:`) ? null : `stderr does not name ${f}:LINE:COL: ${JSON.stringify(res.stderr.slice(0, 200))}`);
      t.check(!p, () => `kitsune build --xf ${f}: ${p}`);
    });
    t.notes.push(`${files.length} specs: parseXf and kitsune build --xf`);
    results.push(t.result());
  }

  // ---- .xf specs that parse but name nothing, or whose C is wrong: build
  {
    const t = new Tally('bad .xf specs (meaning)');
    const xfDir = path.join(STRESS, 'corpus/xf-semantic');
    for (const f of fs.readdirSync(xfDir).filter((x) => x.endsWith('.xf')).sort()) {
      const text = fs.readFileSync(path.join(xfDir, f), 'utf8');
      try {
        await within(build({ sources: [{ path: 'counter.c', text: COUNTER }], defines: ['VERSION=2'], from: v1, optimize: 1, xf: { path: f, text } }), 120000, 'build');
        t.fail(`${f}: built without an error`);
      } catch (e) {
        t.check(isClear(e) && (e as Error).message.includes(f), () => `${f}: ${describe(e)} (expected a KitsuneError naming ${f})`);
      }
    }
    results.push(t.result());
  }

  // ---- C sources with errors: build in-process, a few through the CLI
  {
    const t = new Tally('bad C sources');
    const cDir = path.join(STRESS, 'corpus/c');
    const files = fs.readdirSync(cDir).filter((f) => f.endsWith('.c')).sort();
    for (const f of files) {
      const text = fs.readFileSync(path.join(cDir, f), 'utf8');
      try {
        const b = await within(build({ sources: [{ path: f, text }], optimize: 1 }), 120000, 'build');
        // It built (an empty file is valid C): starting it must then fail clearly.
        const crashes: string[] = [];
        try {
          const p = await within(KitsuneProcess.start(b.wasm, { stdout: () => {}, stderr: () => {}, onEvent: (e) => { if (e.type === 'crash') crashes.push(e.message); } }), 20000, 'start');
          const code = await within(p.exited, 10000, 'exit').catch(async (e) => { await p.kill(); throw e; });
          t.check(code !== 0 && crashes.length > 0, () => `${f}: built, and running it exited with ${code}${crashes[0] ? ` (${crashes[0]})` : ' without a crash report'}`);
          t.notes.push(`${f} builds; running it: ${crashes[0]?.slice(0, 60)}`);
        } catch (e) {
          t.check(isClear(e), () => `${f}: built, and starting it threw ${describe(e)}`);
        }
      } catch (e) {
        t.check(isClear(e), () => `${f}: ${describe(e)}`);
        if (isClear(e) && !(e as Error).message.includes(`${f}:`)) t.notes.push(`${f}: "${(e as Error).message.split('\n')[0].slice(0, 70)}" (names no file:line)`);
      }
    }
    const viaCli = quick ? files.slice(0, 1) : files.slice(0, 3);
    await pool(viaCli, 2, async (f) => {
      const res = await runCli(['build', path.join(cDir, f), '-o', 'out.wasm'], dir, 90000);
      const p = cliProblem(res, [1]);
      t.check(!p, () => `kitsune build ${f}: ${p}`);
    });
    results.push(t.result());
  }

  // ---- CLI argument lists
  {
    const t = new Tally('bad CLI arguments');
    const lists: string[][] = [
      ['bogus'], ['build'], ['build', '-o'], ['build', 'counter.c'], ['build', '--frob', 'counter.c', '-o', 'out.wasm'],
      ['build', 'missing.c', '-o', 'out.wasm'], ['build', 'counter.c', '-o', 'out.wasm', '--from', 'missing.wasm'],
      ['build', 'counter.c', '-o', 'out.wasm', '--xf', 'bad.xf'], ['build', 'counter.c', '-o', 'out.wasm', '--from', 'notwasm.wasm'],
      ['build', 'counter.c', '-o', 'out.wasm', '--from', 'v1.wasm', '--xf', 'missing.xf'], ['build', 'counter.c', '-o', 'out.wasm', '--name'],
      ['build', 'counter.c', '-o', 'out.wasm', '-O9'], ['build', 'counter.c', '-o', 'no-such-dir/out.wasm'],
      ['run'], ['run', 'missing.wasm'], ['run', 'notwasm.wasm'], ['run', '--bogus', 'v1.wasm', '3', '0'], ['run', '--stack-size'], ['run', '-b'],
      ['run', '--stack-size', 'abc', 'v1.wasm', '3', '0'], ['run', '--stack-size', '-5', 'v1.wasm', '3', '0'],
      ['run', '--dir', 'no-such-dir', 'v1.wasm', '3', '0'], ['run', '--net=not a host', 'v1.wasm', '3', '0'],
      ['update'], ['update', 'v2.wasm'], ['update', '999999', 'v2.wasm'], ['update', 'no-such.sock', 'v2.wasm'], ['update', '999999', 'missing.wasm'],
      ['update', '--timeout', 'soon', '999999', 'v2.wasm'], ['update', '--bogus', '999999', 'v2.wasm'],
      ['inspect'], ['inspect', 'v1.wasm', 'v2.wasm'], ['inspect', 'missing.wasm'], ['inspect', 'notwasm.wasm'], ['inspect', '--diff', 'v1.wasm'],
      ['inspect', '--bogus', 'v1.wasm'], ['inspect', '--diff', 'v1.wasm', 'notwasm.wasm'], ['inspect', '--diff', 'v1.wasm', 'missing.wasm'],
      ['dev'], ['dev', 'missing.c'], ['dev', '--bogus', 'counter.c'],
    ];
    await pool(lists, 2, async (args) => {
      const res = await runCli(args, dir, 60000);
      const p = cliProblem(res);
      t.check(!p, () => `kitsune ${args.join(' ')}: ${p}`);
    });
    // No arguments at all: the usage, and exit code 2.
    const none = await runCli([], dir);
    t.check(none.code === 2 && /kitsune build/.test(none.stdout + none.stderr), () => `kitsune (no arguments): exit ${none.code}`);
    if (!none.stderr) t.notes.push('no arguments: usage goes to stdout (exit 2)');
    results.push(t.result());
    log('bad inputs: CLI done');
  }

  // ---- module loader fuzz: random mutations of v2 against a running v1
  {
    const t = new Tally(`fuzz: module loader (${fuzzLoader} mutants)`);
    let run = await Runner.start(v1, ['2000000000', '1000']);
    await run.waitTicks(2);
    const secs = sections(v2);
    const inCode = (i: number) => secs.some((s) => (s.id === 10 || s.id === 11) && i >= s.contentStart && i < s.end);
    const kitsune = secs.find((s) => s.id === 0 && s.name === 'kitsune')!;
    let committed = 0;
    const kinds = ['truncate', 'flip', 'window', 'json', 'json', 'section-size'];
    for (let i = 0; i < fuzzLoader; i++) {
      const kind = r.pick(kinds);
      let c = v2.slice();
      if (kind === 'truncate') c = c.slice(0, r.int(0, c.length - 1));
      else if (kind === 'flip') { for (let k = r.int(1, 8); k > 0;) { const at = r.int(0, c.length - 1); if (!inCode(at)) { c[at] ^= 1 << r.int(0, 7); k--; } } }
      else if (kind === 'window') { const at = r.int(0, c.length - 16); if (!inCode(at) && !inCode(at + 15)) for (let k = 0; k < 16; k++) c[at + k] = r.int(0, 255); }
      else if (kind === 'json') { for (let k = r.int(1, 3); k > 0; k--) c[r.int(kitsune.contentStart, kitsune.end - 1)] = '{}[]":,0123456789-aez '.charCodeAt(r.int(0, 21)); }
      else { const s = r.pick(secs); c[s.start + 1] ^= 1 << r.int(0, 6); }
      const name = `loader-${i}-${kind}`;
      try {
        const { problem, committed: com } = await updateCase(run, c, v1, true);
        if (com) committed++;
        if (problem) fs.writeFileSync(path.join(dir, 'wasm', `${name}.wasm`), c);
        t.check(!problem, () => `${name} (saved in stress/out/corpus/wasm/${name}.wasm): ${problem}`);
        if (problem) throw new Error('restart'); // a fresh program, so one failure does not spill into the next mutant
      } catch (e) {
        if ((e as Error).message === 'restart') { await run.stop(); run = await Runner.start(v1, ['2000000000', '1000']); await run.waitTicks(2); continue; }
        fs.writeFileSync(path.join(dir, 'wasm', `${name}.wasm`), c);
        t.fail(`${name} (saved in stress/out/corpus/wasm/${name}.wasm): ${(e as Error).message}`);
        await run.stop();
        run = await Runner.start(v1, ['2000000000', '1000']);
        await run.waitTicks(2);
      }
      if ((i + 1) % 50 === 0) log(`bad inputs: loader fuzz ${i + 1}/${fuzzLoader}`);
    }
    await run.stop();
    t.notes.push(`${committed} mutants were still valid and committed (state checked, then back to v1)`);
    results.push(t.result());
  }
  return results;
}

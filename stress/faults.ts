// Fault injection: a fault at every stage of an update, each `reps` times,
// spread over a few long-lived processes with different tick rates, in random
// order, after a random delay. Each time: the expected outcome and stage, a
// reason, the old version still ticking, and (checked by Runner on every
// line) its whole state byte-equal across the failed update.
import fs from 'node:fs';
import path from 'node:path';
import { buildCached, baseVersions, Runner, Tally, OUT, log, sleep, within, median, max, type Rng, type Category } from './common.js';

interface Fault {
  name: string;
  source: () => Uint8Array | string;
  outcome: 'refused' | 'rolled-back';
  stage: RegExp;
  reason: RegExp;
  snapshot?: boolean;
  /** Runs on processes of its own (a fault that leaks would starve the others' updates). */
  isolated?: boolean;
  /** Allocates until memory runs out: memory growth says nothing about leaks. */
  fillsMemory?: boolean;
}

export async function runFaults(reps: number, r: Rng): Promise<Category[]> {
  const { v1, v2 } = await baseVersions();
  const variant = (defines: string[], from: Uint8Array | null = v1) => buildCached({ defines: ['VERSION=2', ...defines], from: from ?? undefined });
  const xf = (body: string, preamble = '') => buildCached({ defines: ['VERSION=2'], from: v1, xf: `${preamble}counter.c/stat_counter -> counter.c/stat_counter: { ${body} }` });

  // Paths that cannot be read, as root too (permissions would not stop root).
  const dir = path.join(OUT, 'unreadable');
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(path.join(dir, 'a-directory.wasm'), { recursive: true });
  fs.symlinkSync(path.join(dir, 'nowhere.wasm'), path.join(dir, 'dangling.wasm'));
  fs.symlinkSync(path.join(dir, 'loop2.wasm'), path.join(dir, 'loop1.wasm'));
  fs.symlinkSync(path.join(dir, 'loop1.wasm'), path.join(dir, 'loop2.wasm'));
  fs.writeFileSync(path.join(dir, 'file'), 'x');
  const unreadable = ['missing.wasm', 'a-directory.wasm', 'dangling.wasm', 'loop1.wasm', 'file/inside.wasm'].map((p) => path.join(dir, p));

  // Malformed modules: each checked here to be invalid (so none can run).
  const malformed: Uint8Array[] = [];
  const flip = (b: Uint8Array, at: number) => { const c = b.slice(); c[at] ^= 1 << r.int(0, 7); return c; };
  for (const cut of [0, 4, 8, 9, 20, 100, v2.length >> 2, v2.length >> 1, v2.length - 200, v2.length - 1]) malformed.push(v2.slice(0, cut));
  const magic = v2.slice(); magic[1] = 0x62; malformed.push(magic);
  const ver = v2.slice(); ver[4] = 2; malformed.push(ver);
  for (let i = 0; i < 200 && malformed.length < 30; i++) {
    const c = flip(v2, r.int(8, 200)); // section headers, types, imports
    if (!WebAssembly.validate(c)) malformed.push(c);
  }
  // One build at a time: parallel clang runs cost memory and save little on 2 cores.
  const builds: (() => Promise<Uint8Array>)[] = [
    () => variant(['FAIL_LINK']),
    () => xf('if ($in > 0) __builtin_trap(); $out = $in;'),
    // The volatile store keeps clang from eliding the malloc (and the loop would never end).
    () => xf('for (;;) { char *p = malloc(1 << 16); if (!p) __builtin_trap(); p[0] = 1; keep = p; }', '{ char *volatile keep; }\n'),
    () => variant(['FAIL_MIGRATE'], null), // without --from: nothing generates the int -> long long transform
    () => variant(['FAIL_PRESTART']),
    () => variant(['FAIL_TRAP']),
    () => variant(['FAIL_EXIT']),
    () => variant(['FAIL_RETURN']),
    () => variant(['FAIL_OOM']),
    () => variant(['FAIL_HOST']),
    () => variant(['FAIL_BIGDATA']),
    () => variant(['FAIL_WRITE_OLD', 'FAIL_TRAP']),
  ];
  const built: Uint8Array[] = [];
  for (const b of builds) built.push(await b());
  const [link, trapXf, oomXf, typeChanged, prestart, trap, exit, ret, oomMain, host, bigData, writeOld] = built;
  const faults: Fault[] = [
    { name: 'read: file unreadable', source: () => r.pick(unreadable), outcome: 'refused', stage: /^read$/, reason: /no such file|cannot read|expected a (regular )?file, found|EISDIR|ELOOP|ENOTDIR/ },
    { name: 'validate/compile: malformed module', source: () => r.pick(malformed), outcome: 'refused', stage: /^(validate|compile)$/, reason: /./ },
    { name: 'link: symbol nobody defines', source: () => link, outcome: 'rolled-back', stage: /^link$/, reason: /no_such_function/, isolated: true },
    { name: 'link: host out of memory (static data)', source: () => bigData, outcome: 'rolled-back', stage: /^link$/, reason: /out of memory allocating/, fillsMemory: true },
    { name: 'init: trap in prestart hook', source: () => prestart, outcome: 'rolled-back', stage: /^init$/, reason: /trap/ },
    { name: 'migrate: trap in .xf rule', source: () => trapXf, outcome: 'rolled-back', stage: /^migrate$/, reason: /trap/ },
    { name: 'migrate: out of memory in .xf rule', source: () => oomXf, outcome: 'rolled-back', stage: /^migrate$/, reason: /trap|memory/, fillsMemory: true },
    { name: 'migrate: changed type, no transform', source: () => typeChanged, outcome: 'rolled-back', stage: /^migrate$/, reason: /changed type from `int` to `long long`/ },
    { name: 'main: trap before commit', source: () => trap, outcome: 'rolled-back', stage: /^main$/, reason: /trap/ },
    { name: 'main: exit() before commit', source: () => exit, outcome: 'rolled-back', stage: /^main$/, reason: /exit\(3\)/ },
    { name: 'main: returns before commit', source: () => ret, outcome: 'rolled-back', stage: /^main$/, reason: /returned 0 before reaching update point "loop"/ },
    { name: 'main: out of memory (malloc to NULL)', source: () => oomMain, outcome: 'rolled-back', stage: /^main$/, reason: /trap|memory/, fillsMemory: true },
    { name: 'main: host exception in an import', source: () => host, outcome: 'rolled-back', stage: /^main$/, reason: /outside the bounds/ },
    { name: 'main: trap after writing old heap (snapshot)', source: () => writeOld, outcome: 'rolled-back', stage: /^main$/, reason: /trap/, snapshot: true },
  ];
  const tallies = new Map(faults.map((f) => [f.name, new Tally(`fault ${f.name}`)]));
  const pauses = new Map(faults.map((f) => [f.name, [] as number[]]));

  // Each group runs on four processes, tick delays up to 0.3, 1, 4 and 15 ms
  // (varying per tick), 8 MiB memory limit; its faults come in random order.
  const delays = [300, 1000, 4000, 15000];
  const share = (i: number) => Math.floor(reps / delays.length) + (i < reps % delays.length ? 1 : 0);
  let done = 0;
  const total = reps * faults.length;
  const groups = [faults.filter((f) => !f.isolated), ...faults.filter((f) => f.isolated).map((f) => [f])];
  for (const group of groups) {
  await Promise.all(delays.map(async (maxDelay, pi) => {
    const plan = r.shuffle(group.flatMap((f) => Array.from({ length: share(pi) }, () => f)));
    let run = await Runner.start(v1, ['2000000000', String(maxDelay)], { maxMemoryPages: 128 });
    await run.waitTicks(2);
    for (const f of plan) {
      const t = tallies.get(f.name)!;
      const before = run.violations.length;
      const src = f.source();
      const what = `${f.name} [process ${pi}, n=${run.last?.n}, source ${typeof src === 'string' ? src : `${src.length} bytes`}]`;
      try {
        await sleep(r.next() * 3 * maxDelay / 1000);
        const res = await within(run.proc.update(src, { timeoutMs: 10000, snapshot: f.snapshot }), 30000, `update (${f.name})`);
        await run.waitTicks(2);
        const problems: string[] = [];
        if (res.outcome !== f.outcome) problems.push(`outcome ${res.outcome}, expected ${f.outcome}`);
        if (!f.stage.test(res.stage ?? '')) problems.push(`stage ${res.stage}, expected ${f.stage}`);
        if (!res.reason || !f.reason.test(res.reason)) problems.push(`reason ${JSON.stringify(res.reason)}, expected ${f.reason}`);
        if (run.last?.version !== 1) problems.push(`v${run.last?.version} running afterwards`);
        if (run.violations.length > before) problems.push(...run.violations.slice(before));
        if (res.timings.pause !== undefined) pauses.get(f.name)!.push(res.timings.pause);
        if (problems.length) t.fail(`${what}: ${problems.join('; ')}`); else t.pass();
        if (res.outcome === 'committed' || run.last?.version !== 1) throw new Error('restart');
      } catch (e) {
        if ((e as Error).message !== 'restart') t.fail(`${what}: ${(e as Error).message}; events: ${JSON.stringify(run.events.slice(-3))}; output: ${run.other.slice(-3).join(' | ')}`);
        // Carry on with a fresh process so one failure does not hide the rest.
        await run.stop();
        run = await Runner.start(v1, ['2000000000', String(maxDelay)], { maxMemoryPages: 128 });
        await run.waitTicks(2);
      }
      if (++done % 100 === 0) log(`faults: ${done}/${total}`);
    }
    if (run.other.length) log(`faults: process ${pi} printed unexpected lines: ${run.other.slice(0, 3).join(' | ')}`);
    await run.stop();
  }));
  }
  log('faults: leak checks');
  // Leaks: 25 more failed updates of each kind on a fresh process (1 GiB limit) must not grow its memory.
  for (const f of faults) {
    if (f.fillsMemory) continue;
    const t = tallies.get(f.name)!;
    const run = await Runner.start(v1, ['2000000000', '300']);
    try {
      await run.waitTicks(2);
      for (let i = 0; i < 2; i++) await within(run.proc.update(f.source(), { timeoutMs: 10000, snapshot: f.snapshot }), 30000, 'update');
      const before = run.proc.memoryBytes();
      for (let i = 0; i < 25; i++) await within(run.proc.update(f.source(), { timeoutMs: 10000, snapshot: f.snapshot }), 30000, 'update');
      await run.waitTicks(2);
      const grown = run.proc.memoryBytes() - before;
      t.check(grown <= 2 << 20, () => `${f.name}: leak: 25 failed updates grew the program's memory by ${(grown / 2 ** 20).toFixed(1)} MiB (${(grown / 25 / 1024).toFixed(0)} KiB each)`);
      t.notes.push(`leak check: +${(grown / 2 ** 20).toFixed(1)} MiB after 25 more`);
    } catch (e) {
      t.fail(`${f.name}: leak check: ${(e as Error).message}`);
    }
    await run.stop();
  }

  return faults.map((f) => {
    const t = tallies.get(f.name)!;
    const p = pauses.get(f.name)!;
    t.notes.push(p.length ? `pause med ${median(p).toFixed(1)} ms, max ${max(p).toFixed(1)} ms` : 'refused before the program was touched');
    return t.result();
  });
}

#!/usr/bin/env node
// The `kitsune` command: build, run, update, dev, inspect, assets, demo.
import fs from 'node:fs';
import path from 'node:path';
import { KitsuneProcess, KitsuneError, readMeta, type UpdateResult, type KitsuneEvent } from '../wasm-driver/index.js';
import { ControlServer, resolveTarget, requestUpdate, MAX_TIMEOUT_MS } from './control.js';
import { parseArgs } from './args.js';
import { BUILD_SPEC } from './build-spec.js';
import { RUN_SPEC, RUN_VALUE_OPTIONS, UPDATE_SPEC, INSPECT_SPEC } from './options.js';
import { COMMANDS, OVERVIEW, commandHelp, isCommand, shortUsage, wantsHelp, type Command } from './usage.js';
import { formatResult } from './format.js';
import { takeGrants } from './grants.js';
import { readFileOrFail } from '../format/read-file.js';

/** Set once the command is known, so that a usage error can show that command's usage. */
let current: Command | undefined;

async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  if (cmd === undefined) { process.stderr.write(`${OVERVIEW}\n`); return 2; }
  if (cmd === '-h' || cmd === '--help' || cmd === 'help') {
    const about = rest[0];
    process.stdout.write(isCommand(about) ? commandHelp(about) : `${OVERVIEW}\n`);
    return 0;
  }
  if (cmd === '-v' || cmd === '--version' || cmd === 'version') { process.stdout.write(`kitsune-wasm ${packageVersion()}\n`); return 0; }
  if (!isCommand(cmd)) throw new KitsuneError('E_USAGE', `unknown command "${cmd}"; expected one of ${COMMANDS.join(', ')}`);
  current = cmd;
  if (wantsHelp(cmd, rest)) { process.stdout.write(commandHelp(cmd)); return 0; }
  switch (cmd) {
    case 'build': return cmdBuild(rest);
    case 'run': return cmdRun(rest);
    case 'update': return cmdUpdate(rest);
    case 'dev': return (await import('./dev.js')).cmdDev(rest);
    case 'inspect': return cmdInspect(rest);
    case 'assets': return (await import('./assets.js')).cmdAssets(rest);
    case 'demo': return (await import('./demo.js')).cmdDemo(rest);
  }
}

function packageVersion(): string {
  try {
    return (JSON.parse(fs.readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

async function cmdBuild(args: string[]): Promise<number> {
  const a = parseArgs(args, BUILD_SPEC, 'build');
  if (!a.values.out) throw new KitsuneError('E_USAGE', 'kitsune build: expected -o OUT.wasm');
  const { buildFromFiles } = await import('./build-files.js');
  const r = await buildFromFiles(a.positional, { ...a.values, strict: !!a.flags.strict }, (m) => process.stderr.write(`kitsune: ${m}\n`));
  try { fs.writeFileSync(a.values.out as string, r.wasm); } catch (e) {
    throw new KitsuneError('E_USAGE', `kitsune build: cannot write -o ${a.values.out}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'its folder does not exist' : (e as Error).message}`);
  }
  if (r.diagnostics.trim()) process.stderr.write(r.diagnostics);
  for (const n of r.notes) process.stderr.write(`kitsune: note: ${n}\n`);
  console.error(`kitsune: wrote ${a.values.out} (${r.wasm.length} bytes, ${r.meta.variables.length} variables, update points: ${r.meta.updatePoints.join(', ') || 'none'}) in ${r.millis} ms`);
  return 0;
}

async function cmdRun(args: string[]): Promise<number> {
  // Options end at the module: everything after it is the program's.
  const idx = args.findIndex((x, i) => x.endsWith('.wasm') && !RUN_VALUE_OPTIONS.includes(args[i - 1]));
  if (idx < 0) throw new KitsuneError('E_USAGE', 'kitsune run: expected APP.wasm');
  // The sandbox: nothing unless granted (cli/grants.ts).
  const { grants, args: opts } = takeGrants(args.slice(0, idx), 'run');
  const a = parseArgs(opts, RUN_SPEC, 'run');
  const app = args[idx];
  // The program may name as its next version (kitsune_set_next_version) what the command line lists, as Kitsune's tests do.
  grants.versions = [app, ...args.slice(idx + 1)].filter((x) => x.endsWith('.wasm') && fs.existsSync(x) && fs.statSync(x).isFile()).map((x) => path.resolve(x));
  const stackSize = a.values.stackSize ? stackSizeOf(a.values.stackSize as string) : undefined;
  const bench = a.values.bench ? fs.createWriteStream(a.values.bench as string, { flags: 'a' }) : undefined;
  let proc: KitsuneProcess | undefined;
  let crashed = false;
  // A full-screen program in raw mode owns the terminal: the runner's own notes would garble it.
  const note = (text: string) => { if (!proc?.terminalRaw || !process.stderr.isTTY) process.stderr.write(text); };
  const onEvent = (e: KitsuneEvent) => {
    if (e.type === 'update') {
      note(`kitsune: ${formatResult(e.result)}\n`);
      bench?.write(JSON.stringify({ time: new Date().toISOString(), ...e.result }) + '\n');
    } else if (e.type === 'crash') { crashed = true; note(`kitsune: the program crashed: ${e.message}\n`); }
    else if (e.type === 'update-deferred') note(`kitsune: update deferred at "${e.point}": ${e.reason}\n`);
    else if (e.type === 'refused') note(`kitsune: sandbox: ${e.message}\n`);
    else if (e.type === 'notice') note(`kitsune: ${e.message}\n`);
  };
  // The control socket first: a path that cannot be ours stops the runner before the program starts.
  const control = await ControlServer.listen(a.values.control as string | undefined, async (req) =>
    proc ? proc.update(req.next, { snapshot: req.snapshot, timeoutMs: req.timeoutMs }) : { error: 'E_REQUEST', message: 'the program is still starting; ask again' });
  // A closed stdout (`kitsune run ... | head`) is the program's SIGPIPE, as on Linux: by default it ends, quietly.
  let pipeClosed = false;
  const onOutputError = (e: NodeJS.ErrnoException) => {
    if (e.code !== 'EPIPE' && e.code !== 'ERR_STREAM_DESTROYED') return;
    pipeClosed = true;
    proc?.signal('SIGPIPE');
  };
  process.stdout.on('error', onOutputError);
  process.stderr.on('error', () => {});
  try {
    proc = await KitsuneProcess.start(app, {
      args: args.slice(idx + 1), argv0: app, onEvent,
      stackSize, grants,
      forwardSignals: true,
    });
  } catch (e) {
    control.close();
    throw e;
  }
  if (pipeClosed) proc.signal('SIGPIPE');
  // However the runner ends (an internal error, process.exit), the terminal goes back to how it was.
  const restore = () => { void proc?.kill(); };
  process.on('exit', restore);
  if (process.env.KITSUNE_VERBOSE) process.stderr.write(`kitsune: running ${app}; update it with: kitsune update ${a.values.control ? control.path : process.pid} NEXT.wasm\n`);
  const code = await proc.exited;
  process.off('exit', restore);
  control.close();
  bench?.end();
  // What the runner says and what it returns agree: a reported crash is never a success (134, as for SIGABRT).
  return crashed && code === 0 ? 134 : code;
}

async function cmdUpdate(args: string[]): Promise<number> {
  const a = parseArgs(args, UPDATE_SPEC, 'update');
  if (a.positional.length !== 2) throw new KitsuneError('E_USAGE', `kitsune update: expected TARGET NEXT.wasm, found ${a.positional.length} argument(s)`);
  const [target, next] = a.positional;
  const nextPath = path.resolve(next);
  readFileOrFail(nextPath); // a clear error here, before the runner is asked
  const r: UpdateResult = await requestUpdate(resolveTarget(target), {
    next: nextPath, snapshot: !!a.flags.snapshot, timeoutMs: a.values.timeout !== undefined ? timeoutOf(a.values.timeout as string) : undefined,
  });
  console.log(formatResult(r));
  return r.outcome === 'committed' ? 0 : 1;
}

async function cmdInspect(args: string[]): Promise<number> {
  const a = parseArgs(args, INSPECT_SPEC, 'inspect');
  if (a.flags.diff) {
    if (a.positional.length !== 2) throw new KitsuneError('E_USAGE', 'kitsune inspect --diff: expected OLD.wasm NEW.wasm');
    const [o, n] = a.positional.map((p) => readMeta(readFileOrFail(p), p));
    // Built --from OLD: the plan it was built with, rules included. Otherwise what the types alone allow.
    const { planMigration } = await import('../compiler/xf-gen.js');
    const plan = n.fromBuildId === o.buildId && n.xf?.variables
      ? { variables: n.xf.variables, types: n.xf.types ?? [], problems: [] as string[] }
      : planMigration({ types: o.types as never, variables: o.variables }, { types: n.types as never, variables: n.variables });
    if (a.flags.json) { console.log(JSON.stringify(plan, null, 2)); return 0; }
    console.log(`${a.positional[0]} -> ${a.positional[1]}${n.fromBuildId === o.buildId ? ' (built --from it)' : ''}`);
    console.log(plan.types.length ? 'types that change (deep: moved to a block of the new size; shallow: rewritten in place):' : 'no type changes: every variable is copied as it is');
    for (const t of plan.types) console.log(`  ${t.kind.padEnd(8)} ${t.old === t.new ? t.old : `${t.old} -> ${t.new}`}: ${t.why}`);
    console.log('variables:');
    for (const v of plan.variables) {
      const types = v.oldType && v.newType && v.oldType !== v.newType ? `  ${v.oldType} -> ${v.newType}` : v.newType ? `  ${v.newType}` : v.oldType ? `  ${v.oldType}` : '';
      console.log(`  ${v.action.padEnd(9)} ${v.key}${v.from && v.from !== v.key ? ` <- ${v.from}` : ''}${types}`);
    }
    for (const p of plan.problems) console.log(`  refused: ${p}`);
    return plan.problems.length ? 1 : 0;
  }
  if (a.positional.length !== 1) throw new KitsuneError('E_USAGE', 'kitsune inspect: expected one APP.wasm');
  const file = a.positional[0];
  const meta = readMeta(readFileOrFail(file), file);
  if (a.flags.json) { console.log(JSON.stringify(meta, null, 2)); return 0; }
  console.log(`${file}: program "${meta.program}", build ${meta.buildId}${meta.fromBuildId ? `, built from ${meta.fromBuildId}` : ''}`);
  console.log(`sources: ${meta.sources.join(' ')}`);
  console.log(`update points: ${meta.updatePoints.join(', ') || '(none)'}`);
  console.log(`asyncify: ${meta.asyncify.ignoreIndirect ? 'direct calls only' : 'direct and indirect calls'}${meta.asyncify.note ? ` (${meta.asyncify.note})` : ''}`);
  console.log(`variables (${meta.variables.length}):`);
  for (const v of meta.variables) {
    console.log(`  ${v.key.padEnd(28)} ${v.typeName.padEnd(24)} ${String(v.size).padStart(6)} B  ${v.kind}${v.offset !== undefined ? ` @+${v.offset}` : ''}${v.manual ? ' manual' : ''}  ${v.file}:${v.line}`);
  }
  return 0;
}

/** Each version has its own stack and two live at once during an update, in a memory of at most 1 GiB by default. */
const MAX_STACK_SIZE = 256 * 1024 * 1024;

function stackSizeOf(text: string): number {
  const n = /^\d+$/.test(text) ? Number(text) : NaN;
  if (!Number.isSafeInteger(n) || n < 65536 || n > MAX_STACK_SIZE || n % 16) {
    throw new KitsuneError('E_USAGE', `kitsune run: --stack-size ${text}: expected a whole number of bytes, a multiple of 16, from 65536 to ${MAX_STACK_SIZE} (256 MiB)`);
  }
  return n;
}

function timeoutOf(text: string): number {
  const n = /^\d+$/.test(text) ? Number(text) : NaN;
  if (!Number.isSafeInteger(n) || n < 1 || n > MAX_TIMEOUT_MS) throw new KitsuneError('E_USAGE', `kitsune update: --timeout ${text}: expected a whole number of milliseconds from 1 to ${MAX_TIMEOUT_MS}`);
  return n;
}

main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  (e) => {
    if (e instanceof KitsuneError) process.stderr.write(`kitsune: ${e.message}\n${e.code === 'E_USAGE' ? `\n${shortUsage(current)}\n` : ''}`);
    else process.stderr.write(`kitsune: internal error: ${(e as Error)?.stack ?? e}\n`);
    process.exitCode = e instanceof KitsuneError && e.code === 'E_USAGE' ? 2 : 1;
  },
);

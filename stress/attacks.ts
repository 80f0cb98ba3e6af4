// The attack part of the stress suite (issue 11): each hole tried as an
// attacker would, through the real `kitsune run` / `kitsune update`
// processes, another local user when run as root, and the driver's own
// classes where the hole is in one of them. Every attack is one function that
// returns its attempts, each held or not; a summary row per hole counts them.
//
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import net from 'node:net';
import dns from 'node:dns/promises';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { KitsuneProcess } from 'kitsune-wasm';
import { build } from 'kitsune-wasm/compiler';
import { parseXf } from '../compiler/xf-parser.js';
import { Sandbox } from '../wasm-driver/host/sandbox.js';
import { canonicalHost } from '../wasm-driver/common/ip-address.js';
import { formatResult } from '../cli/format.js';
import { buildCached, baseVersions, Tally, ROOT, COUNTER, log, sleep, type Rng, type Category } from './common.js';

const CLI = path.join(ROOT, 'dist/cli/kitsune.js');
const STACK = /^\s+at .+(:\d+:\d+\)?|\(native\))$/m;

export interface Attempt { what: string; held: boolean; detail?: string }

interface Ctx {
  quick: boolean;
  rng: Rng;
  /** A stand-in for /tmp (mode 1777) that the runners use as TMPDIR. */
  tmp: string;
  env: NodeJS.ProcessEnv;
  work: string;
  v1: string;
  v2: string;
  /** Another local user (created when running as root), or null. */
  other: { uid: number; gid: number } | null;
  skipped: string[];
}

interface Attack { hole: number; title: string; run: (c: Ctx) => Promise<Attempt[]> }

// One function per attack, by hole.
const ATTACKS: Attack[] = [
  { hole: 1, title: 'open(O_CREAT) through dangling symlinks', run: danglingLinks },
  { hole: 2, title: 'a granted directory swapped for a symlink during opens', run: swapRace },
  { hole: 3, title: 'listing the host\'s / through the root preopen', run: listRoot },
  { hole: 4, title: 'writing through hard links to a file outside', run: hardLinks },
  { hole: 5, title: 'the program names files outside its grants as its next version', run: namedVersions },
  { hole: 9, title: 'a flood of output to a slow pipe', run: outputFlood },
  { hole: 6, title: 'another user reaches the control socket', run: otherUserConnects },
  { hole: 6, title: 'a squatted control directory', run: squattedDirectory },
  { hole: 6, title: 'an endless request line', run: endlessLine },
  { hole: 6, title: 'malformed requests', run: badRequests },
  { hole: 6, title: 'a pid-squatted default path', run: pidSquat },
  { hole: 7, title: '--control paths that are not ours', run: foreignPaths },
  { hole: 8, title: 'next versions that are not regular files', run: specialFiles },
  { hole: 8, title: 'the program names a FIFO as its next version', run: programNamesFifo },
  { hole: 10, title: 'ending a spinning program, a closed stdout', run: ending },
  { hole: 11, title: '--stack-size out of bounds', run: stackSizes },
  { hole: 12, title: '--net names and address spellings', run: netRules },
  { hole: 12, title: 'refusal hints', run: hints },
  { hole: 12, title: 'bad option values, refused-after-exit wording, deep .xf nesting', run: smallRefusals },
];

const HOLE_NAMES: Record<number, string> = {
  1: 'dangling symlinks', 2: 'check-then-open races', 3: 'listing the host\'s /', 4: 'hard links', 5: 'next versions the program names', 9: 'output backpressure',
  6: 'control socket: the owner alone', 7: '--control: only our own stale socket', 8: 'reading the next version',
  10: 'ending the runner', 11: 'stack size', 12: 'net rules, hints, small refusals',
};

export async function runAttacks(quick: boolean, rng: Rng): Promise<Category[]> {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kitsune-attacks-'));
  fs.chmodSync(tmp, 0o1777);
  const work = path.join(tmp, 'work');
  fs.mkdirSync(work, { mode: 0o755 });
  const env: NodeJS.ProcessEnv = { ...process.env, TMPDIR: tmp };
  delete env.XDG_RUNTIME_DIR;
  delete env.KITSUNE_VERBOSE;
  const { v1, v2 } = await baseVersions();
  fs.writeFileSync(path.join(work, 'v1.wasm'), v1);
  fs.writeFileSync(path.join(work, 'v2.wasm'), v2);
  const ctx: Ctx = { quick, rng, tmp, env, work, v1: path.join(work, 'v1.wasm'), v2: path.join(work, 'v2.wasm'), other: otherUser(), skipped: [] };
  if (!ctx.other) ctx.skipped.push('another-user attempts (not root)');
  const byHole = new Map<number, Tally>();
  for (const a of ATTACKS) {
    const t = byHole.get(a.hole) ?? new Tally(`attacks: hole ${a.hole} (${HOLE_NAMES[a.hole]})`);
    byHole.set(a.hole, t);
    let attempts: Attempt[];
    try {
      attempts = await a.run(ctx);
    } catch (e) {
      attempts = [{ what: a.title, held: false, detail: `the attack itself failed: ${(e as Error)?.stack ?? e}` }];
    }
    for (const x of attempts) t.check(x.held, () => `${a.title}: ${x.what}${x.detail ? `: ${x.detail}` : ''}`);
    log(`attacks: hole ${a.hole}, ${a.title}: ${attempts.filter((x) => x.held).length}/${attempts.length} held`);
  }
  const out = [...byHole.entries()].sort((a, b) => a[0] - b[0]).map(([, t]) => t.result());
  for (const c of out) c.notes = `${c.cases} attempts, ${c.passed} held`;
  if (ctx.skipped.length) out[0].notes += `; skipped: ${ctx.skipped.join(', ')}`;
  fs.rmSync(tmp, { recursive: true, force: true });
  return out;
}

// ---- processes ---------------------------------------------------------------

interface Proc { child: ChildProcess; pid: number; out(): string; until(re: RegExp, ms?: number): Promise<boolean>; exited: Promise<number | null> }

function runner(args: string[], c: Ctx, opts: { umask?: string } = {}): Proc {
  const argv = [CLI, 'run', ...args];
  const child = opts.umask !== undefined
    ? spawn('/bin/sh', ['-c', `umask ${opts.umask} && exec "$0" "$@"`, process.execPath, ...argv], { env: c.env })
    : spawn(process.execPath, argv, { env: c.env });
  let text = '';
  child.stdout!.on('data', (d) => { text = (text + d).slice(-200_000); });
  child.stderr!.on('data', (d) => { text = (text + d).slice(-200_000); });
  const exited = new Promise<number | null>((r) => child.on('exit', (code, sig) => r(code ?? (sig ? 128 : null))));
  let done = false;
  void exited.then(() => { done = true; });
  const until = async (re: RegExp, ms = 20000) => {
    const end = Date.now() + ms;
    while (!re.test(text)) { if (done || Date.now() > end) return false; await sleep(20); }
    return true;
  };
  return { child, pid: child.pid!, out: () => text, until, exited };
}

async function stop(p: Proc): Promise<void> { p.child.kill('SIGKILL'); await p.exited; }

function cli(args: string[], c: Ctx, as?: { uid: number; gid: number }, ms = 30000): Promise<{ code: number | null; out: string; err: string; hung: boolean }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [CLI, ...args], { env: as ? { ...c.env, HOME: '/' } : c.env, uid: as?.uid, gid: as?.gid, cwd: as ? '/' : c.work });
    let out = '', err = '', hung = false;
    p.stdout.on('data', (d) => (out += d));
    p.stderr.on('data', (d) => (err += d));
    const t = setTimeout(() => { hung = true; p.kill('SIGKILL'); }, ms);
    p.on('exit', (code) => { clearTimeout(t); resolve({ code, out, err, hung }); });
  });
}

/** A clean CLI failure: exit 1 or 2, "kitsune: " first, no stack trace, matching `re`. */
function cleanFailure(r: { code: number | null; out: string; err: string; hung: boolean }, re: RegExp): string | null {
  if (r.hung) return 'hung';
  if (r.code !== 1 && r.code !== 2) return `exit ${r.code}`;
  const text = r.err + r.out;
  if (STACK.test(text) || /internal error/.test(text)) return `stack trace: ${text.slice(0, 300)}`;
  if (!re.test(text)) return `message ${JSON.stringify(text.slice(0, 300))} does not match ${re}`;
  return null;
}

const attempt = (what: string, problem: string | null): Attempt => ({ what, held: problem === null, ...(problem ? { detail: problem } : {}) });

function otherUser(): { uid: number; gid: number } | null {
  if (process.getuid?.() !== 0) return null;
  const name = 'kitsune-other';
  if (spawnSync('id', ['-u', name]).status !== 0 && spawnSync('useradd', ['--system', '--no-create-home', '--shell', '/usr/sbin/nologin', name]).status !== 0) return null;
  const id = (f: string) => Number(spawnSync('id', [f, name], { encoding: 'utf8' }).stdout.trim());
  return { uid: id('-u'), gid: id('-g') };
}

const defaultSocket = (c: Ctx, pid: number) => path.join(c.tmp, `kitsune-${process.getuid?.()}`, `kitsune-${pid}.sock`);

/** Sends `data` on a Unix socket (as another user, from a child process); the reply, or the connect error's code. */
async function send(sock: string, data: string | Buffer, as?: { uid: number; gid: number }): Promise<string> {
  if (as) {
    const script = `const s=require('net').connect(process.argv[1]);let r='';s.on('connect',()=>s.end(process.argv[2]));s.on('data',d=>r+=d);s.on('end',()=>console.log(r.trim()));s.on('error',e=>console.log(r.trim()||e.code))`;
    const r = spawnSync(process.execPath, ['-e', script, sock, data.toString()], { uid: as.uid, gid: as.gid, cwd: '/', encoding: 'utf8', timeout: 15000 });
    return (r.stdout || r.stderr).trim();
  }
  return new Promise((resolve) => {
    const s = net.connect(sock);
    let reply = '';
    const t = setTimeout(() => { s.destroy(); resolve('(no reply within 15 s)'); }, 15000);
    s.on('connect', () => s.end(data));
    s.on('data', (d) => (reply += d));
    s.on('close', () => { clearTimeout(t); resolve(reply.trim()); });
    s.on('error', (e: NodeJS.ErrnoException) => { if (!reply) reply = e.code ?? e.message; });
  });
}

const rssKiB = (pid: number) => Number(fs.readFileSync(`/proc/${pid}/status`, 'utf8').match(/VmRSS:\s+(\d+)/)![1]);

/** The stress program's state, unchanged between ticks: each "pre" checksum equals the previous tick's. */
function stateBroken(out: string): string | null {
  let last: { n: string; ck: string } | undefined;
  for (const l of out.split('\n')) {
    const post = / n=(\d+) .* ck=([0-9a-f]{16})$/.exec(l);
    const pre = /^pre n=(\d+) ck=([0-9a-f]{16})$/.exec(l);
    if (pre && last && (pre[1] !== last.n || pre[2] !== last.ck)) return `state changed between ticks: after n=${last.n} ck=${last.ck}, then "${l}"`;
    if (post && !pre) last = { n: post[1], ck: post[2] };
  }
  return null;
}

const PROGRAM = ['2000000000', '50000'];

// ---- hole 6: the control socket ------------------------------------------------

async function otherUserConnects(c: Ctx): Promise<Attempt[]> {
  if (!c.other) return [];
  const out: Attempt[] = [];
  const explicit = path.join(c.tmp, 'shared.sock');
  for (const [label, args] of [['default path', []], ['--control in a sticky world-writable directory', ['--control', explicit]]] as const) {
    for (const umask of ['000', '022']) {
      const r = runner([...args, c.v1, ...PROGRAM], c, { umask });
      try {
        if (!(await r.until(/v1 n=2 /))) { out.push(attempt(`${label}, umask ${umask}: runner start`, `did not start: ${r.out().slice(-300)}`)); continue; }
        const sock = args.length ? explicit : defaultSocket(c, r.pid);
        const raw = await send(sock, JSON.stringify({ next: c.v2 }) + '\n', c.other);
        out.push(attempt(`${label}, umask ${umask}: another user connects and asks for an update`, raw === 'EACCES' ? null : `got ${raw.slice(0, 200)}`));
        const u = await cli(['update', args.length ? explicit : String(r.pid), c.v2], c, c.other);
        out.push(attempt(`${label}, umask ${umask}: another user runs kitsune update`, u.code === 1 && !/committed/.test(u.out) ? null : `exit ${u.code}: ${u.out}${u.err}`));
        await sleep(200);
        out.push(attempt(`${label}, umask ${umask}: the program still runs v1`, /v2 n=/.test(r.out()) ? 'v2 is running' : null));
      } finally { await stop(r); }
    }
  }
  return out;
}

async function squattedDirectory(c: Ctx): Promise<Attempt[]> {
  const me = process.getuid!();
  const cases: [string, (d: string) => void, RegExp][] = [
    ['mode 0777', (d) => { fs.mkdirSync(d); fs.chmodSync(d, 0o777); }, /has mode 0777/],
    ['mode 0750', (d) => { fs.mkdirSync(d); fs.chmodSync(d, 0o750); }, /has mode 0750/],
    ['a symlink to a directory', (d) => { fs.mkdirSync(d + '.real', { mode: 0o700 }); fs.symlinkSync(d + '.real', d); }, /is a symbolic link/],
    ['a dangling symlink', (d) => { fs.symlinkSync(d + '.nowhere', d); }, /is a symbolic link/],
    ['a regular file', (d) => { fs.writeFileSync(d, ''); }, /is a regular file, not a directory/],
  ];
  if (c.other) cases.push(['owned by another user', (d) => { fs.mkdirSync(d, { mode: 0o700 }); fs.chownSync(d, c.other!.uid, c.other!.gid); }, /belongs to uid \d+, not to you/]);
  const out: Attempt[] = [];
  for (const [what, make, re] of cases) {
    const tmp = fs.mkdtempSync(path.join(c.tmp, 'squat-'));
    fs.chmodSync(tmp, 0o1777);
    const dir = path.join(tmp, `kitsune-${me}`);
    make(dir);
    const before = fs.lstatSync(dir);
    const r = await cli(['run', c.v1, '3', '0'], { ...c, env: { ...c.env, TMPDIR: tmp } });
    const after = fs.lstatSync(dir);
    const touched = after.mode !== before.mode || after.uid !== before.uid || after.ino !== before.ino ? 'the squatted path was changed' : null;
    out.push(attempt(`control directory ${what}`, cleanFailure(r, re) ?? touched ?? (/v1 n=/.test(r.out) ? 'the program ran' : null)));
  }
  return out;
}

async function endlessLine(c: Ctx): Promise<Attempt[]> {
  const r = runner([c.v1, ...PROGRAM], c);
  const out: Attempt[] = [];
  try {
    if (!(await r.until(/v1 n=2 /))) return [attempt('runner start', r.out().slice(-300))];
    const sock = defaultSocket(c, r.pid);
    for (const mb of c.quick ? [200] : [200, 1000]) {
      const before = rssKiB(r.pid);
      const reply = await new Promise<string>((resolve) => {
        const s = net.connect(sock);
        const chunk = Buffer.alloc(1 << 20, 0x7b);
        let sent = 0, text = '';
        const pump = () => { while (sent < mb && !s.destroyed) { sent++; if (!s.write(chunk)) { s.once('drain', pump); return; } } s.end(); };
        s.on('connect', pump);
        s.on('data', (d) => (text += d));
        s.on('close', () => resolve(text));
        s.on('error', () => {});
      });
      const grown = rssKiB(r.pid) - before;
      out.push(attempt(`${mb} MB without a newline: an error reply`, /the request line is longer than 65536 bytes/.test(reply) ? null : `reply ${JSON.stringify(reply.slice(0, 200))}`));
      out.push(attempt(`${mb} MB without a newline: the runner grew by less than 32 MiB`, grown < 32 * 1024 ? null : `grew by ${grown} KiB`));
    }
    const idle = Array.from({ length: 8 }, () => net.connect(sock).on('error', () => {}));
    const u = await cli(['update', String(r.pid), c.v2], c);
    idle.forEach((s) => s.destroy());
    out.push(attempt('after the floods, with idle connections open, an update commits', u.code === 0 ? null : `${u.out}${u.err}`));
    await r.until(/v2 n=\d+ /, 5000);
    out.push(attempt('the state came through unchanged', stateBroken(r.out())));
  } finally { await stop(r); }
  return out;
}

/** Requests a confused or hostile client might send. */
function badRequestCorpus(c: Ctx): { line: string | Buffer }[] {
  const r = c.rng;
  const v2 = c.v2;
  const fixed: { line: string | Buffer }[] = [
    { line: '{"next":null}\n' }, { line: 'not json\n' }, { line: '\n' }, { line: 'null\n' }, { line: '42\n' }, { line: '"v2.wasm"\n' }, { line: '[]\n' },
    { line: '{}\n' }, { line: '{"next":""}\n' }, { line: '{"next":"v2.wasm"}\n' }, { line: '{"next":["/a"]}\n' }, { line: '{"next":{"path":"/a"}}\n' },
    { line: `{"next":${JSON.stringify(v2 + '\0.wasm')}}\n` }, { line: `{"next":${JSON.stringify(v2)},"snapshot":"true"}\n` },
    { line: `{"next":${JSON.stringify(v2)},"timeoutMs":-1}\n` }, { line: `{"next":${JSON.stringify(v2)},"timeoutMs":1e300}\n` },
    { line: `{"next":${JSON.stringify(v2)},"timeoutMs":2147483648}\n` }, { line: `{"next":${JSON.stringify(v2)},"timeoutMs":0.5}\n` },
    { line: `{"next":${JSON.stringify(v2)},"grants":{"net":true}}\n` }, { line: `{"__proto__":{"next":${JSON.stringify(v2)}}}\n` },
    { line: `{"next":${JSON.stringify(v2)},"constructor":1}\n` }, { line: '['.repeat(60000) + '\n' }, { line: Buffer.from([0xff, 0xfe, 0x7b, 0x0a]) },
    { line: `{"next":${JSON.stringify(v2)}` /* no newline, then the end */ },
    { line: '{"next":"/no/such/version.wasm"}\n' }, { line: '{"next":"/etc/passwd"}\n' }, { line: '{"next":"/"}\n' },
  ];
  const values = ['null', 'true', '0', '-5', '"x"', '[]', '{}', '"/"', '1e999', '"\\u0000"'];
  const fields = ['next', 'snapshot', 'timeoutMs', 'Next', 'next ', 'extra', ''];
  const random = Array.from({ length: c.quick ? 30 : 150 }, () => {
    const n = r.int(1, 3);
    const body = Array.from({ length: n }, () => `${JSON.stringify(r.pick(fields))}:${r.pick(values)}`).join(',');
    return { line: `{${body}}\n` };
  });
  return [...fixed, ...random];
}

async function badRequests(c: Ctx): Promise<Attempt[]> {
  const r = runner([c.v1, ...PROGRAM], c);
  const out: Attempt[] = [];
  try {
    if (!(await r.until(/v1 n=2 /))) return [attempt('runner start', r.out().slice(-300))];
    const sock = defaultSocket(c, r.pid);
    // Each is either refused as a request (E_REQUEST) or, naming a file that is no version, refused as an update.
    for (const { line } of badRequestCorpus(c)) {
      const reply = await send(sock, line);
      let problem: string | null = null;
      try {
        const j = JSON.parse(reply);
        const ok = (j.error === 'E_REQUEST' && typeof j.message === 'string' && j.message) || (j.outcome === 'refused' && j.reason);
        if (!ok) problem = `reply ${reply.slice(0, 200)}`;
      } catch { problem = `not a JSON reply: ${JSON.stringify(reply.slice(0, 200))}`; }
      out.push(attempt(`request ${JSON.stringify(line.toString().slice(0, 60))}`, problem));
    }
    const u = await cli(['update', String(r.pid), c.v2], c);
    out.push(attempt('after the bad requests an update commits', u.code === 0 ? null : `${u.out}${u.err}`));
    await r.until(/v2 n=\d+ /, 5000);
    out.push(attempt('the state came through unchanged', stateBroken(r.out())));
  } finally { await stop(r); }
  return out;
}

async function pidSquat(c: Ctx): Promise<Attempt[]> {
  const dir = path.dirname(defaultSocket(c, 1));
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const out: Attempt[] = [];
  // The shell's pid becomes the runner's at exec: the squat is at that pid's default path.
  const squats: [string, string][] = [['a regular file', `: > "${dir}/kitsune-$$.sock"`], ['a directory', `mkdir "${dir}/kitsune-$$.sock"`], ['a FIFO', `mkfifo "${dir}/kitsune-$$.sock"`]];
  for (const [what, make] of squats) {
    const p = spawn('/bin/sh', ['-c', `${make} && exec "$0" "$@"`, process.execPath, CLI, 'run', c.v1, '3', '0'], { env: c.env });
    let text = '';
    p.stdout.on('data', (d) => (text += d));
    p.stderr.on('data', (d) => (text += d));
    const code = await new Promise<number | null>((res) => p.on('exit', res));
    const still = fs.existsSync(path.join(dir, `kitsune-${p.pid}.sock`)) ? null : 'the squatted path was removed';
    out.push(attempt(`default path squatted by ${what}`, cleanFailure({ code, out: '', err: text, hung: false }, /the path is taken by/) ?? still));
  }
  return out;
}

// ---- hole 7: --control paths ---------------------------------------------------

async function foreignPaths(c: Ctx): Promise<Attempt[]> {
  const out: Attempt[] = [];
  const file = path.join(c.work, 'precious.txt');
  fs.writeFileSync(file, 'precious\n');
  const r1 = await cli(['run', '--control', file, c.v1, '3', '0'], c);
  out.push(attempt('--control naming a regular file', cleanFailure(r1, /taken by a regular file/) ?? (fs.readFileSync(file, 'utf8') === 'precious\n' ? null : 'the file changed')));
  const link = path.join(c.work, 'link.sock');
  fs.symlinkSync(file, link);
  const r2 = await cli(['run', '--control', link, c.v1, '3', '0'], c);
  out.push(attempt('--control naming a symlink to a file', cleanFailure(r2, /taken by a symbolic link/) ?? (fs.readFileSync(file, 'utf8') === 'precious\n' && fs.lstatSync(link).isSymbolicLink() ? null : 'changed')));
  const dir = path.join(c.work, 'a-dir');
  fs.mkdirSync(dir);
  out.push(attempt('--control naming a directory', cleanFailure(await cli(['run', '--control', dir, c.v1, '3', '0'], c), /taken by a directory/)));
  const open = fs.mkdtempSync(path.join(c.tmp, 'open-'));
  fs.chmodSync(open, 0o777);
  out.push(attempt('--control in a world-writable directory without the sticky bit', cleanFailure(await cli(['run', '--control', path.join(open, 'x.sock'), c.v1, '3', '0'], c), /writable by others/)));

  // A second runner on a live runner's path.
  const sock = path.join(c.work, 'live.sock');
  const first = runner(['--control', sock, c.v1, ...PROGRAM], c);
  try {
    if (await first.until(/v1 n=2 /)) {
      const ino = fs.lstatSync(sock).ino;
      const second = await cli(['run', '--control', sock, c.v1, '3', '0'], c);
      out.push(attempt('a second runner on a live runner\'s socket', cleanFailure(second, /is listening there/) ?? (fs.lstatSync(sock).ino === ino ? null : 'the socket was replaced')));
      const u = await cli(['update', sock, c.v2], c);
      out.push(attempt('the first runner still takes updates', u.code === 0 ? null : u.out + u.err));
    } else out.push(attempt('first runner start', first.out().slice(-300)));
  } finally { await stop(first); }

  if (c.other) {
    const theirs = path.join(c.tmp, `theirs-${process.pid}.sock`);
    const log = path.join(c.tmp, `theirs-${process.pid}.log`);
    const script = `const fs=require('fs');require('net').createServer(s=>s.on('data',d=>fs.appendFileSync(process.argv[2],d))).listen(process.argv[1],()=>{fs.chmodSync(process.argv[1],0o777);console.log('up')});setTimeout(()=>process.exit(0),30000)`;
    const p = spawn(process.execPath, ['-e', script, theirs, log], { uid: c.other.uid, gid: c.other.gid, cwd: '/' });
    try {
      await new Promise<void>((res) => p.stdout.once('data', () => res()));
      const ino = fs.lstatSync(theirs).ino;
      const r = await cli(['run', '--control', theirs, c.v1, '3', '0'], c);
      out.push(attempt('--control naming another user\'s live socket', cleanFailure(r, /belongs to uid \d+, not to you/) ?? (fs.lstatSync(theirs).ino === ino ? null : 'their socket was replaced')));
      const u = await cli(['update', theirs, c.v2], c);
      out.push(attempt('kitsune update to another user\'s socket (an impostor)', cleanFailure(u, /talks only to your own runners/) ?? (fs.existsSync(log) ? 'the request reached the impostor' : null)));
    } finally { p.kill('SIGKILL'); }
    // Their stale socket: not live, still not ours to remove.
    await sleep(100);
    if (fs.existsSync(theirs)) {
      const r = await cli(['run', '--control', theirs, c.v1, '3', '0'], c);
      out.push(attempt('--control naming another user\'s stale socket', cleanFailure(r, /belongs to uid \d+/) ?? (fs.existsSync(theirs) ? null : 'their socket was deleted')));
    }
  }
  return out;
}

// ---- hole 8: reading the next version ------------------------------------------

async function specialFiles(c: Ctx): Promise<Attempt[]> {
  const out: Attempt[] = [];
  const fifo = path.join(c.work, 'next.fifo');
  spawnSync('mkfifo', [fifo]);
  const big = path.join(c.work, 'huge.wasm');
  fs.writeFileSync(big, '');
  fs.truncateSync(big, 2 ** 33); // 8 GiB, sparse
  const sockPath = path.join(c.work, 'a.sock');
  const srv = net.createServer().listen(sockPath);
  const r = runner([c.v1, ...PROGRAM], c);
  try {
    if (!(await r.until(/v1 n=2 /))) return [attempt('runner start', r.out().slice(-300))];
    const before = rssKiB(r.pid);
    const sock = defaultSocket(c, r.pid);
    const cases: [string, RegExp][] = [
      [fifo, /expected a regular file, found a FIFO/], ['/dev/zero', /found a character device/], ['/dev/urandom', /found a character device/], ['/dev/null', /found a character device/],
      ['/dev/tty', /found a character device|no such|cannot read|permission denied/i], [c.work, /expected a file, found a directory/], [sockPath, /found a socket/],
      [big, /expected at most 256 MiB, found a larger file/], ['/proc/self/mem', /cannot read|permission denied|not a valid|expected|grew/i],
    ];
    const ask = (next: string) => send(sock, JSON.stringify({ next, timeoutMs: 5000 }) + '\n').then((x) => { try { return JSON.parse(x); } catch { return { raw: x }; } });
    for (const [p, re] of cases) {
      const t = Date.now();
      // Each with one behind it, in the runner's queue: the queue must not stall.
      const [bad, after] = await Promise.all([ask(p), ask(c.v1)]);
      const took = Date.now() - t;
      const badOk = bad.outcome !== 'refused' || bad.stage !== 'read' ? `answered ${JSON.stringify(bad).slice(0, 200)}` : !re.test(bad.reason) ? `said ${JSON.stringify(bad.reason)}` : null;
      out.push(attempt(`a request naming ${p}`, badOk ?? (took > 10000 ? `took ${took} ms` : null)));
      out.push(attempt(`the update queued behind ${p} is answered`, after.outcome ? null : JSON.stringify(after).slice(0, 200)));
      if (p === fifo || p === '/dev/zero') {
        const u = await cli(['update', String(r.pid), p], c, undefined, 15000);
        out.push(attempt(`kitsune update naming ${p}`, cleanFailure(u, re)));
      }
    }
    const grown = rssKiB(r.pid) - before;
    out.push(attempt('the runner did not grow reading them', grown < 64 * 1024 ? null : `grew by ${grown} KiB`));
    out.push(attempt('the state came through unchanged', stateBroken(r.out())));
  } finally { await stop(r); srv.close(); fs.rmSync(big, { force: true }); }
  return out;
}

const NAMES_FIFO = `#include <kitsune.h>
#include <unistd.h>
int main(int argc, char **argv) {
  setvbuf(stdout, 0, _IONBF, 0);
  for (int i = 0; i < 40; i++) {
    kitsune_update("loop");
    printf("tick %d\\n", i);
    if (i == 2) { kitsune_set_next_version(argv[1]); kitsune_signal_update(); }
    usleep(20000);
  }
  return 0;
}
`;

async function programNamesFifo(c: Ctx): Promise<Attempt[]> {
  const wasm = path.join(c.work, 'names-fifo.wasm');
  fs.writeFileSync(wasm, await buildCached({ source: NAMES_FIFO, file: 'names-fifo.c', name: 'names-fifo' }));
  const fifo = path.join(c.work, 'program.fifo');
  if (!fs.existsSync(fifo)) spawnSync('mkfifo', [fifo]);
  const out: Attempt[] = [];
  for (const p of [fifo, '/dev/zero']) {
    // The FIFO inside a grant, so that reading it is tried; /dev/zero outside every grant.
    const r = runner([`--dir=${c.work}`, wasm, p], c);
    const code = await Promise.race([r.exited, sleep(20000).then(() => 'hung' as const)]);
    if (code === 'hung') { await stop(r); out.push(attempt(`the program names ${p}`, 'the runner hung')); continue; }
    const text = r.out();
    const said = p === fifo ? /update (refused|rolled back) at stage read: .*expected a regular file, found a FIFO/ : /update (refused|rolled back) at stage read: .*refused \(EACCES\)/;
    out.push(attempt(`the program names ${p}`, code === 0 && /tick 39/.test(text) && said.test(text) ? null : `exit ${code}: ${text.slice(-300)}`));
  }
  return out;
}

// ---- hole 10: ending -----------------------------------------------------------

const SPIN = `#include <kitsune.h>
#include <signal.h>
volatile int got;
static void on(int s) { got = s; }
int main(void) {
  signal(SIGINT, on); signal(SIGTERM, on);
  printf("spinning\\n"); fflush(stdout);
  volatile unsigned long x = 0;
  for (;;) { kitsune_update("loop"); x++; }
}
`;
const CHATTY = `#include <kitsune.h>
int main(void) { for (long i = 0;; i++) { kitsune_update("loop"); printf("line %ld\\n", i); } }
`;

async function ending(c: Ctx): Promise<Attempt[]> {
  const spin = path.join(c.work, 'spin.wasm'), chatty = path.join(c.work, 'chatty.wasm');
  fs.writeFileSync(spin, await buildCached({ source: SPIN, file: 'spin.c', name: 'spin' }));
  fs.writeFileSync(chatty, await buildCached({ source: CHATTY, file: 'chatty.c', name: 'chatty' }));
  const out: Attempt[] = [];
  for (const [sig, twice, code] of [['SIGINT', false, 130], ['SIGTERM', false, 143], ['SIGINT', true, 130], ['SIGTERM', true, 143]] as const) {
    const r = runner([spin], c);
    if (!(await r.until(/spinning\n/))) { await stop(r); out.push(attempt(`${sig} start`, r.out())); continue; }
    const sock = defaultSocket(c, r.pid);
    const t = Date.now();
    r.child.kill(sig);
    if (twice) { await sleep(200); r.child.kill(sig); }
    const got = await Promise.race([r.exited, sleep(10000).then(() => 'hung' as const)]);
    const took = Date.now() - t;
    if (got === 'hung') await stop(r);
    const limit = twice ? 1500 : 5000;
    out.push(attempt(`${twice ? 'two' : 'one'} ${sig} to a spinning program with a handler`, got === 'hung' ? 'still running after 10 s' : got !== code ? `exit ${got}` : took > limit ? `took ${took} ms` : null));
    out.push(attempt(`${sig}${twice ? ' twice' : ''}: the control socket is gone`, fs.existsSync(sock) ? 'left behind' : null));
  }
  for (const lines of [1, 1000]) {
    const r = runner([chatty], c);
    const sock = defaultSocket(c, r.pid);
    let seen = 0;
    await new Promise<void>((res) => r.child.stdout!.on('data', (d: Buffer) => { seen += d.toString().split('\n').length - 1; if (seen >= lines) res(); }));
    const before = r.out().length;
    r.child.stdout!.destroy();
    const got = await Promise.race([r.exited, sleep(10000).then(() => 'hung' as const)]);
    if (got === 'hung') await stop(r);
    const after = r.out().slice(before);
    out.push(attempt(`stdout closed after ${lines} line(s) (| head)`, got === 141 ? (/EPIPE|    at |internal error/.test(after) ? `said ${after.slice(0, 200)}` : null) : `exit ${got}`));
    out.push(attempt(`stdout closed after ${lines} line(s): the control socket is gone`, fs.existsSync(sock) ? 'left behind' : null));
  }
  return out;
}

// ---- hole 11: --stack-size ----------------------------------------------------

async function stackSizes(c: Ctx): Promise<Attempt[]> {
  const out: Attempt[] = [];
  for (const s of ['4294967312', '4294967296', '9007199254740993', '268435472', '1e6', '0x100000', '65536.0', '-16', '65552.5', '99999999999999999999']) {
    out.push(attempt(`--stack-size ${s}`, cleanFailure(await cli(['run', '--stack-size', s, c.v1, '3', '0'], c), /--stack-size .*: expected a whole number of bytes, a multiple of 16, from 65536 to 268435456/)));
  }
  const ok = await cli(['run', '--stack-size', '2097152', c.v1, '3', '0'], c);
  out.push(attempt('--stack-size 2097152 runs', ok.code === 0 && /v1 n=3 /.test(ok.out) ? null : `exit ${ok.code}: ${ok.err}`));
  return out;
}

// ---- hole 12: --net, hints, small refusals -------------------------------------

const DIAL = `#include <kitsune.h>
#include <errno.h>
#include <netdb.h>
#include <sys/socket.h>
#include <unistd.h>
int main(int argc, char **argv) {
  struct addrinfo hints = {0}, *res;
  hints.ai_socktype = SOCK_STREAM;
  int rc = getaddrinfo(argv[1], argv[2], &hints, &res);
  if (rc) { printf("getaddrinfo: %s\\n", gai_strerror(rc)); return 1; }
  int fd = socket(res->ai_family, res->ai_socktype, res->ai_protocol);
  if (connect(fd, res->ai_addr, res->ai_addrlen) < 0) { printf("connect: %s\\n", strerror(errno)); return 1; }
  printf("connected\\n");
  return 0;
}
`;

async function netRules(c: Ctx): Promise<Attempt[]> {
  const out: Attempt[] = [];
  // The matching itself, on the driver's Sandbox: spellings that name the same address.
  const same: [string, string][] = [
    ['[::ffff:127.0.0.1]:80', '127.0.0.1'], ['127.0.0.1:80', '::ffff:127.0.0.1'], ['[0:0:0:0:0:0:0:1]:80', '::1'], ['[::0:1]:80', '::1'],
    ['[0000:0000:0000:0000:0000:0000:0000:0001]:80', '::1'], ['[::1]:80', '0:0:0:0:0:0:0:1'], ['[2001:DB8::1]:80', '2001:db8:0:0:0:0:0:1'],
    ['[::ffff:7f00:1]:80', '127.0.0.1'], ['localhost:80', '::ffff:127.0.0.1'], ['LOCALHOST:80', '::1'],
  ];
  for (const [rule, host] of same) {
    const refusals: string[] = [];
    const sb = new Sandbox({ net: [rule] }, (r) => refusals.push(r.message));
    out.push(attempt(`--net=${rule} covers connect to ${host}:80`, sb.allowNet('connect to', host, 80) ? null : refusals.join('; ')));
  }
  const different: [string, string, number][] = [['127.0.0.1:80', '127.0.0.2', 80], ['[::1]:80', '::2', 80], ['[::ffff:127.0.0.1]:80', '127.0.0.1', 81], ['localhost:80', '::ffff:127.0.0.2', 80]];
  for (const [rule, host, port] of different) {
    const sb = new Sandbox({ net: [rule] });
    out.push(attempt(`--net=${rule} does not cover ${host} port ${port}`, sb.allowNet('connect to', host, port) ? 'allowed' : null));
  }

  // End to end: a name granted with its port covers the connect that follows its resolution, and nothing else.
  const name = os.hostname();
  let addr: string | undefined;
  try { addr = (await dns.lookup(name)).address; } catch { /* no resolver */ }
  if (!addr) { c.skipped.push(`--net=NAME end to end (${name} does not resolve)`); return out; }
  const wasm = path.join(c.work, 'dial.wasm');
  fs.writeFileSync(wasm, await buildCached({ source: DIAL, file: 'dial.c', name: 'dial' }));
  const server = net.createServer((s) => s.end());
  await new Promise<void>((res) => server.listen(0, addr, res));
  const port = (server.address() as net.AddressInfo).port;
  try {
    const ok = await cli(['run', `--net=${name}:${port}`, wasm, name, String(port)], c);
    out.push(attempt(`--net=${name}:${port}: resolve ${name}, then connect to ${addr}:${port}`, ok.code === 0 && /connected/.test(ok.out) ? null : `exit ${ok.code}: ${ok.out}${ok.err}`));
    const other = await cli(['run', `--net=${name}:${port}`, wasm, name, String(port + 1)], c);
    const hint = /run with --net=(\S+)/.exec(other.err)?.[1];
    out.push(attempt(`--net=${name}:${port} does not cover port ${port + 1}`, /connect: Permission denied/.test(other.out) ? null : `${other.out}${other.err}`));
    out.push(attempt(`the refusal for port ${port + 1} advises the name's rule, not the flag given`, hint === `${name}:${port + 1}` ? null : `advised --net=${hint}: ${other.err}`));
    const bare = await cli(['run', `--net=${name}:${port}`, wasm, addr, String(port)], c);
    out.push(attempt(`connect to ${addr}:${port} without resolving ${name} first is not covered by the name`, /connect: Permission denied/.test(bare.out) ? null : `${bare.out}${bare.err}`));
  } finally { server.close(); }
  return out;
}

const OPEN = `#include <kitsune.h>
#include <errno.h>
int main(int argc, char **argv) {
  FILE *f = fopen(argv[1], "r");
  printf(f ? "opened\\n" : "refused: %s\\n", strerror(errno));
  return 0;
}
`;

async function hints(c: Ctx): Promise<Attempt[]> {
  const out: Attempt[] = [];
  // --net: the advised flag is never one of those given, for every spelling of a given rule.
  const given = ['[::ffff:127.0.0.1]:8080', '[0:0:0:0:0:0:0:1]:8080', '[::0:1]:9090', '127.0.0.1:7070', 'localhost:6060', ':5050'];
  // A rule's address and port in one spelling, to compare the hint with what was given.
  const ruleKey = (spec: string) => { const m = /^\[([^\]]+)\]:(\d+)$/.exec(spec) ?? /^([^:]*):(\d+)$/.exec(spec); return m ? `${m[1] ? canonicalHost(m[1]) : '*'}:${m[2]}` : spec; };
  const canon = new Set(given.map(ruleKey));
  const tries: [string, number][] = [['127.0.0.1', 8081], ['::ffff:127.0.0.1', 8081], ['::1', 9091], ['0:0:0:0:0:0:0:1', 8081], ['127.0.0.2', 7070], ['10.0.0.1', 8080]];
  for (const [host, port] of tries) {
    const msgs: string[] = [];
    const sb = new Sandbox({ net: given }, (r) => msgs.push(r.message));
    const allowed = sb.allowNet('connect to', host, port);
    const advised = /run with --net=(\S+)/.exec(msgs[0] ?? '')?.[1] ?? '';
    out.push(attempt(`connect to ${host}:${port}: the hint is not a given rule`, allowed ? 'allowed' : !advised ? `no hint: ${msgs[0]}` : canon.has(ruleKey(advised)) ? `advised --net=${advised}` : null));
  }
  // --dir: a symlink in a granted directory that leads out is refused, and the hint is not the granted directory.
  const wasm = path.join(c.work, 'open.wasm');
  fs.writeFileSync(wasm, await buildCached({ source: OPEN, file: 'open.c', name: 'open' }));
  const grant = fs.mkdtempSync(path.join(c.work, 'grant-'));
  fs.symlinkSync('/etc/hostname', path.join(grant, 'out'));
  fs.mkdirSync(path.join(grant, 'sub'));
  fs.symlinkSync('../../', path.join(grant, 'sub', 'up'));
  for (const target of [path.join(grant, 'out'), path.join(grant, 'sub', 'up', 'v1.wasm'), path.join(grant, '..', 'v1.wasm')]) {
    const r = await cli(['run', '--dir', grant, wasm, target], c);
    const hint = /run with --dir=(\S+)/.exec(r.err)?.[1];
    const problem = !/refused: Permission denied/.test(r.out) ? `not refused: ${r.out}` : !hint ? `no hint: ${r.err}` : (hint === grant || hint.startsWith(grant + '/')) ? `advised --dir=${hint}, inside the grant` : null;
    out.push(attempt(`open ${path.relative(c.work, target)}: refused, with a hint outside the grant`, problem));
  }
  return out;
}

async function smallRefusals(c: Ctx): Promise<Attempt[]> {
  const out: Attempt[] = [];
  for (const t of ['abc', '0', '-5', '1e3', '2147483648', '']) {
    out.push(attempt(`update --timeout ${JSON.stringify(t)}`, cleanFailure(await cli(['update', '--timeout', t, '999999', c.v2], c), /--timeout .*expected a whole number of milliseconds|expects a value/)));
  }
  for (const n of [':99999', ':0', ':65536', '[zz]:80', '[::1]:', 'a b:80', '1.2.3:80', 'host:80:90', ':']) {
    out.push(attempt(`run --net=${n}`, cleanFailure(await cli(['run', `--net=${n}`, c.v1, '3', '0'], c), /--net=.*expected HOST:PORT entries/)));
  }
  // An update asked of a program that has exited: no "the old version keeps running".
  const proc = await KitsuneProcess.start(new Uint8Array(fs.readFileSync(c.v1)), { args: ['2', '0'], stdout: () => {}, stderr: () => {} });
  await proc.exited;
  const text = formatResult(await proc.update(new Uint8Array(fs.readFileSync(c.v2))));
  out.push(attempt('update after exit: says the program exited, not that the old version runs', /the program has exited/.test(text) && !/keeps running/.test(text) ? null : text));
  // Deep nesting in .xf bodies and preambles: a syntax error at the brace, never a stack overflow.
  const v1 = new Uint8Array(fs.readFileSync(c.v1));
  for (const depth of [300, 5000, 100000]) {
    for (const where of ['body', 'preamble'] as const) {
      const nest = '{'.repeat(depth) + '}'.repeat(depth);
      const xf = where === 'body' ? `typed -> typed: { $out = $in; ${nest} }\n` : `{ ${nest} }\ntyped -> typed: { $out = $in; }\n`;
      let problem: string | null = 'parsed';
      try { parseXf(xf, 'deep.xf'); } catch (e) {
        const err = e as Error & { code?: string };
        problem = err.name === 'XfSyntaxError' && err.code === 'E_XF_SYNTAX' && /nests the (body|preamble) 257 blocks deep; at most 256/.test(err.message) ? null : `${err.name}: ${err.message.slice(0, 200)}`;
      }
      out.push(attempt(`${depth} nested braces in a .xf ${where}`, problem));
    }
  }
  // And through the compiler, as `kitsune build --xf` meets it.
  try {
    await build({ sources: [{ path: 'counter.c', text: COUNTER }], name: 'prog', defines: ['STRESS', 'VERSION=2'], from: v1, xf: { path: 'deep.xf', text: `typed -> typed: { $out = $in; ${'{'.repeat(5000)}${'}'.repeat(5000)} }\n` } });
    out.push(attempt('5000 nested braces through build()', 'built'));
  } catch (e) {
    const err = e as Error & { code?: string };
    out.push(attempt('5000 nested braces through build()', err.code === 'E_XF_SYNTAX' && /deep\.xf:1:\d+: .*257 blocks deep/.test(err.message) ? null : `${err.name} ${err.code}: ${err.message.slice(0, 200)}`));
  }
  return out;
}

// ---- holes 1-4: the file grants ------------------------------------------------

/** A granted directory and an outside one next to it, under the attacks' temp directory. */
function fileLayout(c: Ctx, name: string): { granted: string; outside: string } {
  const base = fs.realpathSync(fs.mkdtempSync(path.join(c.tmp, `${name}-`)));
  const granted = path.join(base, 'granted'), outside = path.join(base, 'outside');
  fs.mkdirSync(granted);
  fs.mkdirSync(outside);
  return { granted, outside };
}

async function wasmOf(c: Ctx, name: string, source: string): Promise<string> {
  const p = path.join(c.work, `${name}.wasm`);
  fs.writeFileSync(p, await buildCached({ source, file: `${name}.c`, name }));
  return p;
}

const CREATE_THROUGH = `#include <kitsune.h>
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
int main(int argc, char **argv) {
  static const int modes[] = { O_CREAT | O_WRONLY, O_CREAT | O_WRONLY | O_TRUNC, O_CREAT | O_EXCL | O_WRONLY, O_CREAT | O_RDWR | O_APPEND };
  for (int i = 2; i < argc; i++) for (int m = 0; m < 4; m++) {
    char p[512]; snprintf(p, sizeof p, "%s/%s", argv[1], argv[i]);
    int fd = open(p, modes[m], 0644);
    printf("%s %d: %s\\n", argv[i], m, fd >= 0 ? "created" : strerror(errno));
    if (fd >= 0) { write(fd, "pwned", 5); close(fd); }
  }
  return 0;
}
`;

async function danglingLinks(c: Ctx): Promise<Attempt[]> {
  const { granted, outside } = fileLayout(c, 'dangling');
  const wasm = await wasmOf(c, 'create-through', CREATE_THROUGH);
  fs.symlinkSync(path.join(outside, 'abs'), path.join(granted, 'abs'));
  fs.symlinkSync('../outside/rel', path.join(granted, 'rel'));
  fs.symlinkSync(path.join(outside, 'hop-target'), path.join(granted, 'hop'));
  fs.symlinkSync('hop', path.join(granted, 'chain'));
  fs.symlinkSync(path.join(outside, 'no-dir', 'x'), path.join(granted, 'deep'));
  fs.symlinkSync('/proc/self/cwd/escape', path.join(granted, 'proc'));
  const names = ['abs', 'rel', 'chain', 'deep', 'proc'];
  const r = await cli(['run', `--dir=${granted}`, wasm, granted, ...names], c);
  const out: Attempt[] = [];
  for (const n of names) for (let m = 0; m < 4; m++) {
    out.push(attempt(`open(O_CREAT) mode ${m} through a dangling link "${n}"`, new RegExp(`^${n} ${m}: Permission denied$`, 'm').test(r.out) ? null : `said ${JSON.stringify(r.out.split('\n').find((l) => l.startsWith(`${n} ${m}:`)))}`));
  }
  const made = fs.readdirSync(outside);
  out.push(attempt('nothing created outside the grant', made.length ? `created ${made.join(', ')}` : null));
  out.push(attempt('nothing created through /proc/self/cwd', fs.existsSync(path.join(c.work, 'escape')) ? 'created' : null));
  return out;
}

const RACE_OPENS = `#include <kitsune.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
int main(int argc, char **argv) {
  int n = atoi(argv[2]);
  char data[512], fresh[512], sub[512];
  snprintf(data, sizeof data, "%s/sub/data", argv[1]);
  snprintf(fresh, sizeof fresh, "%s/sub/fresh", argv[1]);
  snprintf(sub, sizeof sub, "%s/sub", argv[1]);
  long inside = 0, outside = 0, listed = 0, listed_out = 0;
  for (int i = 0; i < n; i++) {
    int fd = open(data, O_RDONLY);
    if (fd >= 0) { char b[16] = {0}; read(fd, b, 15); close(fd); if (!strncmp(b, "OUTSIDE", 7)) outside++; else inside++; }
    if (i % 10 == 0) {
      fd = open(fresh, O_CREAT | O_WRONLY | O_TRUNC, 0644);
      if (fd >= 0) { close(fd); unlink(fresh); }
      DIR *d = opendir(sub);
      if (d) { listed++; for (struct dirent *e; (e = readdir(d));) if (!strcmp(e->d_name, "outside-marker")) listed_out++; closedir(d); }
    }
  }
  printf("inside %ld outside %ld listed %ld listed_out %ld\\n", inside, outside, listed, listed_out);
  return 0;
}
`;

async function swapRace(c: Ctx): Promise<Attempt[]> {
  const { granted, outside } = fileLayout(c, 'race');
  const wasm = await wasmOf(c, 'race-opens', RACE_OPENS);
  const sub = path.join(granted, 'sub');
  fs.mkdirSync(sub);
  fs.writeFileSync(path.join(sub, 'data'), 'inside\n');
  fs.writeFileSync(path.join(outside, 'data'), 'OUTSIDE\n');
  fs.writeFileSync(path.join(outside, 'outside-marker'), '');
  const link = path.join(granted, 'swap-link'), stopFile = path.join(granted, '..', 'stop');
  fs.symlinkSync(outside, link);
  const script = `const fs=require('fs');const [s,a,l,stop]=process.argv.slice(1);let n=0;for(;;){fs.renameSync(s,a);fs.renameSync(l,s);fs.renameSync(s,l);fs.renameSync(a,s);n++;if(n%64===0&&fs.existsSync(stop))break;}process.stdout.write(String(n));`;
  const swapper = spawn(process.execPath, ['-e', script, sub, path.join(granted, 'aside'), link, stopFile]);
  let swaps = '';
  swapper.stdout.on('data', (d) => (swaps += d));
  const swapped = new Promise((r) => swapper.on('exit', r));
  const opens = c.quick ? 5000 : 20000;
  let r;
  try { r = await cli(['run', `--dir=${granted}`, wasm, granted, String(opens)], c, undefined, 600000); } finally { fs.writeFileSync(stopFile, ''); await swapped; }
  const m = /inside (\d+) outside (\d+) listed (\d+) listed_out (\d+)/.exec(r.out);
  if (!m) return [attempt(`${opens} opens while the directory is swapped`, `no result: ${r.out.slice(0, 300)} ${r.err.slice(0, 300)}`)];
  const [inside, escaped, listed, listedOut] = m.slice(1).map(Number);
  const fresh = fs.readdirSync(outside).filter((x) => x !== 'data' && x !== 'outside-marker');
  return [
    attempt(`${opens} opens while another process swapped the directory ${swaps} times: none read the outside file`, escaped ? `${escaped} read it (${inside} inside)` : Number(swaps) < 100 ? `only ${swaps} swaps` : null),
    attempt(`${opens / 10} listings: none showed the outside directory`, listedOut ? `${listedOut} of ${listed} did` : null),
    attempt(`${opens / 10} creations with O_TRUNC: none outside`, fresh.length ? `created ${fresh.join(', ')}` : null),
  ];
}

const LIST_ROOT = `#include <kitsune.h>
#include <dirent.h>
#include <errno.h>
#include <wasi/api.h>
int main(int argc, char **argv) {
  DIR *d = fdopendir(3);
  printf("fdopendir:");
  if (d) for (struct dirent *e; (e = readdir(d));) printf(" %s", e->d_name);
  uint8_t buf[8192]; __wasi_size_t used = 0;
  printf("\\nfd_readdir %d:", __wasi_fd_readdir(3, buf, sizeof buf, 0, &used));
  for (size_t off = 0; off + sizeof(__wasi_dirent_t) <= used;) { __wasi_dirent_t e; memcpy(&e, buf + off, sizeof e); off += sizeof e; printf(" %.*s", (int)e.d_namlen, (char *)buf + off); off += e.d_namlen; }
  for (int i = 1; i < argc; i++) { DIR *x = opendir(argv[i]); printf("\\nopendir %s: %s", argv[i], x ? "listed" : strerror(errno)); }
  printf("\\n");
  return 0;
}
`;

async function listRoot(c: Ctx): Promise<Attempt[]> {
  const wasm = await wasmOf(c, 'list-root', LIST_ROOT);
  const { granted } = fileLayout(c, 'listroot');
  const out: Attempt[] = [];
  for (const grant of [[], [`--dir=${granted}`]]) {
    const r = await cli(['run', ...grant, wasm, '/', '/etc', '/proc', '.', '/tmp'], c);
    const allowed = new Set(['.', '..', ...(grant.length ? [granted.split('/')[1]] : [])]);
    for (const how of ['fdopendir', 'fd_readdir 0']) {
      const line = r.out.split('\n').find((l) => l.startsWith(`${how}:`));
      const names = line?.slice(how.length + 1).trim().split(' ').filter(Boolean) ?? [];
      const extra = names.filter((x) => !allowed.has(x));
      out.push(attempt(`${how} on the root preopen, ${grant.length ? 'one grant' : 'no grant'}`, !line ? `no listing: ${r.out.slice(0, 200)}` : extra.length ? `listed ${extra.join(' ')}` : null));
    }
    for (const p of ['/', '/etc', '/proc', '/tmp']) {
      out.push(attempt(`opendir ${p}, ${grant.length ? 'one grant' : 'no grant'}`, new RegExp(`^opendir ${p}: Permission denied$`, 'm').test(r.out) ? null : r.out.split('\n').find((l) => l.startsWith(`opendir ${p}:`)) ?? 'no answer'));
    }
  }
  return out;
}

const WRITE_LINK = `#include <kitsune.h>
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
int main(int argc, char **argv) {
  static const int modes[] = { O_WRONLY, O_RDWR, O_WRONLY | O_TRUNC, O_WRONLY | O_APPEND, O_CREAT | O_WRONLY, O_CREAT | O_RDWR | O_TRUNC };
  for (int m = 0; m < 6; m++) {
    int fd = open(argv[1], modes[m], 0644);
    printf("mode %d: %s\\n", m, fd >= 0 ? "opened" : strerror(errno));
    if (fd >= 0) { write(fd, "pwned", 5); close(fd); }
  }
  FILE *f = fopen(argv[1], "r+");
  printf("fopen r+: %s\\n", f ? "opened" : strerror(errno));
  f = fopen(argv[1], "a");
  printf("fopen a: %s\\n", f ? "opened" : strerror(errno));
  return 0;
}
`;

async function hardLinks(c: Ctx): Promise<Attempt[]> {
  const wasm = await wasmOf(c, 'write-link', WRITE_LINK);
  const { granted, outside } = fileLayout(c, 'hardlink');
  const victim = path.join(outside, 'victim');
  fs.writeFileSync(victim, 'precious');
  const link = path.join(granted, 'linked');
  fs.linkSync(victim, link);
  const r = await cli(['run', `--dir=${granted}`, wasm, link], c);
  const out: Attempt[] = [];
  for (let m = 0; m < 6; m++) out.push(attempt(`open mode ${m} on a hard link to a file outside`, new RegExp(`^mode ${m}: Permission denied$`, 'm').test(r.out) ? null : r.out.split('\n').find((l) => l.startsWith(`mode ${m}:`)) ?? 'no answer'));
  for (const f of ['r+', 'a']) out.push(attempt(`fopen "${f}" on the hard link`, new RegExp(`^fopen ${f.replace('+', '\\+')}: Permission denied$`, 'm').test(r.out) ? null : r.out));
  out.push(attempt('the outside file is untouched', fs.readFileSync(victim, 'utf8') === 'precious' ? null : 'written'));
  return out;
}

// ---- hole 5: the program names its next version ------------------------------------

const NAMES_NEXT = `#include <kitsune.h>
int main(int argc, char **argv) {
  kitsune_set_next_version(argv[1] + 1); kitsune_signal_update();   /* "@PATH": not a version on the command line */
  kitsune_update("once");
  printf("still v1\\n");
  return 3;
}
`;

async function namedVersions(c: Ctx): Promise<Attempt[]> {
  const wasm = await wasmOf(c, 'names-next', NAMES_NEXT);
  const { granted, outside } = fileLayout(c, 'named');
  const secret = path.join(outside, 'shadow');
  fs.writeFileSync(secret, 'root:$6$secret\n'.repeat(1000));
  fs.chmodSync(secret, 0o600);
  const elsewhere = path.join(outside, 'v2.wasm');
  fs.copyFileSync(c.v2, elsewhere);
  fs.symlinkSync(elsewhere, path.join(granted, 'out.wasm'));
  fs.symlinkSync(secret, path.join(granted, 'shadow.wasm'));
  const out: Attempt[] = [];
  for (const p of [secret, '/etc/shadow', '/etc/passwd', '/dev/zero', '/dev/urandom', elsewhere, path.join(granted, 'out.wasm'), path.join(granted, 'shadow.wasm'), `${granted}/../outside/v2.wasm`, path.join(outside, 'missing')]) {
    const t = Date.now();
    const r = await cli(['run', `--dir=${granted}`, wasm, `@${p}`], c, undefined, 20000);
    const text = r.out + r.err;
    const problem = r.hung ? 'hung' : r.code !== 3 ? `exit ${r.code}: ${text.slice(-300)}` : !/refused \(EACCES\): a version the program names is read only from under its --dir grants/.test(text) ? `said ${text.slice(-300)}` : /no such file|larger|MiB|bytes|device|not a valid|root:|permission denied/i.test(text.replace(/Permission denied/g, '')) ? `told something of the file: ${text.slice(-300)}` : Date.now() - t > 15000 ? 'slow' : null;
    out.push(attempt(`the program names ${p}`, problem));
  }
  return out;
}

// ---- hole 9: output backpressure ------------------------------------------------

const FLOOD = `#include <kitsune.h>
#include <stdint.h>
int main(int argc, char **argv) {
  long mb = atol(argv[1]);
  static uint32_t block[16384];
  uint32_t next = 0;
  for (long b = 0; b < mb * 16; b++) { kitsune_update("loop"); for (int i = 0; i < 16384; i++) block[i] = next++; fwrite(block, sizeof block, 1, stdout); }
  fflush(stdout);
  return 0;
}
`;

async function outputFlood(c: Ctx): Promise<Attempt[]> {
  const wasm = await wasmOf(c, 'flood', FLOOD);
  const mb = c.quick ? 100 : 300;
  const child = spawn(process.execPath, [CLI, 'run', wasm, String(mb)], { env: c.env, stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  child.stdout.pause();
  await sleep(1000);
  const base = rssKiB(child.pid!);
  await sleep(3000);
  const paused = rssKiB(child.pid!) - base;
  let bytes = 0, expect = 0, bad: string | null = null, carry = Buffer.alloc(0), peak = 0;
  const sampler = setInterval(() => { try { peak = Math.max(peak, rssKiB(child.pid!) - base); } catch { /* ended */ } }, 200);
  child.stdout.on('data', (d: Buffer) => {
    bytes += d.length;
    const buf = carry.length ? Buffer.concat([carry, d]) : d;
    const whole = buf.length - (buf.length % 4);
    for (let off = 0; off < whole && !bad; off += 4) { if (buf.readUInt32LE(off) !== expect) bad = `word ${expect} out of order`; expect = (expect + 1) >>> 0; }
    carry = Buffer.from(buf.subarray(whole));
    child.stdout.pause();
    setTimeout(() => child.stdout.resume(), 1);
  });
  child.stdout.resume();
  const code = await Promise.race([exited, sleep(300000).then(() => 'hung' as const)]);
  clearInterval(sampler);
  if (code === 'hung') child.kill('SIGKILL');
  return [
    attempt(`${mb} MB to a paused pipe: the runner holds it back`, paused < 64 * 1024 ? null : `grew by ${paused >> 10} MB while nothing was read`),
    attempt(`${mb} MB to a slow pipe: bounded over the run`, peak < 200 * 1024 ? null : `grew by ${peak >> 10} MB`),
    attempt(`${mb} MB to a slow pipe: every byte, in order`, code !== 0 ? `exit ${code}` : bad ?? (bytes !== mb << 20 ? `${bytes} bytes arrived` : null)),
  ];
}

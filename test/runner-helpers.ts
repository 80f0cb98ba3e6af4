// Shared by the control-channel tests: the real `kitsune run` and `kitsune
// update` processes, a temp directory standing in for /tmp (world-writable
// and sticky, as /tmp is, so that only kitsune's own modes protect what it
// puts there), another local user when the tests run as root, and raw
// requests on a control socket.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import net from 'node:net';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { buildC } from './helpers.js';

export const cli = fileURLToPath(new URL('../dist/cli/kitsune.js', import.meta.url));
const counterSource = fs.readFileSync(new URL('./programs/counter.c', import.meta.url), 'utf8');

/** A fresh directory like /tmp (mode 1777) to serve as TMPDIR, and the environment that points there. */
export function fakeTmp(name: string): { tmp: string; env: NodeJS.ProcessEnv } {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), `kitsune-${name}-`));
  fs.chmodSync(tmp, 0o1777);
  const env: NodeJS.ProcessEnv = { ...process.env, TMPDIR: tmp };
  delete env.XDG_RUNTIME_DIR;
  delete env.KITSUNE_VERBOSE;
  return { tmp, env };
}

let versions: Promise<{ v1: Uint8Array; v2: Uint8Array }> | undefined;
/** test/programs/counter.c as v1 and v2 (built --from v1), written to `dir`. */
export async function counterVersions(dir: string): Promise<{ v1: string; v2: string }> {
  versions ??= (async () => {
    const v1 = await buildC(counterSource, { defines: ['VERSION=1'] });
    const v2 = await buildC(counterSource, { defines: ['VERSION=2'], from: v1 });
    return { v1, v2 };
  })();
  const { v1, v2 } = await versions;
  const p1 = path.join(dir, 'v1.wasm'), p2 = path.join(dir, 'v2.wasm');
  fs.writeFileSync(p1, v1);
  fs.writeFileSync(p2, v2);
  fs.chmodSync(dir, 0o755);
  return { v1: p1, v2: p2 };
}

export interface Runner {
  child: ChildProcess;
  pid: number;
  out(): string;
  /** Resolves once the runner's output matches `re`; rejects on timeout or exit. */
  until(re: RegExp, ms?: number): Promise<void>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** `kitsune run ARGS` as a real process; with `umask`, started through a shell that sets it first. */
export function startRunner(args: string[], opts: { env: NodeJS.ProcessEnv; cwd?: string; umask?: string; stdio?: 'pipe' }): Runner {
  const child = opts.umask !== undefined
    ? spawn('/bin/sh', ['-c', `umask ${opts.umask} && exec "$0" "$@"`, process.execPath, cli, 'run', ...args], { env: opts.env, cwd: opts.cwd })
    : spawn(process.execPath, [cli, 'run', ...args], { env: opts.env, cwd: opts.cwd });
  let text = '';
  const waiters = new Set<() => void>();
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => { resolve({ code, signal }); waiters.forEach((w) => w()); }));
  let done = false;
  void exited.then(() => { done = true; });
  const feed = (d: Buffer) => { text += d; waiters.forEach((w) => w()); };
  child.stdout!.on('data', feed);
  child.stderr!.on('data', feed);
  const until = (re: RegExp, ms = 20000) => new Promise<void>((resolve, reject) => {
    const check = () => {
      if (re.test(text)) { finish(); resolve(); } else if (done) { finish(); reject(new Error(`the runner exited while waiting for ${re}; its output:\n${text}`)); }
    };
    const timer = setTimeout(() => { finish(); reject(new Error(`timed out waiting for ${re}; the runner's output:\n${text}`)); }, ms);
    const finish = () => { clearTimeout(timer); waiters.delete(check); };
    waiters.add(check);
    check();
  });
  return { child, pid: child.pid!, out: () => text, until, exited };
}

/** `kitsune ARGS` to its end; killed after `timeoutMs` (default 60 s), and then its code is null and its output says so. */
export function kitsune(args: string[], opts: { env: NodeJS.ProcessEnv; cwd?: string; uid?: number; gid?: number; timeoutMs?: number }): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [cli, ...args], { env: opts.env, cwd: opts.cwd, uid: opts.uid, gid: opts.gid });
    let out = '';
    const timer = setTimeout(() => { out += `\n(test: kitsune ${args.join(' ')} hung; killed after ${opts.timeoutMs ?? 60000} ms)`; p.kill('SIGKILL'); }, opts.timeoutMs ?? 60000);
    p.stdout.on('data', (d) => (out += d));
    p.stderr.on('data', (d) => (out += d));
    p.on('exit', (code) => { clearTimeout(timer); resolve({ code, out }); });
  });
}

/**
 * Another local user, created on first use (tests run as root in CI); null
 * when not root: the tests that need one say they skip that part.
 */
export function otherUser(): { uid: number; gid: number; name: string } | null {
  if (process.getuid?.() !== 0) return null;
  const name = 'kitsune-other';
  if (spawnSync('id', ['-u', name]).status !== 0) {
    const r = spawnSync('useradd', ['--system', '--no-create-home', '--shell', '/usr/sbin/nologin', name], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`useradd ${name} failed: ${r.stderr}`);
  }
  const id = (flag: string) => Number(spawnSync('id', [flag, name], { encoding: 'utf8' }).stdout.trim());
  return { uid: id('-u'), gid: id('-g'), name };
}

/** Whether `user` can read `file`: a checkout inside a private folder (mktemp -d is 0700) keeps even kitsune from another user. */
export function readableBy(user: { uid: number; gid: number }, file: string): boolean {
  return spawnSync('test', ['-r', file], { uid: user.uid, gid: user.gid }).status === 0;
}

/**
 * Connects to `socket` and sends `line` (as another user with `as`, from a
 * child process); resolves with the reply, or with the connection's error code.
 */
export function rawRequest(socket: string, line: string, as?: { uid: number; gid: number }): Promise<string> {
  if (!as) {
    return new Promise((resolve) => {
      const s = net.connect(socket);
      let reply = '';
      s.on('connect', () => s.end(line));
      s.on('data', (d) => (reply += d));
      s.on('end', () => resolve(reply.trim()));
      s.on('error', (e: NodeJS.ErrnoException) => resolve(reply.trim() || (e.code ?? e.message)));
    });
  }
  const script = `const s=require('net').connect(process.argv[1]);let r='';s.on('connect',()=>s.end(process.argv[2]));s.on('data',d=>r+=d);s.on('end',()=>{console.log(r.trim());});s.on('error',e=>console.log(r.trim()||e.code))`;
  const r = spawnSync(process.execPath, ['-e', script, socket, line], { uid: as.uid, gid: as.gid, encoding: 'utf8', cwd: '/' });
  return Promise.resolve(r.stdout.trim() || r.stderr.trim());
}

/** Resident memory of a process, in KiB (Linux). */
export function rssKiB(pid: number): number {
  const line = fs.readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((l) => l.startsWith('VmRSS:'));
  return Number(line?.split(/\s+/)[1]);
}

/** The runner's default control path under `tmp` (no XDG_RUNTIME_DIR). */
export function defaultSocket(tmp: string, pid: number): string {
  return path.join(tmp, `kitsune-${process.getuid?.() ?? 'user'}`, `kitsune-${pid}.sock`);
}

export const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

// Whose path the control socket may take (issue 11, hole 7), through real
// `kitsune run` processes: a regular file given to --control is an error and
// stays; a live runner keeps its socket from a second one; only a stale
// socket of our own is replaced; another user's socket is neither removed nor
// taken over, nor talked to; a squatted default path ends the runner with a
// clear error before the program starts.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { fakeTmp, counterVersions, startRunner, kitsune, otherUser, cli, defaultSocket } from './runner-helpers.js';

const { tmp, env } = fakeTmp('control-paths');
const work = path.join(tmp, 'work');
fs.mkdirSync(work);
const noTrace = (out: string, what: string) => assert.not.match(out, /internal error|    at |EADDRINUSE/, what);

test('--control naming a regular file: a clear error, and the file is left as it was', async () => {
  const { v1 } = await counterVersions(work);
  const file = path.join(work, 'notes.txt');
  fs.writeFileSync(file, 'keep me\n');
  const r = await kitsune(['run', '--control', file, v1, '3', '0'], { env });
  assert.is(r.code, 1, r.out);
  assert.match(r.out, /the path is taken by a regular file; kitsune removes only a stale socket of its own, never anything else/);
  assert.not.match(r.out, /v1 n=/, 'the program did not start');
  noTrace(r.out, 'regular file');
  assert.is(fs.readFileSync(file, 'utf8'), 'keep me\n');
});

test('a second runner on a live runner\'s --control path: a clear error; the first keeps its socket and its updates', async () => {
  const { v1, v2 } = await counterVersions(work);
  const sock = path.join(work, 'live.sock');
  const first = startRunner(['--control', sock, v1, '100000', '50000'], { env });
  try {
    await first.until(/v1 n=2 /);
    const ino = fs.lstatSync(sock).ino;
    const second = await kitsune(['run', '--control', sock, v1, '3', '0'], { env });
    assert.is(second.code, 1, second.out);
    assert.match(second.out, /another runner \(or some other server\) is listening there/);
    noTrace(second.out, 'live socket');
    assert.is(fs.lstatSync(sock).ino, ino, 'the socket is the first runner\'s still');
    const u = await kitsune(['update', sock, v2], { env });
    assert.is(u.code, 0, u.out);
    await first.until(/v2 n=\d+ /);
  } finally { first.child.kill('SIGINT'); await first.exited; }
  assert.not.ok(fs.existsSync(sock), 'the first runner removed its socket when it ended');
});

test('a stale socket of our own (its runner was killed) is replaced by the next runner', async () => {
  const { v1, v2 } = await counterVersions(work);
  const sock = path.join(work, 'stale.sock');
  const dead = startRunner(['--control', sock, v1, '100000', '50000'], { env });
  await dead.until(/v1 n=1 /);
  dead.child.kill('SIGKILL');
  await dead.exited;
  assert.ok(fs.lstatSync(sock).isSocket(), 'SIGKILL left the socket behind');
  const next = startRunner(['--control', sock, v1, '100000', '50000'], { env });
  try {
    await next.until(/v1 n=2 /);
    const u = await kitsune(['update', sock, v2], { env });
    assert.is(u.code, 0, u.out);
  } finally { next.child.kill('SIGINT'); await next.exited; }
});

test('another user\'s socket on the path is neither removed nor taken over, and kitsune update will not talk to it', async () => {
  const other = otherUser();
  if (!other) { console.log('  (skipped: not running as root, so no second user can be made)'); return; }
  const { v1, v2 } = await counterVersions(work);
  // The other user listens in the shared, sticky directory (as in /tmp); its server records what it receives.
  const sock = path.join(tmp, `theirs-${process.pid}.sock`);
  const log = path.join(tmp, `theirs-${process.pid}.log`);
  const script = `const fs=require('fs');const s=require('net').createServer(c=>c.on('data',d=>fs.appendFileSync(process.argv[2],d)));s.listen(process.argv[1],()=>{fs.chmodSync(process.argv[1],0o777);console.log('up')});setTimeout(()=>process.exit(0),20000)`;
  const theirs = spawn(process.execPath, ['-e', script, sock, log], { uid: other.uid, gid: other.gid, cwd: '/' });
  try {
    await new Promise<void>((resolve) => theirs.stdout.once('data', () => resolve()));
    const ino = fs.lstatSync(sock).ino;
    const r = await kitsune(['run', '--control', sock, v1, '3', '0'], { env });
    assert.is(r.code, 1, r.out);
    assert.match(r.out, new RegExp(`the socket there belongs to uid ${other.uid}, not to you .*neither takes over nor removes another user's socket`));
    noTrace(r.out, 'other user');
    assert.is(fs.lstatSync(sock).ino, ino, 'their socket is still there');
    const u = await kitsune(['update', sock, v2], { env });
    assert.is(u.code, 1, u.out);
    assert.match(u.out, new RegExp(`belongs to uid ${other.uid}, not to you .*talks only to your own runners`));
    assert.not.ok(fs.existsSync(log), 'nothing was sent to the impostor');
  } finally { theirs.kill('SIGKILL'); }
});

test('a squatted default path ends the runner with a clear error before the program starts, and stays', async () => {
  const { v1 } = await counterVersions(work);
  const dir = path.dirname(defaultSocket(tmp, 1));
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  // The shell's pid is the runner's after exec: a file is put at that pid's default path first.
  const squat = spawn('/bin/sh', ['-c', `printf squat > "${dir}/kitsune-$$.sock" && exec "$0" "$@"`, process.execPath, cli, 'run', v1, '3', '0'], { env });
  let out = '';
  squat.stdout.on('data', (d) => (out += d));
  squat.stderr.on('data', (d) => (out += d));
  const code = await new Promise((r) => squat.on('exit', r));
  assert.is(code, 1, out);
  assert.match(out, new RegExp(`the control socket ${dir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/kitsune-${squat.pid}\\.sock: the path is taken by a regular file`));
  assert.not.match(out, /v1 n=/);
  noTrace(out, 'squatted');
  assert.is(fs.readFileSync(path.join(dir, `kitsune-${squat.pid}.sock`), 'utf8'), 'squat');
});

test.run();

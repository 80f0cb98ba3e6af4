// The control socket is the owner's alone (issue 11, hole 6), tried through
// real `kitsune run` and `kitsune update` processes: a private directory at
// 0700 and the socket at 0600 whatever the umask, another local user shut
// out, a squatted directory refused, bad requests answered with a clear error,
// an endless request line cut off without growing the runner.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import path from 'node:path';
import net from 'node:net';
import { fakeTmp, counterVersions, startRunner, kitsune, otherUser, readableBy, cli, rawRequest, rssKiB, defaultSocket } from './runner-helpers.js';

const { tmp, env } = fakeTmp('control-socket');
const work = path.join(tmp, 'work');
fs.mkdirSync(work);
const me = process.getuid!();

test('under umask 000 the default socket is 0600 in a 0700 directory of the owner, and kitsune update PID reaches it', async () => {
  const { v1, v2 } = await counterVersions(work);
  const r = startRunner([v1, '100000', '50000'], { env, umask: '000' });
  try {
    await r.until(/v1 n=3 /);
    const sock = defaultSocket(tmp, r.pid);
    const dir = fs.lstatSync(path.dirname(sock)), st = fs.lstatSync(sock);
    assert.ok(dir.isDirectory());
    assert.is(dir.uid, me);
    assert.is((dir.mode & 0o777).toString(8), '700');
    assert.ok(st.isSocket());
    assert.is(st.uid, me);
    assert.is((st.mode & 0o777).toString(8), '600');
    const u = await kitsune(['update', String(r.pid), v2], { env });
    assert.is(u.code, 0, u.out);
    await r.until(/v2 n=\d+ /);
  } finally { r.child.kill('SIGKILL'); await r.exited; }
});

test('with XDG_RUNTIME_DIR set to a private directory, the socket goes under it', async () => {
  const { v1 } = await counterVersions(work);
  const xdg = fs.mkdtempSync(path.join(tmp, 'xdg-'));
  const r = startRunner([v1, '100000', '50000'], { env: { ...env, XDG_RUNTIME_DIR: xdg } });
  try {
    await r.until(/v1 n=2 /);
    const sock = path.join(xdg, 'kitsune', `kitsune-${r.pid}.sock`);
    assert.ok(fs.lstatSync(sock).isSocket(), 'socket under $XDG_RUNTIME_DIR/kitsune');
  } finally { r.child.kill('SIGINT'); await r.exited; }
  assert.not.ok(fs.existsSync(path.join(xdg, 'kitsune', `kitsune-${r.pid}.sock`)), 'removed when the runner ended');
});

test('another local user can neither connect nor update, even where the runner was started under umask 000', async () => {
  const other = otherUser();
  if (!other) { console.log('  (another-user part skipped: not running as root, so no second user can be made)'); return; }
  if (!readableBy(other, cli)) { console.log(`  (another-user part skipped: ${other.name} cannot read ${cli}, the checkout lies in a private folder)`); return; }
  const { v1, v2 } = await counterVersions(work);
  // Both the default path and a --control path in a world-writable sticky directory (like /tmp).
  const explicit = path.join(tmp, `ctl-${process.pid}.sock`);
  for (const args of [[], ['--control', explicit]]) {
    const r = startRunner([...args, v1, '100000', '50000'], { env, umask: '000' });
    try {
      await r.until(/v1 n=2 /);
      const sock = args.length ? explicit : defaultSocket(tmp, r.pid);
      const reply = await rawRequest(sock, JSON.stringify({ next: v2 }) + '\n', other);
      assert.is(reply, 'EACCES', `${sock}: another user's connect must fail with EACCES, got ${reply}`);
      const u = await kitsune(['update', args.length ? explicit : String(r.pid), v2], { env: { ...env, HOME: '/' }, uid: other.uid, gid: other.gid, cwd: '/' });
      assert.is.not(u.code, 0);
      assert.match(u.out, /permission denied|not to you|no kitsune runner listens/, u.out);
      assert.not.match(u.out, /update committed|    at /);
      await r.until(/v1 n=4 /);
      assert.not.match(r.out(), /v2 n=/, 'the program still runs v1');
    } finally { r.child.kill('SIGINT'); await r.exited; }
  }
});

test('a control directory someone else owns, a symlink, or one open to others is refused, untouched, with no stack trace', async () => {
  const { v1 } = await counterVersions(work);
  const other = otherUser();
  const cases: [string, (dir: string) => void, RegExp][] = [
    ['open to others', (d) => { fs.mkdirSync(d); fs.chmodSync(d, 0o777); }, /has mode 0777; a control directory must be the owner's alone/],
    ['a symlink', (d) => { fs.mkdirSync(d + '-target', { mode: 0o700 }); fs.symlinkSync(d + '-target', d); }, /is a symbolic link/],
  ];
  if (other) cases.push(['owned by another user', (d) => { fs.mkdirSync(d, { mode: 0o700 }); fs.chownSync(d, other.uid, other.gid); }, new RegExp(`belongs to uid ${other.uid}, not to you`)]);
  else console.log('  (owned-by-another-user case skipped: not running as root)');
  for (const [what, make, re] of cases) {
    const { tmp: t, env: e } = fakeTmp('squat');
    const dir = path.join(t, `kitsune-${me}`);
    make(dir);
    const before = fs.lstatSync(dir);
    const r = await kitsune(['run', v1, '3', '0'], { env: e });
    assert.is(r.code, 1, `${what}: ${r.out}`);
    assert.match(r.out, re, what);
    assert.not.match(r.out, /internal error|    at |v1 n=/, what);
    const after = fs.lstatSync(dir);
    assert.is(after.mode, before.mode, `${what}: mode untouched`);
    assert.is(after.uid, before.uid, `${what}: owner untouched`);
  }
});

test('bad requests get a clear error each, and the runner goes on to commit a good one', async () => {
  const { v1, v2 } = await counterVersions(work);
  const r = startRunner([v1, '100000', '50000'], { env });
  try {
    await r.until(/v1 n=2 /);
    const sock = defaultSocket(tmp, r.pid);
    const cases: [string, RegExp][] = [
      ['{"next":null}\n', /"next": expected the absolute path of the next version, found null/],
      ['not json\n', /the request is not JSON/],
      [`{"next":${JSON.stringify(v2)},"frobnicate":true}\n`, /unknown field "frobnicate"; a request has next, snapshot, timeoutMs/],
      ['[1,2]\n', /expected a JSON object .* found an array/],
      ['{"next":"v2.wasm"}\n', /expected the absolute path .* found "v2\.wasm"/],
      [`{"next":${JSON.stringify(v2)},"timeoutMs":"soon"}\n`, /"timeoutMs": expected a whole number of milliseconds/],
      [`{"next":${JSON.stringify(v2)},"snapshot":"yes"}\n`, /"snapshot": expected true or false/],
      [`{"next":${JSON.stringify(v2)}}`, /the connection ended before a full request line/],
    ];
    for (const [line, re] of cases) {
      const reply = JSON.parse(await rawRequest(sock, line));
      assert.is(reply.error, 'E_REQUEST', line);
      assert.match(reply.message, re, line);
    }
    const u = await kitsune(['update', String(r.pid), v2], { env });
    assert.is(u.code, 0, u.out);
    await r.until(/v2 n=\d+ /);
    assert.not.match(r.out(), /internal error|    at /);
  } finally { r.child.kill('SIGINT'); await r.exited; }
});

test('a request line over 64 KiB: an error, the connection closed, the runner not grown', async () => {
  const { v1, v2 } = await counterVersions(work);
  const r = startRunner([v1, '100000', '50000'], { env });
  try {
    await r.until(/v1 n=2 /);
    const sock = defaultSocket(tmp, r.pid);
    const before = rssKiB(r.pid);
    // 200 MB without a newline, as fast as the socket takes it.
    const reply = await new Promise<string>((resolve) => {
      const s = net.connect(sock);
      const chunk = Buffer.alloc(1 << 20, 0x78);
      let sent = 0, text = '';
      const pump = () => { while (sent < 200 && !s.destroyed) { sent++; if (!s.write(chunk)) { s.once('drain', pump); return; } } };
      s.on('connect', pump);
      s.on('data', (d) => (text += d));
      s.on('close', () => resolve(text));
      s.on('error', () => {});
    });
    const grown = rssKiB(r.pid) - before;
    assert.match(JSON.parse(reply).message, /the request line is longer than 65536 bytes/);
    assert.ok(grown < 32 * 1024, `the runner grew by ${grown} KiB`);
    const u = await kitsune(['update', String(r.pid), v2], { env });
    assert.is(u.code, 0, u.out);
  } finally { r.child.kill('SIGINT'); await r.exited; }
});

test.run();

// Reading the next version (issue 11, hole 8), through a real `kitsune run`:
// a FIFO, a device or a directory named in a request is refused by the runner
// at once, without a byte read and without holding up the update queued
// behind it; a file over the size cap is refused unread; each leaves v1
// running. `kitsune update` refuses the same paths itself before asking.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { fakeTmp, counterVersions, startRunner, kitsune, rawRequest, rssKiB, defaultSocket } from './runner-helpers.js';

const { tmp, env } = fakeTmp('control-read');
const work = path.join(tmp, 'work');
fs.mkdirSync(work);
const ask = (sock: string, next: string) => rawRequest(sock, JSON.stringify({ next }) + '\n').then((r) => JSON.parse(r));

test('a request naming a FIFO is refused at once, and the update queued behind it commits', async () => {
  const { v1, v2 } = await counterVersions(work);
  const fifo = path.join(work, 'next.fifo');
  assert.is(spawnSync('mkfifo', [fifo]).status, 0, 'mkfifo');
  const r = startRunner([v1, '100000', '50000'], { env });
  try {
    await r.until(/v1 n=2 /);
    const sock = defaultSocket(tmp, r.pid);
    const t = Date.now();
    // Both at once: the second is queued behind the first in the runner.
    const [bad, good] = await Promise.all([ask(sock, fifo), ask(sock, v2)]);
    assert.is(bad.outcome, 'refused');
    assert.is(bad.stage, 'read');
    assert.is(bad.code, 'E_READ');
    assert.is(bad.reason, `${fifo}: expected a regular file, found a FIFO`);
    assert.is(good.outcome, 'committed', JSON.stringify(good));
    assert.ok(Date.now() - t < 10000, `took ${Date.now() - t} ms`);
    await r.until(/v2 n=\d+ /);
    const u = await kitsune(['update', String(r.pid), fifo], { env, timeoutMs: 15000 });
    assert.is(u.code, 1, u.out);
    assert.match(u.out, /next\.fifo: expected a regular file, found a FIFO/);
  } finally { r.child.kill('SIGINT'); await r.exited; }
});

test('devices and a directory are refused without being read; the runner does not grow', async () => {
  const { v1 } = await counterVersions(work);
  const r = startRunner([v1, '100000', '50000'], { env });
  try {
    await r.until(/v1 n=2 /);
    const sock = defaultSocket(tmp, r.pid);
    const before = rssKiB(r.pid);
    for (const [p, found] of [['/dev/zero', 'expected a regular file, found a character device'], ['/dev/urandom', 'expected a regular file, found a character device'], [work, 'expected a file, found a directory']]) {
      const reply = await ask(sock, p);
      assert.is(reply.outcome, 'refused', p);
      assert.is(reply.reason, `${p}: ${found}`);
    }
    assert.ok(rssKiB(r.pid) - before < 32 * 1024, `grew by ${rssKiB(r.pid) - before} KiB`);
    await r.until(/v1 n=\d+ [^]*v1 n=\d+ /);
    assert.match(r.out(), /kitsune: update refused at stage read: \/dev\/zero: expected a regular file, found a character device\nthe old version \([0-9a-f]+\) keeps running/);
    assert.not.match(r.out(), /internal error|    at /);
  } finally { r.child.kill('SIGINT'); await r.exited; }
});

test('a file over the 256 MiB cap is refused unread, its size not shown', async () => {
  const { v1 } = await counterVersions(work);
  const big = path.join(work, 'big.wasm');
  fs.writeFileSync(big, '');
  fs.truncateSync(big, 300 * 1024 * 1024 + 7); // sparse: no disk used
  const r = startRunner([v1, '100000', '50000'], { env });
  try {
    await r.until(/v1 n=2 /);
    const before = rssKiB(r.pid);
    const reply = await ask(defaultSocket(tmp, r.pid), big);
    assert.is(reply.outcome, 'refused');
    assert.is(reply.reason, `${big}: expected at most 256 MiB, found a larger file`);
    assert.ok(rssKiB(r.pid) - before < 32 * 1024, `grew by ${rssKiB(r.pid) - before} KiB`);
  } finally { r.child.kill('SIGINT'); await r.exited; }
});

test.run();

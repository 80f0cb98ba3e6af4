// Reading the next version (issue 11, hole 8), through real `kitsune run` and
// `kitsune update` processes: a FIFO, a device or a directory is refused at
// once, without a byte read and without holding up the updates behind it; a
// file over the size cap is refused unread; each leaves v1 running.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { fakeTmp, counterVersions, startRunner, kitsune, rssKiB } from './runner-helpers.js';

const { tmp, env } = fakeTmp('control-read');
const work = path.join(tmp, 'work');
fs.mkdirSync(work);

test('an update naming a FIFO is refused at once, and the update queued behind it commits', async () => {
  const { v1, v2 } = await counterVersions(work);
  const fifo = path.join(work, 'next.fifo');
  assert.is(spawnSync('mkfifo', [fifo]).status, 0, 'mkfifo');
  const r = startRunner([v1, '100000', '50000'], { env });
  try {
    await r.until(/v1 n=2 /);
    const t = Date.now();
    // Both at once: the second is queued behind the first in the runner.
    const [bad, good] = await Promise.all([kitsune(['update', String(r.pid), fifo], { env, timeoutMs: 15000 }), kitsune(['update', String(r.pid), v2], { env, timeoutMs: 15000 })]);
    assert.is(bad.code, 1, bad.out);
    assert.match(bad.out, /update refused at stage read: .*next\.fifo: expected a regular file, found a FIFO/);
    assert.is(good.code, 0, good.out);
    assert.ok(Date.now() - t < 10000, `took ${Date.now() - t} ms`);
    await r.until(/v2 n=\d+ /);
  } finally { r.child.kill('SIGINT'); await r.exited; }
});

test('a device and a directory are refused without being read; the runner does not grow', async () => {
  const { v1 } = await counterVersions(work);
  const r = startRunner([v1, '100000', '50000'], { env });
  try {
    await r.until(/v1 n=2 /);
    const before = rssKiB(r.pid);
    for (const [p, kind] of [['/dev/zero', 'a device'], ['/dev/urandom', 'a device'], [work, 'a directory']] as const) {
      const u = await kitsune(['update', '--timeout', '5000', String(r.pid), p], { env });
      assert.is(u.code, 1, u.out);
      assert.match(u.out, new RegExp(`update refused at stage read: ${p}: expected a regular file, found ${kind}\\nthe old version \\([0-9a-f]+\\) keeps running`));
    }
    assert.ok(rssKiB(r.pid) - before < 32 * 1024, `grew by ${rssKiB(r.pid) - before} KiB`);
    await r.until(/v1 n=\d+ [^]*v1 n=\d+ /);
    assert.not.match(r.out(), /internal error|    at /);
  } finally { r.child.kill('SIGINT'); await r.exited; }
});

test('a file over the 256 MiB cap is refused by its size, unread, and the size is not shown', async () => {
  const { v1 } = await counterVersions(work);
  const big = path.join(work, 'big.wasm');
  fs.writeFileSync(big, '');
  fs.truncateSync(big, 300 * 1024 * 1024 + 7); // sparse: no disk used
  const r = startRunner([v1, '100000', '50000'], { env });
  try {
    await r.until(/v1 n=2 /);
    const before = rssKiB(r.pid);
    const u = await kitsune(['update', String(r.pid), big], { env });
    assert.is(u.code, 1, u.out);
    assert.match(u.out, /update refused at stage read: .*big\.wasm: larger than the 256 MiB a version may have/);
    assert.not.match(u.out, /314572807/);
    assert.ok(rssKiB(r.pid) - before < 32 * 1024, `grew by ${rssKiB(r.pid) - before} KiB`);
  } finally { r.child.kill('SIGINT'); await r.exited; }
});

test.run();

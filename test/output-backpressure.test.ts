// Output backpressure (issue 11 hole 9): a program writing 300 MB to a
// `kitsune run` whose stdout is a pipe read slowly (paused at first) blocks
// in its worker while the host's stream is full, so the runner does not hold
// the output: its memory stays bounded, and every byte arrives, in order.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { buildC } from './helpers.js';
import { cli, fakeTmp, rssKiB } from './runner-helpers.js';

const WRITER = String.raw`
#include <kitsune.h>
#include <stdint.h>
int main(int argc, char **argv) {
  long mb = atol(argv[1]);
  static uint32_t block[16384];          /* 64 KiB: words numbered from 0 across the whole output */
  uint32_t next = 0;
  for (long b = 0; b < mb * 16; b++) {
    kitsune_update("loop");
    for (int i = 0; i < 16384; i++) block[i] = next++;
    fwrite(block, sizeof block, 1, stdout);
  }
  fflush(stdout);
  fprintf(stderr, "wrote %ld MB\n", mb);
  return 0;
}`;

test('300 MB to a slow pipe: the runner stays under 200 MB of growth, every byte arrives in order', async () => {
  const { tmp, env } = fakeTmp('backpressure');
  const wasm = path.join(tmp, 'writer.wasm');
  fs.writeFileSync(wasm, await buildC(WRITER, { file: 'writer.c', name: 'writer' }));
  const MB = 300;
  const child = spawn(process.execPath, [cli, 'run', wasm, String(MB)], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  child.stderr.on('data', (d) => (err += d));
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  let bytes = 0, expect = 0, bad: string | undefined;
  let carry = Buffer.alloc(0);
  let base: number | undefined, peak = 0;
  const sample = () => { try { const k = rssKiB(child.pid!); base ??= k; peak = Math.max(peak, k); } catch { /* exited */ } };
  // Paused for 3 s first: the runner's memory is what it holds for a reader that takes nothing.
  child.stdout.pause();
  const sampler = setInterval(sample, 100);
  await new Promise((r) => setTimeout(r, 500));
  sample();
  const atPause = base!;
  await new Promise((r) => setTimeout(r, 3000));
  const pausedPeak = peak;
  child.stdout.on('data', (d: Buffer) => {
    bytes += d.length;
    const buf = carry.length ? Buffer.concat([carry, d]) : d;
    const whole = buf.length - (buf.length % 4);
    for (let off = 0; off < whole && !bad; off += 4) {
      const w = buf.readUInt32LE(off);
      if (w !== expect) bad = `word ${expect} arrived as ${w} at byte ${bytes - d.length + off - carry.length}`;
      expect = (expect + 1) >>> 0;
    }
    carry = Buffer.from(buf.subarray(whole));
    // A slow reader: a short pause after every chunk.
    child.stdout.pause();
    setTimeout(() => child.stdout.resume(), 1);
  });
  child.stdout.resume();
  const code = await exited;
  clearInterval(sampler);
  fs.rmSync(tmp, { recursive: true, force: true });
  assert.is(code, 0, err);
  assert.match(err, `wrote ${MB} MB\n`);
  assert.is(bad, undefined, bad);
  assert.is(bytes, MB * 1024 * 1024, 'every byte arrived');
  const grownPaused = (pausedPeak - atPause) / 1024, grown = (peak - atPause) / 1024;
  assert.ok(grownPaused < 64, `the runner grew by ${grownPaused.toFixed(0)} MB while its reader took nothing`);
  assert.ok(grown < 200, `the runner grew by ${grown.toFixed(0)} MB over the run`);
});

test.run();

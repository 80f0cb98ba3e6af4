// However `kitsune run` ends, it ends cleanly and takes its control socket
// with it (issue 11, hole 10 and the closed-stdout part of 9): a closed stdout
// (`kitsune run ... | head`) is the program's SIGPIPE, without a stack trace;
// a program that spins with SIGINT/SIGTERM handlers (which run only when it
// calls the host) is ended 2 s after the first signal, or at the second.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import path from 'node:path';
import { buildC } from './helpers.js';
import { fakeTmp, startRunner, defaultSocket } from './runner-helpers.js';

const { tmp, env } = fakeTmp('control-exit');
const work = path.join(tmp, 'work');
fs.mkdirSync(work);

const CHATTY = `#include <kitsune.h>
int main(void) { for (long i = 0;; i++) { kitsune_update("loop"); printf("line %ld\\n", i); } }
`;
const SPIN = `#include <kitsune.h>
#include <signal.h>
volatile int got;
static void on(int s) { got = s; }
int main(void) {
  signal(SIGINT, on); signal(SIGTERM, on);
  printf("spinning\\n"); fflush(stdout);
  volatile unsigned long x = 0;
  for (;;) { kitsune_update("loop"); x++; }   /* never calls the host */
}
`;

async function wasm(name: string, source: string): Promise<string> {
  const p = path.join(work, `${name}.wasm`);
  if (!fs.existsSync(p)) fs.writeFileSync(p, await buildC(source, { name }));
  return p;
}

test('a closed stdout (kitsune run ... | head) ends the runner quietly, with SIGPIPE\'s status, and removes its socket', async () => {
  const app = await wasm('chatty', CHATTY);
  const r = startRunner([app], { env });
  await r.until(/line 2\n/);
  const sock = defaultSocket(tmp, r.pid);
  assert.ok(fs.lstatSync(sock).isSocket());
  const seen = r.out().length;
  r.child.stdout!.destroy();   // as head does after its lines
  const { code } = await r.exited;
  assert.is(code, 141, r.out().slice(seen));
  assert.not.match(r.out().slice(seen), /EPIPE|internal error|    at |kitsune:/);
  assert.not.ok(fs.existsSync(sock), 'socket removed');
});

test('SIGINT to a spinning program with a handler ends it after the 2 s grace, and the socket goes', async () => {
  const app = await wasm('spin', SPIN);
  const r = startRunner([app], { env });
  await r.until(/spinning\n/);
  const sock = defaultSocket(tmp, r.pid);
  const t = Date.now();
  r.child.kill('SIGINT');
  const { code } = await r.exited;
  const took = Date.now() - t;
  assert.is(code, 130, r.out());
  assert.ok(took >= 1900 && took < 8000, `ended ${took} ms after SIGINT`);
  assert.match(r.out(), /SIGINT: the program has a handler for it but did not take it within 2 s \(handlers run only when the program calls the host\); ended it/);
  assert.not.match(r.out(), /internal error|    at /);
  assert.not.ok(fs.existsSync(sock), 'socket removed');
});

test('a second SIGTERM while the first is untaken ends a spinning program at once', async () => {
  const app = await wasm('spin', SPIN);
  const r = startRunner([app], { env });
  await r.until(/spinning\n/);
  r.child.kill('SIGTERM');
  await new Promise((res) => setTimeout(res, 300));
  const t = Date.now();
  r.child.kill('SIGTERM');
  const { code } = await r.exited;
  assert.is(code, 143, r.out());
  assert.ok(Date.now() - t < 1500, `ended ${Date.now() - t} ms after the second SIGTERM`);
  assert.match(r.out(), /SIGTERM: the program has a handler for it but did not take the first one yet/);
  assert.not.ok(fs.existsSync(defaultSocket(tmp, r.pid)), 'socket removed');
});

test.run();

// Signals: C handlers run (raise, kill, alarm, signals from the host), a
// handler without SA_RESTART interrupts a blocking read with EINTR and one
// with SA_RESTART does not, default actions end the program, and handlers
// carry over an update to the new version's function of the same name.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { buildC, start } from './helpers.js';

const SIGNALS = `
#include <kitsune.h>
#include <signal.h>
#include <unistd.h>
#include <errno.h>
volatile sig_atomic_t got_usr1, got_alrm, got_int;
static void on_usr1(int s) { got_usr1 = s; }
static void on_alrm(int s) { (void)s; got_alrm++; }
static void on_int(int s) { (void)s; got_int++; }
int main(void) {
  setvbuf(stdout, 0, _IONBF, 0);
  signal(SIGUSR1, on_usr1);
  raise(SIGUSR1);
  printf("raise: handler saw %d\\n", got_usr1);
  got_usr1 = 0;
  kill(getpid(), SIGUSR1);
  printf("kill: handler saw %d\\n", got_usr1);

  struct sigaction sa = {0};
  sa.sa_handler = on_alrm;
  sigaction(SIGALRM, &sa, 0);
  alarm(1);
  unsigned left = sleep(5);
  printf("sleep: cut short with %u s left, alarms %d\\n", left, got_alrm);

  char c;
  alarm(1);
  ssize_t n = read(0, &c, 1);
  printf("read without SA_RESTART: %zd %s, alarms %d\\n", n, n < 0 && errno == EINTR ? "EINTR" : "?", got_alrm);

  sa.sa_flags = SA_RESTART;
  sigaction(SIGALRM, &sa, 0);
  alarm(1);
  n = read(0, &c, 1);
  printf("read with SA_RESTART: %zd '%c', alarms %d\\n", n, n == 1 ? c : '?', got_alrm);

  signal(SIGINT, on_int);
  printf("waiting for SIGINT\\n");
  int r = pause();
  printf("pause: %d %s, SIGINT handled %d\\n", r, errno == EINTR ? "EINTR" : "?", got_int);
  printf("waiting for SIGTERM\\n");
  for (;;) pause();
}
`;

test('C signal handlers: raise, kill, alarm, EINTR vs SA_RESTART, host signals, default action', async () => {
  const wasm = await buildC(SIGNALS, { file: 'signals.c', name: 'signals' });
  const run = await start(wasm);
  await run.waitFor(/raise: handler saw 10\n/);
  await run.waitFor(/kill: handler saw 10\n/);
  await run.waitFor(/sleep: cut short with [1-5] s left, alarms 1\n/);
  await run.waitFor(/read without SA_RESTART: -1 EINTR, alarms 2\n/);
  // The alarm fires after 1 s, the read goes on waiting; the byte comes later.
  await new Promise((r) => setTimeout(r, 1600));
  assert.not.match(run.out(), /read with SA_RESTART/);
  run.proc.writeStdin('x');
  await run.waitFor(/read with SA_RESTART: 1 'x', alarms 3\n/);
  await run.waitFor(/waiting for SIGINT\n/);
  run.proc.signal('SIGINT');
  await run.waitFor(/pause: -1 EINTR, SIGINT handled 1\n/);
  await run.waitFor(/waiting for SIGTERM\n/);
  run.proc.signal('SIGTERM');
  assert.is(await run.proc.exited, 143);
});

const HANDLER = `
#include <kitsune.h>
#include <signal.h>
#include <unistd.h>
volatile sig_atomic_t hits;
static void on_usr1(int s) { (void)s; hits++; printf("v%d handler, hit %d\\n", VERSION, hits); fflush(stdout); }
int main(void) {
  kitsune_do_automigrate();
  if (!kitsune_is_updating()) signal(SIGUSR1, on_usr1);
  printf("v%d ready\\n", VERSION); fflush(stdout);
  for (;;) { kitsune_update("loop"); sleep(1); }
}
`;

test('a handler installed by v1 runs as v2\'s function of the same name after an update', async () => {
  const v1 = await buildC(HANDLER, { file: 'h.c', name: 'h', defines: ['VERSION=1'] });
  const v2 = await buildC(HANDLER, { file: 'h.c', name: 'h', defines: ['VERSION=2'], from: v1 });
  const run = await start(v1);
  await run.waitFor(/v1 ready\n/);
  run.proc.signal('SIGUSR1');
  await run.waitFor(/v1 handler, hit 1\n/);
  const r = await run.proc.update(v2);
  assert.is(r.outcome, 'committed', JSON.stringify(r));
  await run.waitFor(/v2 ready\n/);
  run.proc.signal('SIGUSR1');
  await run.waitFor(/v2 handler, hit 2\n/);
  // SIGWINCH is ignored by default; SIGINT without a handler ends the program with 130.
  run.proc.signal('SIGWINCH');
  run.proc.signal('SIGINT');
  assert.is(await run.proc.exited, 130);
});

test.run();

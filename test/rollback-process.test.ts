// A rollback puts back what the process owned before the update, not only
// its memory: descriptors (a file the new version opened is closed, one the
// old version had and the new one closed is open again at its position),
// streams, signal dispositions, the atexit list, the environment and rand's
// state. The old version runs on and exits normally.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildC, start } from './helpers.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kitsune-rbproc-'));
fs.writeFileSync(path.join(dir, 'data.txt'), 'abcdefghij');

const src = String.raw`
#include <kitsune.h>
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>
int ticks;
FILE *data;                         /* opened by v1 */
static void bye(void) { printf("v%d atexit handler\n", VERSION); fflush(stdout); }
static void on_usr1(int s) { (void)s; printf("handler\n"); fflush(stdout); }
int main(int argc, char **argv) {
  char path[512];
  snprintf(path, sizeof path, "%s/data.txt", argv[1]);
  kitsune_do_automigrate();
  if (!kitsune_is_updating()) {
    data = fopen(path, "r");
    setenv("MODE", "old", 1);
    srand(7);
    rand();
    fgetc(data); fgetc(data);       /* at position 2 */
  } else {
    /* v2 takes over the process, then fails before its update point */
    fclose(data);
    FILE *f = fopen(path, "r"); (void)f;
    int fd = open(path, O_RDONLY); (void)fd;
    atexit(bye);
    signal(SIGUSR1, on_usr1);
    setenv("MODE", "new", 1); setenv("ADDED", "1", 1);
    srand(99); rand(); rand();
    __builtin_trap();
  }
  for (;;) {
    kitsune_update("loop");
    if (++ticks == 6) break;
    usleep(30000);
  }
  int fd = open(path, O_RDONLY);
  printf("v%d next fd %d, data at %ld reads %c, MODE=%s ADDED=%s, rand %d, SIGUSR1 %s\n", VERSION, fd, ftell(data), fgetc(data),
    getenv("MODE"), getenv("ADDED") ? getenv("ADDED") : "(unset)", rand(), signal(SIGUSR1, SIG_DFL) == SIG_DFL ? "default" : "handled");
  fflush(stdout);
  return 0;
}`;

test('a rollback restores descriptors, streams, dispositions, the atexit list, the environment and rand', async () => {
  const v1 = await buildC(src, { defines: ['VERSION=1'] });
  const v2 = await buildC(src, { defines: ['VERSION=2'], from: v1 });
  // What v1 prints when no update is tried: the reference.
  const plain = await start(v1, [dir], { grants: { dirs: [dir] } });
  assert.is(await plain.proc.exited, 0, plain.out());
  const expected = plain.out().match(/v1 next fd .*\n/)![0];
  const run = await start(v1, [dir], { grants: { dirs: [dir] } });
  await new Promise((r) => setTimeout(r, 50));
  const r = await run.proc.update(v2);
  assert.is(r.outcome, 'rolled-back', JSON.stringify(r));
  assert.is(await run.proc.exited, 0, run.out());
  assert.is(run.out().match(/v1 next fd .*\n/)?.[0], expected);
  assert.match(expected, /data at 2 reads c, MODE=old ADDED=\(unset\), rand \d+, SIGUSR1 default/);
  assert.not.match(run.out(), /atexit handler/);
});

test.run();

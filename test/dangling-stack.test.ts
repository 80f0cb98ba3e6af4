// A pointer to a local dangles after an update, as in Kitsune: the old
// version's stack is freed at commit. One kept in a variable is reported at
// commit (a notice naming the variable), and a crash that follows says why.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { buildC, start } from './helpers.js';

const program = String.raw`
#include <kitsune.h>
#include <unistd.h>
struct ops { void (*say)(int); int calls; };
struct ops *cur;            /* points at main's local below: dangles after an update */
int n;
static void say(int i) { printf("v%d says %d\n", VERSION, i); fflush(stdout); }
int main(void) {
  struct ops local = { say, 0 };
  kitsune_do_automigrate();
  if (!kitsune_is_updating()) cur = &local;
  for (;;) {
    kitsune_update("loop");
    cur->say(++n);           /* after the update: a zeroed slot, a null call */
    usleep(20000);
  }
}`;

test('a global pointing at a local of the old stack is named at commit, and the crash that follows recalls it', async () => {
  const v1 = await buildC(program, { defines: ['VERSION=1'] });
  const v2 = await buildC(program, { defines: ['VERSION=2'], from: v1 });
  const run = await start(v1);
  await run.waitFor(/v1 says 3\n/);
  const r = await run.proc.update(v2);
  assert.is(r.outcome, 'committed', r.reason);
  const code = await run.proc.exited;
  assert.is.not(code, 0);
  const notice = run.events.find((e) => e.type === 'notice' && /stack/.test(e.message));
  assert.ok(notice?.type === 'notice', JSON.stringify(run.events));
  assert.match(notice.message, /`cur` points into version 1's stack \(0x[0-9a-f]+\), which the update freed: a pointer to a local dangles/);
  const crash = run.events.find((e) => e.type === 'crash');
  assert.ok(crash?.type === 'crash', JSON.stringify(run.events));
  assert.match(crash.message, /trap: .*\n\(after an update: `cur` points into version 1's stack/s);
});

test('a pointer into the heap or to a global raises no such notice', async () => {
  const src = program.replace('struct ops local = { say, 0 };', 'static struct ops local = { say, 0 };');
  const v1 = await buildC(src, { defines: ['VERSION=1'] });
  const v2 = await buildC(src, { defines: ['VERSION=2'], from: v1 });
  const run = await start(v1);
  await run.waitFor(/v1 says 3\n/);
  const r = await run.proc.update(v2);
  assert.is(r.outcome, 'committed', r.reason);
  await run.waitFor(/v2 says \d+\n/);
  await run.proc.kill();
  assert.not.ok(run.events.some((e) => e.type === 'notice' && /stack/.test(e.message)), JSON.stringify(run.events));
});

test.run();

// The reclaim of an old version's static data is sound: a block is freed
// only when no reference to it can exist. A literal's address kept only in a
// Wasm local of the running version (saved in memory by the unwind the scan
// runs under), or at an unaligned offset in a packed struct, keeps it; once
// the last reference is gone, it is freed.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { buildC, start } from './helpers.js';

const src = String.raw`
#include <kitsune.h>
#include <unistd.h>
struct holder { const char *name; };
struct __attribute__((packed)) packed { char tag; const char *name; };
struct holder *h;
struct packed *pk;
int ticks;
int main(void) {
  kitsune_do_automigrate();
  if (!kitsune_is_updating()) {
    h = malloc(sizeof *h); h->name = "local-only literal of v1";
    pk = malloc(sizeof *pk); pk->tag = 1; pk->name = "packed literal of v1";
  }
#if VERSION == 2
  const char *mine = h->name;   /* from here on only this local points at it */
  h->name = 0;
#endif
  for (;;) {
    kitsune_update("loop");
    ++ticks;
#if VERSION == 2
    /* churn the allocator so that a block freed too early is reused and overwritten */
    for (int i = 0; i < 64; i++) { char *junk = malloc(64); memset(junk, 'X', 64); free(junk); }
    /* fputs, not printf: printf's variadic arguments would put the pointer in the stack's memory */
    printf("v2 tick %d: ", ticks); fputs(mine, stdout); fputs(" / ", stdout); fputs(pk->name, stdout); fputs("\n", stdout);
    if (ticks == 10) { pk->name = "packed literal of v2"; }   /* then only the local points into v1 */
#else
    printf("v1 tick %d\n", ticks);
#endif
    fflush(stdout);
    usleep(40000);
  }
}`;

test('old static data stays while a Wasm local or an unaligned packed field points into it', async () => {
  const v1 = await buildC(src, { defines: ['VERSION=1'] });
  const v2 = await buildC(src, { defines: ['VERSION=2'], from: v1 });
  const run = await start(v1);
  await run.waitFor(/v1 tick 3\n/);
  const r = await run.proc.update(v2);
  assert.is(r.outcome, 'committed', JSON.stringify(r));
  // Scans run at update points, retried while something points into v1's block.
  const k = Number((await run.waitFor(/v2 tick (\d+): /))[1]);
  await run.waitFor(new RegExp(`v2 tick ${k + 120}: `), 30000);
  await run.proc.kill();
  const lines = run.out().split('\n').filter((l) => l.startsWith('v2 tick'));
  for (const l of lines) assert.match(l, /: local-only literal of v1 \/ packed literal of v[12]$/, l);
  const v1Data = run.events.filter((e) => e.type === 'reclaim' && e.what === 'static-data' && e.version === 1);
  assert.ok(v1Data.length > 0, 'the scan ran');
  assert.not.ok(v1Data.some((e) => e.type === 'reclaim' && e.freed), `v1's block was freed while a local still pointed into it: ${JSON.stringify(v1Data)}`);
});

test.run();

// With a `stdout` callback, the program's output arrives a line at a time as
// it prints it, without fflush: the driver makes libc line-buffer stdout (it
// would otherwise buffer it fully, as it does for any stdout that is not a
// terminal, and the lines would come at exit). What is left without a
// newline comes at exit, and after a crash too.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { KitsuneProcess, type KitsuneEvent } from 'kitsune-wasm';
import { buildC } from './helpers.js';

const PRINTER = `
#include <kitsune.h>
#include <unistd.h>
int main(void) {
  for (int i = 1; i <= 3; i++) {
    kitsune_update("loop");
    printf("line %d\\n", i);            /* no fflush */
    usleep(20000);
  }
  printf("no newline at the end");
#ifdef CRASH
  __builtin_trap();
#endif
  return 0;
}`;

async function chunks(wasm: Uint8Array, options: { lineBuffered?: boolean } = {}) {
  const seen: string[] = [];
  const events: KitsuneEvent[] = [];
  const dec = new TextDecoder();
  const proc = await KitsuneProcess.start(wasm, { ...options, stdout: (b) => seen.push(dec.decode(b)), onEvent: (e) => events.push(e) });
  const code = await proc.exited;
  return { seen, code, events };
}

test('each line reaches the callback when it is printed', async () => {
  const { seen, code } = await chunks(await buildC(PRINTER, { file: 'printer.c' }));
  assert.is(code, 0);
  assert.equal(seen, ['line 1\n', 'line 2\n', 'line 3\n', 'no newline at the end']);
});

test('lineBuffered: false leaves libc\'s full buffering: the rest comes at exit', async () => {
  const { seen, code } = await chunks(await buildC(PRINTER, { file: 'printer.c' }), { lineBuffered: false });
  assert.is(code, 0);
  // musl's stdout starts line-buffered and learns it is no terminal at its first write.
  assert.equal(seen, ['line 1\n', 'line 2\nline 3\nno newline at the end']);
});

test('what libc still held when the program crashed is not lost', async () => {
  const { seen, code, events } = await chunks(await buildC(PRINTER, { file: 'printer.c', defines: ['CRASH'] }));
  assert.is(code, 134);
  assert.equal(seen, ['line 1\n', 'line 2\n', 'line 3\n', 'no newline at the end']);
  assert.ok(events.some((e) => e.type === 'crash' && /unreachable/.test(e.message)), JSON.stringify(events));
});

test.run();

// A sandboxed program names its own next version (kitsune_set_next_version +
// kitsune_signal_update, issue 11 hole 5): the path is read only from under
// its --dir grants, or when the CLI's command line lists it; anything else
// (a version elsewhere, a secret file, /dev/zero, a symlink in the grant that
// leads out) is refused before it is read, and the refusal tells nothing of
// the file. The program goes on running its old version.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildC, start } from './helpers.js';
import { kitsune, fakeTmp } from './runner-helpers.js';

const program = String.raw`
#include <kitsune.h>
int n;
int main(int argc, char **argv) {
  kitsune_do_automigrate();
  if (kitsune_is_updating()) { printf("v%d took over at n=%d\n", VERSION, n); fflush(stdout); }
  if (VERSION == 1) {
    n = 41;
    kitsune_set_next_version(argv[1]); kitsune_signal_update();
    kitsune_update("once");
    printf("v1 not updated, n=%d\n", n);
    return 3;
  }
  kitsune_update("once");
  printf("v2 n=%d\n", ++n);
  return 0;
}`;

const base = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'kitsune-selfgrant-')));
const granted = path.join(base, 'granted'), outside = path.join(base, 'outside');
fs.mkdirSync(granted);
fs.mkdirSync(outside);
let built: Promise<{ v1: Uint8Array; v2: Uint8Array }> | undefined;
const versions = () => (built ??= (async () => {
  const v1 = await buildC(program, { defines: ['VERSION=1'], name: 'selfgrant' });
  return { v1, v2: await buildC(program, { defines: ['VERSION=2'], name: 'selfgrant', from: v1 }) };
})());

async function runNaming(next: string) {
  const { v1 } = await versions();
  const t = Date.now();
  const run = await start(v1, [next], { grants: { dirs: [granted] } });
  const code = await run.proc.exited;
  const r = run.events.find((e) => e.type === 'update');
  return { code, out: run.out(), result: r?.type === 'update' ? r.result : undefined, events: run.events, ms: Date.now() - t };
}

test('a version under the --dir grant is read and taken', async () => {
  const { v2 } = await versions();
  const inside = path.join(granted, 'v2.wasm');
  fs.writeFileSync(inside, v2);
  const r = await runNaming(inside);
  assert.is(r.code, 0, r.out);
  assert.match(r.out, 'v2 took over at n=41\nv2 n=42\n');
  assert.is(r.result?.outcome, 'committed');
});

test('outside the grants: a real version, a secret file, /dev/zero, a link in the grant that leads out: refused, unread, nothing told', async () => {
  const { v2 } = await versions();
  const elsewhere = path.join(outside, 'v2.wasm');
  fs.writeFileSync(elsewhere, v2);
  const secret = path.join(outside, 'secret');
  fs.writeFileSync(secret, Buffer.alloc(300 * 1024 * 1024 + 17));
  fs.chmodSync(secret, 0o600);
  fs.symlinkSync(elsewhere, path.join(granted, 'leads-out.wasm'));
  for (const next of [elsewhere, secret, '/dev/zero', path.join(granted, 'leads-out.wasm'), path.join(granted, '../outside/v2.wasm'), path.join(outside, 'missing.wasm')]) {
    const r = await runNaming(next);
    assert.is(r.code, 3, `${next}: ${r.out}`);
    assert.match(r.out, 'v1 not updated, n=41\n');
    assert.is(r.result?.outcome, 'rolled-back', next);
    assert.is(r.result?.stage, 'read', next);
    const reason = r.result?.reason ?? '';
    assert.match(reason, `kitsune_set_next_version("${next}") refused (EACCES): a version the program names is read only from under its --dir grants (--dir ${granted})`);
    // Nothing about the file: not whether it exists, its kind, or its size.
    assert.not.match(reason, /no such file|larger|MiB|bytes|character device|not a valid|314572817/, reason);
    assert.ok(r.ms < 10000, `${next} took ${r.ms} ms`);
    assert.ok(r.events.some((e) => e.type === 'refused' && e.grant === '--dir'), JSON.stringify(r.events));
  }
  fs.rmSync(secret);
});

test('inside the grant but missing: "no such file", as an open would say', async () => {
  const r = await runNaming(path.join(granted, 'nothing-here.wasm'));
  assert.is(r.code, 3, r.out);
  assert.match(r.result?.reason ?? '', /nothing-here\.wasm: no such file/);
});

test('kitsune run: the versions on its command line may be named, others not', async () => {
  const { v1, v2 } = await versions();
  const { tmp, env } = fakeTmp('selfgrant');
  const p1 = path.join(outside, 'cli-v1.wasm'), p2 = path.join(outside, 'cli-v2.wasm');
  fs.writeFileSync(p1, v1);
  fs.writeFileSync(p2, v2);
  const ok = await kitsune(['run', p1, p2], { env });
  assert.is(ok.code, 0, ok.out);
  assert.match(ok.out, 'v2 took over at n=41\n');
  assert.match(ok.out, 'v2 n=42\n');
  const other = path.join(outside, 'unlisted.wasm');
  fs.writeFileSync(other, v2);
  // Named by the program but not listed as a version (argv[1] does not end in .wasm).
  fs.copyFileSync(other, other.replace(/\.wasm$/, '.wasm.txt'));
  const refused = await kitsune(['run', p1, other.replace(/\.wasm$/, '.wasm.txt')], { env });
  assert.is(refused.code, 3, refused.out);
  assert.match(refused.out, 'refused (EACCES): a version the program names is read only from under its --dir grants (no directory was granted) or from the versions the runner allows (those on its command line)');
  assert.not.match(refused.out, /    at /);
  fs.rmSync(tmp, { recursive: true, force: true });
});

test.after(() => fs.rmSync(base, { recursive: true, force: true }));
test.run();

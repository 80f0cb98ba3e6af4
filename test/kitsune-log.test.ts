// Kitsune's log: kitsune_log writes to /tmp/kitsune/APP.PID as Kitsune does,
// when the runner grants that folder, one file for the process that both
// versions write; without the grant, nothing is written and the sandbox's
// refusal names the grant.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildC } from './helpers.js';

const cli = fileURLToPath(new URL('../dist/cli/kitsune.js', import.meta.url));
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kitsune-log-'));
const LOG_DIR = '/tmp/kitsune';

const PROGRAM = `
#include <kitsune.h>
#include <libgen.h>
#include <unistd.h>
int main(int argc, char **argv) {
  setvbuf(stdout, 0, _IONBF, 0);
  if (!kitsune_is_updating()) {
    kitsune_log("v1 says %d", 1);
    kitsune_signal_update();
    kitsune_set_next_version(argv[1]);
  } else {
    kitsune_log("v2 says %s\\n", "two");
    char name[256], line[128];
    snprintf(name, sizeof name, "/tmp/kitsune/%s.%d", basename(argv[0]), getpid());
    FILE *f = fopen(name, "r");
    if (!f) { printf("no log file %s\\n", name); return 0; }
    while (fgets(line, sizeof line, f)) printf("log: %s", line);
    fclose(f);
    unlink(name);
  }
  kitsune_update("point");
  return 0;
}
`;

function run(args: string[]): Promise<{ status: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [cli, 'run', ...args], { cwd: dir });
    let out = '', err = '';
    p.stdout.on('data', (b) => { out += b; });
    p.stderr.on('data', (b) => { err += b; });
    p.on('close', (status) => resolve({ status, out, err }));
  });
}

test('kitsune_log writes Kitsune\'s log file when /tmp/kitsune is granted, and nothing without the grant', async () => {
  const v1 = await buildC(PROGRAM, { file: 'logger.c', name: 'logger' });
  const v2 = await buildC(PROGRAM, { file: 'logger.c', name: 'logger', from: v1 });
  // A name of its own, so that runs elsewhere on the machine write other files.
  const app = `logger-${process.pid}.wasm`;
  fs.writeFileSync(path.join(dir, app), v1);
  fs.writeFileSync(path.join(dir, 'v2.wasm'), v2);
  fs.mkdirSync(LOG_DIR, { recursive: true });
  const granted = await run([`--dir=${LOG_DIR}`, app, 'v2.wasm']);
  assert.is(granted.status, 0, granted.out + granted.err);
  assert.match(granted.err, /update committed at "point"/);
  assert.is(granted.out, 'log: v1 says 1\nlog: v2 says two\n');
  const none = await run([app, 'v2.wasm']);
  assert.is(none.status, 0, none.out + none.err);
  assert.match(none.out, /^no log file \/tmp\/kitsune\/logger-\d+\.wasm\.\d+\n$/);
  assert.match(none.err, /^kitsune: sandbox: \S+ \/tmp\/kitsune refused \(EACCES\).*--dir/m);
});

test.run();

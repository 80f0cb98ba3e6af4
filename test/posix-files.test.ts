// Files under the --dir grant: a C program reads, writes, lists and renames
// inside the granted directory; outside it (an absolute path, "..", a symlink
// that leads out) every call fails with EACCES, the host's file stays
// untouched, and the refusal names the --dir grant that would allow it.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildC, start } from './helpers.js';

const FILES = `
#include <kitsune.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <sys/stat.h>
static void try_open(const char *p) {
  FILE *f = fopen(p, "r");
  printf("open %s: %s\\n", p, f ? "ok" : strerror(errno));
  if (f) fclose(f);
}
int main(int argc, char **argv) {
  char cwd[512];
  printf("cwd %s\\n", getcwd(cwd, sizeof cwd) ? cwd : "?");
  const char *dir = argv[1];
  char p[512];
  snprintf(p, sizeof p, "%s/notes.txt", dir);
  FILE *f = fopen(p, "w");
  fprintf(f, "line one\\nline two\\n");
  fclose(f);
  f = fopen(p, "a");
  fprintf(f, "line three\\n");
  fclose(f);
  char buf[128] = {0};
  f = fopen(p, "r");
  fseek(f, 5, SEEK_SET);
  size_t n = fread(buf, 1, sizeof buf - 1, f);
  fclose(f);
  printf("read %zu: %s", n, buf);
  char q[512];
  snprintf(q, sizeof q, "%s/renamed.txt", dir);
  printf("rename %d\\n", rename(p, q));
  struct stat st;
  printf("stat %d size %lld\\n", stat(q, &st), (long long)st.st_size);
  snprintf(p, sizeof p, "%s/sub", dir);
  printf("mkdir %d\\n", mkdir(p, 0755));
  DIR *d = opendir(dir);
  int entries = 0;
  for (struct dirent *e; (e = readdir(d));) if (e->d_name[0] != '.') entries++;
  closedir(d);
  printf("entries %d\\n", entries);
  try_open(argv[2]);
  snprintf(p, sizeof p, "%s/../secret.txt", dir);
  try_open(p);
  snprintf(p, sizeof p, "%s/link", dir);
  try_open(p);
  f = fopen(argv[2], "w");
  printf("write outside: %s\\n", f ? "ok" : strerror(errno));
  printf("relative: %s\\n", fopen("renamed.txt", "r") ? "ok" : strerror(errno));
  return 0;
}
`;

test('--dir: files inside the grant work, paths outside it (absolute, .., symlinks) get EACCES', async () => {
  const base = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'kitsune-files-')));
  const granted = path.join(base, 'granted');
  fs.mkdirSync(granted);
  const secret = path.join(base, 'secret.txt');
  fs.writeFileSync(secret, 'do not touch');
  fs.symlinkSync(secret, path.join(granted, 'link'));
  const wasm = await buildC(FILES, { file: 'files.c', name: 'files' });
  const cwd = process.cwd();
  process.chdir(granted);
  let run;
  try {
    run = await start(wasm, [granted, secret], { grants: { dirs: [granted] } });
    assert.is(await run.proc.exited, 0, run.out());
  } finally { process.chdir(cwd); }
  const out = run.out();
  if (process.env.DEBUG_FILES) console.log(out);
  assert.match(out, `cwd ${granted}\n`);
  assert.match(out, 'read 24: one\nline two\nline three\n');
  assert.match(out, 'rename 0\nstat 0 size 29\nmkdir 0\nentries 3\n');
  assert.match(out, `open ${secret}: Permission denied\n`);
  assert.match(out, `open ${granted}/../secret.txt: Permission denied\n`);
  assert.match(out, `open ${granted}/link: Permission denied\n`);
  assert.match(out, 'write outside: Permission denied\n');
  assert.match(out, 'relative: ok\n');
  assert.is(fs.readFileSync(secret, 'utf8'), 'do not touch');
  assert.is(fs.readFileSync(path.join(granted, 'renamed.txt'), 'utf8'), 'line one\nline two\nline three\n');
  const refused = run.events.filter((e) => e.type === 'refused');
  assert.ok(refused.length >= 1 && refused.every((e) => e.type === 'refused' && e.grant === '--dir'), JSON.stringify(refused));
  assert.match(JSON.stringify(refused), `granted: ${granted}; run with --dir=${base}`);
  fs.rmSync(base, { recursive: true, force: true });
});

test('no --dir grant: no files at all, and the refusal says so', async () => {
  const wasm = await buildC(`
#include <kitsune.h>
#include <errno.h>
int main(void) { FILE *f = fopen("/etc/hostname", "r"); printf("%s\\n", f ? "opened" : strerror(errno)); return 0; }
`, { file: 'nofiles.c', name: 'nofiles' });
  const run = await start(wasm);
  assert.is(await run.proc.exited, 0);
  assert.is(run.out(), 'Permission denied\n');
  assert.match(JSON.stringify(run.events), 'open /etc/hostname refused (EACCES): no directory was granted; run with --dir=/etc');
});

test.run();

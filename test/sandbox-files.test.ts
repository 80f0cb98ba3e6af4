// The file sandbox against an attacker (issue 11, holes 1-4): a dangling
// symlink in a grant, a directory swapped for a symlink while the program
// opens and lists in a loop, listing the host's "/" with no grant, and hard
// links in a grant to a file outside it. Real C, real files, a real race
// (the swapper is another process).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { buildC, start } from './helpers.js';

function layout(name: string) {
  const base = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), `kitsune-${name}-`)));
  const granted = path.join(base, 'granted');
  const outside = path.join(base, 'outside');
  fs.mkdirSync(granted);
  fs.mkdirSync(outside);
  return { base, granted, outside, done: () => fs.rmSync(base, { recursive: true, force: true }) };
}

const DANGLING = `
#include <kitsune.h>
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
static void try_create(const char *dir, const char *name, int flags) {
  char p[512]; snprintf(p, sizeof p, "%s/%s", dir, name);
  int fd = open(p, flags, 0644);
  printf("%s: %s\\n", name, fd >= 0 ? "created" : strerror(errno));
  if (fd >= 0) { write(fd, "x", 1); close(fd); }
}
int main(int argc, char **argv) {
  try_create(argv[1], "out", O_CREAT | O_WRONLY);
  try_create(argv[1], "out", O_CREAT | O_WRONLY | O_TRUNC);
  try_create(argv[1], "out", O_CREAT | O_EXCL | O_WRONLY);
  try_create(argv[1], "chain", O_CREAT | O_WRONLY);
  try_create(argv[1], "in", O_CREAT | O_WRONLY);
  FILE *f = fopen(argv[2], "w");
  printf("fopen out: %s\\n", f ? "created" : strerror(errno));
  return 0;
}
`;

test('hole 1: open(O_CREAT) through a dangling symlink in a grant never creates outside it', async () => {
  const l = layout('dangling');
  fs.symlinkSync(path.join(l.outside, 'created-by-out'), path.join(l.granted, 'out'));
  // A chain: a link inside the grant to another one that dangles outside.
  fs.symlinkSync(path.join(l.outside, 'created-by-chain'), path.join(l.granted, 'hop'));
  fs.symlinkSync('hop', path.join(l.granted, 'chain'));
  // A dangling link that stays inside is followed, as on Linux.
  fs.symlinkSync('target-inside', path.join(l.granted, 'in'));
  try {
    const wasm = await buildC(DANGLING, { file: 'dangling.c', name: 'dangling' });
    const run = await start(wasm, [l.granted, path.join(l.granted, 'out')], { grants: { dirs: [l.granted] } });
    assert.is(await run.proc.exited, 0, run.out());
    assert.is(run.out(), 'out: Permission denied\nout: Permission denied\nout: Permission denied\nchain: Permission denied\nin: created\nfopen out: Permission denied\n');
    assert.equal(fs.readdirSync(l.outside), [], 'nothing was created outside the grant');
    assert.is(fs.readFileSync(path.join(l.granted, 'target-inside'), 'utf8'), 'x');
    assert.match(JSON.stringify(run.events), `it leads to ${path.join(l.outside, 'created-by-out')}, outside the grants`);
  } finally { l.done(); }
});

const RACE = `
#include <kitsune.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
int main(int argc, char **argv) {
  int n = atoi(argv[2]);
  char data[512], fresh[512], sub[512];
  snprintf(data, sizeof data, "%s/sub/data", argv[1]);
  snprintf(fresh, sizeof fresh, "%s/sub/fresh", argv[1]);
  snprintf(sub, sizeof sub, "%s/sub", argv[1]);
  long inside = 0, outside = 0, refused = 0, other = 0, listed = 0, listed_out = 0;
  for (int i = 0; i < n; i++) {
    int fd = open(data, O_RDONLY);
    if (fd >= 0) {
      char b[16] = {0};
      read(fd, b, sizeof b - 1);
      close(fd);
      if (!strncmp(b, "OUTSIDE", 7)) outside++; else if (!strncmp(b, "inside", 6)) inside++; else other++;
    } else if (errno == EACCES) refused++; else other++;
    if (i % 10 == 0) {
      fd = open(fresh, O_CREAT | O_WRONLY | O_TRUNC, 0644);
      if (fd >= 0) { write(fd, "new", 3); close(fd); unlink(fresh); }
      DIR *d = opendir(sub);
      if (d) {
        listed++;
        for (struct dirent *e; (e = readdir(d));) if (!strcmp(e->d_name, "outside-marker")) listed_out++;
        closedir(d);
      }
    }
  }
  printf("inside %ld outside %ld refused %ld other %ld listed %ld listed_out %ld\\n", inside, outside, refused, other, listed, listed_out);
  return 0;
}
`;

// Swaps granted/sub for a symlink to the outside directory and back, as fast as it can, until the stop file appears.
const SWAPPER = `
const fs = require('fs');
const [sub, aside, link, stop] = process.argv.slice(1);
let swaps = 0;
for (;;) {
  try { fs.renameSync(sub, aside); fs.renameSync(link, sub); fs.renameSync(sub, link); fs.renameSync(aside, sub); swaps++; } catch (e) { console.error(e.message); process.exit(1); }
  if (swaps % 64 === 0 && fs.existsSync(stop)) break;
}
process.stdout.write(String(swaps));
`;

test('hole 2: 20,000 opens and 2,000 listings while another process swaps the directory for a symlink out: 0 escapes', async () => {
  const l = layout('race');
  const sub = path.join(l.granted, 'sub');
  fs.mkdirSync(sub);
  fs.writeFileSync(path.join(sub, 'data'), 'inside\n');
  fs.writeFileSync(path.join(l.outside, 'data'), 'OUTSIDE\n');
  fs.writeFileSync(path.join(l.outside, 'outside-marker'), '');
  const link = path.join(l.granted, 'swap-link');
  fs.symlinkSync(l.outside, link);
  const before = fs.readdirSync(l.outside).sort();
  const stop = path.join(l.base, 'stop');
  const swapper = spawn(process.execPath, ['-e', SWAPPER, sub, path.join(l.granted, 'aside'), link, stop]);
  const swapperDone = new Promise((r) => swapper.on('exit', r));
  let swaps = '', swapErr = '';
  swapper.stdout.on('data', (d) => (swaps += d));
  swapper.stderr.on('data', (d) => (swapErr += d));
  try {
    const wasm = await buildC(RACE, { file: 'race.c', name: 'race' });
    const run = await start(wasm, [l.granted, '20000'], { grants: { dirs: [l.granted] } });
    assert.is(await run.proc.exited, 0, run.out());
    fs.writeFileSync(stop, '');
    await swapperDone;
    const m = /inside (\d+) outside (\d+) refused (\d+) other (\d+) listed (\d+) listed_out (\d+)/.exec(run.out());
    assert.ok(m, run.out());
    const [inside, escaped, refused, , listed, listedOut] = m!.slice(1).map(Number);
    if (process.env.DEBUG_FILES) console.log(run.out(), `swaps ${swaps}`, swapErr);
    assert.is(swapErr, '', 'the swapper ran');
    assert.ok(Number(swaps.trim()) > 100, `the swapper swapped ${JSON.stringify(swaps)} times`);
    assert.is(escaped, 0, 'no open read the outside file');
    assert.is(listedOut, 0, 'no listing showed the outside directory');
    assert.ok(inside > 0 && listed > 0, 'the opens and listings inside worked between swaps');
    assert.ok(refused > 0, 'some opens met the symlink and were refused');
    assert.equal(fs.readdirSync(l.outside).sort(), before, 'nothing was created outside');
  } finally { swapper.kill('SIGKILL'); l.done(); }
});

const ROOT_LIST = `
#include <kitsune.h>
#include <dirent.h>
#include <errno.h>
#include <wasi/api.h>
int main(void) {
  DIR *d = fdopendir(3);
  printf("fdopendir:");
  if (d) for (struct dirent *e; (e = readdir(d));) printf(" %s", e->d_name);
  printf("\\n");
  uint8_t buf[4096]; __wasi_size_t used = 0;
  __wasi_errno_t r = __wasi_fd_readdir(3, buf, sizeof buf, 0, &used);
  printf("fd_readdir %d:", r);
  for (size_t off = 0; off + sizeof(__wasi_dirent_t) <= used;) {
    __wasi_dirent_t e; memcpy(&e, buf + off, sizeof e);
    off += sizeof e;
    printf(" %.*s", (int)e.d_namlen, (char *)buf + off);
    off += e.d_namlen;
  }
  printf("\\n");
  DIR *r2 = opendir("/");
  printf("opendir /: %s\\n", r2 ? "opened" : strerror(errno));
  DIR *r3 = opendir("/etc");
  printf("opendir /etc: %s\\n", r3 ? "opened" : strerror(errno));
  return 0;
}
`;

test("hole 3: the host's / cannot be listed: the root preopen shows only the way to the grants, or nothing", async () => {
  const wasm = await buildC(ROOT_LIST, { file: 'rootlist.c', name: 'rootlist' });
  const none = await start(wasm);
  assert.is(await none.proc.exited, 0, none.out());
  assert.is(none.out(), 'fdopendir: . ..\nfd_readdir 0: . ..\nopendir /: Permission denied\nopendir /etc: Permission denied\n');
  const l = layout('rootlist');
  try {
    const first = l.granted.split('/')[1];
    const one = await start(wasm, [], { grants: { dirs: [l.granted] } });
    assert.is(await one.proc.exited, 0, one.out());
    assert.is(one.out(), `fdopendir: . .. ${first}\nfd_readdir 0: . .. ${first}\nopendir /: Permission denied\nopendir /etc: Permission denied\n`);
  } finally { l.done(); }
});

const HARDLINK = `
#include <kitsune.h>
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
static void try_open(const char *p, int flags, const char *what) {
  int fd = open(p, flags, 0644);
  printf("%s: %s\\n", what, fd >= 0 ? "ok" : strerror(errno));
  if (fd >= 0) { if (flags & (O_WRONLY | O_RDWR)) write(fd, "mine", 4); close(fd); }
}
int main(int argc, char **argv) {
  char linked[512], mine[512];
  snprintf(linked, sizeof linked, "%s/linked", argv[1]);
  snprintf(mine, sizeof mine, "%s/mine", argv[1]);
  try_open(linked, O_RDONLY, "read the link");
  try_open(linked, O_WRONLY, "write the link");
  try_open(linked, O_RDWR | O_TRUNC, "truncate the link");
  try_open(linked, O_WRONLY | O_APPEND | O_CREAT, "append to the link");
  FILE *f = fopen(linked, "w");
  printf("fopen w: %s\\n", f ? "ok" : strerror(errno));
  try_open(mine, O_CREAT | O_WRONLY, "create mine");
  printf("linked?\\n"); fflush(stdout);
  char line[8]; fgets(line, sizeof line, stdin);
  try_open(mine, O_WRONLY | O_TRUNC, "write mine, now linked");
  return 0;
}
`;

test('hole 4: a hard link in a grant to a file outside: read, never written; a file this run created stays writable', async () => {
  const l = layout('hardlink');
  const victim = path.join(l.outside, 'victim');
  fs.writeFileSync(victim, 'precious');
  fs.linkSync(victim, path.join(l.granted, 'linked'));
  try {
    const wasm = await buildC(HARDLINK, { file: 'hardlink.c', name: 'hardlink' });
    const run = await start(wasm, [l.granted], { grants: { dirs: [l.granted] } });
    await run.waitFor(/linked\?\n/);
    fs.linkSync(path.join(l.granted, 'mine'), path.join(l.outside, 'mine-too'));
    run.proc.writeStdin('go\n');
    assert.is(await run.proc.exited, 0, run.out());
    assert.is(run.out(), 'read the link: ok\nwrite the link: Permission denied\ntruncate the link: Permission denied\nappend to the link: Permission denied\nfopen w: Permission denied\ncreate mine: ok\nlinked?\nwrite mine, now linked: ok\n');
    assert.is(fs.readFileSync(victim, 'utf8'), 'precious');
    assert.is(fs.readFileSync(path.join(l.outside, 'mine-too'), 'utf8'), 'mine');
    assert.match(JSON.stringify(run.events), 'the file has 2 hard links');
  } finally { l.done(); }
});

test.run();

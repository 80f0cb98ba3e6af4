// The POSIX calls servers make that a Wasm process cannot or need not do
// for real, each with Linux's behaviour inside the sandbox (runtime/posix_*.c):
// processes, users and groups, syslog, temporary files and limits, time zones.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildC, start } from './helpers.js';

/** Builds and runs `body` as main's body, returns what it printed (stdout and stderr). */
async function runC(includes: string, body: string, options: Parameters<typeof start>[2] = {}, args: string[] = []): Promise<string> {
  const wasm = await buildC(`#include <stdio.h>\n#include <string.h>\n#include <errno.h>\n${includes}\nint main(int argc, char **argv) {\n${body}\n  return 0;\n}\n`);
  const run = await start(wasm, args, options);
  assert.is(await run.proc.exited, 0, run.out());
  return run.out();
}

test('fork, exec, system and popen fail as without processes; wait finds no child; the session is the process', async () => {
  const out = await runC('#define _GNU_SOURCE\n#include <unistd.h>\n#include <stdlib.h>\n#include <sys/wait.h>', `
  errno = 0; pid_t p = fork(); printf("fork %d %s\\n", p, strerror(errno));
  errno = 0; int r = execlp("ls", "ls", (char *)0); printf("exec %d %s\\n", r, strerror(errno));
  printf("system(NULL) %d\\n", system(NULL));
  errno = 0; r = system("ls"); printf("system %d %s\\n", r, strerror(errno));
  errno = 0; FILE *f = popen("ls", "r"); printf("popen %s %s\\n", f ? "FILE" : "NULL", strerror(errno));
  int st; errno = 0; r = waitpid(-1, &st, WNOHANG); printf("waitpid %d %s\\n", r, strerror(errno));
  errno = 0; r = wait(&st); printf("wait %d %s\\n", r, strerror(errno));
  printf("setsid %d then %d; getsid %d pgrp %d pid %d\\n", setsid() == getpid(), setsid(), getsid(0) == getpid(), getpgrp() == getpid(), getpid() > 0);
  printf("daemon %d\\n", daemon(0, 1));`);
  assert.match(out, /fork -1 Function not implemented\n/, out);
  assert.match(out, /exec -1 Function not implemented\n/, out);
  assert.match(out, /system\(NULL\) 0\n/, out);
  assert.match(out, /system -1 Function not implemented\n/, out);
  assert.match(out, /popen NULL Function not implemented\n/, out);
  assert.match(out, /waitpid -1 No child process\n/, out);
  assert.match(out, /wait -1 No child process\n/, out);
  assert.match(out, /setsid 1 then -1; getsid 1 pgrp 1 pid 1\n/, out);
  assert.match(out, /daemon 0\n/, out);
});

test('one user and one group, which every id call agrees with; changing identity is EPERM unless nothing changes', async () => {
  const out = await runC('#define _GNU_SOURCE\n#include <unistd.h>\n#include <pwd.h>\n#include <grp.h>', `
  struct passwd *pw = getpwuid(getuid()); struct group *gr = getgrgid(getgid());
  printf("user %s %d %d %s %s\\n", pw->pw_name, (int)pw->pw_uid, (int)pw->pw_gid, pw->pw_dir, pw->pw_shell);
  printf("group %s %d member %s\\n", gr->gr_name, (int)gr->gr_gid, gr->gr_mem[0]);
  printf("agree %d %d\\n", getpwnam(pw->pw_name)->pw_uid == geteuid(), getgrnam(gr->gr_name)->gr_gid == getegid());
  printf("unknown %d %d\\n", getpwnam("root") == NULL, getgrnam("wheel") == NULL);
  char buf[128]; struct passwd pwr, *pp; struct group grr, *gp;
  int a = getpwnam_r("kitsune", &pwr, buf, 64, &pp), b = getgrgid_r(1000, &grr, buf + 67, sizeof buf - 67, &gp);
  printf("_r %d %s %d %s\\n", a, pp->pw_name, b, gp->gr_mem[0]);
  printf("small %s\\n", getpwnam_r("kitsune", &pwr, buf, 8, &pp) == ERANGE ? "ERANGE" : "?");
  gid_t g = getgid(), groups[4];
  printf("same %d %d %d %d %d\\n", setuid(getuid()), setgid(getgid()), setgroups(1, &g), initgroups(pw->pw_name, g), chroot("/"));
  errno = 0; printf("setuid(0) %d %s\\n", setuid(0), strerror(errno));
  errno = 0; printf("setgroups(0) %d %s\\n", setgroups(0, NULL), strerror(errno));
  errno = 0; printf("chroot %d %s\\n", chroot("/var/empty"), strerror(errno));
  printf("getgroups %d %d\\n", getgroups(4, groups), (int)groups[0]);`);
  assert.match(out, /user kitsune 1000 1000 \/ \/bin\/sh\n/, out);
  assert.match(out, /group kitsune 1000 member kitsune\n/, out);
  assert.match(out, /agree 1 1\n/, out);
  assert.match(out, /unknown 1 1\n/, out);
  assert.match(out, /_r 0 kitsune 0 kitsune\n/, out);
  assert.match(out, /small ERANGE\n/, out);
  assert.match(out, /same 0 0 0 0 0\n/, out);
  assert.match(out, /setuid\(0\) -1 Operation not permitted\n/, out);
  assert.match(out, /setgroups\(0\) -1 Operation not permitted\n/, out);
  assert.match(out, /chroot -1 Operation not permitted\n/, out);
  assert.match(out, /getgroups 1 1000\n/, out);
});

test('syslog writes one tagged line per message to stderr, %m and setlogmask included', async () => {
  const out = await runC('#include <syslog.h>', `
  openlog("webd", LOG_PID, LOG_DAEMON);
  errno = ENOENT; syslog(LOG_ERR, "cannot open %s: %m", "conf");
  syslog(LOG_INFO | LOG_LOCAL0, "100%% ready\\n");
  setlogmask(LOG_UPTO(LOG_NOTICE));
  syslog(LOG_DEBUG, "hidden");
  syslog(LOG_WARNING, "shown");
  closelog();`);
  assert.match(out, /^webd\[\d+\]: err: cannot open conf: No such file or directory$/m, out);
  assert.match(out, /^webd\[\d+\]: info: 100% ready$/m, out);
  assert.match(out, /^webd\[\d+\]: warning: shown$/m, out);
  assert.not.match(out, /hidden/);
});

test('mkstemp, readdir_r, realpath and umask in a granted directory; rlimits as an unprivileged process has them', async () => {
  const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'kitsune-posix-')));
  const out = await runC('#include <stdlib.h>\n#include <unistd.h>\n#include <dirent.h>\n#include <sys/stat.h>\n#include <sys/resource.h>', `
  char name[512]; snprintf(name, sizeof name, "%s/tmpXXXXXX", argv[1]);
  int fd = mkstemp(name); printf("mkstemp %d %s\\n", fd >= 0, strstr(name, "XXXXXX") ? "unchanged" : "named");
  write(fd, "data", 4); close(fd);
  errno = 0; printf("again %d\\n", mkstemp((char[]){"/nonexistent-dir/xXXXXXX"}) < 0 && errno != 0);
  DIR *d = opendir(argv[1]); struct dirent e, *r; int n = 0, found = 0;
  while (readdir_r(d, &e, &r) == 0 && r) { n++; if (strstr(name, r->d_name) && r->d_name[0] == 't') found = 1; }
  closedir(d); printf("readdir_r %d %d\\n", n >= 1, found);
  char p[1024], q[1024]; snprintf(p, sizeof p, "%s/./../%s/%s", argv[1], strrchr(argv[1], '/') + 1, strrchr(name, '/') + 1);
  printf("realpath %d\\n", realpath(p, q) && !strcmp(q, name));
  errno = 0; printf("realpath missing %s %s\\n", realpath("/nonexistent-dir/x", q) ? "found" : "NULL", strerror(errno));
  unlink(name);
  printf("umask %o %o\\n", (unsigned)umask(077), (unsigned)umask(022));
  struct rlimit rl; getrlimit(RLIMIT_NOFILE, &rl); printf("nofile %llu %llu\\n", rl.rlim_cur, rl.rlim_max);
  rl.rlim_cur = 64; printf("lower %d ", setrlimit(RLIMIT_NOFILE, &rl)); getrlimit(RLIMIT_NOFILE, &rl); printf("%llu\\n", rl.rlim_cur);
  rl.rlim_max = 1 << 20; errno = 0; printf("raise %d %s\\n", setrlimit(RLIMIT_NOFILE, &rl), strerror(errno));
  getrlimit(RLIMIT_CORE, &rl); printf("core %llu\\n", rl.rlim_max);`, { grants: { dirs: [dir] } }, [dir]);
  fs.rmSync(dir, { recursive: true, force: true });
  assert.match(out, /mkstemp 1 named\n/, out);
  assert.match(out, /again 1\n/, out);
  assert.match(out, /readdir_r 1 1\n/, out);
  assert.match(out, /realpath 1\n/, out);
  assert.match(out, /realpath missing NULL (No such file or directory|Permission denied)\n/, out);
  assert.match(out, /umask 22 77\n/, out);
  assert.match(out, /nofile 1024 1024\nlower 0 64\nraise -1 Operation not permitted\ncore 0\n/, out);
});

test('localtime_r, mktime and strftime follow TZ in POSIX form, DST rules included; no TZ is UTC', async () => {
  const body = `
  tzset();
  time_t w = 1700000000, s = 1690000000; struct tm tm; char b[64];
  localtime_r(&w, &tm); strftime(b, sizeof b, "%Y-%m-%d %H:%M %Z %z", &tm); printf("winter %s %d\\n", b, mktime(&tm) == w);
  localtime_r(&s, &tm); strftime(b, sizeof b, "%Y-%m-%d %H:%M %Z %z", &tm); printf("summer %s %d\\n", b, mktime(&tm) == s);
  printf("vars %s %s %ld %d\\n", tzname[0], tzname[1], timezone, daylight);`;
  const inc = '#include <time.h>';
  const cet = await runC(inc, body, { env: { TZ: 'CET-1CEST,M3.5.0,M10.5.0/3' } });
  assert.match(cet, /winter 2023-11-14 23:13 CET \+0100 1\nsummer 2023-07-22 06:26 CEST \+0200 1\nvars CET CEST -3600 1\n/, cet);
  const ny = await runC(inc, body, { env: { TZ: 'EST5EDT' } });
  assert.match(ny, /winter 2023-11-14 17:13 EST -0500 1\nsummer 2023-07-22 00:26 EDT -0400 1\nvars EST EDT 18000 1\n/, ny);
  const india = await runC(inc, body, { env: { TZ: '<+0530>-5:30' } });
  assert.match(india, /winter 2023-11-15 03:43 \+0530 \+0530 1\n/, india);
  const utc = await runC(inc, body);
  assert.match(utc, /winter 2023-11-14 22:13 UTC \+0000 1\nsummer 2023-07-22 04:26 UTC \+0000 1\nvars UTC UTC 0 0\n/, utc);
});

test.run();

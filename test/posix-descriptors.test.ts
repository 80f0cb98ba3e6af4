// Descriptors and signal masks as on Linux, inside the sandbox: pipes
// (EOF, EPIPE with SIGPIPE, O_NONBLOCK, poll and select), dup/dup2/dup3
// sharing one open file description, stdout redirected into a pipe and back,
// sendfile from a granted file, socketpair, sigprocmask (a blocked signal stays pending,
// even one whose default action ends the process, and is delivered once
// unblocked), sigsuspend, gethostname, uname, strcasestr; and the self-pipe
// trick: the runner's SIGUSR1 reaches a handler that writes to a pipe, the
// main loop's poll (then, after an update, select) wakes on it, and the pipe
// and its unread bytes outlive the update.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildC, start } from './helpers.js';
import { freePort } from '../bench/kv-client.js';

const CHECKS = `
#define _GNU_SOURCE
#include <kitsune.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <sys/select.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/utsname.h>
#include <unistd.h>

static int alarm_pipe[2];
static volatile int pipes_broken, usr1, alarms;
static void on_pipe(int s) { (void)s; pipes_broken++; }
static void on_usr1(int s) { (void)s; usr1++; }
static void on_alarm(int s) { (void)s; alarms++; write(alarm_pipe[1], "!", 1); }

static const char *err(int r) { return r < 0 ? strerror(errno) : "ok"; }

int main(int argc, char **argv) {
  setvbuf(stdout, 0, _IONBF, 0);
  int p[2];
  char b[64];
  int r = pipe(p);
  printf("pipe %d fds %d %d\\n", r, p[0] > 2, p[1] > p[0]);
  struct pollfd pf = { p[0], POLLIN, 0 };
  printf("poll empty %d\\n", poll(&pf, 1, 0));
  write(p[1], "hello", 5);
  r = poll(&pf, 1, 0);
  printf("poll full %d %d\\n", r, (pf.revents & POLLIN) != 0);
  ssize_t n = read(p[0], b, sizeof b);
  printf("read %zd %.*s\\n", n, (int)n, b);

  /* dup: both numbers write into the pipe; the reader sees EOF only when both are closed. */
  int d = dup(p[1]);
  write(d, "dup", 3);
  close(p[1]);
  n = read(p[0], b, sizeof b);
  printf("via dup %.*s\\n", (int)n, b);
  fcntl(d, F_SETFL, O_NONBLOCK);
  int d2 = dup(d);
  printf("shared O_NONBLOCK %d\\n", (fcntl(d2, F_GETFL) & O_NONBLOCK) != 0);
  close(d);
  fcntl(p[0], F_SETFL, O_NONBLOCK);
  errno = 0;
  n = read(p[0], b, 1);
  printf("open writer: %zd %s\\n", n, errno == EAGAIN ? "EAGAIN" : "?");
  close(d2);
  pf.revents = 0;
  n = read(p[0], b, 1);
  r = poll(&pf, 1, 0);
  printf("EOF %zd, poll %d hup %d\\n", n, r, (pf.revents & POLLHUP) != 0);
  close(p[0]);

  /* No reader: SIGPIPE, then EPIPE. */
  pipe(p);
  close(p[0]);
  signal(SIGPIPE, on_pipe);
  errno = 0;
  n = write(p[1], "x", 1);
  printf("no reader: %zd %s, SIGPIPE %d\\n", n, errno == EPIPE ? "EPIPE" : "?", pipes_broken);
  close(p[1]);

  /* pipe2(O_NONBLOCK), dup2 and dup3's errors. */
  r = pipe2(p, O_NONBLOCK);
  printf("pipe2 %d nonblock %d\\n", r, (fcntl(p[0], F_GETFL) & O_NONBLOCK) != 0);
  errno = 0; n = read(p[0], b, 1); printf("read empty %zd %s\\n", n, errno == EAGAIN ? "EAGAIN" : "?");
  printf("dup2 same %d\\n", dup2(p[0], p[0]) == p[0]);
  r = dup3(p[0], p[0], 0); printf("dup3 same %d %s\\n", r, err(r));
  r = dup2(999, 20); printf("dup2 bad %d %s\\n", r, err(r));
  r = dup2(p[0], 5000); printf("dup2 too high %d %s\\n", r, err(r));
  printf("dup2 onto open %d\\n", dup2(p[0], 20));

  /* stdout into the pipe and back. */
  int saved = dup(1);
  dup2(p[1], 1);
  printf("into the pipe\\n");
  fflush(stdout);
  dup2(saved, 1);
  close(saved);
  n = read(20, b, sizeof b);
  printf("redirected %zd: %.*s", n, (int)n, b);
  close(20);

  /* sendfile from a granted file into the pipe, with and without an offset. */
  char name[512];
  snprintf(name, sizeof name, "%s/data.txt", argv[1]);
  FILE *f = fopen(name, "w");
  fputs("0123456789abcdef", f);
  fclose(f);
  int fd = open(name, O_RDONLY);
  off_t off = 4;
  n = sendfile(p[1], fd, &off, 6);
  long long pos = (long long)lseek(fd, 0, SEEK_CUR);
  printf("sendfile %zd off %lld pos %lld: ", n, (long long)off, pos);
  n = read(p[0], b, sizeof b); printf("%.*s\\n", (int)n, b);
  n = sendfile(p[1], fd, 0, 100);
  pos = (long long)lseek(fd, 0, SEEK_CUR);
  printf("sendfile %zd pos %lld: ", n, pos);
  n = read(p[0], b, sizeof b); printf("%.*s\\n", (int)n, b);
  close(fd);
  close(p[0]); close(p[1]);

  /* sigprocmask: blocked signals stay pending until unblocked. */
  signal(SIGUSR1, on_usr1);
  sigset_t set, old, pend;
  sigemptyset(&set); sigaddset(&set, SIGUSR1); sigaddset(&set, SIGTERM);
  printf("sigset %zu bytes, member %d %d %d\\n", sizeof set, sigismember(&set, SIGUSR1), sigismember(&set, SIGTERM), sigismember(&set, SIGINT));
  sigprocmask(SIG_BLOCK, &set, &old);
  raise(SIGUSR1);
  raise(SIGTERM); /* its default action would end the process: blocked, it waits */
  sigpending(&pend);
  printf("blocked: handled %d, pending USR1 %d TERM %d\\n", usr1, sigismember(&pend, SIGUSR1), sigismember(&pend, SIGTERM));
  signal(SIGTERM, SIG_IGN); /* a pending signal that becomes ignored is dropped */
  sigprocmask(SIG_SETMASK, &old, 0);
  sigpending(&pend);
  printf("unblocked: handled %d, pending USR1 %d TERM %d\\n", usr1, sigismember(&pend, SIGUSR1), sigismember(&pend, SIGTERM));
  sigprocmask(SIG_BLOCK, 0, &old);
  printf("mask empty %d\\n", !sigismember(&old, SIGUSR1) && !sigismember(&old, SIGTERM));
  r = sigprocmask(7, &set, 0); printf("bad how %d %s\\n", r, err(r));

  /* sigsuspend: SIGALRM blocked, waited for with the mask opened, blocked again after. */
  signal(SIGALRM, on_alarm);
  pipe(alarm_pipe);
  sigemptyset(&set); sigaddset(&set, SIGALRM);
  sigprocmask(SIG_BLOCK, &set, 0);
  alarm(1);
  sigset_t none; sigemptyset(&none);
  r = sigsuspend(&none);
  sigprocmask(SIG_BLOCK, 0, &old);
  printf("sigsuspend %d %s, alarms %d, blocked again %d\\n", r, errno == EINTR ? "EINTR" : "?", alarms, sigismember(&old, SIGALRM));
  read(alarm_pipe[0], b, 1);
  sigprocmask(SIG_UNBLOCK, &set, 0);

  /* The self-pipe trick, in-process: the alarm's handler writes, select wakes. */
  alarm(1);
  int woke = 0, eintr = 0;
  while (!woke) {
    fd_set rd; FD_ZERO(&rd); FD_SET(alarm_pipe[0], &rd);
    int k = select(alarm_pipe[0] + 1, &rd, 0, 0, 0);
    if (k < 0 && errno == EINTR) { eintr++; continue; }
    if (k == 1 && FD_ISSET(alarm_pipe[0], &rd)) woke = read(alarm_pipe[0], b, 1) == 1 && b[0] == '!';
  }
  printf("self-pipe: woke %d after %d EINTR, alarms %d\\n", woke, eintr, alarms);

  /* socketpair: a connected local stream, both ways. */
  int sv[2];
  r = socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
  send(sv[0], "ping", 4, 0);
  ssize_t peek = recv(sv[1], b, sizeof b, MSG_PEEK);
  n = read(sv[1], b, sizeof b);
  write(sv[1], "pong", 4);
  ssize_t back = recv(sv[0], b + 8, 8, 0);
  printf("socketpair %d: peek %zd, read %zd %.4s, back %zd %.4s\\n", r, peek, n, b, back, b + 8);
  shutdown(sv[0], SHUT_WR);
  n = read(sv[1], b, 1);
  close(sv[0]);
  int broken = pipes_broken;
  errno = 0;
  ssize_t w = send(sv[1], "x", 1, MSG_NOSIGNAL);
  printf("socketpair EOF %zd, closed peer %zd %s, SIGPIPE %d\\n", n, w, errno == EPIPE ? "EPIPE" : "?", pipes_broken - broken);
  close(sv[1]);

  struct utsname u;
  char host[256];
  r = uname(&u);
  int h = gethostname(host, sizeof host);
  printf("uname %d %s %s %s; gethostname %d %s\\n", r, u.sysname, u.nodename, u.machine, h, host);
  const char *hay = "Content-Type: text/HTML";
  char *hit = strcasestr(hay, "html");
  printf("strcasestr %ld %d\\n", hit ? (long)(hit - hay) : -1L, strcasestr(hay, "xml") == 0);
  return 0;
}
`;

test('pipes, dup/dup2/dup3, stdout redirected, sendfile, sigprocmask and sigsuspend, uname, strcasestr', async () => {
  const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'kitsune-fds-')));
  const run = await start(await buildC(CHECKS, { file: 'fds.c', name: 'fds' }), [dir], { grants: { dirs: [dir] } });
  const code = await run.proc.exited;
  fs.rmSync(dir, { recursive: true, force: true });
  const out = run.out();
  assert.is(code, 0, out);
  assert.is(out, [
    'pipe 0 fds 1 1',
    'poll empty 0',
    'poll full 1 1',
    'read 5 hello',
    'via dup dup',
    'shared O_NONBLOCK 1',
    'open writer: -1 EAGAIN',
    'EOF 0, poll 1 hup 1',
    'no reader: -1 EPIPE, SIGPIPE 1',
    'pipe2 0 nonblock 1',
    'read empty -1 EAGAIN',
    'dup2 same 1',
    'dup3 same -1 Invalid argument',
    'dup2 bad -1 Bad file descriptor',
    'dup2 too high -1 Bad file descriptor',
    'dup2 onto open 20',
    'redirected 14: into the pipe',
    'sendfile 6 off 10 pos 0: 456789',
    'sendfile 16 pos 16: 0123456789abcdef',
    'sigset 128 bytes, member 1 1 0',
    'blocked: handled 0, pending USR1 1 TERM 1',
    'unblocked: handled 1, pending USR1 0 TERM 0',
    'mask empty 1',
    'bad how -1 Invalid argument',
    'sigsuspend -1 EINTR, alarms 1, blocked again 1',
    'self-pipe: woke 1 after 1 EINTR, alarms 2',
    'socketpair 0: peek 4, read 4 ping, back 4 pong',
    'socketpair EOF 0, closed peer -1 EPIPE, SIGPIPE 0',
    'uname 0 wasi (none) wasm32; gethostname 0 (none)',
    'strcasestr 19 1',
    '',
  ].join('\n'));
});

// The self-pipe trick with the runner's signals, through an update.
const SELF_PIPE = `
#include <kitsune.h>
#include <errno.h>
#include <poll.h>
#include <sys/select.h>
#include <unistd.h>

int wake[2] = { -1, -1 };   /* the handler's pipe */
int note[2] = { -1, -1 };   /* bytes v1 leaves for v2 */
int signals_seen;

void on_usr1(int s) { (void)s; write(wake[1], "u", 1); }

/* 1 when the wake pipe has a byte (read), 0 on a timeout or EINTR. */
static int wait_wake(void) {
#if VERSION == 1
  struct pollfd p = { wake[0], POLLIN, 0 };
  int n = poll(&p, 1, -1);
#else
  fd_set r; FD_ZERO(&r); FD_SET(wake[0], &r);
  int n = select(wake[0] + 1, &r, 0, 0, 0);
#endif
  if (n < 0 && errno != EINTR) { printf("v%d: wait failed: %s\\n", VERSION, strerror(errno)); exit(1); }
  char c;
  return n > 0 && read(wake[0], &c, 1) == 1;
}

int main(void) {
  setvbuf(stdout, 0, _IONBF, 0);
  kitsune_do_automigrate();
  if (!kitsune_is_updating()) {
    pipe(wake);
    pipe(note);
    signal(SIGUSR1, on_usr1);
    /* SIGHUP would end the process: blocked, it stays pending. */
    sigset_t hup; sigemptyset(&hup); sigaddset(&hup, SIGHUP);
    sigprocmask(SIG_BLOCK, &hup, 0);
    write(note[1], "left by v1", 10);
    printf("v%d ready\\n", VERSION);
  } else {
    char b[32];
    ssize_t n = read(note[0], b, sizeof b);
    printf("v%d took over: %d signals, the note says \\"%.*s\\"\\n", VERSION, signals_seen, (int)n, b);
  }
  for (;;) {
    kitsune_update("loop");
    if (!wait_wake()) continue;
    sigset_t pend; sigpending(&pend);
    printf("v%d: signal %d through the pipe, SIGHUP pending %d\\n", VERSION, ++signals_seen, sigismember(&pend, SIGHUP));
  }
}
`;

test('the self-pipe trick: the runner\'s SIGUSR1 wakes poll (v1) and select (v2) through a pipe that, with its bytes, outlives the update; a blocked SIGHUP waits', async () => {
  const v1 = await buildC(SELF_PIPE, { file: 'selfpipe.c', name: 'selfpipe', defines: ['VERSION=1'] });
  const v2 = await buildC(SELF_PIPE, { file: 'selfpipe.c', name: 'selfpipe', defines: ['VERSION=2'], from: v1 });
  const run = await start(v1);
  await run.waitFor(/v1 ready\n/);
  run.proc.signal('SIGUSR1');
  await run.waitFor(/v1: signal 1 through the pipe, SIGHUP pending 0\n/);
  run.proc.signal('SIGHUP');
  run.proc.signal('SIGUSR1');
  await run.waitFor(/v1: signal 2 through the pipe, SIGHUP pending 1\n/);
  const r = await run.proc.update(v2, { timeoutMs: 10000 });
  assert.is(r.outcome, 'committed', JSON.stringify(r));
  await run.waitFor(/v2 took over: 2 signals, the note says "left by v1"\n/);
  run.proc.signal('SIGUSR1');
  await run.waitFor(/v2: signal 3 through the pipe, SIGHUP pending 1\n/);
  assert.not.match(run.out(), /failed/);
  await run.proc.kill();
});

// A new version stuck before its point: the old one resumes in a fresh
// worker (stuck-update.test.ts) with its pipe, the bytes in it, a dup'ed end
// and its signal mask.
const STUCK = String.raw`
#include <kitsune.h>
#include <unistd.h>
int p[2] = { -1, -1 };
int d = -1;
static volatile int usr1;
static void on_usr1(int s) { (void)s; usr1 = 1; }
int main(void) {
  setvbuf(stdout, 0, _IONBF, 0);
  kitsune_do_automigrate();
#ifdef STUCK
  if (kitsune_is_updating()) for (;;) {}
#endif
  if (!kitsune_is_updating()) {
    pipe(p);
    d = dup(p[1]);
    close(p[1]);
    write(d, "abc", 3);
    sigset_t s; sigemptyset(&s); sigaddset(&s, SIGUSR2);
    sigprocmask(SIG_BLOCK, &s, 0);
    signal(SIGUSR1, on_usr1);
    printf("v%d ready\n", VERSION);
  }
  for (;;) {
    kitsune_update("loop");
    if (usr1) {
      usr1 = 0;
      char b[8];
      ssize_t n = read(p[0], b, 3);
      write(d, "xyz", 3);
      ssize_t m = read(p[0], b + 3, 3);
      sigset_t cur; sigprocmask(SIG_BLOCK, 0, &cur);
      printf("v%d: %zd+%zd %.6s, SIGUSR2 blocked %d\n", VERSION, n, m, b, sigismember(&cur, SIGUSR2));
    }
    usleep(20000);
  }
}`;

test('a pipe with unread bytes, a dup\'ed end and the signal mask move to the fresh worker that resumes the old version after a stuck update', async () => {
  const v1 = await buildC(STUCK, { file: 'stuck.c', name: 'stuck', defines: ['VERSION=1'] });
  const stuck = await buildC(STUCK, { file: 'stuck.c', name: 'stuck', defines: ['VERSION=2', 'STUCK'], from: v1 });
  const run = await start(v1);
  await run.waitFor(/v1 ready\n/);
  const r = await run.proc.update(stuck, { timeoutMs: 1500 });
  assert.is(r.outcome, 'rolled-back', JSON.stringify(r));
  assert.match(r.reason!, /did not reach update point "loop" within/);
  run.proc.signal('SIGUSR1');
  await run.waitFor(/v1: 3\+3 abcxyz, SIGUSR2 blocked 1\n/);
  await run.proc.kill();
  assert.not.ok(run.events.some((e) => e.type === 'crash'), JSON.stringify(run.events));
});

// A socket moved with dup2 and its old number closed keeps working, and a
// new socket may take the old number (the host numbers them apart).
const MOVED = String.raw`
#include <kitsune.h>
#include <errno.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>
int main(int argc, char **argv) {
  setvbuf(stdout, 0, _IONBF, 0);
  struct sockaddr_in sin = {0};
  sin.sin_family = AF_INET;
  sin.sin_port = htons((unsigned short)atoi(argv[1]));
  sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  int l = socket(AF_INET, SOCK_STREAM, 0);
  if (bind(l, (struct sockaddr *)&sin, sizeof sin) < 0 || listen(l, 4) < 0) { printf("listen: %s\n", strerror(errno)); return 3; }
  int moved = dup2(l, 40);
  close(l);
  int c = socket(AF_INET, SOCK_STREAM, 0);
  int r = connect(c, (struct sockaddr *)&sin, sizeof sin);
  int a = accept(moved, 0, 0);
  write(c, "over", 4);
  char b[8] = {0};
  ssize_t n = read(a, b, sizeof b - 1);
  printf("moved %d, new socket took the old number %d, connect %d, accepted %d, read %zd %s\n", moved, c == l, r, a >= 0, n, b);
  return 0;
}`;

test('a listening socket moved with dup2 (old number closed) accepts a connection from a new socket on its old number', async () => {
  const port = await freePort();
  const run = await start(await buildC(MOVED, { file: 'moved.c', name: 'moved' }), [String(port)], { grants: { net: [`127.0.0.1:${port}`] } });
  assert.is(await run.proc.exited, 0, run.out());
  assert.is(run.out(), 'moved 40, new socket took the old number 1, connect 0, accepted 1, read 4 over\n');
});

test.run();

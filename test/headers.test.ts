// The POSIX headers a server includes, and every header of the overlay
// (runtime/include/), compile under each feature-test macro a program may
// define, alone and in pairs: what the overlay adds never depends on them,
// and what wasi-libc shows follows them as glibc's headers do.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import { runClang, putFile, type Tree } from '../compiler/clang.js';
import { EMULATION_DEFINES } from '../compiler/build.js';

const runtimeDir = new URL('../runtime/', import.meta.url);
/** runtime/include/'s headers by relative path, as `kitsune build` mounts them. */
function overlayHeaders(sub = ''): string[] {
  return fs.readdirSync(new URL(`include/${sub}`, runtimeDir), { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? overlayHeaders(`${sub}${e.name}/`) : e.name.endsWith('.h') ? [sub + e.name] : []));
}
const OVERLAY = overlayHeaders();

const SERVER_HEADERS = `assert.h ctype.h errno.h fcntl.h limits.h locale.h signal.h stdarg.h stddef.h stdint.h inttypes.h
  stdio.h stdlib.h string.h strings.h time.h unistd.h dirent.h poll.h pwd.h grp.h syslog.h netdb.h termios.h
  arpa/inet.h netinet/in.h netinet/tcp.h sys/types.h sys/stat.h sys/time.h sys/socket.h sys/select.h sys/ioctl.h
  sys/wait.h sys/resource.h sys/utsname.h sys/uio.h sys/un.h sys/mman.h sys/param.h sys/file.h libgen.h fnmatch.h
  pthread.h sched.h glob.h regex.h search.h err.h sys/times.h utime.h math.h stdbool.h wchar.h langinfo.h kitsune.h`.split(/\s+/);

const MACROS = ['', '_XOPEN_SOURCE 500', '_XOPEN_SOURCE 600', '_XOPEN_SOURCE 700', '_POSIX_C_SOURCE 199309L', '_POSIX_C_SOURCE 199506L',
  '_POSIX_C_SOURCE 200112L', '_POSIX_C_SOURCE 200809L', '_GNU_SOURCE', '_DEFAULT_SOURCE', '_BSD_SOURCE'];
const family = (m: string) => m.split(' ')[0]!;
const CONFIGS: string[][] = [...MACROS.map((m) => (m ? [m] : []))];
for (let i = 1; i < MACROS.length; i++) for (let j = i + 1; j < MACROS.length; j++) if (family(MACROS[i]!) !== family(MACROS[j]!)) CONFIGS.push([MACROS[i]!, MACROS[j]!]);

// What the overlay declares whatever the macros say.
const ALWAYS = `
  sigset_t set; sigemptyset(&set); sigaddset(&set, SIGINT); sigprocmask(SIG_BLOCK, &set, 0);
  struct sigaction sa; memset(&sa, 0, sizeof sa); sa.sa_handler = SIG_IGN; sa.sa_flags = SA_RESTART; sigaction(SIGPIPE, &sa, 0);
  struct termios tio; tcgetattr(0, &tio); struct winsize ws; ioctl(0, TIOCGWINSZ, &ws);
  struct addrinfo hints = { 0 }, *ai; getaddrinfo("localhost", "80", &hints, &ai);
  int status = 0; pid_t child = waitpid(-1, &status, WNOHANG); (void)wait(&status);
  if (WIFEXITED(status) || WIFSIGNALED(status) || WEXITSTATUS(status) || WTERMSIG(status)) child = 0;
  struct passwd *pw = getpwnam("nobody"); struct group *gr = getgrgid(getgid()); (void)pw; (void)gr;
  openlog("probe", LOG_PID | LOG_NDELAY, LOG_DAEMON); syslog(LOG_NOTICE, "%d %m", (int)child); closelog();
  (void)getuid(); (void)geteuid(); (void)getegid(); (void)setuid(getuid()); (void)setgid(getgid());
  (void)fork(); (void)execvp("x", 0); (void)setsid(); (void)getppid(); (void)getpgrp();
  int fds[2]; (void)pipe(fds); (void)dup(0); (void)dup2(1, 2); (void)alarm(1); (void)pause();
  struct rlimit rl; getrlimit(RLIMIT_NOFILE, &rl); (void)umask(022); tzset();
  char name[] = "/tmp/pXXXXXX"; (void)mkstemp(name); (void)popen("x", "r");
  DIR *dir = opendir("."); struct dirent entry, *next; (void)readdir_r(dir, &entry, &next);
  time_t now = time(0); struct tm tm; localtime_r(&now, &tm);`;

const headersUnderTest = new Set([...OVERLAY, ...SERVER_HEADERS]);

function probe(config: string[]): string {
  const has = (f: string) => config.some((m) => family(m) === f);
  const gnu = has('_GNU_SOURCE');
  // musl (like glibc) shows BSD and XSI names when no macro asks otherwise.
  const bsd = gnu || has('_DEFAULT_SOURCE') || has('_BSD_SOURCE') || !config.length;
  const xsi = bsd || has('_XOPEN_SOURCE');
  return [
    ...config.map((m) => `#define ${m}`),
    ...[...headersUnderTest].map((h) => `#include <${h}>`),
    // A program that did not ask for GNU extensions may define one itself.
    ...(gnu ? [] : ['static char *strcasestr(const char *h, const char *n) { (void)n; return (char *)h; }']),
    'void probe(void) {', ALWAYS,
    ...(gnu ? ['  (void)strcasestr("Haystack", "STACK"); (void)pipe2(fds, 0); (void)dup3(0, 1, 0);'] : []),
    ...(bsd ? ['  (void)daemon(1, 1); gid_t g = 1000; (void)setgroups(1, &g); (void)initgroups("kitsune", 1000); (void)chroot("/");'] : []),
    ...(xsi ? ['  char path[4096]; (void)realpath(".", path);'] : []),
    '}', '',
  ].join('\n');
}

const tree: Tree = {};
const flags = ['-fsyntax-only', '-I/kitsune/include', ...EMULATION_DEFINES.map((d) => `-D${d}`), '-fdiagnostics-color=never',
  '-Werror=implicit-function-declaration', '-Werror=implicit-int', '-Wall', '-Wno-unused-function', '-Wno-unused-variable'];

for (const h of ['kitsune.h', 'kitsune_xf.h']) putFile(tree, `/kitsune/include/${h}`, fs.readFileSync(new URL(h, runtimeDir), 'utf8'));
for (const p of OVERLAY) putFile(tree, `/kitsune/include/${p}`, fs.readFileSync(new URL(`include/${p}`, runtimeDir), 'utf8'));

test('the overlay has the headers servers need that wasi-libc lacks', () => {
  for (const h of ['sys/wait.h', 'pwd.h', 'grp.h', 'syslog.h', 'netdb.h', 'termios.h', 'sys/resource.h']) assert.ok(OVERLAY.includes(h), `runtime/include/${h}`);
});

test(`every server header and overlay header, under ${CONFIGS.length} feature-macro settings (none, each alone, pairs)`, async () => {
  const failures: string[] = [];
  for (const [i, config] of CONFIGS.entries()) {
    const file = `/work/macros${i}.c`;
    putFile(tree, file, probe(config));
    const r = await runClang([...flags, file], tree);
    const errors = r.diagnostics.split('\n').filter((l) => /(error|warning):/.test(l));
    if (!r.ok || errors.length) failures.push(`${config.join(' + ') || '(no macro)'}:\n  ${errors.slice(0, 6).join('\n  ')}`);
  }
  assert.equal(failures, [], failures.join('\n'));
});

test('each overlay header compiles on its own, with no macro and with the strictest (_POSIX_C_SOURCE 200809L)', async () => {
  const failures: string[] = [];
  for (const h of OVERLAY) {
    for (const config of [[], ['_POSIX_C_SOURCE 200809L'], ['_XOPEN_SOURCE 500']]) {
      const file = `/work/alone-${h.replace(/\W/g, '_')}-${config.length}.c`;
      putFile(tree, file, `${config.map((m) => `#define ${m}\n`).join('')}#include <${h}>\nint main(void) { return 0; }\n`);
      const r = await runClang([...flags, file], tree);
      if (!r.ok || /error:|warning:/.test(r.diagnostics)) failures.push(`${h} (${config.join(' ') || 'no macro'}): ${r.diagnostics.split('\n').filter((l) => /error:|warning:/.test(l)).slice(0, 3).join('; ')}`);
    }
  }
  assert.equal(failures, [], failures.join('\n'));
});

test.run();

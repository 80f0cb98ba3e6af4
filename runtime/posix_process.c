/*
 * Processes, for programs built with kitsune-wasm. A Wasm instance cannot
 * fork or exec, so these behave as Linux does where that is not possible:
 * fork and exec fail with ENOSYS, and the process never has children (the
 * wait calls fail with ECHILD). It is alone in its session and process
 * group, whose id is its pid. Declared in runtime/include/ (unistd.h,
 * sys/wait.h, stdlib.h, stdio.h, sys/resource.h).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/resource.h>
#include <sys/wait.h>

pid_t fork(void) { errno = ENOSYS; return -1; }
pid_t vfork(void) { errno = ENOSYS; return -1; }

int execve(const char *path, char *const argv[], char *const envp[]) { (void)path; (void)argv; (void)envp; errno = ENOSYS; return -1; }
int execv(const char *path, char *const argv[]) { return execve(path, argv, 0); }
int execvp(const char *file, char *const argv[]) { return execve(file, argv, 0); }
int execvpe(const char *file, char *const argv[], char *const envp[]) { return execve(file, argv, envp); }
int fexecve(int fd, char *const argv[], char *const envp[]) { (void)fd; return execve("", argv, envp); }
int execl(const char *path, const char *arg, ...) { (void)arg; return execve(path, 0, 0); }
int execlp(const char *file, const char *arg, ...) { (void)arg; return execve(file, 0, 0); }
int execle(const char *path, const char *arg, ...) { (void)arg; return execve(path, 0, 0); }

/* POSIX: system(NULL) tells whether a command processor exists. */
int system(const char *command) {
  if (!command) return 0;
  errno = ENOSYS;
  return -1;
}

FILE *popen(const char *command, const char *mode) { (void)command; (void)mode; errno = ENOSYS; return 0; }
int pclose(FILE *f) { (void)f; errno = ECHILD; return -1; }

pid_t waitpid(pid_t pid, int *status, int options) { (void)pid; (void)status; (void)options; errno = ECHILD; return -1; }
pid_t wait(int *status) { return waitpid(-1, status, 0); }
pid_t wait3(int *status, int options, struct rusage *ru) { (void)ru; return waitpid(-1, status, options); }
pid_t wait4(pid_t pid, int *status, int options, struct rusage *ru) { (void)ru; return waitpid(pid, status, options); }
int waitid(idtype_t type, id_t id, siginfo_t *info, int options) { (void)type; (void)id; (void)info; (void)options; errno = ECHILD; return -1; }

/* Born a session and group leader: setsid succeeds once, as for a child of
 * a fork on Linux, and then fails with EPERM (already a group leader). */
static int session_made;
pid_t setsid(void) {
  if (session_made) { errno = EPERM; return -1; }
  session_made = 1;
  return getpid();
}
pid_t getsid(pid_t pid) {
  if (pid && pid != getpid()) { errno = ESRCH; return -1; }
  return getpid();
}
pid_t getpgrp(void) { return getpid(); }
pid_t getpgid(pid_t pid) { return getsid(pid); }
pid_t setpgrp(void) { return setpgid(0, 0); }
int setpgid(pid_t pid, pid_t pgid) {
  if (pid && pid != getpid()) { errno = ESRCH; return -1; }
  if (pgid && pgid != getpid()) { errno = EPERM; return -1; }
  return 0;
}
/* Its parent is the runner, which is no process here: init's pid, as for an orphan. */
pid_t getppid(void) { return 1; }
pid_t tcgetpgrp(int fd) {
  if (!isatty(fd)) { errno = ENOTTY; return -1; }
  return getpid();
}
int tcsetpgrp(int fd, pid_t pgrp) {
  if (!isatty(fd)) { errno = ENOTTY; return -1; }
  if (pgrp != getpid()) { errno = EPERM; return -1; }
  return 0;
}

/* daemon() forks so that the parent can exit; here the runner already
 * supervises the program, so it stays where it is, as under systemd's
 * Type=simple: a new session, the working directory "/" unless nochdir (if
 * the grants allow), and stdio left open (the runner shows what it writes). */
int daemon(int nochdir, int noclose) {
  (void)noclose;
  /* As glibc, a failing chdir is ignored (the sandbox may not grant "/"). */
  if (!nochdir) (void)chdir("/");
  if (!session_made) setsid();
  return 0;
}

/* One scheduling priority. Like an unprivileged Linux process, the program
 * may lower it (raise its nice value) but not raise it back. */
static int nice_value;
/* 0, or the errno for a `which`/`who` that names anything but this process. */
static int priority_target(int which, id_t who) {
  if (which < PRIO_PROCESS || which > PRIO_USER) return EINVAL;
  if (!who) return 0;
  if (which == PRIO_USER ? who == (id_t)getuid() : who == (id_t)getpid()) return 0;
  return ESRCH;
}
int getpriority(int which, id_t who) {
  int e = priority_target(which, who);
  if (e) { errno = e; return -1; }
  return nice_value;
}
int setpriority(int which, id_t who, int prio) {
  int e = priority_target(which, who);
  if (e) { errno = e; return -1; }
  if (prio > PRIO_MAX - 1) prio = PRIO_MAX - 1;
  if (prio < nice_value) { errno = EACCES; return -1; }
  nice_value = prio;
  return 0;
}
int nice(int inc) {
  int prio = nice_value + inc;
  if (prio > PRIO_MAX - 1) prio = PRIO_MAX - 1;
  if (prio < nice_value) { errno = EPERM; return -1; }
  nice_value = prio;
  return nice_value;
}

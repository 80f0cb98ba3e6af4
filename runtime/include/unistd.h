/*
 * kitsune-wasm POSIX overlay: <unistd.h>. wasi-libc hides what WASI itself
 * lacks; a program running under kitsune has it, from the host or from the
 * runtime (runtime/posix_*.c), with Linux's behaviour inside the sandbox:
 *   alarm, pause                      the host (signals)
 *   getuid... setuid..., setgroups    one synthetic user and group (uid and
 *                                     gid 1000, "kitsune"); changing them
 *                                     fails with EPERM unless nothing changes
 *   chroot                            EPERM, except chroot("/")
 *   fork, vfork, exec*                fail: ENOSYS (no processes in Wasm)
 *   setsid, getsid, getpgrp, setpgid  the process is alone in its session
 *   daemon                            stays in the foreground (the runner
 *                                     supervises it), see README
 *   pipe, dup, dup2, dup3             the host's descriptor table
 * Declarations follow the feature-test macros as glibc and musl do; no type
 * here depends on them.
 */
#include_next <unistd.h>
#ifndef KITSUNE_POSIX_UNISTD_H
#define KITSUNE_POSIX_UNISTD_H
#ifdef __cplusplus
extern "C" {
#endif

unsigned alarm(unsigned);
int pause(void);

int pipe(int [2]);
int dup(int);
int dup2(int, int);

pid_t fork(void);
int execve(const char *, char *const [], char *const []);
int execv(const char *, char *const []);
int execle(const char *, const char *, ...);
int execl(const char *, const char *, ...);
int execvp(const char *, char *const []);
int execlp(const char *, const char *, ...);
int fexecve(int, char *const [], char *const []);

pid_t getppid(void);
pid_t getpgrp(void);
pid_t getpgid(pid_t);
int setpgid(pid_t, pid_t);
pid_t setsid(void);
pid_t getsid(pid_t);
pid_t tcgetpgrp(int);
int tcsetpgrp(int, pid_t);

uid_t getuid(void);
uid_t geteuid(void);
gid_t getgid(void);
gid_t getegid(void);
int getgroups(int, gid_t []);
int setuid(uid_t);
int seteuid(uid_t);
int setgid(gid_t);
int setegid(gid_t);

int chown(const char *, uid_t, gid_t);
int fchown(int, uid_t, gid_t);
int lchown(const char *, uid_t, gid_t);

#if defined(_XOPEN_SOURCE) || defined(_GNU_SOURCE) || defined(_BSD_SOURCE)
int setreuid(uid_t, uid_t);
int setregid(gid_t, gid_t);
int nice(int);
pid_t setpgrp(void);
#endif

#if defined(_GNU_SOURCE) || defined(_BSD_SOURCE)
pid_t vfork(void);
int chroot(const char *);
int getdtablesize(void);
int setgroups(size_t, const gid_t *);
int daemon(int, int);
int execvpe(const char *, char *const [], char *const []);
#endif

#ifdef _GNU_SOURCE
int pipe2(int [2], int);
int dup3(int, int, int);
int setresuid(uid_t, uid_t, uid_t);
int setresgid(gid_t, gid_t, gid_t);
int getresuid(uid_t *, uid_t *, uid_t *);
int getresgid(gid_t *, gid_t *, gid_t *);
#endif

#ifdef __cplusplus
}
#endif
#endif

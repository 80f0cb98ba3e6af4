/*
 * kitsune-wasm POSIX overlay: <sys/wait.h>, absent from wasi-libc. A program
 * in Wasm cannot fork (fork fails with ENOSYS), so it never has children:
 * wait, waitpid, waitid, wait3 and wait4 fail with ECHILD, as on Linux for a
 * process without children. The W* macros decode Linux's status words.
 */
#ifndef KITSUNE_POSIX_SYS_WAIT_H
#define KITSUNE_POSIX_SYS_WAIT_H
#include <sys/types.h>
#include <signal.h>
#ifdef __cplusplus
extern "C" {
#endif

#ifndef WNOHANG
#define WNOHANG 1
#define WUNTRACED 2
#endif
#define WSTOPPED 2
#define WEXITED 4
#define WCONTINUED 8
#define WNOWAIT 0x1000000

#ifndef WEXITSTATUS
#define WEXITSTATUS(s) (((s) & 0xff00) >> 8)
#define WTERMSIG(s) ((s) & 0x7f)
#define WSTOPSIG(s) WEXITSTATUS(s)
#define WIFEXITED(s) (!WTERMSIG(s))
#define WIFSTOPPED(s) ((short)((((s) & 0xffff) * 0x10001U) >> 8) > 0x7f00)
#define WIFSIGNALED(s) (((s) & 0xffff) - 1U < 0xffu)
#endif
#ifndef WCOREDUMP
#define WCOREDUMP(s) ((s) & 0x80)
#define WIFCONTINUED(s) ((s) == 0xffff)
#endif

typedef enum { P_ALL = 0, P_PID = 1, P_PGID = 2, P_PIDFD = 3 } idtype_t;

struct rusage;

pid_t wait(int *);
pid_t waitpid(pid_t, int *, int);
int waitid(idtype_t, id_t, siginfo_t *, int);
#if defined(_GNU_SOURCE) || defined(_BSD_SOURCE)
pid_t wait3(int *, int, struct rusage *);
pid_t wait4(pid_t, int *, int, struct rusage *);
#endif

#ifdef __cplusplus
}
#endif
#endif

/*
 * kitsune-wasm POSIX overlay: <signal.h>. wasi-libc's header (with
 * _WASI_EMULATED_SIGNAL) has signal() and raise() only; the host adds
 * sigaction, kill, alarm and delivery of SIGINT, SIGTERM, SIGWINCH, SIGALRM,
 * SIGUSR1... to handlers at safe points (any call into the host), and
 * sigprocmask masks, enforced (sigset_t is Linux's: __typedef_sigset_t.h).
 */
#ifndef _WASI_EMULATED_SIGNAL
#define _WASI_EMULATED_SIGNAL
#endif
#include_next <signal.h>
#ifndef KITSUNE_POSIX_SIGNAL_H
#define KITSUNE_POSIX_SIGNAL_H
#include <sys/types.h>
/* wasi-libc's headers define sigset_t only under some feature macros (through
 * <sys/select.h> when _BSD_SOURCE or _GNU_SOURCE is on): take it directly. */
#include <__typedef_sigset_t.h>
#ifndef __DEFINED_sigset_t
#define __DEFINED_sigset_t
#endif

#ifdef __cplusplus
extern "C" {
#endif

#define SA_NOCLDSTOP 1
#define SA_NOCLDWAIT 2
#define SA_SIGINFO 4
#define SA_ONSTACK 0x08000000
#define SA_RESTART 0x10000000
#define SA_NODEFER 0x40000000
#define SA_RESETHAND 0x80000000

#define SIG_BLOCK 0
#define SIG_UNBLOCK 1
#define SIG_SETMASK 2

typedef struct {
  int si_signo, si_errno, si_code;
  int __pad[29];
} siginfo_t;

struct sigaction {
  union {
    void (*sa_handler)(int);
    void (*sa_sigaction)(int, siginfo_t *, void *);
  } __sa_handler;
  sigset_t sa_mask;
  int sa_flags;
  void (*sa_restorer)(void);
};
#define sa_handler __sa_handler.sa_handler
#define sa_sigaction __sa_handler.sa_sigaction

int kill(pid_t, int);
int sigaction(int, const struct sigaction *__restrict, struct sigaction *__restrict);
int sigemptyset(sigset_t *);
int sigfillset(sigset_t *);
int sigaddset(sigset_t *, int);
int sigdelset(sigset_t *, int);
int sigismember(const sigset_t *, int);
int sigprocmask(int, const sigset_t *__restrict, sigset_t *__restrict);
int sigpending(sigset_t *);
int sigsuspend(const sigset_t *);
int pthread_sigmask(int, const sigset_t *__restrict, sigset_t *__restrict);
int siginterrupt(int, int);

#ifdef __cplusplus
}
#endif
#endif

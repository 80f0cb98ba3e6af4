/*
 * kitsune-wasm POSIX overlay: <sys/resource.h>. wasi-libc has getrusage only
 * (it needs -D_WASI_EMULATED_PROCESS_CLOCKS, which kitsune build passes).
 * getrlimit reports the sandbox's limits (RLIMIT_NOFILE: the descriptor
 * table's size; RLIMIT_CORE: 0; the rest RLIM_INFINITY); setrlimit accepts
 * what Linux lets an unprivileged process do (lower a limit, raise the soft
 * one up to the hard one) and getrlimit reports it back; nothing enforces
 * the new values. getpriority/setpriority: one priority, 0; lowering it
 * (a higher nice value) is accepted and reported, raising it is EACCES.
 */
#ifndef _WASI_EMULATED_PROCESS_CLOCKS
#define _WASI_EMULATED_PROCESS_CLOCKS
#endif
#include_next <sys/resource.h>
#ifndef KITSUNE_POSIX_SYS_RESOURCE_H
#define KITSUNE_POSIX_SYS_RESOURCE_H
#include <sys/types.h>
#ifdef __cplusplus
extern "C" {
#endif

typedef unsigned long long rlim_t;
struct rlimit {
  rlim_t rlim_cur;
  rlim_t rlim_max;
};

#ifndef RLIM_INFINITY
#define RLIM_INFINITY (~0ULL)
#define RLIM_SAVED_CUR RLIM_INFINITY
#define RLIM_SAVED_MAX RLIM_INFINITY
#endif
#ifndef RLIMIT_CPU
#define RLIMIT_CPU 0
#define RLIMIT_FSIZE 1
#define RLIMIT_DATA 2
#define RLIMIT_STACK 3
#define RLIMIT_CORE 4
#define RLIMIT_RSS 5
#define RLIMIT_NPROC 6
#define RLIMIT_NOFILE 7
#define RLIMIT_MEMLOCK 8
#define RLIMIT_AS 9
#define RLIMIT_LOCKS 10
#define RLIMIT_SIGPENDING 11
#define RLIMIT_MSGQUEUE 12
#define RLIMIT_NICE 13
#define RLIMIT_RTPRIO 14
#define RLIMIT_RTTIME 15
#define RLIMIT_NLIMITS 16
#define RLIM_NLIMITS RLIMIT_NLIMITS
#endif
#ifndef PRIO_PROCESS
#define PRIO_MIN (-20)
#define PRIO_MAX 20
#define PRIO_PROCESS 0
#define PRIO_PGRP 1
#define PRIO_USER 2
#endif

int getrlimit(int, struct rlimit *);
int setrlimit(int, const struct rlimit *);
int getpriority(int, id_t);
int setpriority(int, id_t, int);

#ifdef __cplusplus
}
#endif
#endif

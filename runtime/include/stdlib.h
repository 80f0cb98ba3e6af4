/*
 * kitsune-wasm POSIX overlay: <stdlib.h> adds mkstemp and its relatives
 * (files under the --dir grants, names from getentropy), and the W* macros
 * that decode system()'s status. system(NULL) is 0 (no shell) and
 * system(cmd) fails with ENOSYS: a program in Wasm cannot start processes.
 */
#include_next <stdlib.h>
#ifndef KITSUNE_POSIX_STDLIB_H
#define KITSUNE_POSIX_STDLIB_H
#ifdef __cplusplus
extern "C" {
#endif

#if defined(_POSIX_SOURCE) || defined(_POSIX_C_SOURCE) || defined(_XOPEN_SOURCE) || defined(_GNU_SOURCE) || defined(_BSD_SOURCE)
int mkstemp(char *);
int mkostemp(char *, int);
char *mkdtemp(char *);
#ifndef WNOHANG
#define WNOHANG 1
#define WUNTRACED 2
#endif
#ifndef WEXITSTATUS
#define WEXITSTATUS(s) (((s) & 0xff00) >> 8)
#define WTERMSIG(s) ((s) & 0x7f)
#define WSTOPSIG(s) WEXITSTATUS(s)
#define WIFEXITED(s) (!WTERMSIG(s))
#define WIFSTOPPED(s) ((short)((((s) & 0xffff) * 0x10001U) >> 8) > 0x7f00)
#define WIFSIGNALED(s) (((s) & 0xffff) - 1U < 0xffu)
#endif
#endif

#if defined(_GNU_SOURCE) || defined(_BSD_SOURCE)
char *mktemp(char *);
int mkstemps(char *, int);
int mkostemps(char *, int, int);
#ifndef WCOREDUMP
#define WCOREDUMP(s) ((s) & 0x80)
#define WIFCONTINUED(s) ((s) == 0xffff)
#endif
#endif

#ifdef __cplusplus
}
#endif
#endif

/*
 * kitsune-wasm POSIX overlay: <stdio.h> adds popen() and pclose(). A program
 * in Wasm cannot start processes: popen returns NULL with errno ENOSYS, and
 * pclose of anything popen did not return is ECHILD.
 */
#include_next <stdio.h>
#ifndef KITSUNE_POSIX_STDIO_H
#define KITSUNE_POSIX_STDIO_H
#ifdef __cplusplus
extern "C" {
#endif
#if defined(_POSIX_SOURCE) || defined(_POSIX_C_SOURCE) || defined(_XOPEN_SOURCE) || defined(_GNU_SOURCE) || defined(_BSD_SOURCE)
FILE *popen(const char *, const char *);
int pclose(FILE *);
#endif
#ifdef __cplusplus
}
#endif
#endif

/*
 * kitsune-wasm POSIX overlay: <sys/sendfile.h>, which wasi-libc lacks.
 * sendfile copies through the runtime (runtime/posix_files.c) with Linux's
 * results: the bytes written, *offset advanced (and in_fd's offset left
 * alone) when offset is given, in_fd's offset advanced otherwise.
 */
#ifndef KITSUNE_POSIX_SYS_SENDFILE_H
#define KITSUNE_POSIX_SYS_SENDFILE_H
#include <sys/types.h>
#ifdef __cplusplus
extern "C" {
#endif

ssize_t sendfile(int, int, off_t *, size_t);

#ifdef __cplusplus
}
#endif
#endif

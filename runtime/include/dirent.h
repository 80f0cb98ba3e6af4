/* kitsune-wasm POSIX overlay: <dirent.h> adds readdir_r(), which wasi-libc leaves out as obsolete. */
#include_next <dirent.h>
#ifndef KITSUNE_POSIX_DIRENT_H
#define KITSUNE_POSIX_DIRENT_H
#ifdef __cplusplus
extern "C" {
#endif
int readdir_r(DIR *__restrict, struct dirent *__restrict, struct dirent **__restrict);
#ifdef __cplusplus
}
#endif
#endif

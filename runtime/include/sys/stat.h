/*
 * kitsune-wasm POSIX overlay: <sys/stat.h> adds umask(). WASI files carry no
 * permission bits, so the mask is kept and reported (umask returns the
 * previous one, 022 at start) but changes no file's mode.
 */
#include_next <sys/stat.h>
#ifndef KITSUNE_POSIX_SYS_STAT_H
#define KITSUNE_POSIX_SYS_STAT_H
#ifdef __cplusplus
extern "C" {
#endif
mode_t umask(mode_t);
#ifdef __cplusplus
}
#endif
#endif

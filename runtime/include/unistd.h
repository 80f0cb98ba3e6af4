/* kitsune-wasm POSIX overlay: <unistd.h> adds alarm() and pause(). */
#include_next <unistd.h>
#ifndef KITSUNE_POSIX_UNISTD_H
#define KITSUNE_POSIX_UNISTD_H
#ifdef __cplusplus
extern "C" {
#endif
unsigned alarm(unsigned);
int pause(void);
#ifdef __cplusplus
}
#endif
#endif

/*
 * kitsune-wasm POSIX overlay: sigset_t. wasi-libc has a one-byte placeholder
 * (no signals in WASI), which cannot hold SIGTERM; this is Linux's (musl's)
 * 128 bytes, bit n-1 for signal n, so that sigprocmask masks every signal
 * and is enforced (wasm-driver/worker/signals.ts). wasi-libc's own code
 * never looks inside one (pselect refuses a mask), so the size is free to
 * change. The guard is wasi-libc's, so its header is never read after this.
 */
#ifndef __wasilibc___typedef_sigset_t_h
#define __wasilibc___typedef_sigset_t_h

typedef struct __sigset_t { unsigned long __bits[128 / sizeof(long)]; } sigset_t;

#endif

/*
 * kitsune-wasm overlay: <setjmp.h>. wasi-libc's asks for Wasm exception
 * handling, which Asyncify cannot unwind through. Instead the build lowers
 * setjmp/longjmp as LLVM does for Emscripten (-enable-emscripten-sjlj): a
 * function that calls setjmp makes its calls through invoke_* wrappers of the
 * host, longjmp throws to the nearest one, and the function dispatches on the
 * label its setjmp recorded (runtime/kitsune_setjmp.c). A jmp_buf is only
 * good within the version that filled it: one kept across an update names a
 * frame that is gone.
 */
#ifndef _SETJMP_H
#define _SETJMP_H
#ifdef __cplusplus
extern "C" {
#endif
typedef struct __kitsune_jmp_buf { void *__frame; unsigned __label; unsigned __pad[6]; } jmp_buf[1];
typedef jmp_buf sigjmp_buf;
int setjmp(jmp_buf) __attribute__((__returns_twice__));
_Noreturn void longjmp(jmp_buf, int);
#define _setjmp(env) setjmp(env)
#define _longjmp(env, val) longjmp(env, val)
/* No signal mask to save here: sigsetjmp is setjmp. */
#define sigsetjmp(env, save) setjmp(env)
#define siglongjmp(env, val) longjmp(env, val)
#ifdef __cplusplus
}
#endif
#endif

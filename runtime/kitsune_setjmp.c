/*
 * setjmp/longjmp for versions built with LLVM's Emscripten-style lowering
 * (include/setjmp.h): what the lowered code calls. setjmp records, in the
 * jmp_buf, the calling function's invocation (an address in its frame) and
 * the label to resume at; longjmp stores where it goes in __THREW__ and
 * __threwValue and throws to the host, whose invoke_* wrapper (the nearest
 * call made from a setjmp-calling function, worker/linker.ts) returns; the
 * lowered code then asks __wasm_setjmp_test whether that jmp_buf is its own,
 * and throws on outward if not.
 */
#include <stdint.h>

struct jmp_buf_impl { void *frame; uint32_t label; };

uintptr_t __THREW__;
int __threwValue;
static int temp_ret0;

void setTempRet0(int v) { temp_ret0 = v; }
int getTempRet0(void) { return temp_ret0; }

void __wasm_setjmp(void *env, uint32_t label, void *frame) {
  struct jmp_buf_impl *jb = env;
  jb->frame = frame;
  jb->label = label;
}

uint32_t __wasm_setjmp_test(void *env, void *frame) {
  struct jmp_buf_impl *jb = env;
  return jb->frame == frame ? jb->label : 0;
}

__attribute__((import_module("env"), import_name("__kitsune_throw_longjmp"))) _Noreturn void __kitsune_throw_longjmp(void);

_Noreturn void emscripten_longjmp(uintptr_t env, int val) {
  if (__THREW__ == 0) {
    __THREW__ = env;
    __threwValue = val ? val : 1;   /* longjmp(env, 0) makes setjmp return 1 */
  }
  __kitsune_throw_longjmp();
}

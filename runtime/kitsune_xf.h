/*
 * kitsune_xf.h: support for the migration code that `kitsune build --from`
 * generates (compiler/xf-gen.ts). Not for programs to include.
 *
 * Generated transforms turn one old value into one new value. Pointers are
 * not followed recursively: a pointer to an object that must change is
 * mapped to its new address at once and the object is queued here, so a
 * list of a million nodes needs a queue, not a million stack frames.
 */
#ifndef KITSUNE_XF_H
#define KITSUNE_XF_H
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define KX_IMPORT(name) __attribute__((import_module("env"), import_name(#name)))

/* In the runtime (runtime/kitsune_xf.c). */
void *__kitsune_xf_lookup(const void *old);
void *__kitsune_xf_place(const void *old, size_t bytes, int *fresh);
int __kitsune_xf_insert(const void *old, void *neu, int deep);
const void *__kitsune_xf_journal(void *addr, size_t size);
int __kitsune_xf_in_old_data(const void *p);
int __kitsune_xf_is_block(const void *p);
void __kitsune_wipe(void *p, size_t n);

/* In the host (wasm-driver/program.ts). */
KX_IMPORT(__kitsune_xf_fail) void __kitsune_xf_fail(const char *what, const void *where);
KX_IMPORT(__kitsune_xf_fn) uintptr_t __kitsune_xf_fn(uintptr_t slot, const char *where);
KX_IMPORT(__kitsune_xf_data) void *__kitsune_xf_data(const void *p);

typedef void (*kx_fn)(void *out, const void *in);
typedef struct { kx_fn fn; void *out; const void *in; size_t n, out_size, in_size; } kx_item;

static kx_item *kx_queue;
static size_t kx_len, kx_cap;

static void kx_push(kx_fn fn, void *out, const void *in, size_t n, size_t out_size, size_t in_size) {
  if (kx_len == kx_cap) {
    size_t cap = kx_cap ? kx_cap * 2 : 1024;
    kx_item *q = (kx_item *)realloc(kx_queue, cap * sizeof *q);
    if (!q) __kitsune_xf_fail("out of memory for the migration queue", 0);
    kx_queue = q;
    kx_cap = cap;
  }
  kx_item it = { fn, out, in, n, out_size, in_size };
  kx_queue[kx_len++] = it;
}

/* Runs queued transforms until none is left. In place (out == in), the old
 * bytes are journaled first and the transform reads the saved copy. */
static void kx_drain(void) {
  while (kx_len) {
    kx_item it = kx_queue[--kx_len];
    const char *in = (const char *)it.in;
    if (it.out == it.in) {
      in = (const char *)__kitsune_xf_journal(it.out, it.n * it.in_size);
      if (!in) __kitsune_xf_fail("out of memory for the rollback journal", it.out);
      memset(it.out, 0, it.n * it.out_size);
    }
    for (size_t i = 0; i < it.n; i++) it.fn((char *)it.out + i * it.out_size, in + i * it.in_size);
  }
  __kitsune_wipe(kx_queue, kx_cap * sizeof *kx_queue); /* see clear() in kitsune_xf.c */
  free(kx_queue);
  kx_queue = 0;
  kx_len = kx_cap = 0;
}

/*
 * The new address for an old pointer to `n` objects of a type that changes.
 * Seen before: its new address. In the old static data (a global): the host
 * remaps it by key. Otherwise it must be a heap block: a deep transform
 * (new size) gets a new zeroed block and frees the old one at commit; a
 * shallow one (same size) is transformed where it is.
 */
static void *kx_ptr(const void *old, size_t n, size_t out_size, size_t in_size, kx_fn fn, const char *what) {
  if (!old) return 0;
  if (__kitsune_xf_in_old_data(old)) {
    void *mapped = __kitsune_xf_lookup(old);
    return mapped ? mapped : __kitsune_xf_data(old);
  }
  int fresh;
  void *neu = __kitsune_xf_place(old, out_size == in_size ? 0 : (n ? n : 1) * out_size, &fresh);
  if (fresh < 0) __kitsune_xf_fail(what, old);
  if (!neu) __kitsune_xf_fail("out of memory for a transformed object or the address map", old);
  if (fresh) kx_push(fn, neu, old, n, out_size, in_size);
  return neu;
}

/* A pointer whose target does not change: only addresses in the old static
 * data move (globals by key, string literals to the new identical one). */
static inline void *kx_keep(const void *old) {
  return old && __kitsune_xf_in_old_data(old) ? __kitsune_xf_data(old) : (void *)old;
}

#endif

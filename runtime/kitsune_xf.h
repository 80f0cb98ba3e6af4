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
uintptr_t __kitsune_xf_move(const void *old, size_t bytes);
const void *__kitsune_xf_journal(void *addr, size_t size);
int __kitsune_xf_in_old_data(const void *p);
void __kitsune_wipe(void *p, size_t n);
/* __kitsune_xf_move's flags, in the low bits of the address it answers (kitsune_xf.c). */
#define KX_MOVE_FRESH 1u
#define KX_MOVE_DATA 2u
#define KX_MOVE_NOT_BLOCK 4u

/* In the host (wasm-driver/program.ts). */
KX_IMPORT(__kitsune_xf_fail) void __kitsune_xf_fail(const char *what, const void *where);
KX_IMPORT(__kitsune_xf_fn) uintptr_t __kitsune_xf_fn(uintptr_t slot, const char *where);
KX_IMPORT(__kitsune_xf_data) void *__kitsune_xf_data(const void *p);

/*
 * The new address of `old`, an object that moves to a block of `bytes`
 * bytes (0: it is transformed in place), in one call to the runtime. A heap
 * block seen before keeps its new address; one not seen yet is placed now,
 * and `fresh` says its transform must be queued; an address in the old static
 * data or in a variable's cell moves by key (the host remaps it); anything
 * else cannot move: the update fails with `what`.
 */
static inline void *kx_move(const void *old, size_t bytes, int *fresh, const char *what) {
  uintptr_t r = __kitsune_xf_move(old, bytes);
  void *neu = (void *)(r & ~(uintptr_t)7);
  *fresh = (r & KX_MOVE_FRESH) != 0;
  if (neu) return neu;
  if (r & KX_MOVE_DATA) return __kitsune_xf_data(old);
  __kitsune_xf_fail(r & KX_MOVE_NOT_BLOCK ? what : "out of memory for a transformed object or the address map", old);
  return 0;
}

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

/* How deep deep transforms call each other before the rest goes to the queue. */
#define KX_DEPTH 64
static unsigned kx_depth;

/*
 * The new address for an old pointer to `n` objects of a type that changes.
 * Seen before: its new address. In the old static data (a global): the host
 * remaps it by key. Otherwise it must be a heap block: a deep transform
 * (new size) gets a new zeroed block and frees the old one at commit; a
 * shallow one (same size) is transformed where it is. A deep transform runs
 * at once (its old object stays as it is until commit, so the order does not
 * matter), up to KX_DEPTH nested ones: a list or a tree then costs a direct
 * call per object, not a trip through the queue; a shallow one is queued,
 * to be journaled first.
 */
static void *kx_ptr(const void *old, size_t n, size_t out_size, size_t in_size, kx_fn fn, const char *what) {
  if (!old) return 0;
  int fresh;
  void *neu = kx_move(old, out_size == in_size ? 0 : (n ? n : 1) * out_size, &fresh, what);
  if (!fresh) return neu;
  if (neu == old || kx_depth >= KX_DEPTH) { kx_push(fn, neu, old, n, out_size, in_size); return neu; }
  kx_depth++;
  for (size_t i = 0; i < n; i++) fn((char *)neu + i * out_size, (const char *)old + i * in_size);
  kx_depth--;
  return neu;
}

/* A pointer whose target does not change: only addresses in the old static
 * data move (globals by key, string literals to the new identical one). */
static inline void *kx_keep(const void *old) {
  return old && __kitsune_xf_in_old_data(old) ? __kitsune_xf_data(old) : (void *)old;
}


/*
 * Kitsune's transformer closures (transform.h), for .xf rule bodies:
 *   XF_ASSIGN(target, src)       copy the old value's bytes
 *   XF_INVOKE(c, in, out)        run closure c on the old value at `in`, into `out`
 *   XF_RAW(size)                 copy `size` bytes
 *   XF_FPTR()                    a function pointer: the new version's function of the same name
 *   XF_PTR(c)                    a pointer to one object that c transforms
 *   XF_ARRAY(n, from, to, c)     n elements of `from` bytes, each c'd into `to` bytes
 *   XF_PTRARRAY(n, from, to, c)  a pointer to such an array
 *   XF_NTARRAY(from, to, c)      a pointer to elements up to an all-zero one
 *   XF_NTSTR()                   a pointer to a NUL-terminated string
 * A pointer's target moves to a block of the new size when the sizes differ
 * and is transformed in place (journaled, for a rollback) when they do not,
 * as generated transforms do; each object is transformed once.
 */
#define XF_ASSIGN(target, src) memcpy(&(target), &(src), sizeof(target))
#define XF_ASSERT_NULL(target, src) do { if ((src) != NULL) __kitsune_xf_fail("XF_ASSERT_NULL: the old value is not NULL", &(src)); (target) = NULL; } while (0)

enum { KX_RAW, KX_FPTR, KX_PTR, KX_ARRAY, KX_NTARRAY, KX_FUN };
/* A transformer function of Kitsune's shape (transform.h's `xf`): old value, new value, generic arguments. */
typedef void (*kx_xf)(void *in, void *out, int num_args, void **args);
typedef struct kx_closure { int kind; size_t count, from, to; const struct kx_closure *target; kx_xf fun; int nargs; void **args; } kx_closure;

#define XF_RAW(sz) (&(const kx_closure){ KX_RAW, 1, (sz), (sz), 0 })
#define XF_FPTR() (&(const kx_closure){ KX_FPTR, 1, sizeof(void *), sizeof(void *), 0 })
#define XF_PTR(c) (&(const kx_closure){ KX_PTR, 1, 0, 0, (c) })
#define XF_ARRAY(n, from_sz, to_sz, c) (&(const kx_closure){ KX_ARRAY, (n), (from_sz), (to_sz), (c) })
#define XF_PTRARRAY(n, from_sz, to_sz, c) XF_PTR(XF_ARRAY(n, from_sz, to_sz, c))
#define XF_NTARRAY(from_sz, to_sz, c) (&(const kx_closure){ KX_NTARRAY, 0, (from_sz), (to_sz), (c) })
#define XF_NTSTR() XF_NTARRAY(sizeof(char), sizeof(char), XF_RAW(sizeof(char)))
#define XF_INVOKE(c, in, out) kx_invoke((c), (in), (out))
/* A function lifted into a closure, as transform.h's XF_LIFT and XF_CLOSURE make them; the strategy
 * (XF_SHALLOW, XF_DEEP) follows from the sizes here, as for generated transforms. */
#define XF_LIFT(fun, strategy, size_old, size_new) (&(const kx_closure){ KX_FUN, 1, (size_old), (size_new), 0, (kx_xf)(fun), 0, 0 })
#define XF_CLOSURE(fun, strategy, size_old, size_new, ...) \
  (&(const kx_closure){ KX_FUN, 1, (size_old), (size_new), 0, (kx_xf)(fun), (int)(sizeof((void *[]){ __VA_ARGS__ }) / sizeof(void *)), (void *[]){ __VA_ARGS__ } })

static inline size_t kx_size(const kx_closure *c, int new_side) {
  switch (c->kind) {
  case KX_ARRAY: return c->count * (new_side ? c->to : c->from);
  case KX_PTR: case KX_NTARRAY: case KX_FPTR: return sizeof(void *);
  default: return new_side ? c->to : c->from;
  }
}

static inline void kx_invoke(const kx_closure *c, const void *in, void *out);

/* The new address of an old object of `n` elements that c transforms. */
static inline void *kx_closure_target(const kx_closure *c, const void *old, size_t n) {
  if (!old) return 0;
  size_t from = kx_size(c, 0), to = kx_size(c, 1);
  int fresh;
  void *neu = kx_move(old, from == to ? 0 : n * to, &fresh, "XF_PTR: the pointer is not the start of a heap block");
  if (!fresh) return neu;
  const char *src = (const char *)old;
  if (neu == old) {
    src = (const char *)__kitsune_xf_journal(neu, n * from);
    if (!src) __kitsune_xf_fail("out of memory for the rollback journal", neu);
  }
  for (size_t i = 0; i < n; i++) kx_invoke(c, src + i * from, (char *)neu + i * to);
  return neu;
}

static inline void kx_invoke(const kx_closure *c, const void *in, void *out) {
  switch (c->kind) {
  case KX_RAW: memmove(out, in, c->to); break;
  case KX_FUN: c->fun((void *)in, out, c->nargs, c->args); break;
  case KX_FPTR: {
    uintptr_t slot;
    memcpy(&slot, in, sizeof slot);
    slot = __kitsune_xf_fn(slot, "XF_FPTR in a rule");
    memcpy(out, &slot, sizeof slot);
    break;
  }
  case KX_PTR: {
    const void *old;
    memcpy(&old, in, sizeof old);
    size_t n = c->target->kind == KX_ARRAY ? c->target->count : 1;
    const kx_closure *each = c->target->kind == KX_ARRAY ? c->target->target : c->target;
    void *neu = c->target->kind == KX_ARRAY && kx_size(each, 0) != c->target->from
      ? (__kitsune_xf_fail("XF_ARRAY: element sizes disagree with the closure", old), (void *)0)
      : kx_closure_target(each, old, n);
    memcpy(out, &neu, sizeof neu);
    break;
  }
  case KX_ARRAY:
    for (size_t i = 0; i < c->count; i++) kx_invoke(c->target, (const char *)in + i * c->from, (char *)out + i * c->to);
    break;
  case KX_NTARRAY: {
    const char *old;
    memcpy(&old, in, sizeof old);
    size_t n = 0;
    if (old) {
      for (;; n++) {
        size_t k = 0;
        while (k < c->from && !old[n * c->from + k]) k++;
        if (k == c->from) break;
      }
      n++; /* the terminator moves too */
    }
    void *neu = kx_closure_target(c->target, old, n);
    memcpy(out, &neu, sizeof neu);
    break;
  }
  }
}

#endif

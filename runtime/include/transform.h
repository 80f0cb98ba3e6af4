/*
 * Kitsune's transformer library (kitsune-core src/transform.h), for the
 * dsu.c that Kitsune's xfgen writes or a person writes by hand: closures
 * built with XF_RAW, XF_PTR, XF_ARRAY, XF_PTRARRAY, XF_NTARRAY, XF_NTSTR,
 * XF_FPTR, XF_LIFT and XF_CLOSURE, run with XF_INVOKE. They are the same
 * closures .xf rule bodies use (kitsune_xf.h): a pointer's target moves to a
 * block of its new size when the sizes differ (XF_DEEP) and is transformed
 * in place, journaled for a rollback, when they do not; each object is
 * transformed once, so sharing and cycles survive.
 *
 * Here closures are built where they are used (compound literals), not
 * allocated: a closure lives until the end of the block that made it.
 * transform_register_renaming() and transform_mapped_name() have no effect
 * here: a renamed variable is migrated by the spec the new version is built
 * with (`kitsune build --from OLD --xf SPEC`, a rule `old -> new`).
 */
#ifndef KITSUNE_TRANSFORM_H
#define KITSUNE_TRANSFORM_H
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
#include <kitsune.h>

/* kitsune_xf.h's helpers are static: a file that uses few of them must not warn about the others. */
#pragma clang diagnostic push
#pragma clang diagnostic ignored "-Wunused-function"
#pragma clang diagnostic ignored "-Wunused-variable"
#include <kitsune_xf.h>
#pragma clang diagnostic pop

#define EKIDEN_OLD_TYPE(t) _kitsune_old_rename_##t
#define EKIDEN_NEW_TYPE(t) _kitsune_new_rename_##t

typedef void (*xf)(void *in, void *out, int num_gen_args, void **gen_args);
typedef const kx_closure closure;
typedef enum { XF_SHALLOW, XF_DEEP, XF_TARGET } copy_opt;

static inline void transform_register_renaming(const char *old_key, const char *new_key) { (void)old_key; (void)new_key; }
static inline char *transform_mapped_name(const char *old_key) { (void)old_key; return 0; }
static inline void transform_invoke_closure(closure *c, void *in, void *out) { kx_invoke(c, in, out); }

#endif

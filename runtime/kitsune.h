/*
 * kitsune.h: the Kitsune DSU API for programs built with kitsune-wasm.
 *
 * Source-compatible with Kitsune's kitsune.h for the calls a program makes:
 * update points, control migration, state migration and the annotations.
 * Like Kitsune's header it brings in the libc headers Kitsune programs rely on.
 */
#ifndef KITSUNE_WASM_H
#define KITSUNE_WASM_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>
#include <stdarg.h>
#include <stddef.h>
#include <signal.h>

#ifdef __cplusplus
extern "C" {
#endif

#define KITSUNE_IMPORT(name) __attribute__((import_module("env"), import_name(#name)))

/* Non-zero while an update is requested or under way. Lives in the persistent
 * runtime's memory; the host raises it from another thread, so it is read with
 * one plain load and no call when nothing is pending. Its bits are
 * wasm-driver/common/state-word.ts's STATE_BITS (the runtime build checks
 * that the two agree). */
#define KITSUNE_STATE_REQUESTED 1 /* an update is requested: the next update point takes it */
#define KITSUNE_STATE_UPDATING 2  /* a new version runs, before commit */
extern volatile int __kitsune_state;

/* The slow path of an update point: the only import the Asyncify pass treats
 * as able to unwind the stack. */
KITSUNE_IMPORT(__kitsune_update_point) void __kitsune_update_point(const char *point);

KITSUNE_IMPORT(kitsune_is_updating) int kitsune_is_updating(void);
KITSUNE_IMPORT(kitsune_is_updating_from) int kitsune_is_updating_from(const char *point);
KITSUNE_IMPORT(kitsune_signal_update) void kitsune_signal_update(void);
KITSUNE_IMPORT(kitsune_clear_request) void kitsune_clear_request(void);
KITSUNE_IMPORT(kitsune_set_next_version) void kitsune_set_next_version(const char *path);
KITSUNE_IMPORT(kitsune_do_automigrate) void kitsune_do_automigrate(void);
KITSUNE_IMPORT(kitsune_has_updated) int kitsune_has_updated(void);

/* Migrates one variable from the old version by its key (see MIGRATE_*).
 * Returns 1 when it was migrated, 0 when no update is under way or the old
 * version has no such variable. A type change that nothing migrates aborts
 * the update, which then rolls back. */
KITSUNE_IMPORT(__kitsune_migrate_var)
int __kitsune_migrate_var(const char *name, const char *func, const char *file, void *addr, size_t size);

/* An update point: when an update is pending, the running version is
 * abandoned here and the next one takes over. */
static inline __attribute__((always_inline)) void kitsune_update(const char *point) {
  if (__builtin_expect(__kitsune_state != 0, 0)) __kitsune_update_point(point);
}

#define MIGRATE_GLOBAL(var) __kitsune_migrate_var(#var, 0, 0, &(var), sizeof(var))
#define MIGRATE_STATIC(var) __kitsune_migrate_var(#var, 0, __FILE_NAME__, &(var), sizeof(var))
#define MIGRATE_LOCAL(var) __kitsune_migrate_var(#var, __func__, 0, &(var), sizeof(var))
#define MIGRATE_LOCAL_STATIC(func, var) __kitsune_migrate_var(#var, #func, __FILE_NAME__, &(var), sizeof(var))

/* Annotations. They reach the compiler through DWARF (btf_decl_tag), so they
 * change neither layout nor code. */
#define KITSUNE_TAG(text) __attribute__((btf_decl_tag(text)))
#define E_NOTELOCALS KITSUNE_TAG("kitsune:notelocals")
#define E_MANUAL_MIGRATE KITSUNE_TAG("kitsune:manual")
#define E_AUTO_MIGRATE KITSUNE_TAG("kitsune:auto")

/* Type annotations for state transformation, as Kitsune's transform.h. They
 * go on a field or a variable and tell the generated migration what C's types
 * do not: how many objects a pointer points to, what a void * holds.
 *   E_PTR(T)            this void * (or integer) points to one T
 *   E_PTRARRAY(n)       this pointer points to n objects; n is a constant or
 *                       self.field, a field of the same struct
 *   E_ARRAY(n)          this flexible array member holds n elements
 *   E_SZ                this char * is a NUL-terminated string
 *   E_OPAQUE            copy the bytes as they are, never look inside
 *   E_IGNORE            do not migrate: the new field or variable starts zeroed
 *   E_GENERIC(T)        on a struct: it is generic in T (void * fields E_T(T))
 *   E_T(T)              this void * points to the struct's type argument T
 *   E_G(T, ARG)         this generic struct T (or pointer to it) holds ARG */
#define E_PTR(type) KITSUNE_TAG("kitsune:ptr:" #type)
#define E_PTRARRAY(n) KITSUNE_TAG("kitsune:ptrarray:" #n)
#define E_ARRAY(n) KITSUNE_TAG("kitsune:array:" #n)
#define E_SZ KITSUNE_TAG("kitsune:sz")
#define E_OPAQUE KITSUNE_TAG("kitsune:opaque")
#define E_IGNORE KITSUNE_TAG("kitsune:ignore")
#define E_GENERIC(param) KITSUNE_TAG("kitsune:generic:" #param)
#define E_T(param) KITSUNE_TAG("kitsune:t:" #param)
#define E_G(type, arg) KITSUNE_TAG("kitsune:g:" #arg)

/* Hooks a version may define; the driver calls them while updating:
 * _kitsune_prestart_xform before the new main, _kitsune_mainupdate_xform when
 * the new version reaches the update point the old one left from. */
void _kitsune_prestart_xform(void);
void _kitsune_mainupdate_xform(void);

#ifdef __cplusplus
}
#endif
#endif

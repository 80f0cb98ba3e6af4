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
#define KITSUNE_STATE_SCAN 4      /* the driver wants the next update point, to reclaim old versions' memory */
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
 * Generics, in Kitsune's syntax:
 *   E_GENERIC(@t0, @t1) on a struct or a typedef: its type parameters
 *   E_T(@t1)            this void * (void **, ...) points to what @t1 is
 *   E_G(A0, A1)         this generic struct or typedef (or pointer to one) is
 *                       instantiated with A0, A1: C types (`int`, `struct
 *                       item`, a typedef), instantiations (`struct
 *                       list<int, [opaque]>`), `[opaque]` (copy the pointer,
 *                       never look inside) or, inside a generic, its own
 *                       parameters (E_G(@t0, @t1) on a field).
 * The one-parameter spelling of earlier kitsune-wasm releases stays:
 * E_GENERIC(T), E_T(T), and E_G(struct gnode, struct item) naming the
 * generic struct first. */
#define E_PTR(type) KITSUNE_TAG("kitsune:ptr:" #type)
#define E_PTRARRAY(n) KITSUNE_TAG("kitsune:ptrarray:" #n)
#define E_ARRAY(n) KITSUNE_TAG("kitsune:array:" #n)
#define E_SZ KITSUNE_TAG("kitsune:sz")
#define E_OPAQUE KITSUNE_TAG("kitsune:opaque")
#define E_IGNORE KITSUNE_TAG("kitsune:ignore")
#define E_GENERIC(...) KITSUNE_TAG("kitsune:generic:" #__VA_ARGS__)
#define E_T(...) KITSUNE_TAG("kitsune:t:" #__VA_ARGS__)
#define E_G(...) KITSUNE_TAG("kitsune:g:" #__VA_ARGS__)
/* Accepted as Kitsune spells them, meaning nothing more here: E_AUTO (what
 * the migration does anyway), E_CUSTOM(malloc, free) (objects from a custom
 * allocator: the heap is one preserved memory, so they move like any other). */
#define E_AUTO KITSUNE_TAG("kitsune:auto")
#define E_CUSTOM(mf, ff) KITSUNE_TAG("kitsune:custom:" #mf "," #ff)
/* Kitsune's switch to compile the annotations away. */
#ifdef E_NOANNOT
#undef E_PTR
#undef E_PTRARRAY
#undef E_ARRAY
#undef E_SZ
#undef E_OPAQUE
#undef E_IGNORE
#undef E_GENERIC
#undef E_T
#undef E_G
#undef E_AUTO
#undef E_CUSTOM
#undef E_MANUAL_MIGRATE
#undef E_AUTO_MIGRATE
#define E_PTR(...)
#define E_PTRARRAY(n)
#define E_ARRAY(n)
#define E_SZ
#define E_OPAQUE
#define E_IGNORE
#define E_GENERIC(...)
#define E_T(...)
#define E_G(...)
#define E_AUTO
#define E_CUSTOM(mf, ff)
#define E_MANUAL_MIGRATE
#define E_AUTO_MIGRATE
#endif

/* MIGRATE_*: a hand-written transformer for the variable (GLOBAL_XFORM and
 * friends, below) runs instead of the copy when the new version defines one. */
#define MIGRATE_GLOBAL(var) __kitsune_migrate_var(#var, 0, 0, &(var), sizeof(var))
#define MIGRATE_STATIC(var) __kitsune_migrate_var(#var, 0, __FILE_NAME__, &(var), sizeof(var))
#define MIGRATE_LOCAL(var) __kitsune_migrate_var(#var, __func__, 0, &(var), sizeof(var))
#define MIGRATE_LOCAL_STATIC(func, var) __kitsune_migrate_var(#var, #func, __FILE_NAME__, &(var), sizeof(var))

/* ---- Kitsune's manual API (kitsune-core src/kitsune.h, stackvars.h,
 * registervars.h, ktlog.h, ktheaptrack.h), for hand-written migration code.
 * Keys are Kitsune's: "var", "file.c/var", "file.c/func#var", "func#var";
 * the file is the source file's name without its directories, as in the
 * keys `kitsune inspect` lists. There are no namespaces here: a key with one
 * names nothing. */

typedef int (*xform_fn_t)(void *);
typedef void (*state_xform_fn_t)(void);

/* The address of a variable of the old version (during an update; NULL
 * otherwise, or when it has none) and of the running or new version. A local
 * (funcname without filename) is found where MIGRATE_LOCAL or NOTE_LOCAL last
 * noted it. A plain name that is no variable falls back to kitsune_get_val. */
KITSUNE_IMPORT(kitsune_get_symbol_addr_old)
void *kitsune_get_symbol_addr_old(const char *name, const char *funcname, const char *filename, const char *ns);
KITSUNE_IMPORT(kitsune_get_symbol_addr_new)
void *kitsune_get_symbol_addr_new(const char *name, const char *funcname, const char *filename, const char *ns);
/* The old (kitsune_get_val) or running version's (kitsune_get_cur_val)
 * global variable or function by symbol name, as dlsym finds it: a function
 * is its function pointer in that version. NULL when there is none. */
KITSUNE_IMPORT(kitsune_get_val) void *kitsune_get_val(const char *name);
KITSUNE_IMPORT(kitsune_get_cur_val) void *kitsune_get_cur_val(const char *name);
/* Kitsune's symbol table by key, both ways (the address of the key's
 * variable; the key of the variable at an address, NULL if none). */
KITSUNE_IMPORT(kitsune_lookup_key_old) void *kitsune_lookup_key_old(const char *key);
KITSUNE_IMPORT(kitsune_lookup_key_new) void *kitsune_lookup_key_new(const char *key);
KITSUNE_IMPORT(kitsune_lookup_addr_old) char *kitsune_lookup_addr_old(void *addr);
KITSUNE_IMPORT(kitsune_lookup_addr_new) char *kitsune_lookup_addr_new(void *addr);
/* The new version's hand-written transformer for a variable, or NULL. Call
 * it through xform_fn_t only when it is declared `int f(void *)`: in Wasm a
 * call through a pointer of another type traps. MIGRATE_* call any of them. */
KITSUNE_IMPORT(kitsune_get_xform)
xform_fn_t kitsune_get_xform(const char *name, const char *func, const char *file, const char *ns);
/* Registers an address under a key in the running version, so that the next
 * version finds it (GET_OLD_*, MIGRATE_*). Globals and statics need it not:
 * the compiler records them all. */
KITSUNE_IMPORT(__kitsune_note_var) void __kitsune_note_var(const char *name, const char *func, const char *file, void *addr, size_t size);

static inline int kitsune_old_address_matches(const char *name, void *ptr) { return ptr && ptr == kitsune_get_val(name); }
static inline void kitsune_note_var(const char *name, const char *funcname, const char *filename, const char *ns, void *addr, size_t size) {
  if (!ns) __kitsune_note_var(name, funcname, filename, addr, size);
}
static inline void kitsune_register_var(const char *name, const char *funcname, const char *filename, const char *ns, void *addr, size_t size, int auto_migrate) {
  (void)auto_migrate; /* every recorded variable is migrated by kitsune_do_automigrate */
  kitsune_note_var(name, funcname, filename, ns, addr, size);
}
/* Migrates one variable: with `xform_fun`, by calling it on the new
 * variable; else like MIGRATE_* (a hand-written transformer, the generated
 * migration, or a copy). 1 when migrated. */
static inline int kitsune_migrate_var(const char *name, const char *funcname, const char *filename, const char *ns,
                                      void *addr, size_t size, xform_fn_t xform_fun) {
  if (!kitsune_is_updating() || ns) return 0;
  if (xform_fun) return xform_fun(addr);
  return __kitsune_migrate_var(name, funcname, filename, addr, size);
}
/* "ns@file/func#name", malloc'd, as Kitsune spells keys. */
static inline char *kitsune_get_symbol_key(const char *name, const char *funcname, const char *filename, const char *ns) {
  size_t n = strlen(name) + (ns ? strlen(ns) + 1 : 0) + (filename ? strlen(filename) + 1 : 0) + (funcname ? strlen(funcname) + 1 : 0);
  char *key = (char *)malloc(n + 1);
  if (!key) return 0;
  key[0] = 0;
  if (ns) { strcat(key, ns); strcat(key, "@"); }
  if (filename) { strcat(key, filename); strcat(key, "/"); }
  if (funcname) { strcat(key, funcname); strcat(key, "#"); }
  return strcat(key, name);
}

/* Hand-written transformers, found by name as Kitsune's kitsune_get_xform
 * finds them: `void GLOBAL_XFORM(x)(void *new_x) { ... }` defines the one
 * MIGRATE_GLOBAL(x) and kitsune_do_automigrate run for x. The file is
 * spelled with its dots as underscores: STATIC_XFORM(main_c, y). */
#define KITSUNE_PASTE_(a, b) a##b
#define KITSUNE_PASTE(a, b) KITSUNE_PASTE_(a, b)
/* kitsunemisc.h's helpers, which Kitsune's kitsune.h brings in too. */
#ifndef PASTE
#define PASTE(x, y) KITSUNE_PASTE(x, y)
#endif
#ifndef STRINGIFY
#define KITSUNE_STRINGIFY_(s) #s
#define STRINGIFY(x) KITSUNE_STRINGIFY_(x)
#endif
#define XFORM_NAME_BASE _kitsune_transform_
#define NS_PREFIX ___ns___
#define FILE_PREFIX ___file___
#define FUNC_PREFIX ___func___
#define GLOBAL_XFORM(name) KITSUNE_PASTE(XFORM_NAME_BASE, name)
#define LOCAL_XFORM(func, name) KITSUNE_PASTE(KITSUNE_PASTE(KITSUNE_PASTE(XFORM_NAME_BASE, func), FUNC_PREFIX), name)
#define STATIC_XFORM(filename, name) KITSUNE_PASTE(KITSUNE_PASTE(KITSUNE_PASTE(XFORM_NAME_BASE, filename), FILE_PREFIX), name)
#define LOCAL_STATIC_XFORM(filename, func, name) \
  KITSUNE_PASTE(KITSUNE_PASTE(KITSUNE_PASTE(KITSUNE_PASTE(KITSUNE_PASTE(XFORM_NAME_BASE, filename), FILE_PREFIX), func), FUNC_PREFIX), name)

/* The old and new addresses of variables, for hand-written transformers. */
#define GET_OLD_GLOBAL(name) (kitsune_get_symbol_addr_old(#name, 0, 0, 0))
#define GET_OLD_LOCAL(funcname, name) (kitsune_get_symbol_addr_old(#name, #funcname, 0, 0))
#define GET_OLD_STATIC(filename, name) (kitsune_get_symbol_addr_old(#name, 0, #filename, 0))
#define GET_OLD_LOCAL_STATIC(filename, funcname, name) (kitsune_get_symbol_addr_old(#name, #funcname, #filename, 0))
#define GET_NEW_GLOBAL(name) (kitsune_get_symbol_addr_new(#name, 0, 0, 0))
#define GET_NEW_LOCAL(funcname, name) (kitsune_get_symbol_addr_new(#name, #funcname, 0, 0))
#define GET_NEW_STATIC(filename, name) (kitsune_get_symbol_addr_new(#name, 0, #filename, 0))
#define GET_NEW_LOCAL_STATIC(filename, funcname, name) (kitsune_get_symbol_addr_new(#name, #funcname, #filename, 0))

/* A function `void *def_name(void *old)` that maps the old version's
 * pointer to one of the listed functions to the new version's. Generated
 * migration remaps every function pointer it meets by name already; this is
 * for hand-written transformers. */
#define DEF_XFORM_FUNC_PTR(def_name, ...)                                   \
  void *def_name(void *func) {                                              \
    void *func_addrs[] = { __VA_ARGS__, 0 };                                \
    char all_func_names[] = #__VA_ARGS__;                                   \
    char *func_name = strtok(all_func_names, ", ");                         \
    for (int i = 0; func_name; i++, func_name = strtok(0, ", "))            \
      if (kitsune_old_address_matches(func_name, func)) return func_addrs[i]; \
    return func;                                                            \
  }

/* Noting variables so that the next version finds them. Locals: NOTE_LOCAL
 * (MIGRATE_LOCAL notes too). Statics need no note (the compiler records
 * them), so NOTE_STATIC and NOTE_LOCAL_STATIC only register their address
 * again. ENTER_FUNC and EXIT_FUNC, which bracket a frame's notes in
 * Kitsune, mean nothing here: a key names the address noted last. */
#define ENTER_FUNC() ((void)0)
#define EXIT_FUNC() ((void)0)
#define NOTE_LOCAL(local) __kitsune_note_var(#local, __func__, 0, &(local), sizeof(local))
#define NOTE_AND_MIGRATE_LOCAL(local) (NOTE_LOCAL(local), MIGRATE_LOCAL(local))
#define NOTE_STATIC(var) __kitsune_note_var(#var, 0, __FILE_NAME__, &(var), sizeof(var))
#define NOTE_LOCAL_STATIC(var) __kitsune_note_var(#var, __func__, __FILE_NAME__, &(var), sizeof(var))
#define NOTE_AND_MIGRATE_STATIC(var) (NOTE_STATIC(var), MIGRATE_STATIC(var))
#define NOTE_AND_MIGRATE_LOCAL_STATIC(func, var) (NOTE_LOCAL_STATIC(var), MIGRATE_LOCAL_STATIC(func, var))

/* Kitsune's stackvars module, for programs that call it directly. */
static inline void stackvars_note_entry(const char *fun_name) { (void)fun_name; }
static inline void stackvars_note_exit(const char *fun_name) { (void)fun_name; }
#define stackvars_note_local(name, addr, size) __kitsune_note_var((name), __func__, 0, (addr), (size))
#define stackvars_note_formal(name, addr, size) __kitsune_note_var((name), __func__, 0, (addr), (size))
static inline void *stackvars_get_local(const char *fun_name, const char *var_name) { return kitsune_get_symbol_addr_old(var_name, fun_name, 0, 0); }
static inline void *stackvars_get_formal(const char *fun_name, const char *var_name) { return kitsune_get_symbol_addr_old(var_name, fun_name, 0, 0); }
static inline void *stackvars_get_local_new(const char *fun_name, const char *var_name) { return kitsune_get_symbol_addr_new(var_name, fun_name, 0, 0); }
static inline void *stackvars_get_formal_new(const char *fun_name, const char *var_name) { return kitsune_get_symbol_addr_new(var_name, fun_name, 0, 0); }

/* Kitsune's log (ktlog.h): a line per call in /tmp/kitsune/APP.PID, as in
 * Kitsune, when that directory is granted (--dir /tmp/kitsune); else on
 * stderr when KITSUNE_LOG is set, else nowhere (runtime/kitsune_log.c). */
int kitsune_logging_init(const char *app);
void kitsune_log(const char *fmt, ...);

/* Heap lists (ktheaptrack.h): addresses a program keeps for its own use,
 * e.g. memory handed to a library. A list lives in the heap like any other
 * data and migrates with the variable that holds it. */
struct kitsune_heaplist_node {
  void *addr E_T(@t);
  struct kitsune_heaplist_node *next E_G(@t);
} E_GENERIC(@t);
typedef struct kitsune_heaplist_node kitsune_heaplist_node;
typedef struct kitsune_heaplist_node kitsune_heaplist_iterator;
struct kitsune_heaplist {
  kitsune_heaplist_node *begin E_G(@t);
  kitsune_heaplist_node *last E_G(@t);
} E_GENERIC(@t);
typedef struct kitsune_heaplist kitsune_heaplist;

static inline void kitsune_heaplist_init(kitsune_heaplist *list) { list->begin = list->last = 0; }
static inline void kitsune_heaplist_add(kitsune_heaplist *list, void *addr) {
  kitsune_heaplist_node *n = (kitsune_heaplist_node *)malloc(sizeof *n);
  if (!n) return;
  n->addr = addr;
  n->next = 0;
  if (list->last) list->last->next = n; else list->begin = n;
  list->last = n;
}
static inline int kitsune_heaplist_del(kitsune_heaplist *list, void *addr) {
  for (kitsune_heaplist_node *cur = list->begin, *prev = 0; cur; prev = cur, cur = cur->next) {
    if (cur->addr != addr) continue;
    if (prev) prev->next = cur->next; else list->begin = cur->next;
    if (list->last == cur) list->last = prev;
    free(cur);
    return 1;
  }
  return 0;
}
static inline kitsune_heaplist_iterator *kitsune_heaplist_begin(kitsune_heaplist *list) { return list->begin; }
static inline kitsune_heaplist_iterator *kitsune_heaplist_end(kitsune_heaplist *list) { (void)list; return 0; }
static inline kitsune_heaplist_iterator *kitsune_heaplist_last(kitsune_heaplist *list) { return list->last; }
static inline kitsune_heaplist_iterator *kitsune_heaplist_next(kitsune_heaplist_iterator *it) { return it ? it->next : 0; }
static inline int kitsune_heaplist_isempty(kitsune_heaplist *list) { return !list->begin; }
static inline void kitsune_heaplist_free(kitsune_heaplist *list) {
  while (list->begin) kitsune_heaplist_del(list, list->begin->addr);
  free(list);
}
#define HEAPLIST_FOR_EACH(list, cur, type, tmp)                                   \
  for ((tmp) = kitsune_heaplist_begin(list), (cur) = (tmp) ? (type)((tmp)->addr) : 0; \
       (tmp) != kitsune_heaplist_end(list);                                       \
       (tmp) = kitsune_heaplist_next(tmp), (cur) = (tmp) ? (type)((tmp)->addr) : 0)
#define NOTE_HEAP(heap, addr) (kitsune_heaplist_add(heap, addr))
#define UNNOTE_HEAP(heap, addr) (kitsune_heaplist_del(heap, addr))

/* Kitsune's allocation tracker (kitsune-core src/alloctrack.c): blocks from
 * kitsune_malloc/kitsune_calloc are remembered as address ranges, so that a
 * transformer can find the block an interior pointer (&array[3]) lies in and
 * move the pointer with its block; kitsune_migrate_alloced_track() moves a
 * block's record to its new copy. The tracker lives in the persistent
 * runtime: every version sees the same one, and a rolled-back update
 * leaves it as it was. kitsune_delayedfree() frees a block once the update
 * commits (at once outside an update); so does free() of any block the old
 * version owns, called while an update is under way, so that a rollback
 * always finds the old version's blocks where it left them. */
typedef struct alarea alarea;
void *kitsune_malloc(int size);
void *kitsune_calloc(int numobj, int size);
void kitsune_free(void *head);
void kitsune_delayedfree(void *p);
alarea *alloctrack_lookup(void *addr);
alarea *alloctrack_lookup_node(void *addr);
void *alareas_get_start(alarea *a);
void kitsune_migrate_alloced_track(void *new_start_addr, void *new_end_addr, void *old_addr);
/* Kitsune sets its tracker up at start and carries it across updates; here it is always there. */
void alloctrack_init(void);
void alloctrack_free(void);

/* Calls that mean nothing in kitsune-wasm, accepted for source compatibility:
 * versions are Wasm modules the driver loads, not shared libraries. */
static inline void kitsune_register_lib(void *lib) { (void)lib; }
static inline char *kitsune_new_code(void) { return 0; }

/* Hooks a version may define; the driver calls them while updating:
 * _kitsune_prestart_xform before the new main, _kitsune_mainupdate_xform when
 * the new version reaches the update point the old one left from. */
void _kitsune_prestart_xform(void);
void _kitsune_mainupdate_xform(void);

#ifdef __cplusplus
}
#endif
#endif

/*
 * kitsune_table.h: the runtime's one hash table, open addressing over
 * address keys, shared by the allocation tracking (kitsune_rt.c: a set of the
 * new version's blocks) and the migration's old -> new address map
 * (kitsune_xf.c). Key 0 is an empty slot and key 1 a removed one; addresses
 * never take either value. Grows at half full, so probes stay short.
 * The hash keeps neighbours together: the 8 heap blocks of a 128-byte stretch
 * (payloads are 16-aligned) share one 64-byte run of entries, and only the
 * stretches are scattered (Fibonacci hashing of their number). A migration
 * walks blocks that were allocated one after another, so it touches a
 * cache line of the table per 8 objects instead of one per object.
 * The table's own memory comes from the runtime's malloc (untracked) and is
 * zeroed before it is freed: the reclaim scan reads free memory too, and
 * stale addresses there would keep old data alive for nothing.
 */
#ifndef KITSUNE_TABLE_H
#define KITSUNE_TABLE_H
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define KT_EMPTY ((uintptr_t)0)
#define KT_REMOVED ((uintptr_t)1)

typedef struct { uintptr_t key, val; } kt_entry;
typedef struct { kt_entry *e; size_t cap, used, live; } kt_table;

/* The home slot of `key` in a table of `cap` entries (a power of two, at least 1024). */
static inline size_t kt_home(uintptr_t key, size_t cap) {
  uint32_t x = (uint32_t)(key >> 4);
  uint32_t group = (x >> 3) * 2654435769u >> (35 - __builtin_ctz((uint32_t)cap));
  return ((size_t)group << 3) | (x & 7);
}

static inline void kt_wipe_free(void *p, size_t n) {
  if (!p) return;
  memset(p, 0, n);
  __asm__ volatile("" : : "r"(p) : "memory"); /* keep the stores: the block is freed next */
  free(p);
}

static void kt_free(kt_table *t) {
  kt_wipe_free(t->e, t->cap * sizeof *t->e);
  t->e = 0;
  t->cap = t->used = t->live = 0;
}

/* The entry holding `key`, or 0. */
static inline kt_entry *kt_find(const kt_table *t, uintptr_t key) {
  if (!t->cap) return 0;
  size_t mask = t->cap - 1, i = kt_home(key, t->cap);
  while (t->e[i].key != KT_EMPTY) {
    if (t->e[i].key == key) return &t->e[i];
    i = (i + 1) & mask;
  }
  return 0;
}

static int kt_grow(kt_table *t);

/* Makes room for one more key; 0 when out of memory. */
static inline int kt_reserve(kt_table *t) {
  return (t->used + 1) * 2 < t->cap || kt_grow(t);
}

/*
 * The entry for `key`: the one holding it, else the free slot where it goes
 * (its key still KT_EMPTY or KT_REMOVED: the caller fills it with kt_fill).
 * Call kt_reserve first.
 */
static inline kt_entry *kt_slot(kt_table *t, uintptr_t key) {
  size_t mask = t->cap - 1, i = kt_home(key, t->cap);
  kt_entry *removed = 0;
  while (t->e[i].key != KT_EMPTY) {
    if (t->e[i].key == key) return &t->e[i];
    if (t->e[i].key == KT_REMOVED && !removed) removed = &t->e[i];
    i = (i + 1) & mask;
  }
  return removed ? removed : &t->e[i];
}

/* Fills a free slot that kt_slot returned. */
static inline void kt_fill(kt_table *t, kt_entry *slot, uintptr_t key, uintptr_t val) {
  if (slot->key == KT_EMPTY) t->used++;
  slot->key = key;
  slot->val = val;
  t->live++;
}

/* Sets key -> val; 0 when out of memory. */
static inline int kt_put(kt_table *t, uintptr_t key, uintptr_t val) {
  if (!kt_reserve(t)) return 0;
  kt_entry *s = kt_slot(t, key);
  if (s->key == key) s->val = val;
  else kt_fill(t, s, key, val);
  return 1;
}

static inline void kt_remove(kt_table *t, uintptr_t key) {
  kt_entry *s = kt_find(t, key);
  if (s) { s->key = KT_REMOVED; t->live--; }
}

static int kt_grow(kt_table *t) {
  kt_table old = *t;
  size_t cap = old.cap ? old.cap * 2 : 1024;
  kt_entry *e = (kt_entry *)calloc(cap, sizeof *e);
  if (!e) return 0;
  t->e = e;
  t->cap = cap;
  t->used = t->live = 0;
  for (size_t i = 0; i < old.cap; i++)
    if (old.e[i].key > KT_REMOVED) kt_fill(t, kt_slot(t, old.e[i].key), old.e[i].key, old.e[i].val);
  kt_wipe_free(old.e, old.cap * sizeof *old.e);
  return 1;
}

/* Iterates the live entries: for (kt_entry *x = kt_first(t); x; x = kt_next(t, x)). */
static inline kt_entry *kt_next(const kt_table *t, kt_entry *after) {
  size_t i = after ? (size_t)(after - t->e) + 1 : 0;
  for (; i < t->cap; i++) if (t->e[i].key > KT_REMOVED) return &t->e[i];
  return 0;
}
#define kt_first(t) kt_next((t), 0)

#endif

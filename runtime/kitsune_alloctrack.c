/*
 * Kitsune's allocation tracker (kitsune-core src/alloctrack.c, declared in
 * its alloctrack_internal.h): blocks allocated with kitsune_malloc() or
 * kitsune_calloc() are remembered as address ranges, so that a transformer
 * can ask which block an interior pointer (&array[3]) points into and move
 * it along with its block. Kitsune carries its interval tree from version to
 * version by name; here it lives in the persistent runtime, so every version
 * sees the same one.
 *
 * Changes made during an update are undone if it rolls back: the set is
 * copied when the update begins, records it drops are freed only at commit.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

void *__kitsune_malloc(size_t n);
void *__kitsune_calloc(size_t n, size_t m);
void __kitsune_free(void *p);

typedef struct alarea { uintptr_t start, end; } alarea;

/* Sorted by start; ranges never overlap (they are live heap blocks). */
static alarea **areas = 0;
static size_t n_areas = 0, cap_areas = 0;

/* During an update: the set as it was, and the records added and dropped since. */
static int updating = 0;
static alarea **saved = 0;
static size_t n_saved = 0;
static alarea **added = 0, **dropped = 0;
static size_t n_added = 0, n_dropped = 0, cap_added = 0, cap_dropped = 0;

static int push(alarea ***list, size_t *n, size_t *cap, alarea *a) {
  if (*n == *cap) {
    size_t c = *cap ? *cap * 2 : 64;
    alarea **l = realloc(*list, c * sizeof *l);
    if (!l) return 0;
    *list = l;
    *cap = c;
  }
  (*list)[(*n)++] = a;
  return 1;
}

/* The index of the first area starting after addr. */
static size_t after(uintptr_t addr) {
  size_t lo = 0, hi = n_areas;
  while (lo < hi) {
    size_t m = (lo + hi) / 2;
    if (areas[m]->start <= addr) lo = m + 1; else hi = m;
  }
  return lo;
}

static void insert(void *start, size_t size) {
  if (!start) return;
  alarea *a = malloc(sizeof *a);
  if (!a) return;
  a->start = (uintptr_t)start;
  a->end = (uintptr_t)start + size;
  if (updating && !push(&added, &n_added, &cap_added, a)) { free(a); return; }
  size_t i = after(a->start);
  if (!push(&areas, &n_areas, &cap_areas, a)) return;
  memmove(areas + i + 1, areas + i, (n_areas - 1 - i) * sizeof *areas);
  areas[i] = a;
}

static void drop(alarea *a) {
  size_t i = after(a->start) - 1;
  memmove(areas + i, areas + i + 1, (n_areas - i - 1) * sizeof *areas);
  n_areas--;
  if (!updating) free(a);
  else push(&dropped, &n_dropped, &cap_dropped, a); /* out of memory: the record leaks, nothing worse */
}

/* The area that addr lies in: [start, end), or start itself for an empty block. */
alarea *alloctrack_lookup_node(void *addr) {
  uintptr_t p = (uintptr_t)addr;
  size_t i = after(p);
  if (!i) return 0;
  alarea *a = areas[i - 1];
  return p < a->end || p == a->start ? a : 0;
}
alarea *alloctrack_lookup(void *addr) { return alloctrack_lookup_node(addr); }
void *alareas_get_start(alarea *a) { return a ? (void *)a->start : 0; }

void *kitsune_malloc(int size) {
  void *p = __kitsune_malloc((size_t)size);
  insert(p, (size_t)size);
  return p;
}

void *kitsune_calloc(int numobj, int size) {
  void *p = __kitsune_calloc((size_t)numobj, (size_t)size);
  insert(p, (size_t)numobj * (size_t)size);
  return p;
}

/* Its record goes when the block is freed (by __kitsune_free, or at commit for one freed during an update). */
void kitsune_free(void *head) { __kitsune_free(head); }

/* The block at p is being freed: it is no longer tracked. */
void __kitsune_alloctrack_forget(void *p) {
  if (!n_areas) return;
  alarea *a = alloctrack_lookup_node(p);
  if (a && a->start == (uintptr_t)p) drop(a);
}

/* A transformer moved the block old_addr lies in to [new_start, new_end). */
void kitsune_migrate_alloced_track(void *new_start, void *new_end, void *old_addr) {
  alarea *old = alloctrack_lookup_node(old_addr);
  if (old) drop(old);
  insert(new_start, (size_t)((uintptr_t)new_end - (uintptr_t)new_start));
}

/* Kitsune sets its tree up at start and carries it by name across updates; here it is always there. */
void alloctrack_init(void) {}
void alloctrack_free(void) {}

/* ---- the update's transaction (kitsune_rt.c calls these) ---- */

int __kitsune_alloctrack_begin(void) {
  updating = 1;
  n_added = n_dropped = 0;
  n_saved = n_areas;
  saved = n_areas ? malloc(n_areas * sizeof *saved) : 0;
  if (n_areas && !saved) return 0;
  if (n_areas) memcpy(saved, areas, n_areas * sizeof *saved);
  return 1;
}

void __kitsune_alloctrack_end(int commit) {
  if (!updating) return;
  updating = 0;
  alarea **gone = commit ? dropped : added;
  size_t n_gone = commit ? n_dropped : n_added;
  for (size_t i = 0; i < n_gone; i++) free(gone[i]);
  if (!commit) {
    /* The capacity never shrinks: the set as it was fits where it was. */
    if (n_saved) memcpy(areas, saved, n_saved * sizeof *areas);
    n_areas = n_saved;
  }
  free(saved);
  saved = 0;
  free(added);
  free(dropped);
  added = dropped = 0;
  n_added = n_dropped = cap_added = cap_dropped = 0;
}

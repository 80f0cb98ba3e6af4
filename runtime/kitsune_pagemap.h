/*
 * kitsune_pagemap.h: a map from heap addresses to 32-bit words, laid out
 * like the heap itself, for the migration's old -> new address map
 * (kitsune_xf.c). A directory of the heap's 64 KiB pages (up to a top fixed
 * when the map is made), and for each page with a key a leaf of one word per
 * 16 bytes (heap payloads are 16-aligned), made when its first key goes in.
 * A migration visits blocks in about the order they were allocated, so
 * neighbouring objects share a cache line of a leaf: no hashing, no probing,
 * no growing, and a quarter of the bytes of the pages it touches.
 * A word of 0 is no entry. Its memory comes from the runtime's malloc and is
 * zeroed before it is freed, as the hash table's is (kitsune_table.h).
 */
#ifndef KITSUNE_PAGEMAP_H
#define KITSUNE_PAGEMAP_H
#include <stdint.h>
#include <stdlib.h>
#include "kitsune_table.h"

#define PM_PAGE_SHIFT 16
#define PM_LEAF_WORDS ((size_t)1 << (PM_PAGE_SHIFT - 4))

typedef struct { uint32_t **dir; size_t pages; } pm_map;

/* Whether `a` can be a key of a map over [0, top): 16-aligned, below the top. */
static inline int pm_holds(uintptr_t a, uintptr_t top) { return !(a & 15) && a < top; }

/* The map's directory for [0, top); 0 when out of memory. */
static inline int pm_make(pm_map *m, uintptr_t top) {
  m->pages = (top + ((uintptr_t)1 << PM_PAGE_SHIFT) - 1) >> PM_PAGE_SHIFT;
  m->dir = (uint32_t **)calloc(m->pages ? m->pages : 1, sizeof *m->dir);
  return m->dir != 0;
}

/* The word of key `a` (pm_holds), its leaf made if need be; 0 when out of memory. */
static inline uint32_t *pm_word(pm_map *m, uintptr_t a) {
  uint32_t **at = &m->dir[a >> PM_PAGE_SHIFT];
  if (!*at && !(*at = (uint32_t *)calloc(PM_LEAF_WORDS, sizeof **at))) return 0;
  return &(*at)[(a >> 4) & (PM_LEAF_WORDS - 1)];
}

/* The key of word `i` of page `page`. */
static inline uintptr_t pm_key(size_t page, size_t i) { return ((uintptr_t)page << PM_PAGE_SHIFT) | ((uintptr_t)i << 4); }

/* Frees one page's leaf (zeroed first). */
static inline void pm_free_leaf(pm_map *m, size_t page) {
  kt_wipe_free(m->dir[page], PM_LEAF_WORDS * sizeof **m->dir);
  m->dir[page] = 0;
}

static inline void pm_free(pm_map *m) {
  if (m->dir) {
    for (size_t p = 0; p < m->pages; p++) if (m->dir[p]) pm_free_leaf(m, p);
    kt_wipe_free(m->dir, m->pages * sizeof *m->dir);
  }
  m->dir = 0;
  m->pages = 0;
}

#endif

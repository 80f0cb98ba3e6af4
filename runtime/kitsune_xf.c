/*
 * State transformation support, in the persistent runtime: what the
 * migration code generated for each version (see compiler/xf-gen.ts and
 * kitsune_xf.h) needs to live across the module boundary.
 *
 * - A map from old addresses to new ones, so that an object reachable along
 *   several paths is transformed once and cycles end: a page map over the
 *   old heap (kitsune_pagemap.h) for heap blocks, a hash table for any other
 *   address the host maps.
 * - A journal of the bytes that in-place (shallow) transforms overwrite, so
 *   that a rollback puts the old heap back exactly.
 * - The list of old blocks that deep transforms replaced: freed at commit,
 *   never before, so a failed migration leaves the old heap whole.
 * - Slabs that the new blocks of deep transforms are carved from: one malloc
 *   and one memset for thousands of objects, each carved block a chunk of
 *   dlmalloc's own that free() and realloc() take like any other.
 *
 * All of it uses the runtime's own malloc (untracked): the host frees it at
 * commit or rollback.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <malloc.h>
#include "kitsune_table.h"
#include "kitsune_pagemap.h"

#define XF_DEEP 1u

void __kitsune_wipe(void *p, size_t n);
static int is_block(const void *p);

/* old -> new address; the low bit of the new one marks a deep transform.
 * Keys the page map holds (16-aligned, below old_top: every heap block) are
 * there, made at the first key; any other in `other`. */
static pm_map map;
static kt_table other;
static int xf_oom = 0;
/* How many old blocks deep transforms replaced (the entries with XF_DEEP). */
static size_t moved = 0;

static uintptr_t old_lo = 0, old_hi = 0;
/* The memory's size when the migration began: no old block lies above it. */
static uintptr_t old_top = 0;

/* The page map's word for old address `a` (pm_holds), made if need be; 0 when out of memory. */
static inline uint32_t *map_word(uintptr_t a) {
  uint32_t *w = map.dir || pm_make(&map, old_top) ? pm_word(&map, a) : 0;
  if (!w) xf_oom = 1;
  return w;
}

/* The migration moved the old block p to a new one and frees p at commit itself. */
int __kitsune_xf_moved(const void *p) {
  uintptr_t a = (uintptr_t)p;
  if (!pm_holds(a, old_top)) { kt_entry *e = kt_find(&other, a); return e && (e->val & XF_DEEP) != 0; }
  if (!map.dir || (a >> PM_PAGE_SHIFT) >= map.pages) return 0;
  const uint32_t *leaf = map.dir[a >> PM_PAGE_SHIFT]; /* read only: no leaf is made for a lookup */
  return leaf && (leaf[(a >> 4) & (PM_LEAF_WORDS - 1)] & XF_DEEP) != 0;
}

/* Records old -> neu. deep: the old block was copied into a new one and is
 * freed at commit. Returns 0 when out of memory (the update then fails). */
int __kitsune_xf_insert(const void *old, void *neu, int deep) {
  uintptr_t a = (uintptr_t)old, v = (uintptr_t)neu | (deep ? XF_DEEP : 0);
  if (deep) moved++;
  if (!pm_holds(a, old_top)) {
    if (!kt_put(&other, a, v)) { xf_oom = 1; return 0; }
    return 1;
  }
  uint32_t *w = map_word(a);
  if (!w) return 0;
  *w = (uint32_t)v;
  return 1;
}

/* ---- new blocks, carved from slabs ---- */

/*
 * dlmalloc's chunks on wasm32 (no footers): a chunk is its size with two flag
 * bits (PINUSE: the previous chunk is in use; CINUSE: this one is) in the word
 * before the payload; payloads are 16-aligned and a chunk is the request plus
 * 4 bytes, rounded up to 16, at least 16. A slab is one malloc'd chunk cut
 * into consecutive in-use chunks of that shape: each is then a block like any
 * malloc returns (free() coalesces it with free neighbours, realloc() grows
 * it), and whatever the slab has left is cut off as one more chunk and freed.
 */
#define SLAB_FIRST (64u * 1024)
#define SLAB_LAST (4u * 1024 * 1024)
#define CARVE_MAX (64u * 1024) /* bigger objects get a block of their own */
static uintptr_t slab_at = 0, slab_end = 0; /* the next chunk to carve, the slab's end */
static int slab_fresh = 0;                  /* nothing carved yet: slab_at is the slab's own chunk */
static size_t slab_pbit = 0;                /* that chunk's PINUSE bit, which its first part keeps */
static size_t slab_size = SLAB_FIRST;       /* the next slab's size: doubles, so that little is left over */

static inline size_t *head_of(uintptr_t chunk) { return (size_t *)(chunk + 4); }

/* Cuts the next `size` bytes off the slab as a chunk in use. */
static uintptr_t cut(size_t size) {
  uintptr_t c = slab_at;
  *head_of(c) = size | 2 | (slab_fresh ? slab_pbit : 1);
  slab_fresh = 0;
  slab_at += size;
  return c;
}

/* Frees what is left of the slab; the carved blocks stay as they are. */
static void slab_close(void) {
  if (slab_end > slab_at) free((void *)(cut(slab_end - slab_at) + 8));
  slab_at = slab_end = 0;
}

/* A zeroed block for `bytes`, carved from the current slab; 0 when out of memory. */
static void *carve(size_t bytes) {
  if (bytes > CARVE_MAX) return calloc(1, bytes);
  size_t chunk = (bytes + 4 + 15) & ~(size_t)15;
  if (chunk < 16) chunk = 16;
  if (chunk > slab_end - slab_at) {
    slab_close();
    void *p = malloc(slab_size);
    if (!p) return calloc(1, bytes); /* no room for a slab: perhaps for one block */
    memset(p, 0, malloc_usable_size(p));
    if (slab_size < SLAB_LAST) slab_size *= 2;
    slab_at = (uintptr_t)p - 8;
    slab_end = slab_at + (*head_of(slab_at) & ~(size_t)7);
    slab_pbit = *head_of(slab_at) & 1;
    slab_fresh = 1;
  }
  return (void *)(cut(chunk) + 8);
}

/* Flags in the low bits of __kitsune_xf_move's answer: heap payloads and the
 * variables' cells are 8-aligned, so an address never has them. Kept in step
 * with kitsune_xf.h. */
#define MOVE_FRESH 1u     /* placed now: the caller queues its transform */
#define MOVE_DATA 2u      /* in the old static data or a variable, not mapped: the host remaps it */
#define MOVE_NOT_BLOCK 4u /* not the start of a heap block: it cannot move */

int __kitsune_xf_in_old_data(const void *p);

/*
 * One call for kx_ptr's every case: the new address of `old` (mapped before),
 * or else placed now: bytes == 0, transformed in place (maps to itself);
 * otherwise a zeroed block of `bytes` carved for it, which the map records,
 * so that a rollback frees it from there. Returns the address with
 * MOVE_FRESH when the caller must queue the transform, MOVE_DATA or
 * MOVE_NOT_BLOCK alone when `old` is no heap block, 0 when out of memory.
 */
uintptr_t __kitsune_xf_move(const void *old, size_t bytes) {
  uintptr_t a = (uintptr_t)old;
  uint32_t *w = 0;
  if (pm_holds(a, old_top)) {
    if (!(w = map_word(a))) return 0;
    if (*w) return *w & ~(uintptr_t)XF_DEEP;
  } else {
    kt_entry *e = kt_find(&other, a);
    if (e) return e->val & ~(uintptr_t)XF_DEEP;
  }
  if (__kitsune_xf_in_old_data(old)) return MOVE_DATA;
  if (!w || !is_block(old)) return MOVE_NOT_BLOCK; /* a block is 16-aligned and below old_top: w is set */
  void *neu = (void *)old;
  if (bytes) {
    if (!(neu = carve(bytes))) { xf_oom = 1; return 0; }
    moved++;
  }
  *w = (uint32_t)(uintptr_t)neu | (bytes ? XF_DEEP : 0);
  return (uintptr_t)neu | MOVE_FRESH;
}

/* ---- the journal of in-place writes ---- */

typedef struct journal_rec { struct journal_rec *prev; void *addr; size_t size; } journal_rec;
static journal_rec *journal = 0;

/* Saves [addr, addr+size) before an in-place transform overwrites it and
 * returns the saved copy, which the transform then reads as its input. */
const void *__kitsune_xf_journal(void *addr, size_t size) {
  journal_rec *r = malloc(sizeof *r + size);
  if (!r) { xf_oom = 1; return 0; }
  r->prev = journal;
  r->addr = addr;
  r->size = size;
  memcpy(r + 1, addr, size);
  journal = r;
  return r + 1;
}

/* ---- the transaction ---- */

/* The cells of the old version's variables (sorted lo, hi pairs): pointers
 * into them move by key, like pointers into its static data block. */
static uint32_t *old_cells = 0;
static uint32_t old_ncells = 0;

void __kitsune_xf_begin(uintptr_t lo, uintptr_t hi) {
  old_lo = lo;
  old_hi = hi;
  old_top = (uintptr_t)__builtin_wasm_memory_size(0) * 65536u;
  xf_oom = 0;
}

/* Takes the old version's variable cells, `n` sorted (lo, hi) pairs; 0 when out of memory. */
int __kitsune_xf_old_cells(const uint32_t *pairs, uint32_t n) {
  old_cells = malloc(2 * n * sizeof *old_cells + 1);
  if (!old_cells) { xf_oom = 1; return 0; }
  memcpy(old_cells, pairs, 2 * n * sizeof *old_cells);
  old_ncells = n;
  return 1;
}

int __kitsune_xf_failed(void) { return xf_oom; }

/* Is p inside the old version's static data (string literals) or one of its variables? */
int __kitsune_xf_in_old_data(const void *p) {
  uint32_t v = (uint32_t)(uintptr_t)p;
  if (v - old_lo < old_hi - old_lo) return 1;
  /* Most heap objects lie outside the span of the cells: no search for those. */
  if (!old_ncells || v < old_cells[0] || v >= old_cells[2 * old_ncells - 1]) return 0;
  uint32_t a = 0, b = old_ncells;
  while (a < b) {
    uint32_t m = (a + b) / 2;
    if (v < old_cells[2 * m]) b = m;
    else if (v >= old_cells[2 * m + 1]) a = m + 1;
    else return 1;
  }
  return 0;
}

/* Freed memory is zeroed: the conservative scan that decides whether old
 * static data is still referenced reads free blocks too, and stale old
 * addresses there would keep it alive for nothing. */
void __kitsune_wipe(void *p, size_t n) {
  if (!p) return;
  memset(p, 0, n);
  __asm__ volatile("" : : "r"(p) : "memory"); /* keep the stores: the block is freed next */
}

/* The inspector's copy of the map (__kitsune_xf_map_base). */
static kt_table exported;

static void clear(void) {
  slab_close();
  slab_size = SLAB_FIRST;
  moved = 0;
  while (journal) { journal_rec *r = journal; journal = r->prev; __kitsune_wipe(r, sizeof *r + r->size); free(r); }
  pm_free(&map);
  kt_free(&other);
  kt_free(&exported);
  old_lo = old_hi = old_top = 0;
  free(old_cells);
  old_cells = 0;
  old_ncells = 0;
}

/* Old blocks that deep transforms replaced, waiting to be freed: the map of
 * the last committed migration. Freeing a million blocks takes long enough
 * that it happens after the update, when the program next waits. */
static pm_map garbage;
static kt_table garbage_other;
static size_t garbage_page = 0, garbage_word = 0;

/* Frees up to `budget` old blocks; returns 1 while some remain. */
int __kitsune_xf_release(int budget) {
  for (; garbage_page < garbage.pages && budget > 0; garbage_page++, garbage_word = 0) {
    uint32_t *leaf = garbage.dir[garbage_page];
    if (!leaf) continue;
    for (; garbage_word < PM_LEAF_WORDS && budget > 0; garbage_word++) {
      if (!(leaf[garbage_word] & XF_DEEP)) continue;
      void *p = (void *)pm_key(garbage_page, garbage_word);
      kt_wipe_free(p, malloc_usable_size(p));
      budget--;
    }
    if (garbage_word < PM_LEAF_WORDS) return 1;
    pm_free_leaf(&garbage, garbage_page);
  }
  if (garbage_page < garbage.pages) return 1;
  for (kt_entry *e = kt_first(&garbage_other); e; e = kt_next(&garbage_other, e))
    if (e->val & XF_DEEP) { void *p = (void *)e->key; kt_wipe_free(p, malloc_usable_size(p)); }
  pm_free(&garbage);
  kt_free(&garbage_other);
  garbage_page = garbage_word = 0;
  return 0;
}

/* Commit: the journal goes; old blocks replaced by deep transforms are
 * garbage, freed by __kitsune_xf_release. Returns how many there are. */
int __kitsune_xf_commit(void) {
  while (garbage.dir || garbage_other.e) __kitsune_xf_release(1 << 30); /* an earlier update's, not yet released */
  int n = (int)moved;
  if (n) {
    garbage = map;
    garbage_other = other;
    garbage_page = garbage_word = 0;
    map = (pm_map){0};
    other = (kt_table){0};
  }
  clear();
  return n;
}

/* For an inspector (the driver's `inspect` option): the address map of the
 * migration under way, read by the host just before commit, as kt_entry
 * {old, neu} pairs (old 0 or 1 for a free slot, neu's low bit set for deep
 * moves): copied from both maps into `exported` when the base is asked for. */
uintptr_t __kitsune_xf_map_base(void) {
  kt_free(&exported);
  for (size_t p = 0; p < map.pages; p++) {
    const uint32_t *leaf = map.dir[p];
    if (leaf) for (size_t i = 0; i < PM_LEAF_WORDS; i++) if (leaf[i] && !kt_put(&exported, pm_key(p, i), leaf[i])) return 0;
  }
  for (kt_entry *e = kt_first(&other); e; e = kt_next(&other, e)) if (!kt_put(&exported, e->key, e->val)) return 0;
  return (uintptr_t)exported.e;
}
size_t __kitsune_xf_map_capacity(void) { return exported.cap; }

/* Rollback: put back every byte the in-place transforms wrote, newest first. */
int __kitsune_xf_rollback(void) {
  int restored = 0;
  for (journal_rec *r = journal; r; r = r->prev) { memcpy(r->addr, r + 1, r->size); restored++; }
  /* The new blocks of deep transforms, which no tracking recorded (what is left of the slab first). */
  slab_close();
  for (size_t p = 0; p < map.pages; p++) {
    const uint32_t *leaf = map.dir[p];
    if (leaf) for (size_t i = 0; i < PM_LEAF_WORDS; i++) if (leaf[i] & XF_DEEP) free((void *)(uintptr_t)(leaf[i] & ~XF_DEEP));
  }
  for (kt_entry *e = kt_first(&other); e; e = kt_next(&other, e))
    if (e->val & XF_DEEP) free((void *)(e->val & ~(uintptr_t)XF_DEEP));
  clear();
  return restored;
}

/*
 * Is p the start of a block that malloc handed out and that is still in use?
 * Only such blocks may be freed at commit; anything else (an interior
 * pointer, a stack address) makes the migration fail with a clear message
 * rather than corrupt the allocator. Reads dlmalloc's chunk header: on
 * wasm32 the header is two size_t words before the payload, with the
 * C(urrent)INUSE bit in the second and the next chunk's P(revious)INUSE bit;
 * payloads are 16-aligned. Every old block lies below the memory's size when
 * the migration began (old_top), so memory.size is not read at each call.
 */
extern unsigned char __heap_base;
static int is_block(const void *p) {
  uintptr_t a = (uintptr_t)p, top = old_top;
  if (a < (uintptr_t)&__heap_base + 8 || a >= top || (a & 15)) return 0;
  size_t head = ((const size_t *)p)[-1];
  size_t size = head & ~(size_t)7;
  if (!(head & 2) || size < 16 || a - 8 + size + 8 > top) return 0;
  size_t next = *(const size_t *)(a - 8 + size + 4);
  return (next & 1) != 0;
}

/*
 * State transformation support, in the persistent runtime: what the
 * migration code generated for each version (see compiler/xf-gen.ts and
 * kitsune_xf.h) needs to live across the module boundary.
 *
 * - A map from old addresses to new ones, so that an object reachable along
 *   several paths is transformed once and cycles end.
 * - A journal of the bytes that in-place (shallow) transforms overwrite, so
 *   that a rollback puts the old heap back exactly.
 * - The list of old blocks that deep transforms replaced: freed at commit,
 *   never before, so a failed migration leaves the old heap whole.
 *
 * All of it uses the runtime's own malloc (untracked): the host frees it at
 * commit or rollback.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <malloc.h>
#include "kitsune_table.h"

#define XF_DEEP 1u

void __kitsune_wipe(void *p, size_t n);
int __kitsune_xf_is_block(const void *p);

/* old -> new address; the low bit of the new one marks a deep transform. */
static kt_table map;
static int xf_oom = 0;

static uintptr_t old_lo = 0, old_hi = 0;

/* The new address of an old object, or 0. */
void *__kitsune_xf_lookup(const void *old) {
  kt_entry *e = kt_find(&map, (uintptr_t)old);
  return e ? (void *)(e->val & ~(uintptr_t)XF_DEEP) : 0;
}

/* The migration moved the old block p to a new one and frees p at commit itself. */
int __kitsune_xf_moved(const void *p) {
  kt_entry *e = kt_find(&map, (uintptr_t)p);
  return e && (e->val & XF_DEEP) != 0;
}

/* Records old -> neu. deep: the old block was copied into a new one and is
 * freed at commit. Returns 0 when out of memory (the update then fails). */
int __kitsune_xf_insert(const void *old, void *neu, int deep) {
  if (!kt_put(&map, (uintptr_t)old, (uintptr_t)neu | (deep ? XF_DEEP : 0))) { xf_oom = 1; return 0; }
  return 1;
}

/*
 * One probe for kx_ptr's common case: the new address of `old`, placing it
 * if it has none yet. bytes == 0: transformed in place (maps to itself);
 * otherwise a zeroed block of `bytes`, from the runtime's own allocator: the
 * map is its record, so a rollback frees it from there. *fresh says whether
 * the caller must queue the transform; -1 when `old` is not the start of a
 * heap block and cannot be moved. Returns 0 when out of memory.
 */
void *__kitsune_xf_place(const void *old, size_t bytes, int *fresh) {
  *fresh = 0;
  if (!kt_reserve(&map)) { xf_oom = 1; return 0; }
  kt_entry *e = kt_slot(&map, (uintptr_t)old);
  if (e->key == (uintptr_t)old) return (void *)(e->val & ~(uintptr_t)XF_DEEP);
  if (!__kitsune_xf_is_block(old)) { *fresh = -1; return 0; }
  void *neu = (void *)old;
  if (bytes) {
    neu = calloc(1, bytes);
    if (!neu) { xf_oom = 1; return 0; }
  }
  kt_fill(&map, e, (uintptr_t)old, (uintptr_t)neu | (bytes ? XF_DEEP : 0));
  *fresh = 1;
  return neu;
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

static void clear(void) {
  while (journal) { journal_rec *r = journal; journal = r->prev; __kitsune_wipe(r, sizeof *r + r->size); free(r); }
  kt_free(&map);
  old_lo = old_hi = 0;
  free(old_cells);
  old_cells = 0;
  old_ncells = 0;
}

/* Old blocks that deep transforms replaced, waiting to be freed: the map of
 * the last committed migration. Freeing a million blocks takes long enough
 * that it happens after the update, when the program next waits. */
static kt_table garbage;
static size_t garbage_at = 0;

/* Frees up to `budget` old blocks; returns 1 while some remain. */
int __kitsune_xf_release(int budget) {
  for (; garbage_at < garbage.cap && budget > 0; garbage_at++) {
    kt_entry *e = &garbage.e[garbage_at];
    if (e->key > KT_REMOVED && (e->val & XF_DEEP)) {
      void *p = (void *)e->key;
      kt_wipe_free(p, malloc_usable_size(p));
      budget--;
    }
  }
  if (garbage_at < garbage.cap) return 1;
  kt_free(&garbage);
  garbage_at = 0;
  return 0;
}

/* Commit: the journal goes; old blocks replaced by deep transforms are
 * garbage, freed by __kitsune_xf_release. Returns how many there are. */
int __kitsune_xf_commit(void) {
  while (garbage.e) __kitsune_xf_release(1 << 30); /* an earlier update's, not yet released */
  int moved = 0;
  for (kt_entry *e = kt_first(&map); e; e = kt_next(&map, e)) if (e->val & XF_DEEP) moved++;
  if (moved) {
    garbage = map;
    garbage_at = 0;
    map = (kt_table){0};
  }
  clear();
  return moved;
}

/* For an inspector (the driver's `inspect` option): the address map of the
 * migration under way, read by the host just before commit: kt_entry
 * {old, neu} pairs, old 0 or 1 for a free slot, neu's low bit set for deep moves. */
uintptr_t __kitsune_xf_map_base(void) { return (uintptr_t)map.e; }
size_t __kitsune_xf_map_capacity(void) { return map.cap; }

/* Rollback: put back every byte the in-place transforms wrote, newest first. */
int __kitsune_xf_rollback(void) {
  int restored = 0;
  for (journal_rec *r = journal; r; r = r->prev) { memcpy(r->addr, r + 1, r->size); restored++; }
  /* The new blocks of deep transforms, which no tracking recorded. */
  for (kt_entry *e = kt_first(&map); e; e = kt_next(&map, e))
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
 * C(urrent)INUSE bit in the second and the next chunk's P(revious)INUSE bit.
 */
extern unsigned char __heap_base;
int __kitsune_xf_is_block(const void *p) {
  uintptr_t a = (uintptr_t)p;
  uintptr_t top = (uintptr_t)__builtin_wasm_memory_size(0) * 65536u;
  if (a < (uintptr_t)&__heap_base + 8 || a >= top || (a & 7)) return 0;
  size_t head = ((const size_t *)p)[-1];
  size_t size = head & ~(size_t)7;
  if (!(head & 2) || size < 16 || a - 8 + size + 8 > top) return 0;
  size_t next = *(const size_t *)(a - 8 + size + 4);
  return (next & 1) != 0;
}

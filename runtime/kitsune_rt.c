/*
 * The persistent runtime's own C: linked with the whole of wasi-libc into
 * runtime.wasm, instantiated once per process and shared by every version.
 *
 * Versions import malloc and friends from here under their usual names (the
 * loader maps them to the __kitsune_* wrappers) so that, while an update is
 * under way, every block the new version allocates is recorded and can be
 * freed if the update rolls back.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <malloc.h>
#include "kitsune_table.h"

/* KITSUNE_STATE_REQUESTED | KITSUNE_STATE_UPDATING (kitsune.h). Written by
 * the host, from another thread, with atomic stores. */
volatile int __kitsune_state = 0;

/* ---- allocation tracking during an update: a set of the new version's blocks ---- */

static kt_table track;
static int tracking = 0;

/* Tracking failure (no memory for the set) is reported to the host, which
 * fails the update: a rollback must be able to free everything. */
static int track_failed = 0;

static void *tracked(void *p) {
  if (p && tracking && !kt_put(&track, (uintptr_t)p, 0)) track_failed = 1;
  return p;
}

void *__kitsune_malloc(size_t n) { return tracked(malloc(n)); }
void *__kitsune_calloc(size_t n, size_t m) { return tracked(calloc(n, m)); }
void *__kitsune_aligned_alloc(size_t a, size_t n) { return tracked(aligned_alloc(a, n)); }
/* ---- blocks of the old version freed during an update: freed at commit ----
 * The new version's migration may free old state (a list it turned into a
 * tree). Freed now, the allocator would write its links into them and could
 * hand them out again, and a rollback would resume the old version on
 * blocks that are no longer its own; so they are freed once the update
 * commits, and simply stay the old version's if it rolls back. */

static void **deferred = 0;
static size_t n_deferred = 0, cap_deferred = 0;

static int is_new_block(void *p) { return kt_find(&track, (uintptr_t)p) != 0; }

/* Frees p at commit; 0 when there is no memory to remember it (the update then fails). */
static int defer_free(void *p) {
  if (n_deferred == cap_deferred) {
    size_t cap = cap_deferred ? cap_deferred * 2 : 64;
    void **d = realloc(deferred, cap * sizeof *d);
    if (!d) { track_failed = 1; return 0; }
    deferred = d;
    cap_deferred = cap;
  }
  deferred[n_deferred++] = p;
  return 1;
}

void __kitsune_alloctrack_forget(void *p);
int __kitsune_xf_moved(const void *p);

/* At commit, before the migration's own commit: a block it moved is freed there, not twice. */
static void end_deferred(int commit) {
  for (size_t i = 0; commit && i < n_deferred; i++) {
    __kitsune_alloctrack_forget(deferred[i]);
    if (!__kitsune_xf_moved(deferred[i])) free(deferred[i]);
  }
  free(deferred);
  deferred = 0;
  n_deferred = cap_deferred = 0;
}

void *__kitsune_realloc(void *p, size_t n) {
  if (tracking && p && !is_new_block(p)) {
    /* An old block cannot grow or move in place without being freed: the new version gets a copy. */
    void *q = malloc(n ? n : 1);
    if (!q) return 0;
    size_t old = malloc_usable_size(p);
    memcpy(q, p, old < n ? old : n);
    if (!defer_free(p)) { free(q); return 0; }
    return tracked(q);
  }
  void *q = realloc(p, n);
  if (tracking && q && q != p) { if (p) kt_remove(&track, (uintptr_t)p); tracked(q); }
  else if (tracking && q && !p) tracked(q);
  return q;
}
int __kitsune_posix_memalign(void **out, size_t a, size_t n) {
  int r = posix_memalign(out, a, n);
  if (r == 0) tracked(*out);
  return r;
}
void __kitsune_free(void *p) {
  if (tracking && p) {
    if (!is_new_block(p)) { defer_free(p); return; }
    kt_remove(&track, (uintptr_t)p);
  }
  if (p) __kitsune_alloctrack_forget(p);
  free(p);
}

/* Kitsune's kitsune_delayedfree(): the block is freed once the update commits (at once outside an update). */
void kitsune_delayedfree(void *p) {
  if (!p) return;
  if (tracking) defer_free(p);
  else { __kitsune_alloctrack_forget(p); free(p); }
}
char *__kitsune_strdup(const char *s) { return tracked(strdup(s)); }
char *__kitsune_strndup(const char *s, size_t n) { return tracked(strndup(s, n)); }

void __kitsune_proc_begin(void);
int __kitsune_proc_commit(void);
void __kitsune_proc_rollback(void);
int __kitsune_alloctrack_begin(void);
void __kitsune_alloctrack_end(int commit);

void __kitsune_track_begin(void) {
  tracking = 1;
  track_failed = 0;
  __kitsune_proc_begin(); /* libc's state too: kitsune_process.c */
  if (!__kitsune_alloctrack_begin()) track_failed = 1;
}

/* Commit: the new version's blocks are simply its blocks now. */
int __kitsune_track_commit(void) {
  tracking = 0;
  if (__kitsune_proc_commit()) track_failed = 1;
  end_deferred(1);
  __kitsune_alloctrack_end(1);
  size_t n = track.live;
  kt_free(&track);
  return (int)n;
}

/* Rollback: free every block the new version still holds. */
int __kitsune_track_rollback(void) {
  /* Streams first: closing them frees libc's own blocks, before the version's are freed. */
  __kitsune_proc_rollback();
  tracking = 0;
  end_deferred(0);
  __kitsune_alloctrack_end(0);
  size_t n = 0;
  for (kt_entry *e = kt_first(&track); e; e = kt_next(&track, e)) { free((void *)e->key); n++; }
  kt_free(&track);
  return (int)n;
}

int __kitsune_track_failed(void) { return track_failed; }

/*
 * Conservative scan for the reclaim of old versions' memory: which of n
 * ranges [lo, hi) (sorted, disjoint; pairs in `ranges`) does some word in
 * [from, to) point into? Every byte offset is read, not only aligned words:
 * a pointer in a packed struct counts too. hits[i] counts the words that
 * point into range i; first[i] is the address of the first one.
 */
void __kitsune_scan_ranges(uint32_t from, uint32_t to, const uint32_t *ranges, uint32_t n, uint32_t *hits, uint32_t *first) {
  if (!n || to < from + 4) return;
  uint32_t lo = ranges[0], span = ranges[2 * n - 1] - lo;
  for (const unsigned char *p = (const unsigned char *)(uintptr_t)from, *end = (const unsigned char *)(uintptr_t)(to - 3); p < end; p++) {
    uint32_t v;
    __builtin_memcpy(&v, p, 4);
    if (v - lo >= span) continue;
    uint32_t a = 0, b = n;
    while (a < b) {
      uint32_t m = (a + b) / 2;
      if (v < ranges[2 * m]) b = m;
      else if (v >= ranges[2 * m + 1]) a = m + 1;
      else { if (!hits[m]++) first[m] = (uint32_t)(uintptr_t)p; break; }
    }
  }
}

/* The top of the heap, for the scan and for reports. */
uint32_t __kitsune_heap_top(void) { return (uint32_t)__builtin_wasm_memory_size(0) * 65536u; }

/*
 * After a rollback restores a memory snapshot, the allocator believes the
 * heap ends where it ended at the snapshot, while the memory stays grown by
 * whatever the failed update took: that tail [from, to) would be lost for
 * good. It is handed back to dlmalloc as one free chunk, closed by a
 * fencepost that is never freed (the allocator's own way to end a region).
 * On wasm32 a chunk is two size_t words (prev_foot, head) before its
 * payload; payloads are 16-aligned; head bit 0 = previous chunk in use,
 * bit 1 = this chunk in use.
 */
int __kitsune_heap_adopt(uintptr_t from, uintptr_t to) {
  if (to <= from || to - from < 4096 || (from & 15) || (to & 15)) return 0;
  uintptr_t chunk = from + 8, fence = to - 24;
  size_t size = fence - chunk;
  ((size_t *)fence)[1] = 4 | 3;          /* fencepost: in use, previous in use */
  ((size_t *)chunk)[1] = size | 3;       /* in use, previous "in use" (nothing to merge with) */
  free((void *)(chunk + 8));
  return (int)size;
}

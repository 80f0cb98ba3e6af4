/* The program of the tests and of the stress suite: a heap list, globals, a
 * file static, a local static and a MIGRATE_LOCAL local, all printed each
 * tick so that state can be compared across updates and rollbacks.
 * -DVERSION=N changes its output; -DFAIL_* injects a failure into the update.
 *
 * -DSTRESS (stress/): the list is capped at CAP nodes, the oldest freed, so it
 * can run for hours, and each tick prints two lines:
 *   "pre  n=N ck=H"   right after the update point, before the tick changes anything
 *   "vV n=N ... ck=H" after the tick's changes
 * H is a 64-bit FNV-1a hash over every global, the local, the local static and
 * every heap node's address, value and next pointer. Nothing changes state
 * between a tick's second line and the next tick's first, so the two hashes
 * must be equal, also across a failed (rolled-back) or a committed update:
 * that is the byte-level state check. The tick's delay varies with n, so
 * update requests land at every phase of the loop. */
#include <kitsune.h>
#include <unistd.h>
#include <time.h>

#ifndef VERSION
#define VERSION 1
#endif
#define CAP 48

struct item { int v; struct item *next; };
struct item *list;
int n;
long long sum;
static int stat_counter;
#ifdef FAIL_MIGRATE
long long typed E_MANUAL_MIGRATE; /* was int */
#else
int typed E_MANUAL_MIGRATE;
#endif
#ifdef FAIL_BIGDATA
char big_static_data[6 << 20] = { 1 }; /* a data block the host cannot allocate under a small memory limit */
#endif

#ifdef FAIL_PRESTART
void _kitsune_prestart_xform(void) { __builtin_trap(); }
#endif
#ifdef FAIL_LINK
void no_such_function(void);
#endif

static int bump(int by) {
  static int calls;                      /* a local static: key counter.c/bump#calls */
  static int first E_MANUAL_MIGRATE = 1; /* not migrated: 1 again in each version */
  if (first) { first = 0; MIGRATE_LOCAL_STATIC(bump, calls); }
  return calls += by;
}

static unsigned long long h;
static void mix(const void *p, unsigned long len) {
  const unsigned char *b = p;
  for (unsigned long i = 0; i < len; i++) { h ^= b[i]; h *= 1099511628211ULL; }
}

/* Walks the list (count and sum of its values) and hashes the whole state. */
static unsigned long long checksum(int step, int *count, long long *wsum) {
  h = 1469598103934665603ULL;
  int calls = bump(0);
  mix(&n, sizeof n); mix(&sum, sizeof sum); mix(&stat_counter, sizeof stat_counter); mix(&typed, sizeof typed);
  mix(&step, sizeof step); mix(&calls, sizeof calls); mix(&list, sizeof list);
  *count = 0; *wsum = 0;
  for (struct item *i = list; i; i = i->next) {
    mix(&i, sizeof i); mix(i, sizeof *i);
    (*count)++; *wsum += i->v;
  }
  return h;
}

int main(int argc, char **argv) {
#ifdef STRESS
  int limit = argc > 1 ? atoi(argv[1]) : 2000000000;
  int delay = argc > 2 ? atoi(argv[2]) : 2000; /* the longest delay */
#else
  int limit = argc > 1 ? atoi(argv[1]) : 1000000;
  int delay = argc > 2 ? atoi(argv[2]) : 20000;
#endif
  int step = 0;
  kitsune_do_automigrate();
  MIGRATE_LOCAL(step);
  if (!MIGRATE_GLOBAL(typed)) typed = 7;
#ifdef FAIL_WRITE_OLD
  if (kitsune_is_updating()) { for (struct item *i = list; i; i = i->next) i->v = -1; n = -5; list = 0; }
#endif
#ifdef FAIL_TRAP
  if (kitsune_is_updating()) __builtin_trap();
#endif
#ifdef FAIL_EXIT
  if (kitsune_is_updating()) exit(3);
#endif
#ifdef FAIL_RETURN
  if (kitsune_is_updating()) return 0;
#endif
#ifdef FAIL_LINK
  if (kitsune_is_updating()) no_such_function();
#endif
#ifdef FAIL_HOST
  /* The host's nanosleep reads the timespec with a DataView: out of bounds, the host itself throws. */
  if (kitsune_is_updating()) nanosleep((const struct timespec *)0xfffffff0u, 0);
#endif
#ifdef FAIL_OOM
  if (kitsune_is_updating()) {
    static char *hog[4096];
    for (int i = 0; i < 4096; i++) {
      if (!(hog[i] = malloc(1 << 18))) __builtin_trap();
      hog[i][0] = 1;
    }
  }
#endif
  if (kitsune_is_updating()) { printf("v%d took over at step %d\n", VERSION, step); fflush(stdout); }
  while (n < limit) {
    kitsune_update("loop");
    int count; long long w;
    unsigned long long ck;
#ifdef STRESS
    ck = checksum(step, &count, &w);
    printf("pre n=%d ck=%016llx\n", n, ck);
#endif
    struct item *it = malloc(sizeof *it);
    it->v = n;
    it->next = list;
    list = it;
#ifdef STRESS
    if (n >= CAP) { /* free the oldest node: the list holds the last CAP values */
      struct item *p = list;
      while (p->next->next) p = p->next;
      free(p->next);
      p->next = 0;
    }
#endif
    n++;
    sum += n;
    stat_counter += 2;
    step++;
    bump(1);
    ck = checksum(step, &count, &w);
#ifdef STRESS
    printf("v%d n=%d sum=%lld stat=%d step=%d calls=%d typed=%d walk=%d/%lld ck=%016llx\n", VERSION, n, sum, stat_counter, step, bump(0), (int)typed, count, w, ck);
    int d = delay ? (int)(((unsigned)n * 2654435761u) >> 8) % delay : 0;
#else
    (void)ck;
    printf("v%d n=%d sum=%lld stat=%d step=%d calls=%d typed=%d walk=%d/%lld\n", VERSION, n, sum, stat_counter, step, bump(0), (int)typed, count, w);
    int d = delay;
#endif
    fflush(stdout);
    if (d) usleep(d);
  }
  return 0;
}

/* The test program: a heap list, globals, a file static, a local static and a
 * MIGRATE_LOCAL local, all printed each tick so tests can compare state.
 * -DVERSION=N changes its output; -DFAIL_* injects a failure into the update. */
#include <kitsune.h>
#include <unistd.h>

#ifndef VERSION
#define VERSION 1
#endif

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

#ifdef FAIL_PRESTART
void _kitsune_prestart_xform(void) { __builtin_trap(); }
#endif
#ifdef FAIL_LINK
void no_such_function(void);
#endif

static long long walk(int *count) {
  long long s = 0;
  *count = 0;
  for (struct item *i = list; i; i = i->next) { s += i->v; (*count)++; }
  return s;
}

static int bump(void) {
  static int calls;                     /* a local static: key counter.c/bump#calls */
  static int first E_MANUAL_MIGRATE = 1; /* not migrated: 1 again in each version */
  if (first) { first = 0; MIGRATE_LOCAL_STATIC(bump, calls); }
  return ++calls;
}

int main(int argc, char **argv) {
  int limit = argc > 1 ? atoi(argv[1]) : 1000000;
  int delay = argc > 2 ? atoi(argv[2]) : 20000;
  int step = 0;
  kitsune_do_automigrate();
  MIGRATE_LOCAL(step);
  if (!MIGRATE_GLOBAL(typed)) typed = 7;
#ifdef FAIL_WRITE_OLD
  if (kitsune_is_updating()) { for (struct item *i = list; i; i = i->next) i->v = -1; n = -5; }
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
#ifdef FAIL_OOM
  if (kitsune_is_updating()) {
    static char *hog[4096];
    for (int i = 0; i < 4096; i++) {
      if (!(hog[i] = malloc(1 << 20))) __builtin_trap();
      hog[i][0] = 1;
    }
  }
#endif
  if (kitsune_is_updating()) { printf("v%d took over at step %d\n", VERSION, step); fflush(stdout); }
  while (n < limit) {
    kitsune_update("loop");
    struct item *it = malloc(sizeof *it);
    it->v = n;
    it->next = list;
    list = it;
    n++;
    sum += n;
    stat_counter += 2;
    step++;
    int count;
    long long w = walk(&count);
    printf("v%d n=%d sum=%lld stat=%d step=%d calls=%d typed=%d walk=%d/%lld\n", VERSION, n, sum, stat_counter, step, bump(), (int)typed, count, w);
    fflush(stdout);
    if (delay) usleep(delay);
  }
  return 0;
}

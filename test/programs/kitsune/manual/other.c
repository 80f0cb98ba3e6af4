#include "../request.h"
#include <assert.h>

static int hits = 50;
int (*handler)(int);
int twice(int x) { return 2 * x; }
int thrice(int x) { return 3 * x; }

void worker(const char *next) {
  ENTER_FUNC();
  static int calls = 60;
  int depth = 70;
  if (!kitsune_is_updating()) { hits = 51; calls = 61; depth = 71; handler = thrice; }
  NOTE_AND_MIGRATE_STATIC(hits);
  NOTE_AND_MIGRATE_LOCAL_STATIC(worker, calls);
  NOTE_AND_MIGRATE_LOCAL(depth);
  MIGRATE_GLOBAL(handler);
  if (kitsune_is_updating()) {
    assert(hits == 56 && calls == 66 && depth == 76);
    /* DEF_XFORM_FUNC_PTR's map: the old version's thrice is the new thrice. */
    assert(handler == thrice && handler(7) == 21);
    printf("worker: hits %d calls %d depth %d handler(7) %d\n", hits, calls, depth, handler(7));
    kitsune_update("work");
    printf("Success\n");
    return;
  }
  request_update(next);
  WAIT_FOR_UPDATE("work");
  EXIT_FUNC();
}

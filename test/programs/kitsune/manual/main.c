/* State migrated by hand-written transformers (manual/dsu.c), keyed the way
 * Kitsune keys it: a global, a file static, a local and a local static here,
 * and their namesakes in other.c. Each transformer adds 5 to the old value. */
#include "../request.h"
#include <assert.h>

int counter = 10;
static int hits = 20;
extern void worker(const char *next);

int main(int argc, char **argv) {
  ENTER_FUNC();
  static int calls = 30;
  int depth = 40;
  if (!kitsune_is_updating()) { counter = 11; hits = 21; calls = 31; depth = 41; }
  MIGRATE_GLOBAL(counter);
  NOTE_AND_MIGRATE_STATIC(hits);
  NOTE_AND_MIGRATE_LOCAL_STATIC(main, calls);
  NOTE_AND_MIGRATE_LOCAL(depth);
  if (kitsune_is_updating()) {
    assert(counter == 16 && hits == 26 && calls == 36 && depth == 46);
    printf("main: counter %d hits %d calls %d depth %d\n", counter, hits, calls, depth);
  }
  worker(argc > 1 ? argv[1] : "");
  EXIT_FUNC();
  return 0;
}

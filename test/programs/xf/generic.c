// A generic container (void * payloads, Kitsune's E_GENERIC/E_T/E_G) whose
// payload type changes: the migration follows the void * only because the
// annotations say what it holds.
#include <kitsune.h>
#include <unistd.h>

struct gnode { void *data E_T(T); struct gnode *next; } E_GENERIC(T);
#if VERSION == 1
struct item { int id; };
#else
struct item { long long id; int score; };
#endif
struct gnode *items E_G(struct gnode, struct item);

int main(void) {
  if (kitsune_is_updating()) kitsune_do_automigrate();
  else {
    for (int i = 1; i <= 3; i++) {
      struct gnode *g = malloc(sizeof *g);
      struct item *it = malloc(sizeof *it);
      it->id = i * 100;
      g->data = it;
      g->next = items;
      items = g;
    }
  }
  for (;;) {
    kitsune_update("loop");
    printf("v%d", VERSION);
    for (struct gnode *g = items; g; g = g->next) {
      struct item *it = g->data;
#if VERSION == 1
      printf(" %d", it->id);
#else
      printf(" %lld/%d", it->id, it->score);
#endif
    }
    printf("\n");
    fflush(stdout);
    usleep(2000);
  }
}

/* Update pause: a demo-like program holding N malloc'd objects whose types do
 * not change between versions. argv: N. Build it with -DVERSION=1 and
 * -DVERSION=2 (the second --from the first): the versions differ in code only. */
#include <kitsune.h>
#include <unistd.h>

#ifndef VERSION
#define VERSION 1
#endif

struct obj {
  int id;
  int value;
  struct obj *next;
};

struct obj *objs; /* the heap: kept across updates */
int count;
long long total;
int ticks;

int main(int argc, char **argv) {
  kitsune_do_automigrate();
  int n = argc > 1 ? atoi(argv[1]) : 1000;
  if (kitsune_is_updating()) {
    printf("v%d took over: %d objects, total %lld\n", VERSION, count, total);
  } else {
    for (int i = 0; i < n; i++) {
      struct obj *o = malloc(sizeof *o);
      o->id = i;
      o->value = i % 1000;
      o->next = objs;
      objs = o;
      count++;
      total += o->value;
    }
    printf("v%d ready: %d objects\n", VERSION, count);
  }
  fflush(stdout);
  for (;;) {
    kitsune_update("loop");
    ticks++;
    usleep(1000);
  }
}

/* A program whose heap holds many malloc'd objects: a linked list of
 * readings that grows every tick. Version 1 prints a count and a sum. */
#include <kitsune.h>
#include <unistd.h>

struct reading {
  int id;
  int value;
  struct reading *next;
};

struct reading *readings; /* the heap: kept across updates */
int count;                /* how many readings */
long long total;          /* their sum */
int ticks;                /* ticks so far */

static void add(int value) {
  struct reading *r = malloc(sizeof *r);
  r->id = count++;
  r->value = value;
  r->next = readings;
  readings = r;
  total += value;
}

int main(int argc, char **argv) {
  kitsune_do_automigrate();
  int limit = argc > 1 ? atoi(argv[1]) : 20;
  int per_tick = argc > 2 ? atoi(argv[2]) : 25000;
  while (ticks < limit) {
    kitsune_update("loop");
    for (int i = 0; i < per_tick; i++) add((ticks * 7 + i) % 1000);
    ticks++;
    printf("v1 tick %d: %d readings, total %lld\n", ticks, count, total);
    fflush(stdout);
    usleep(100000);
  }
  return 0;
}

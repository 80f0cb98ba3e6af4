/* Version 2: the same state, new behaviour. It walks the list it inherited
 * to check it, and reports the mean as well. */
#include <kitsune.h>
#include <unistd.h>

struct reading {
  int id;
  int value;
  struct reading *next;
};

struct reading *readings;
int count;
long long total;
int ticks;

static void add(int value) {
  struct reading *r = malloc(sizeof *r);
  r->id = count++;
  r->value = value;
  r->next = readings;
  readings = r;
  total += value;
}

/* Walks the whole heap list: proves the old version's objects came through. */
static long long walk(int *n) {
  long long sum = 0;
  *n = 0;
  for (struct reading *r = readings; r; r = r->next) { sum += r->value; (*n)++; }
  return sum;
}

int main(int argc, char **argv) {
  kitsune_do_automigrate();
  if (kitsune_is_updating()) {
    int n;
    long long sum = walk(&n);
    printf("v2 took over: %d readings on the heap (sum %lld, %s)\n", n, sum, sum == total && n == count ? "intact" : "CORRUPTED");
    fflush(stdout);
  }
  int limit = argc > 1 ? atoi(argv[1]) : 20;
  int per_tick = argc > 2 ? atoi(argv[2]) : 25000;
  while (ticks < limit) {
    kitsune_update("loop");
    for (int i = 0; i < per_tick; i++) add((ticks * 7 + i) % 1000);
    ticks++;
    printf("v2 tick %d: %d readings, total %lld, mean %.2f\n", ticks, count, total, (double)total / count);
    fflush(stdout);
    usleep(100000);
  }
  return 0;
}

/* field-retyped, version 2: the counters outgrow int. Hits become long long,
 * kilobytes become bytes (long long) and milliseconds become seconds (double).
 * v2.xf converts the values v1 counted into the new units. */
#include <kitsune.h>
#include <unistd.h>

struct counter {
  const char *path;
  long long hits;  /* was int: widened as it is */
  long long bytes; /* was int kb: times 1024 */
  double seconds;  /* was int ms: divided by 1000 */
};

struct counter counters[3] = { { "/" }, { "/api" }, { "/img" } };
int ticks;

static void show(const char *what) {
  printf("v2 %s %d:", what, ticks);
  for (int i = 0; i < 3; i++) {
    struct counter *c = &counters[i];
    printf(" %s hits=%lld bytes=%lld s=%.3f", c->path, c->hits, c->bytes, c->seconds);
  }
  printf("\n");
  fflush(stdout);
}

int main(int argc, char **argv) {
  int ms = argc > 1 ? atoi(argv[1]) : 300;
  if (kitsune_is_updating()) {
    kitsune_do_automigrate(); /* counters: transformed by the generated code and v2.xf */
    show("took over at tick");
  }
  for (;;) {
    kitsune_update("loop");
    ticks++;
    for (int i = 0; i < 3; i++) {
      struct counter *c = &counters[i];
      c->hits += i + 1;
      c->bytes += (i + 1) * 4096;
      c->seconds += (i + 1) * 0.015;
    }
    show("tick");
    usleep(ms * 1000);
  }
}

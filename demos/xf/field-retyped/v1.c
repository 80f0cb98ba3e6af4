/* field-retyped, version 1: per-path traffic counters in a global array,
 * kept in ints: hits, kilobytes and milliseconds.
 * Usage: v1.wasm [MS_PER_TICK] (default 300). */
#include <kitsune.h>
#include <unistd.h>

struct counter {
  const char *path;
  int hits;
  int kb; /* kilobytes served */
  int ms; /* total time spent serving, milliseconds */
};

struct counter counters[3] = { { "/" }, { "/api" }, { "/img" } };
int ticks;

int main(int argc, char **argv) {
  int ms = argc > 1 ? atoi(argv[1]) : 300;
  if (kitsune_is_updating()) kitsune_do_automigrate();
  for (;;) {
    kitsune_update("loop");
    ticks++;
    printf("v1 tick %d:", ticks);
    for (int i = 0; i < 3; i++) {
      struct counter *c = &counters[i];
      c->hits += i + 1;        /* path i gets i+1 requests a tick, */
      c->kb += (i + 1) * 4;    /* of 4 KB each, */
      c->ms += (i + 1) * 15;   /* taking 15 ms each */
      printf(" %s hits=%d kb=%d ms=%d", c->path, c->hits, c->kb, c->ms);
    }
    printf("\n");
    fflush(stdout);
    usleep(ms * 1000);
  }
}

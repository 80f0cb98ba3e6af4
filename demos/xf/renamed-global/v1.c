/* renamed-global, version 1: a turnstile. Visitor number t arrives at tick t;
 * every third one is turned away.
 * Usage: v1.wasm [MS_PER_TICK] (default 300). */
#include <kitsune.h>
#include <unistd.h>

int count;          /* visitors let in: key `count` */
static int rejected; /* turned away: key `v1.c/rejected` */
int ticks;

static int admit(int visitor) {
  static int seen; /* every visitor so far: key `v1.c/admit#seen` */
  seen++;
  if (visitor % 3 == 0) { rejected++; return seen; }
  count++;
  return seen;
}

int main(int argc, char **argv) {
  int ms = argc > 1 ? atoi(argv[1]) : 300;
  if (kitsune_is_updating()) kitsune_do_automigrate();
  for (;;) {
    kitsune_update("loop");
    ticks++;
    int seen = admit(ticks);
    printf("v1 tick %d: count=%d rejected=%d seen=%d\n", ticks, count, rejected, seen);
    fflush(stdout);
    usleep(ms * 1000);
  }
}

/* renamed-global, version 2: the same turnstile with clearer names:
 * count -> total, the file static rejected -> refused, and admit() -> gate()
 * with its local static `seen`. v2.xf carries the values over. */
#include <kitsune.h>
#include <unistd.h>

int total;          /* was `count` */
static int refused; /* was `rejected` in v1.c: key `v2.c/refused` */
int ticks;

static int gate(int visitor) {
  static int seen; /* was admit()'s `seen` in v1.c: key `v2.c/gate#seen` */
  seen++;
  if (visitor % 3 == 0) { refused++; return seen; }
  total++;
  return seen;
}

int main(int argc, char **argv) {
  int ms = argc > 1 ? atoi(argv[1]) : 300;
  if (kitsune_is_updating()) {
    kitsune_do_automigrate();
    printf("v2 took over at tick %d: total=%d refused=%d\n", ticks, total, refused);
    fflush(stdout);
  }
  for (;;) {
    kitsune_update("loop");
    ticks++;
    int seen = gate(ticks);
    printf("v2 tick %d: total=%d refused=%d seen=%d\n", ticks, total, refused, seen);
    fflush(stdout);
    usleep(ms * 1000);
  }
}

// Every kind of variable a spec can name: global, file static, local static, MIGRATE_LOCAL local.
#include <kitsune.h>
#include <unistd.h>

int g = 5;
static struct pt { int x, y; } origin = {3, 0};
int a = 1, b = 2;
int count = 7;

E_NOTELOCALS int main(void) {
  static int calls;
  int steps = 0;
  MIGRATE_LOCAL(steps); /* notes where it lives, so that the next version finds it */
  if (kitsune_is_updating()) {
    kitsune_do_automigrate();
  } else {
    calls = 40;
    steps = 3;
    origin.y = 4;
  }
  for (;;) {
    kitsune_update("loop");
    printf("v1 g=%d origin=%d,%d a=%d b=%d count=%d calls=%d steps=%d\n", g, origin.x, origin.y, a, b, count, calls, steps);
    fflush(stdout);
    usleep(2000);
  }
}

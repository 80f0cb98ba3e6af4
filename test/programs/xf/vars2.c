#include <kitsune.h>
#include <unistd.h>

int g;
static struct pt { int y; long long x; int z; } origin;
int a, b;
int total;
int pre, upd;

void _kitsune_prestart_xform(void) { pre = 1; }
void _kitsune_mainupdate_xform(void) { upd = 1; }

E_NOTELOCALS int main(void) {
  static short calls;
  long long steps = 0;
  if (kitsune_is_updating()) {
    kitsune_do_automigrate();
    MIGRATE_LOCAL(steps);
  } else {
    origin.x = 1;
    calls = 1;
  }
  for (;;) {
    kitsune_update("loop");
    printf("v2 g=%d origin=%lld,%d,%d a=%d b=%d total=%d calls=%d steps=%lld pre=%d upd=%d\n", g, origin.x, origin.y, origin.z, a, b, total, calls, steps, pre, upd);
    fflush(stdout);
    usleep(2000);
  }
}

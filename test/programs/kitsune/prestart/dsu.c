#include <kitsune.h>
#include <assert.h>

void _kitsune_prestart_xform(void) {
  int *old = GET_OLD_GLOBAL(level), *neu = GET_NEW_GLOBAL(level);
  assert(old && neu && old != neu && *old == 101 && *neu == 100);
  *neu = *old + 5;
}

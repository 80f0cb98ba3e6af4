#include <kitsune.h>
#include <assert.h>

/* `level` keeps its type, so it keeps its storage across the update: old and
 * new are the same cell, already holding v1's value (as automigrate would
 * have copied it in Kitsune). */
void _kitsune_prestart_xform(void) {
  int *old = GET_OLD_GLOBAL(level), *neu = GET_NEW_GLOBAL(level);
  assert(old && neu && *old == 101 && *neu == 101);
  *neu = *old + 5;
}

/* Version 2: struct range gained a field, so the array moves to a block of
 * the new size (dsu.c); the pointer into it must follow into the new block.
 * Built with -DBREAK it is the version that fails: it frees the old blocks,
 * reuses the memory, and traps before its update point. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <kitsune.h>

struct range { long start; long end; long width; };

struct range *E_PTRARRAY(8) ranges;
struct range *current;
int *scratch;
int attempts;

int main(int argc, char **argv) {
  kitsune_do_automigrate();
  int *old_scratch = *(int **)kitsune_get_symbol_addr_old("scratch", 0, 0, 0);
#ifdef BREAK
  struct range *old_ranges = *(struct range **)kitsune_get_symbol_addr_old("ranges", 0, 0, 0);
  kitsune_free(old_scratch);
  free(old_ranges);
  char *junk = malloc(64);
  memset(junk, 0x5a, 64);
  printf("v2 (broken): freed the old blocks, now trapping\n");
  fflush(stdout);
  __builtin_trap();
#endif
  int ok = current == &ranges[5] && current->start == 50 && current->end == 55 && current->width == 5
        && alareas_get_start(alloctrack_lookup(current)) == ranges
        && scratch != old_scratch && scratch[0] == 11 && scratch[2] == 7 && scratch[7] == 0
        && alareas_get_start(alloctrack_lookup(&scratch[6])) == scratch
        && alareas_get_start(alloctrack_lookup(old_scratch)) == old_scratch; /* freed at commit, not before */
  for (int i = 0; ok && i < 8; i++) ok = ranges[i].start == i * 10 && ranges[i].width == 5;
  if (!ok) { printf("FAIL: the migrated blocks are wrong\n"); return 1; }
  printf("v2: current [%ld, %ld] width %ld\n", current->start, current->end, current->width);
  kitsune_update("loop");
  if (alloctrack_lookup(old_scratch) != 0) { printf("FAIL: the delayed free did not forget the old block\n"); return 1; }
  printf("Success\n");
  return 0;
}

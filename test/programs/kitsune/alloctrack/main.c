/* Version 1: an array from kitsune_malloc, a pointer into its middle, and a
 * block from kitsune_calloc. The program asks for two updates in turn: the
 * first (argv[1]) frees old blocks and then traps, and must roll back with
 * every block and its tracking intact; the second (argv[2]) commits. */
#include <stdio.h>
#include <string.h>
#include "../request.h"

struct range { long start; long end; };

struct range *E_PTRARRAY(8) ranges;
struct range *current;
int *scratch;
int attempts;

static int intact(void) {
  for (int i = 0; i < 8; i++) if (ranges[i].start != i * 10 || ranges[i].end != i * 10 + 5) return 0;
  return current == &ranges[5] && scratch[0] == 11 && scratch[2] == 7
      && alareas_get_start(alloctrack_lookup(current)) == ranges
      && alareas_get_start(alloctrack_lookup(&scratch[3])) == scratch
      && alloctrack_lookup(&attempts) == 0;
}

int main(int argc, char **argv) {
  ranges = kitsune_malloc(sizeof(struct range) * 8);
  for (int i = 0; i < 8; i++) { ranges[i].start = i * 10; ranges[i].end = i * 10 + 5; }
  current = &ranges[5];
  scratch = kitsune_calloc(4, sizeof(int));
  scratch[0] = 11;
  scratch[2] = 7;
  if (!intact()) { printf("FAIL: v1's blocks are not tracked\n"); return 1; }
  printf("v1: current [%ld, %ld]\n", current->start, current->end);
  for (int waited = 0; waited < 10000; waited++) {
    kitsune_update("loop");
    if (attempts == 1) {
      if (!intact()) { printf("FAIL: the rolled-back update left v1's blocks changed\n"); return 1; }
      printf("v1: intact after the rollback\n");
    }
    if (attempts < 2) request_update(argv[1 + attempts++]);
    usleep(1000);
  }
  printf("FAIL: still not updated after 10 s\n");
  return 3;
}

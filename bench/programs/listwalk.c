/* Pointer chasing: a malloc'd linked list, linked in a shuffled order so each
 * step lands elsewhere in the heap, walked once a round. argv: rounds, nodes.
 * Prints the time of the timed rounds (after a tenth as many untimed warm-up
 * rounds) in ns. -DOUTLINE keeps the walk out of main (see compute.c). */
#include <kitsune.h>
#include <time.h>

#ifdef OUTLINE
#define KERNEL static __attribute__((noinline))
#else
#define KERNEL static inline __attribute__((always_inline))
#endif

struct node {
  long long value;
  struct node *next;
};

struct node *head;
long long total;

KERNEL void walk(void) {
  long long s = total;
  for (struct node *p = head; p; p = p->next) {
    s += p->value;
    p->value ^= s & 1;
  }
  total = s;
}

static long long now_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1000000000LL + t.tv_nsec;
}

int main(int argc, char **argv) {
  int rounds = argc > 1 ? atoi(argv[1]) : 200;
  int n = argc > 2 ? atoi(argv[2]) : 100000;
  struct node **nodes = malloc(n * sizeof *nodes);
  for (int i = 0; i < n; i++) {
    nodes[i] = malloc(sizeof **nodes);
    nodes[i]->value = i;
  }
  unsigned x = 12345; /* Fisher-Yates with a fixed LCG: the same order in every build */
  for (int i = n - 1; i > 0; i--) {
    x = x * 1103515245u + 12345u;
    int j = (int)((x >> 8) % (unsigned)(i + 1));
    struct node *t = nodes[i]; nodes[i] = nodes[j]; nodes[j] = t;
  }
  for (int i = 0; i < n; i++) nodes[i]->next = i + 1 < n ? nodes[i + 1] : 0;
  head = nodes[0];
  free(nodes);
  int warm = rounds / 10;
  long long t0 = now_ns();
  for (int r = 0; r < warm + rounds; r++) {
    kitsune_update("loop");
    if (r == warm) t0 = now_ns();
    walk();
  }
  long long t1 = now_ns();
  printf("ns=%lld check=%lld\n", t1 - t0, total);
  return 0;
}

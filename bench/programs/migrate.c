/* Migration throughput: v1 holds a list of N nodes; in v2 the node gained a
 * field, so the generated migration moves every node to a block of its new
 * size. Right after it, v2 times two baselines over the same N objects in the
 * same process: a bulk memcpy of their bytes, and the copy a programmer would
 * write by hand (a malloc and a field copy per node, no address map). */
#include <kitsune.h>
#include <time.h>
#include <unistd.h>

struct node {
  int value;
#if VERSION == 2
  int weight;
#endif
  struct node *next;
};
struct node *head;

static double now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

int main(int argc, char **argv) {
  int n = argc > 1 ? atoi(argv[1]) : 1000000;
  if (kitsune_is_updating()) {
    kitsune_do_automigrate();
  } else {
    for (int i = 0; i < n; i++) {
      struct node *p = malloc(sizeof *p);
      p->value = i;
      p->next = head;
      head = p;
    }
    printf("ready: %d objects\n", n);
    fflush(stdout);
  }
  int measured = 0;
  for (;;) {
    kitsune_update("loop");
#if VERSION == 2
    /* After the commit, so the baselines do not count in the update's pause. */
    if (kitsune_has_updated() && !measured) {
      measured = 1;
      long count = 0, bad = 0;
      for (struct node *p = head; p; p = p->next, count++) if (p->value != n - 1 - count || p->weight != (p->value & 7)) bad++;
      /* Bulk copy of the same bytes, into memory touched beforehand. */
      size_t bytes = (size_t)n * (sizeof(int) + sizeof(void *));
      char *src = malloc(bytes), *dst = malloc(bytes);
      memset(src, 1, bytes);
      memset(dst, 2, bytes);
      double t0 = now_ms();
      memcpy(dst, src, bytes);
      __asm__ volatile("" : : "r"(dst) : "memory"); /* the copy is used */
      double t1 = now_ms();
      /* By hand: a new block per node, fields copied, links rebuilt. */
      struct node *copy = 0, **tail = &copy;
      for (struct node *p = head; p; p = p->next) {
        struct node *q = malloc(sizeof *q);
        q->value = p->value;
        q->weight = p->weight;
        q->next = 0;
        *tail = q;
        tail = &q->next;
      }
      __asm__ volatile("" : : "r"(copy) : "memory");
      double t2 = now_ms();
      printf("migrated: %ld objects, %ld wrong; memcpy %.3f ms; by hand %.3f ms\n", count, bad, t1 - t0, t2 - t1);
      fflush(stdout);
    }
#endif
    usleep(1000);
  }
}

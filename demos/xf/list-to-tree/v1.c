/* list-to-tree, version 1: a set of numbers kept in a sorted singly linked
 * list. Each tick inserts one more number (duplicates are ignored).
 * Usage: v1.wasm [MS_PER_TICK] (default 300). */
#include <kitsune.h>
#include <unistd.h>

struct node {
  int key;
  struct node *next;
};

struct node *set; /* sorted, ascending */
int size;
int ticks;

static void insert(int key) {
  struct node **at = &set;
  while (*at && (*at)->key < key) at = &(*at)->next;
  if (*at && (*at)->key == key) return;
  struct node *n = malloc(sizeof *n);
  n->key = key;
  n->next = *at;
  *at = n;
  size++;
}

int main(int argc, char **argv) {
  int ms = argc > 1 ? atoi(argv[1]) : 300;
  if (kitsune_is_updating()) kitsune_do_automigrate();
  else for (int i = 1; i <= 8; i++) insert(i * 10);
  for (;;) {
    kitsune_update("loop");
    ticks++;
    insert(ticks * 37 % 101);
    printf("v1 tick %d: %d keys:", ticks, size);
    for (struct node *n = set; n; n = n->next) printf(" %d", n->key);
    printf("\n");
    fflush(stdout);
    usleep(ms * 1000);
  }
}

/* A set of numbers kept in a sorted linked list. Type a number and press
 * Enter to add it (duplicates are ignored). */
#include <kitsune.h>
#include <poll.h>
#include <unistd.h>

struct node {
  int key;
  struct node *next;
};

struct node *set;        /* sorted, ascending */
int size;

static int read_line(char *buf, int size, int ms) {
  struct pollfd p = { .fd = 0, .events = POLLIN };
  if (poll(&p, 1, ms) <= 0) return 0;
  int n = read(0, buf, size - 1);
  if (n <= 0) return 0;
  buf[n] = 0;
  buf[strcspn(buf, "\r\n")] = 0;
  return 1;
}

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

static void show(void) {
  printf("v1: %d keys, a list:", size);
  for (struct node *n = set; n; n = n->next) printf(" %d", n->key);
  printf("\n");
  fflush(stdout);
}

int main(void) {
  kitsune_do_automigrate();
  if (!kitsune_is_updating()) {
    for (int k = 10; k <= 70; k += 10) insert(k);
    show();
    printf("v1: type a number to add it.\n");
    fflush(stdout);
  }
  char line[32];
  for (;;) {
    kitsune_update("loop");
    if (!read_line(line, sizeof line, 1000) || !line[0]) continue;
    insert(atoi(line));
    show();
  }
}

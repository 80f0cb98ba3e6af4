/* Version 2: the same set in a binary search tree. The list v1 left on the
 * heap becomes a balanced tree by the rule in spec.xf. */
#include <kitsune.h>
#include <poll.h>
#include <unistd.h>

struct node {
  int key;
  struct node *left, *right;
};

struct node *set;        /* a binary search tree */
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
  while (*at && (*at)->key != key) at = key < (*at)->key ? &(*at)->left : &(*at)->right;
  if (*at) return;
  struct node *n = calloc(1, sizeof *n);
  n->key = key;
  *at = n;
  size++;
}

static int depth(struct node *n) {
  if (!n) return 0;
  int l = depth(n->left), r = depth(n->right);
  return 1 + (l > r ? l : r);
}

static void inorder(struct node *n) {
  if (!n) return;
  inorder(n->left);
  printf(" %d", n->key);
  inorder(n->right);
}

static void show(void) {
  printf("v2: %d keys, a tree of depth %d, root %d:", size, depth(set), set ? set->key : -1);
  inorder(set);
  printf("\n");
  fflush(stdout);
}

int main(void) {
  kitsune_do_automigrate();  /* set: rebuilt as a tree by the rule in spec.xf */
  if (kitsune_is_updating()) { printf("v2 took over. "); show(); }
  else for (int k = 10; k <= 70; k += 10) insert(k);
  char line[32];
  for (;;) {
    kitsune_update("loop");
    if (!read_line(line, sizeof line, 1000) || !line[0]) continue;
    insert(atoi(line));
    show();
  }
}

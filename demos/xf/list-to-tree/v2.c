/* list-to-tree, version 2: the same set in a binary search tree. The list v1
 * left on the heap becomes a balanced tree by the rule in v2.xf. */
#include <kitsune.h>
#include <unistd.h>

struct node {
  int key;
  struct node *left, *right;
};

struct node *set; /* a binary search tree */
int size;
int ticks;

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

static void print_inorder(struct node *n) {
  if (!n) return;
  print_inorder(n->left);
  printf(" %d", n->key);
  print_inorder(n->right);
}

static void show(const char *what) {
  printf("v2 %s %d: %d keys, depth %d, root %d:", what, ticks, size, depth(set), set ? set->key : -1);
  print_inorder(set);
  printf("\n");
  fflush(stdout);
}

int main(int argc, char **argv) {
  int ms = argc > 1 ? atoi(argv[1]) : 300;
  if (kitsune_is_updating()) {
    kitsune_do_automigrate(); /* set: rebuilt as a tree by the rule in v2.xf */
    show("took over at tick");
  } else for (int i = 1; i <= 8; i++) insert(i * 10);
  for (;;) {
    kitsune_update("loop");
    ticks++;
    insert(ticks * 37 % 101);
    show("tick");
    usleep(ms * 1000);
  }
}

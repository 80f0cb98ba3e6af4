// A heap with every shape the generated migration must carry: a pointer array
// sized by a field, sharing, a cycle, a union, an enum, a function pointer and
// string literals. v1 and v2 print the same facts in their own types.
#include <kitsune.h>
#include <unistd.h>

enum color { RED, GREEN, BLUE };
union raw { int i; float f; };
struct item { int id; enum color c; const char *name; };
struct box {
  int n;
  struct item *items E_PTRARRAY(self.n);
  struct box *self_ref;
  union raw raw;
  int (*op)(int);
  short tag;
  char pad;
};

int twice(int x) { return 2 * x; }

int arr[3] = {1, 2, 3};
struct box *boxes[2];

static void dump(void) {
  struct box *b = boxes[0];
  printf("v1 n=%d", b->n);
  for (int i = 0; i < b->n; i++) printf(" [%d %d %s]", b->items[i].id, (int)b->items[i].c, b->items[i].name);
  printf(" arr=%d,%d,%d shared=%d cycle=%d raw=%g op=%d tag=%d\n", arr[0], arr[1], arr[2], boxes[0] == boxes[1], b->self_ref == b, b->raw.f, b->op(5), b->tag);
  fflush(stdout);
}

int main(void) {
  if (kitsune_is_updating()) kitsune_do_automigrate();
  else {
    struct box *b = malloc(sizeof *b);
    b->n = 3;
    b->items = malloc(3 * sizeof *b->items);
    const char *names[] = {"alpha", "beta", "gamma"};
    for (int i = 0; i < 3; i++) { b->items[i].id = 10 + i; b->items[i].c = (enum color)i; b->items[i].name = names[i]; }
    b->self_ref = b;
    b->raw.f = 1.5f;
    b->op = twice;
    b->tag = -7;
    b->pad = 0;
    boxes[0] = boxes[1] = b;
  }
  for (;;) {
    kitsune_update("loop");
    dump();
    usleep(2000);
  }
}

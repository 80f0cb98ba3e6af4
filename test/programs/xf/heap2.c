#include <kitsune.h>
#include <unistd.h>

enum color { BLUE, RED, GREEN, ALPHA };
union raw { int i; float f; };
struct item { long long id; enum color c; const char *name; int extra; };
/* Same size, other layout: transformed in place. */
struct box {
  short tag;
  char pad;
  int n;
  struct item *items E_PTRARRAY(self.n);
  struct box *self_ref;
  union raw raw;
  int (*op)(int);
};

#ifndef DROP_TWICE
int twice(int x) { return 2 * x + 1000; }
#endif

long long arr[5];
struct box *boxes[2];
static const char *color_names[] = {"blue", "red", "green", "alpha"};
/* The same literals as v1's: pointers to v1's literals move to these. */
static const char *names[] = {"alpha", "beta", "gamma"};
static int own_literal(const char *p) { return p == names[0] || p == names[1] || p == names[2]; }

static void dump(void) {
  struct box *b = boxes[0];
  printf("v2 n=%d", b->n);
  for (int i = 0; i < b->n; i++)
    printf(" [%lld %s %s extra=%d lit=%d]", b->items[i].id, color_names[b->items[i].c], b->items[i].name, b->items[i].extra,
           own_literal(b->items[i].name));
  printf(" arr=%lld,%lld,%lld,%lld,%lld shared=%d cycle=%d raw=%g op=%d tag=%d\n", arr[0], arr[1], arr[2], arr[3], arr[4], boxes[0] == boxes[1], b->self_ref == b, b->raw.f, b->op(5), b->tag);
  fflush(stdout);
}

int main(void) {
  if (kitsune_is_updating()) {
    kitsune_do_automigrate();
#ifdef FAIL_AFTER_MIGRATE
    __builtin_trap();
#endif
  }
  for (;;) {
    kitsune_update("loop");
    dump();
    usleep(2000);
  }
}

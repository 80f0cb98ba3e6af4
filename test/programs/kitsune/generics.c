/*
 * Kitsune's generics syntax, with a payload type that changes: a list generic
 * in three parameters (E_GENERIC(@t0, @t1, @t2)), instantiated with C types,
 * with an instantiation of itself (struct list<int, struct item, [opaque]>)
 * and with [opaque]; generic typedefs, one of them a pointer that fixes two
 * of the arguments; and a void ** array of @t (E_PTRARRAY). Version 2 adds a
 * field to struct item, so every item the lists reach must move, found only
 * through the annotations; [opaque] pointers must come through untouched.
 */
#include "request.h"

struct item {
  int id;
#if VERSION == 2
  long long weight;
#endif
};

struct list {
  int tag;
  void E_T(@t0) *first;
  void E_T(@t1) *second;
  void * E_T(@t2) cookie;
  struct list E_G(@t0, @t1, @t2) *next;
} E_GENERIC(@t0, @t1, @t2);

typedef struct list E_G(@a, @b, @c) list_t E_GENERIC(@a, @b, @c);
typedef list_t E_G(@x, struct item, [opaque]) *item_list E_GENERIC(@x);

struct policy {
  unsigned count;
  void E_T(@t) ** E_PTRARRAY(self.count) configs;
} E_GENERIC(@t);
typedef struct policy E_G(@t) policy_t E_GENERIC(@t);
typedef policy_t E_G(@t) *policy_id E_GENERIC(@t);

struct list E_G(struct item, struct list<int, struct item, [opaque]>, [opaque]) *nested;
list_t E_G(int, struct item, [opaque]) *plain;
item_list E_G(struct item) both;
policy_id E_G(struct item) policy;
policy_id E_G(struct item) no_policy = NULL;

static struct item *item(int id) { struct item *i = calloc(1, sizeof *i); i->id = id; return i; }
static int *number(int n) { int *p = malloc(sizeof *p); *p = n; return p; }
static struct list *cell(int tag, void *a, void *b, struct list *next) {
  struct list *l = calloc(1, sizeof *l);
  l->tag = tag; l->first = a; l->second = b; l->cookie = (void *)(uintptr_t)(0xc0 + tag); l->next = next;
  return l;
}

static void show_item(const struct item *i) {
#if VERSION == 1
  printf(" item %d", i->id);
#else
  printf(" item %d/%lld", i->id, i->weight);
#endif
}

static void show(void) {
  printf("v%d nested:", VERSION);
  for (struct list *l = nested; l; l = l->next) {
    show_item(l->first);
    struct list *inner = l->second;
    printf(" [%d", *(int *)inner->first);
    show_item(inner->second);
    printf(" cookie %#lx]", (unsigned long)(uintptr_t)inner->cookie);
    printf(" cookie %#lx", (unsigned long)(uintptr_t)l->cookie);
  }
  printf("\nv%d plain:", VERSION);
  for (struct list *l = plain; l; l = l->next) { printf(" %d", *(int *)l->first); show_item(l->second); }
  printf("\nv%d both:", VERSION);
  for (struct list *l = both; l; l = l->next) { show_item(l->first); show_item(l->second); }
  printf("\nv%d policy:", VERSION);
  for (unsigned i = 0; i < policy->count; i++) show_item(policy->configs[i]);
  printf(" none %s\n", no_policy ? "set" : "NULL");
  fflush(stdout);
}

int main(int argc, char **argv) {
  if (kitsune_is_updating()) {
    kitsune_do_automigrate();
    show();
    kitsune_update("wait");
    printf("Success\n");
    return 0;
  }
  struct list *inner2 = cell(20, number(2), item(22), NULL), *inner1 = cell(10, number(1), item(11), NULL);
  nested = cell(1, item(100), inner1, cell(2, item(200), inner2, NULL));
  nested->next->next = NULL;
  plain = cell(3, number(3), item(33), cell(4, number(4), item(44), NULL));
  both = cell(5, item(55), item(56), NULL);
  policy = calloc(1, sizeof *policy);
  policy->count = 3;
  policy->configs = calloc(3, sizeof(void *));
  for (int i = 0; i < 3; i++) policy->configs[i] = item(900 + i);
  show();
  request_update(argc > 1 ? argv[1] : "");
  WAIT_FOR_UPDATE("wait");
}

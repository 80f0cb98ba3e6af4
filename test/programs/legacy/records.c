/*
 * C as it was written for gcc 4: implicit int, K&R definitions, a call to a
 * function declared nowhere, integers and pointers mixed, pointer types
 * mixed, a return without a value. clang 16+ rejects each by default;
 * kitsune build takes them as the warnings they used to be. (A call through
 * a function pointer of another type would trap in Wasm: the handler is
 * stored with the wrong type, but called with its own.)
 */
#include <kitsune.h>
#include <unistd.h>

typedef void (*visit_fn)(void *);
struct rec { int n; struct rec *next; };

static count;                                   /* implicit int */
struct rec *recs;
visit_fn printer;

show(r) struct rec *r; { printf(" %d", r->n); return 0; }   /* K&R, implicit int */

int unused(void) { return; }                    /* return without a value */

int main(void) {
  if (kitsune_is_updating()) kitsune_do_automigrate();
  else printer = show;                          /* incompatible function pointer types */
  for (;;) {
    kitsune_update("loop");
    if (count < 3) {
      struct rec *r = malloc(sizeof *r);
      r->n = scale(count);                      /* implicit declaration */
      r->next = recs;
      recs = r;
      count++;
    }
    char *bytes = recs;                         /* incompatible pointer types */
    long where = recs;                          /* pointer to integer */
    printf("v%d %d%s:", VERSION, count, bytes && where ? "" : " empty");
    for (struct rec *r = recs; r; r = r->next) ((int (*)(struct rec *))printer)(r);
    printf("\n");
    fflush(stdout);
    usleep(2000);
  }
}

scale(x) { return x * 10 + VERSION; }           /* K&R, implicit int */

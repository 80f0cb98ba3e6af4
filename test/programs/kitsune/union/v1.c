#include "../request.h"
#include "node.h"

void ping(void) { printf("v1 ping\n"); }
void pong(void) { printf("v1 pong\n"); }
struct hook *hooks;

int main(int argc, char **argv) {
  kitsune_do_automigrate();
  kitsune_update("wait"); /* not updating: passes */
  for (int i = 0; i < 2; i++) {
    struct hook *h = malloc(sizeof *h);
    h->data = (int *)(intptr_t)(7 + i);
    h->call.fn = i ? pong : ping;    /* incompatible function pointer types */
    h->next = hooks;
    hooks = h;
  }
  for (struct hook *h = hooks; h; h = h->next) ((void (*)(void))h->call.fn)();
  request_update(argc > 1 ? argv[1] : "");
  WAIT_FOR_UPDATE("wait");
}

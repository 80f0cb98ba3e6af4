#include "../request.h"
#include "node.h"
#include <assert.h>

void ping(void) { printf("v2 ping\n"); }
void pong(void) { printf("v2 pong\n"); }
struct hook *hooks;

int main(int argc, char **argv) {
  kitsune_do_automigrate();
  kitsune_update("wait"); /* the update commits here */
  assert(hooks && hooks->next && !hooks->next->next);
  assert(hooks->call.fn == pong && hooks->next->call.fn == ping); /* the new version's functions */
  assert((intptr_t)hooks->data == 8 && (intptr_t)hooks->next->data == 7);
  for (struct hook *h = hooks; h; h = h->next) ((void (*)(void))h->call.fn)();
  printf("Success\n");
  return 0;
}

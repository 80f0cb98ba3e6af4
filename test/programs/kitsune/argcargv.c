/* Both versions see the program's own arguments: argv[0] the module, argv[1]
 * the next version, then the rest, unchanged across the update. */
#include "request.h"
#include <assert.h>

int main(int argc, char **argv) {
  assert(argc == 4);
  assert(!strcmp(argv[2], "alpha") && !strcmp(argv[3], "beta"));
  if (kitsune_is_updating()) {
    printf("updated: argc %d, argv[2] %s, argv[3] %s\n", argc, argv[2], argv[3]);
    kitsune_update("wait");
    printf("Success\n");
    return 0;
  }
  printf("first: argc %d\n", argc);
  request_update(argv[1]);
  WAIT_FOR_UPDATE("wait");
}

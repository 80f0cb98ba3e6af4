/* _kitsune_prestart_xform (prestart/dsu.c) sets the new version's global
 * before its main runs; main migrates nothing and finds it set. */
#include "../request.h"
#include <assert.h>

int level = 100;

int main(int argc, char **argv) {
  if (kitsune_is_updating()) {
    assert(level == 106);
    printf("prestart set level to %d\n", level);
    kitsune_update("wait");
    printf("Success\n");
    return 0;
  }
  level = 101;
  request_update(argc > 1 ? argv[1] : "");
  WAIT_FOR_UPDATE("wait");
}

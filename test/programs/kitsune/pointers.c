/*
 * Globals whose types do not change but whose values name the old version:
 * function pointers (alone, in a struct, in an array), pointers to other
 * globals and into them, and to string literals. Copied as bytes they would
 * still point into version 1; after the update each must name version 2's
 * function, variable or literal (as kitsune-core's ktcc-staticxf checks).
 */
#include "request.h"
#include <assert.h>

void on_read(void) { printf("v%d read\n", VERSION); }
void on_write(void) { printf("v%d write\n", VERSION); }

int total = 0;
int table[4];
void (*handler)(void);
struct ops { const char *name; void (*run)(void); int *counter; } ops = { "ops", on_write, &total };
void (*chain[2])(void);
int *cursor;
const char *greeting;

int main(int argc, char **argv) {
  if (kitsune_is_updating()) {
    if (!MIGRATE_GLOBAL(handler)) handler = 0;  /* MIGRATE_* and automigrate alike */
    kitsune_do_automigrate();
    assert(handler == on_read && ops.run == on_write && chain[0] == on_write && chain[1] == on_read);
    assert(ops.counter == &total && cursor == &table[2] && *cursor == 7);
    assert(!strcmp(greeting, "hello") && !strcmp(ops.name, "ops"));
    handler(); ops.run(); chain[0](); chain[1]();
    printf("total %d via %s\n", *ops.counter, greeting);
    kitsune_update("wait");
    printf("Success\n");
    return 0;
  }
  handler = on_read;
  chain[0] = on_write;
  chain[1] = on_read;
  table[2] = 7;
  cursor = &table[2];
  total = 42;
  greeting = "hello";
  handler(); ops.run();
  request_update(argc > 1 ? argv[1] : "");
  WAIT_FOR_UPDATE("wait");
}

/*
 * How these fixtures ask for their own update, as Kitsune's tests do: the
 * next version is argv[1] (`kitsune run v1.wasm v2.wasm`). The request is
 * made with the path known first, and the program then waits at its update
 * point until the update happens, so that it does not depend on how soon a
 * request is acted on. A program that is never updated says so and fails.
 */
#ifndef FIXTURE_REQUEST_H
#define FIXTURE_REQUEST_H
#include <kitsune.h>
#include <unistd.h>

static void request_update(const char *next) {
  kitsune_set_next_version((char *)next);
  kitsune_signal_update();
}

#define WAIT_FOR_UPDATE(point)                                                 \
  do {                                                                         \
    for (int waited_ = 0; waited_ < 10000; waited_++) {                        \
      kitsune_update(point);                                                   \
      usleep(1000);                                                            \
    }                                                                          \
    printf("FAIL: still not updated after 10 s at \"%s\"\n", point);           \
    exit(3);                                                                   \
  } while (0)
#endif

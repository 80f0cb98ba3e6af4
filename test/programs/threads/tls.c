/* __thread and _Thread_local variables, one value per thread: two workers
 * each add their id to `mine` and count their rounds in `rounds` (which
 * starts at 100), main leaves both alone; across an update each relaunched
 * worker goes on from its own values, and a thread started by version 2
 * begins from the initial ones. Every line a worker prints must satisfy
 * mine == (rounds - 100) * id. */
#include <kitsune.h>
#include <ktthreads.h>

#ifndef LABEL
#define LABEL 1
#endif
#define STR2(x) #x
#define STR(x) STR2(x)

__thread int mine;
static _Thread_local int rounds = 100;
static int started;

static void *worker(void *arg) {
  int id = (int)(long)arg;
  for (;;) {
    kitsune_update("worker");
    mine += id;
    rounds++;
    printf("v" STR(LABEL) " thread %d: mine %d rounds %d\n", id, mine, rounds);
    ktthreads_ms_sleep(5);
  }
  return 0;
}

int main(void) {
  setvbuf(stdout, 0, _IOLBF, 0);
  pthread_t t;
  if (!kitsune_is_updating()) {
    kitsune_pthread_create(&t, 0, worker, (void *)1L);
    kitsune_pthread_create(&t, 0, worker, (void *)2L);
  } else printf("v" STR(LABEL) " main: mine %d rounds %d\n", mine, rounds);
  for (;;) {
    kitsune_update("main");
#if LABEL == 2
    if (!started) { started = 1; kitsune_pthread_create(&t, 0, worker, (void *)3L); }
#endif
    ktthreads_ms_sleep(5);
  }
}

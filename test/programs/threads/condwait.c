/* Threads stuck in a condition wait when an update is requested: with
 * Kitsune's ktthreads_pthread_cond_wait the request wakes them (as a
 * spurious wake-up) and they come round their loop to their update point;
 * main sleeps with ktthreads_ms_sleep, which the request cuts short too.
 * Each waiter keeps a local of its own (MIGRATE_LOCAL) for condwait2.c. */
#include <kitsune.h>
#include <ktthreads.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t never = PTHREAD_COND_INITIALIZER;
static int wakeups;

static void *waiter(void *arg) {
  int mine = (int)(long)arg * 100;
  MIGRATE_LOCAL(mine);
  for (;;) {
    kitsune_update("waiter");
    pthread_mutex_lock(&lock);
    printf("waiter %d: waiting forever\n", mine);
    ktthreads_pthread_cond_wait(&never, &lock);
    wakeups++;
    mine++;
    pthread_mutex_unlock(&lock);
  }
  return 0;
}

int main(void) {
  setvbuf(stdout, 0, _IOLBF, 0);
  pthread_t t;
  kitsune_pthread_create(&t, 0, waiter, (void *)1L);
  kitsune_pthread_create(&t, 0, waiter, (void *)2L);
  for (int n = 0;; n++) {
    kitsune_update("main");
    ktthreads_ms_sleep(n < 3 ? 10 : 60000);
  }
}

/* A thread stuck in a condition wait when an update is requested: with
 * Kitsune's ktthreads_pthread_cond_wait the request wakes it (as a spurious
 * wake-up) and it comes round its loop to its update point; the main thread
 * sleeps with ktthreads_ms_sleep, which the request cuts short as well. */
#include <kitsune.h>
#include <ktthreads.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t never = PTHREAD_COND_INITIALIZER;
static int wakeups;

static void *waiter(void *arg) {
  (void)arg;
  for (;;) {
    kitsune_update("waiter");
    pthread_mutex_lock(&lock);
    printf("waiter: waiting forever\n");
    ktthreads_pthread_cond_wait(&never, &lock);
    wakeups++;
    printf("waiter: woken (%d)\n", wakeups);
    pthread_mutex_unlock(&lock);
  }
  return 0;
}

int main(void) {
  setvbuf(stdout, 0, _IOLBF, 0);
  pthread_t t;
  kitsune_pthread_create(&t, 0, waiter, 0);
  for (int n = 0;; n++) {
    kitsune_update("main");
    ktthreads_ms_sleep(n < 3 ? 10 : 60000);
    if (n == 3) printf("main: sleep ended early\n");
  }
}

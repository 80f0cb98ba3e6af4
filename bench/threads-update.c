/* bench/threads.ts: the update pause against the number of threads; each
 * thread waits in Kitsune's condition wait, as a pool's idle worker does. */
#include <kitsune.h>
#include <ktthreads.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t work = PTHREAD_COND_INITIALIZER;

static void *idle_worker(void *arg) {
  for (;;) {
    kitsune_update("worker");
    pthread_mutex_lock(&lock);
    ktthreads_pthread_cond_wait(&work, &lock);
    pthread_mutex_unlock(&lock);
  }
  return arg;
}

int main(int argc, char **argv) {
  kitsune_do_automigrate();
  if (!kitsune_is_updating()) {
    pthread_t t;
    for (int i = 0; i < atoi(argv[1]); i++) kitsune_pthread_create(&t, 0, idle_worker, 0);
    printf("ready\n");
    fflush(stdout);
  }
  for (;;) {
    kitsune_update("main");
    ktthreads_ms_sleep(1000);
  }
}

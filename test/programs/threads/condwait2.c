/* condwait.c's next version: each relaunched waiter steers itself back to
 * its point and finds its own local. */
#include <kitsune.h>
#include <ktthreads.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t never = PTHREAD_COND_INITIALIZER;
static int wakeups;

static void *waiter(void *arg) {
  int mine = 0;
  MIGRATE_LOCAL(mine);
  if (kitsune_is_updating_from("waiter")) printf("v2 waiter %ld: relaunched at \"waiter\" with mine %d, %d wake-up(s) so far\n", (long)arg, mine, wakeups);
  for (;;) {
    kitsune_update("waiter");
    pthread_mutex_lock(&lock);
    ktthreads_pthread_cond_wait(&never, &lock);
    wakeups++;
    pthread_mutex_unlock(&lock);
  }
  return 0;
}

int main(void) {
  setvbuf(stdout, 0, _IOLBF, 0);
  pthread_t t;
  kitsune_do_automigrate();
  if (!kitsune_is_updating()) {
    kitsune_pthread_create(&t, 0, waiter, (void *)1L);
    kitsune_pthread_create(&t, 0, waiter, (void *)2L);
  }
  printf("v2 main: updating from \"main\": %d, from \"waiter\": %d\n", kitsune_is_updating_from("main"), kitsune_is_updating_from("waiter"));
  for (;;) {
    kitsune_update("main");
    ktthreads_ms_sleep(60000);
  }
}

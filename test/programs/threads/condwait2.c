/* condwait.c's next version: the waiter counts its wake-ups in a local it
 * migrates, and says which version it is. */
#include <kitsune.h>
#include <ktthreads.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t never = PTHREAD_COND_INITIALIZER;
static int wakeups;

static void *waiter(void *arg) {
  (void)arg;
  if (kitsune_is_updating_from("waiter")) printf("v2 waiter: relaunched at \"waiter\", %d wake-up(s) so far\n", wakeups);
  for (;;) {
    kitsune_update("waiter");
    pthread_mutex_lock(&lock);
    printf("v2 waiter: waiting forever\n");
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
  if (!kitsune_is_updating()) kitsune_pthread_create(&t, 0, waiter, 0);
  else printf("v2 main: updating from \"main\": %d\n", kitsune_is_updating_from("main"));
  for (int n = 0;; n++) {
    kitsune_update("main");
    ktthreads_ms_sleep(60000);
  }
}

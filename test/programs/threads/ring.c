/* 64 threads pass a token round a ring ROUNDS times, each waiting on one
 * condition variable for its turn; each keeps a stack array of its own that
 * must survive every switch. */
#include <kitsune.h>
#include <pthread.h>
#include <unistd.h>

#define N 64
#define ROUNDS 20
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t turn_changed = PTHREAD_COND_INITIALIZER;
static int turn, passes, corrupt;

static void *member(void *arg) {
  int id = (int)(long)arg;
  volatile int mine[64];
  for (int i = 0; i < 64; i++) mine[i] = id * 1000 + i;
  for (int r = 0; r < ROUNDS; r++) {
    pthread_mutex_lock(&lock);
    while (turn != id) pthread_cond_wait(&turn_changed, &lock);
    for (int i = 0; i < 64; i++) if (mine[i] != id * 1000 + i) corrupt++;
    passes++;
    turn = (id + 1) % N;
    pthread_cond_broadcast(&turn_changed);
    pthread_mutex_unlock(&lock);
  }
  return (void *)(long)id;
}

int main(void) {
  pthread_t t[N];
  for (int i = 0; i < N; i++) if (pthread_create(&t[i], 0, member, (void *)(long)i)) { printf("create %d failed\n", i); return 1; }
  long sum = 0;
  for (int i = 0; i < N; i++) { void *r; pthread_join(t[i], &r); sum += (long)r; }
  printf("passes %d of %d, corrupt %d, ids sum %ld\n", passes, N * ROUNDS, corrupt, sum);
  return 0;
}

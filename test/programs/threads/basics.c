/* pthreads, cooperative: mutexes of each type, condition variables (with a
 * timeout), join, detach, exit, once, keys, sched_yield, errno per thread. */
#include <kitsune.h>
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <time.h>
#include <unistd.h>

#define N 4
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t ready = PTHREAD_COND_INITIALIZER;
static int counter, turns[N], go;
static pthread_once_t once = PTHREAD_ONCE_INIT;
static int once_calls;
static pthread_key_t key;
static int destructed;

static void init_once(void) { once_calls++; }
static void dtor(void *p) { destructed += *(int *)p; }

static void *worker(void *arg) {
  int id = (int)(long)arg;
  static int values[N];
  values[id] = id + 1;
  pthread_setspecific(key, &values[id]);
  pthread_once(&once, init_once);
  pthread_mutex_lock(&lock);
  while (!go) pthread_cond_wait(&ready, &lock);
  pthread_mutex_unlock(&lock);
  errno = 100 + id;
  for (int i = 0; i < 1000; i++) {
    pthread_mutex_lock(&lock);
    int c = counter;
    if (i % 7 == 0) sched_yield(); /* a switch inside the critical section: the others wait for the lock */
    counter = c + 1;
    turns[id]++;
    pthread_mutex_unlock(&lock);
    if (i % 100 == 0) usleep(100);
  }
  if (errno != 100 + id) { printf("thread %d: errno %d, not its own\n", id, errno); return (void *)-1L; }
  if (*(int *)pthread_getspecific(key) != id + 1) return (void *)-2L;
  return (void *)(long)(id * 10);
}

static void *quitter(void *arg) {
  (void)arg;
  usleep(1000);
  pthread_exit((void *)77L);
  return 0;
}

static pthread_rwlock_t rw = PTHREAD_RWLOCK_INITIALIZER;
static int readers, max_readers, writer_saw = -1, try_while_read;
static void *reader(void *arg) {
  pthread_rwlock_rdlock(&rw);
  if (++readers > max_readers) max_readers = readers;
  try_while_read = pthread_rwlock_trywrlock(&rw);
  usleep(2000); /* holding it while the others come */
  readers--;
  pthread_rwlock_unlock(&rw);
  return arg;
}
static void *writer(void *arg) {
  usleep(500); /* after the readers have it */
  pthread_rwlock_wrlock(&rw);
  writer_saw = readers;
  pthread_rwlock_unlock(&rw);
  return arg;
}

int main(void) {
  setvbuf(stdout, 0, _IOLBF, 0);
  pthread_key_create(&key, dtor);
  pthread_t t[N];
  for (int i = 0; i < N; i++) if (pthread_create(&t[i], 0, worker, (void *)(long)i)) { printf("create failed\n"); return 1; }
  usleep(2000);
  pthread_mutex_lock(&lock);
  go = 1;
  pthread_cond_broadcast(&ready);
  pthread_mutex_unlock(&lock);
  errno = 5;
  long sum = 0;
  for (int i = 0; i < N; i++) {
    void *r;
    if (pthread_join(t[i], &r)) { printf("join failed\n"); return 1; }
    sum += (long)r;
  }
  printf("counter %d (turns %d %d %d %d) sum %ld once %d destructed %d errno %d\n", counter, turns[0], turns[1], turns[2], turns[3], sum, once_calls, destructed, errno);
  printf("self equal %d, join self %d\n", pthread_equal(pthread_self(), pthread_self()), pthread_join(pthread_self(), 0));

  /* mutex types */
  pthread_mutexattr_t a;
  pthread_mutex_t rec, chk;
  pthread_mutexattr_init(&a);
  pthread_mutexattr_settype(&a, PTHREAD_MUTEX_RECURSIVE);
  pthread_mutex_init(&rec, &a);
  pthread_mutexattr_settype(&a, PTHREAD_MUTEX_ERRORCHECK);
  pthread_mutex_init(&chk, &a);
  int r1 = pthread_mutex_lock(&rec), r2 = pthread_mutex_lock(&rec), r3 = pthread_mutex_trylock(&rec);
  int u1 = pthread_mutex_unlock(&rec), u2 = pthread_mutex_unlock(&rec), u3 = pthread_mutex_unlock(&rec), u4 = pthread_mutex_unlock(&rec);
  printf("recursive: %d %d %d, unlocks %d %d %d %d(EPERM=%d)\n", r1, r2, r3, u1, u2, u3, u4, EPERM);
  int c1 = pthread_mutex_lock(&chk), c2 = pthread_mutex_lock(&chk), c3 = pthread_mutex_trylock(&chk);
  printf("errorcheck: %d %d(EDEADLK=%d) %d(EBUSY=%d)\n", c1, c2, EDEADLK, c3, EBUSY);
  pthread_mutex_unlock(&chk);

  /* a timed wait that times out */
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  ts.tv_nsec += 30 * 1000000;
  if (ts.tv_nsec >= 1000000000) { ts.tv_sec++; ts.tv_nsec -= 1000000000; }
  pthread_mutex_lock(&lock);
  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  int tw = pthread_cond_timedwait(&ready, &lock, &ts);
  clock_gettime(CLOCK_MONOTONIC, &t1);
  pthread_mutex_unlock(&lock);
  long ms = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
  printf("timedwait: %d(ETIMEDOUT=%d) after %s\n", tw, ETIMEDOUT, ms >= 25 && ms < 1000 ? "about 30 ms" : "the wrong time");

  /* pthread_exit's value, a detached thread */
  pthread_t q, d;
  void *qr;
  pthread_create(&q, 0, quitter, 0);
  pthread_join(q, &qr);
  pthread_attr_t da;
  pthread_attr_init(&da);
  pthread_attr_setdetachstate(&da, PTHREAD_CREATE_DETACHED);
  pthread_create(&d, &da, quitter, 0);
  printf("exit value %ld, join detached %d(EINVAL=%d)\n", (long)qr, pthread_join(d, 0), EINVAL);
  usleep(5000);

  /* a read-write lock: three readers hold it at once, the writer waits for all of them */
  pthread_t rd[3], wr;
  pthread_create(&wr, 0, writer, 0);
  for (int i = 0; i < 3; i++) pthread_create(&rd[i], 0, reader, 0);
  for (int i = 0; i < 3; i++) pthread_join(rd[i], 0);
  pthread_join(wr, 0);
  printf("rwlock: %d readers at once, writer saw %d readers, trywrlock while read %d(EBUSY=%d)\n", max_readers, writer_saw, try_while_read, EBUSY);
  printf("done\n");
  return 0;
}

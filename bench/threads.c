/* Threads' costs (bench/threads.ts): the switch between two threads that
 * take turns with sched_yield (shallow and 20 frames deep), and a hot loop in
 * a function that also sleeps (on the switch path only when THREADED). */
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

static double now_ns(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec * 1e9 + t.tv_nsec; }
static volatile int sink;

static int deep(int n, int iters) {
  if (n > 0) return deep(n - 1, iters) + 1;
  for (int i = 0; i < iters; i++) sched_yield();
  return 0;
}
static void *yielder(void *arg) { deep((int)(long)arg, 100000); return 0; }

/* The hot loop shares its function with a sleep, as a server's loop does. */
static long work(int rounds) {
  long acc = 0;
  for (int r = 0; r < rounds; r++) {
    for (int i = 0; i < 1000000; i++) acc += (i ^ r) * 3 + (acc >> 7);
    if (r % 1000 == 999) usleep(1);
  }
  return acc;
}

int main(void) {
#ifdef THREADED
  for (int k = 0; k < 3; k++) {
    int depth = k == 1 ? 20 : 0;
    pthread_t a, b;
    double t0 = now_ns();
    pthread_create(&a, 0, yielder, (void *)(long)depth);
    pthread_create(&b, 0, yielder, (void *)(long)depth);
    pthread_join(a, 0);
    pthread_join(b, 0);
    printf("switch depth %d: %.0f ns\n", depth, (now_ns() - t0) / 200000);
  }
#endif
  double best = 1e18;
  for (int k = 0; k < 5; k++) {
    double t0 = now_ns();
    sink = (int)work(40);
    double t = now_ns() - t0;
    if (t < best) best = t;
  }
  printf("hot loop: %.2f ms\n", best / 1e6);
  return 0;
}

/* The threaded program of the stress suite's fault injection
 * (stress/thread-faults.ts): three workers count under a mutex, each its own
 * count and all of them a total; main prints them every tick, with ok=1 when
 * the counts add up to the total. Version 2's FAIL_* defines put a fault in
 * the new version while its threads relaunch (a trap in a worker, a trap or
 * exit() in a worker or in main before its point, a worker that never gets
 * back to its point): each must roll back, with every old thread going on. */
#include <kitsune.h>
#include <ktthreads.h>
#include <stdlib.h>

#ifndef VERSION
#define VERSION 1
#endif
#define NWORKERS 3

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static long counts[NWORKERS], total;
static int ticks;

static void *worker(void *arg) {
  long id = (long)arg;
#if defined(FAIL_WORKER_TRAP)
  if (kitsune_is_updating() && id == 1) __builtin_trap();
#elif defined(FAIL_WORKER_EXIT)
  if (kitsune_is_updating() && id == 2) exit(3);
#elif defined(FAIL_WORKER_STUCK)
  if (kitsune_is_updating() && id == 0) for (;;) ktthreads_ms_sleep(1);
#endif
  for (;;) {
    kitsune_update("worker");
    pthread_mutex_lock(&lock);
    counts[id]++;
    total++;
    pthread_mutex_unlock(&lock);
    ktthreads_ms_sleep(1 + (int)(id + total) % 3);
  }
  return 0;
}

int main(void) {
  setvbuf(stdout, 0, _IOLBF, 0);
  kitsune_do_automigrate();
  if (!kitsune_is_updating()) {
    pthread_t t;
    for (long i = 0; i < NWORKERS; i++) kitsune_pthread_create(&t, 0, worker, (void *)i);
  }
#if defined(FAIL_MAIN_TRAP)
  if (kitsune_is_updating()) __builtin_trap();
#endif
  for (;;) {
    kitsune_update("main");
    pthread_mutex_lock(&lock);
    ticks++;
    printf("v%d tick %d counts %ld %ld %ld total %ld ok=%d\n", VERSION, ticks, counts[0], counts[1], counts[2], total, counts[0] + counts[1] + counts[2] == total);
    pthread_mutex_unlock(&lock);
    ktthreads_ms_sleep(3);
  }
}

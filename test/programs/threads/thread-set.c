/* Kitsune's calls that change the set of threads an update relaunches, and
 * its update callback. Version 1 runs a reader blocked in a read of a pipe
 * that nobody writes, which an update request does not end: its update
 * callback writes the byte that ends it. Version 2's main, while updating,
 * walks the threads (kitsune_threads_reset/next), drops worker 2
 * (kitsune_thread_remove), relaunches worker 1 with another argument (its
 * ktthread_info changed), and adds worker 4 (kitsune_thread_add). Version 3
 * changes nothing: the set version 2 left is what it relaunches. */
#include <kitsune.h>
#include <ktthreads.h>
#include <unistd.h>

#ifndef VERSION
#define VERSION 1
#endif

static int pipefd[2];
static int kicked;

/* Called each time another thread reaches its point while the reader has not (Kitsune's rapidq): one byte is enough. */
static void wake_reader(void *arg) {
  char c = *(const char *)arg;
  if (!kicked++) write(pipefd[1], &c, 1);
}

static void *worker(void *arg) {
  long id = (long)arg;
  if (kitsune_is_updating()) printf("v%d worker %ld: relaunched, updating from \"worker\": %d\n", VERSION, id, kitsune_is_updating_from("worker"));
  for (;;) {
    kitsune_update("worker");
    ktthreads_ms_sleep(10);
  }
  return 0;
}

static void *reader(void *arg) {
  static const char kick = 'k';
  ktthreads_update_callback(wake_reader, (void *)&kick);
  for (;;) {
    kitsune_update("reader");
    char c;
    if (read(pipefd[0], &c, 1) == 1) printf("v%d reader: woken by '%c' (kicked %d time(s))\n", VERSION, c, kicked);
    kicked = 0;
  }
  return arg;
}

int main(void) {
  setvbuf(stdout, 0, _IOLBF, 0);
  pthread_t t;
  if (!kitsune_is_updating()) {
    if (pipe(pipefd)) return 1;
    kitsune_pthread_create(&t, 0, reader, 0);
    for (long i = 1; i <= 3; i++) kitsune_pthread_create(&t, 0, worker, (void *)i);
    printf("v1 ready\n");
  } else {
#if VERSION == 2
    kitsune_threads_reset();
    ktthread_info *ti;
    while ((ti = kitsune_threads_next())) {
      printf("v2 walk: %s %ld from \"%s\"\n", ti->start_fun == worker ? "worker" : ti->start_fun == reader ? "reader" : "?", (long)ti->arg, ti->update_pt);
      if (ti->start_fun == worker && (long)ti->arg == 2) kitsune_thread_remove();
      else if (ti->start_fun == worker && (long)ti->arg == 1) ti->arg = (void *)10L;
    }
    printf("v2 walk ended: %d\n", kitsune_threads_next() == 0);
    kitsune_thread_add((void *)4L, worker, "worker", 0);
#endif
  }
  for (;;) {
    kitsune_update("main");
    ktthreads_ms_sleep(10);
  }
}

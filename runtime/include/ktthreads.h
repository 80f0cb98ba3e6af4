/* Kitsune's thread API (kitsune-core src/ktthreads.h), for threads that
 * updates bring to their update points. Threads here are cooperative
 * (wasm-driver/worker/threads.ts); these calls are the host's. */
#ifndef KT_THREADS
#define KT_THREADS

#ifndef ENABLE_THREADING
#define ENABLE_THREADING
#endif

#include <pthread.h>
#include <kitsune.h>

/* pthread_create, for a thread Kitsune relaunches after an update. */
int kitsune_pthread_create(pthread_t *thread, const pthread_attr_t *attr, void *(*start_routine)(void *), void *arg);
/* Condition waits and a sleep that an update request ends early (0, as a spurious wake-up). */
int ktthreads_pthread_cond_timedwait(void *cond_a, void *mutex_a, const void *timeout_a);
int ktthreads_pthread_cond_wait(void *cond_a, void *mutex_a);
void ktthreads_ms_sleep(int timeInMs);

/* The set of threads an update relaunches, for the new version's migration
 * code (wasm-driver/worker/thread-set.ts): walk it with kitsune_threads_reset
 * and kitsune_threads_next (a thread's start_fun and arg, changed here, are
 * what it is relaunched with), drop the one just returned with
 * kitsune_thread_remove, start one more with kitsune_thread_add. */
typedef void *kt_pthread_fn(void *);
typedef struct {
  void *arg;
  kt_pthread_fn *start_fun;
  const char *update_pt;
  pthread_attr_t attr;
} ktthread_info;
/* The host reads and writes these infos at fixed offsets (thread-set.ts). */
_Static_assert(sizeof(ktthread_info) == 48, "ktthread_info's layout is not the one wasm-driver/worker/thread-set.ts reads");

void kitsune_threads_reset(void);
ktthread_info *kitsune_threads_next(void);
void kitsune_thread_remove(void);
void kitsune_thread_add(void *arg, kt_pthread_fn *start_fun, const char *update_pt, pthread_attr_t *attr);
/* Called, while an update waits for the calling thread to reach a point, each
 * time another thread reaches one (Kitsune's rapidq): to end a wait the
 * request does not. */
void ktthreads_update_callback(void (*callback)(void *), void *cb_args);

#endif /* KT_THREADS */

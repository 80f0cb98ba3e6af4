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

#endif /* KT_THREADS */

/* Stands in for ktthreads.h in the native builds (-DPLAIN -I.../plain):
 * Kitsune's thread calls as the pthread calls they wrap. */
#include <pthread.h>
#include <signal.h>
#include <unistd.h>
#define kitsune_pthread_create pthread_create
#define ktthreads_pthread_cond_wait pthread_cond_wait
#define ktthreads_pthread_cond_timedwait pthread_cond_timedwait
#define ktthreads_ms_sleep(ms) usleep((ms) * 1000)
/* A send to a client that has gone must fail with EPIPE, not end the native server (SIGPIPE by default). */
__attribute__((constructor)) static void plain_ignore_sigpipe(void) { signal(SIGPIPE, SIG_IGN); }

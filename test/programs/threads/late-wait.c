/* Threads that begin Kitsune's waits only after the update request came:
 * each is switched out on a mutex main holds while it sleeps, between its
 * update point and its wait. At the request main wakes, lets the mutex go
 * and reaches its point; only then does each thread get the mutex and begin
 * its wait (a ktthreads_pthread_cond_wait nobody signals, a sleep of a
 * minute, an accept nobody connects to), which the request must end all the
 * same, or the thread never reaches its point and the update never happens.
 * argv[1]: a port to listen on. */
#include <kitsune.h>
#include <ktthreads.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#ifndef LABEL
#define LABEL 1
#endif
#define STR2(x) #x
#define STR(x) STR2(x)

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t never = PTHREAD_COND_INITIALIZER;
static int listen_fd = -1;
static int rounds[3];

static void *waiter(void *arg) {
  for (;;) {
    kitsune_update("waiter");
    pthread_mutex_lock(&lock);
    ktthreads_pthread_cond_wait(&never, &lock);
    pthread_mutex_unlock(&lock);
    rounds[0]++;
  }
  return arg;
}

static void *sleeper(void *arg) {
  for (;;) {
    kitsune_update("sleeper");
    pthread_mutex_lock(&lock);
    pthread_mutex_unlock(&lock);
    sleep(60);
    rounds[1]++;
  }
  return arg;
}

static void *acceptor(void *arg) {
  for (;;) {
    kitsune_update("acceptor");
    pthread_mutex_lock(&lock);
    pthread_mutex_unlock(&lock);
    int fd = accept(listen_fd, 0, 0);
    if (fd >= 0) close(fd);
    rounds[2]++;
  }
  return arg;
}

int main(int argc, char **argv) {
  setvbuf(stdout, 0, _IOLBF, 0);
  if (!kitsune_is_updating()) {
    listen_fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {0};
    a.sin_family = AF_INET;
    a.sin_port = htons(atoi(argv[1]));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(listen_fd, (struct sockaddr *)&a, sizeof a) || listen(listen_fd, 8)) { printf("listen failed\n"); return 1; }
    pthread_t t;
    kitsune_pthread_create(&t, 0, waiter, 0);
    kitsune_pthread_create(&t, 0, sleeper, 0);
    kitsune_pthread_create(&t, 0, acceptor, 0);
    printf("v" STR(LABEL) " ready\n");
  } else printf("v" STR(LABEL) " took over after rounds %d %d %d\n", rounds[0], rounds[1], rounds[2]);
  for (;;) {
    kitsune_update("main");
    /* Held through the sleep: the threads wait for it, switched out between their points and their waits. */
    pthread_mutex_lock(&lock);
    ktthreads_ms_sleep(60000);
    pthread_mutex_unlock(&lock);
  }
}

/* A thread-pool server: an acceptor thread queues connections, NWORKERS
 * worker threads take them off the queue and answer a line protocol from a
 * table they share under a mutex:
 *   INCR key   -> "vN key value" (the value after adding one)
 *   GET key    -> "vN key value"
 *   SUM        -> "vN sum S entries E served C"
 * Built with -DVERSION=1, 2 or 3; version 3 renames the table's `value`
 * (an int) to `count` (a long long) through a .xf rule, and counts hits.
 * bench/threads-bench.ts measures its throughput with Kitsune, without (the
 * same source, Kitsune's calls compiled away) and natively (gcc -pthread). */
#include <kitsune.h>
#include <ktthreads.h>
/* Included here too for the builds with Kitsune compiled away (bench/threads-bench.ts). */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#ifndef VERSION
#define VERSION 1
#endif
#ifndef LABEL
#define LABEL VERSION
#endif
#define NWORKERS 4
#define QCAP 512
#define STR2(x) #x
#define STR(x) STR2(x)

struct entry {
  char key[24];
#if VERSION >= 3
  long long count;
  int hits;
#else
  int value;
#endif
};
struct table { int n; struct entry items[128]; };

static struct table *table;
static pthread_mutex_t table_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t queue_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t queue_cond = PTHREAD_COND_INITIALIZER;
static int queue[QCAP], qhead, qtail;
static int listen_fd = -1;
static long served;

static struct entry *find(const char *key) {
  for (int i = 0; i < table->n; i++) if (!strcmp(table->items[i].key, key)) return &table->items[i];
  if (table->n == 128) return 0;
  struct entry *e = &table->items[table->n++];
  snprintf(e->key, sizeof e->key, "%s", key);
  return e;
}

static void answer(int fd, const char *line) {
  char out[128], key[24] = "";
  pthread_mutex_lock(&table_lock);
  if (!strncmp(line, "INCR ", 5) || !strncmp(line, "GET ", 4)) {
    snprintf(key, sizeof key, "%s", strchr(line, ' ') + 1);
    struct entry *e = find(key);
#if VERSION >= 3
    if (line[0] == 'I') e->count++;
    e->hits++;
    snprintf(out, sizeof out, "v" STR(LABEL) " %s %lld\n", key, e->count);
#else
    if (line[0] == 'I') e->value++;
    snprintf(out, sizeof out, "v" STR(LABEL) " %s %d\n", key, e->value);
#endif
  } else if (!strcmp(line, "SUM")) {
    long long sum = 0;
#if VERSION >= 3
    for (int i = 0; i < table->n; i++) sum += table->items[i].count;
#else
    for (int i = 0; i < table->n; i++) sum += table->items[i].value;
#endif
    snprintf(out, sizeof out, "v" STR(LABEL) " sum %lld entries %d served %ld\n", sum, table->n, served);
  } else snprintf(out, sizeof out, "v" STR(LABEL) " error\n");
  pthread_mutex_unlock(&table_lock);
  send(fd, out, strlen(out), 0);
}

/* One connection, until the client closes it. */
static void serve(int fd) {
  char buf[256];
  int len = 0;
  for (;;) {
    int n = recv(fd, buf + len, sizeof buf - 1 - len, 0);
    if (n <= 0) break;
    len += n;
    buf[len] = 0;
    char *nl;
    while ((nl = strchr(buf, '\n'))) {
      *nl = 0;
      answer(fd, buf);
      len -= nl + 1 - buf;
      memmove(buf, nl + 1, len + 1);
    }
  }
  close(fd);
  pthread_mutex_lock(&table_lock);
  served++;
  pthread_mutex_unlock(&table_lock);
}

static void *worker(void *arg) {
  (void)arg;
  for (;;) {
    kitsune_update("worker");
    pthread_mutex_lock(&queue_lock);
    /* Kitsune's wait: an update request ends it, and the loop comes round to its update point. */
    if (qhead == qtail) ktthreads_pthread_cond_wait(&queue_cond, &queue_lock);
    int fd = -1;
    if (qhead != qtail) { fd = queue[qhead]; qhead = (qhead + 1) % QCAP; }
    pthread_mutex_unlock(&queue_lock);
    if (fd >= 0) serve(fd);
  }
  return 0;
}

static void *acceptor(void *arg) {
  (void)arg;
  for (;;) {
    kitsune_update("acceptor");
    int fd = accept(listen_fd, 0, 0); /* an update request ends it with EINTR */
    if (fd < 0) continue;
    pthread_mutex_lock(&queue_lock);
    queue[qtail] = fd;
    qtail = (qtail + 1) % QCAP;
    pthread_cond_signal(&queue_cond);
    pthread_mutex_unlock(&queue_lock);
  }
  return 0;
}

int main(int argc, char **argv) {
  setvbuf(stdout, 0, _IOLBF, 0);
  kitsune_do_automigrate();
  if (!kitsune_is_updating()) {
    table = calloc(1, sizeof *table);
    listen_fd = socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    setsockopt(listen_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in a = {0};
    a.sin_family = AF_INET;
    a.sin_port = htons(atoi(argv[1]));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(listen_fd, (struct sockaddr *)&a, sizeof a) || listen(listen_fd, 128)) { printf("listen: %s\n", strerror(errno)); return 1; }
    pthread_t t;
    kitsune_pthread_create(&t, 0, acceptor, 0);
    for (long i = 0; i < NWORKERS; i++) kitsune_pthread_create(&t, 0, worker, (void *)i);
    printf("v" STR(LABEL) " ready\n");
  } else printf("v" STR(LABEL) " took over: %d entries, %ld served\n", table->n, served);
  for (;;) {
    kitsune_update("main");
    ktthreads_ms_sleep(1000);
  }
}

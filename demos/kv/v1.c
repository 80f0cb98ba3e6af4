/* kv, version 1: an in-memory key-value server speaking memcached's text
 * protocol over TCP (IPv4 and IPv6), many clients at once with poll().
 *
 *   get KEY...   gets KEY...   set/add/replace KEY FLAGS EXPTIME BYTES [noreply]
 *   delete KEY   incr/decr KEY N   stats   flush_all   version   quit
 *
 * Plain POSIX C: the only Kitsune calls are the update point at the top of the
 * event loop and kitsune_do_automigrate(). Everything the server holds (the
 * table, every connection with its half-read command and unsent reply) is on
 * the heap or in globals, and the sockets belong to the process: clients stay
 * connected through an update.
 *
 *   kitsune build demos/kv/v1.c -o kv1.wasm
 *   kitsune run --net=127.0.0.1:11311 kv1.wasm 11311
 *   kv1.wasm [PORT [HOST]] [--load]    --load: first read commands from stdin
 */
#include <kitsune.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#define VERSION_STRING "kitsune-kv 1"
#define MAX_CONNS 1024
#define MAX_LINE 2048

struct item {
  char *key;
  char *value;
  size_t len;
  unsigned flags;
  unsigned long long cas;
  struct item *next;
};

struct conn {
  int fd;
  char *in;            /* bytes received, not yet handled */
  size_t inlen, incap;
  char *out;           /* reply bytes not yet sent */
  size_t outlen, outcap;
  int closing;
};

struct item **table;   /* hash buckets */
size_t table_size;
size_t item_count;
unsigned long long next_cas = 1;
struct conn *conns[MAX_CONNS];
int listen_fds[2] = {-1, -1};
unsigned long long total_connections, cmd_get, cmd_set, get_hits, get_misses;

static unsigned long hash(const char *s) {
  unsigned long h = 5381;
  while (*s) h = h * 33 + (unsigned char)*s++;
  return h;
}

static struct item **lookup(const char *key) {
  struct item **p = &table[hash(key) % table_size];
  while (*p && strcmp((*p)->key, key)) p = &(*p)->next;
  return p;
}

static void grow_table(void) {
  size_t n = table_size ? table_size * 2 : 1024;
  struct item **t = calloc(n, sizeof *t);
  for (size_t i = 0; i < table_size; i++) {
    for (struct item *it = table[i], *next; it; it = next) {
      next = it->next;
      size_t b = hash(it->key) % n;
      it->next = t[b];
      t[b] = it;
    }
  }
  free(table);
  table = t;
  table_size = n;
}

static void store(const char *key, const char *data, size_t len, unsigned flags) {
  if (item_count >= table_size) grow_table();
  struct item **p = lookup(key);
  struct item *it = *p;
  if (!it) {
    it = calloc(1, sizeof *it);
    it->key = strdup(key);
    *p = it;
    item_count++;
  } else {
    free(it->value);
  }
  it->value = malloc(len + 1);
  memcpy(it->value, data, len);
  it->value[len] = 0;
  it->len = len;
  it->flags = flags;
  it->cas = next_cas++;
}

static void out(struct conn *c, const char *data, size_t len) {
  if (c->outlen + len > c->outcap) {
    while (c->outlen + len > c->outcap) c->outcap = c->outcap ? c->outcap * 2 : 4096;
    c->out = realloc(c->out, c->outcap);
  }
  memcpy(c->out + c->outlen, data, len);
  c->outlen += len;
}

static void outs(struct conn *c, const char *s) { out(c, s, strlen(s)); }

static void outf(struct conn *c, const char *fmt, ...) {
  char buf[512];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  out(c, buf, n < (int)sizeof buf ? (size_t)n : sizeof buf - 1);
}

static void cmd_retrieve(struct conn *c, char **argv, int argc, int with_cas) {
  for (int i = 1; i < argc; i++) {
    cmd_get++;
    struct item *it = *lookup(argv[i]);
    if (!it) { get_misses++; continue; }
    get_hits++;
    if (with_cas) outf(c, "VALUE %s %u %zu %llu\r\n", it->key, it->flags, it->len, it->cas);
    else outf(c, "VALUE %s %u %zu\r\n", it->key, it->flags, it->len);
    out(c, it->value, it->len);
    outs(c, "\r\n");
  }
  outs(c, "END\r\n");
}

static void cmd_arith(struct conn *c, char **argv, int argc, int sign) {
  if (argc < 3) { outs(c, "ERROR\r\n"); return; }
  struct item *it = *lookup(argv[1]);
  if (!it) { outs(c, "NOT_FOUND\r\n"); return; }
  char *end;
  unsigned long long v = strtoull(it->value, &end, 10), d = strtoull(argv[2], 0, 10);
  if (end == it->value) { outs(c, "CLIENT_ERROR cannot increment or decrement non-numeric value\r\n"); return; }
  v = sign > 0 ? v + d : (d > v ? 0 : v - d);
  char buf[32];
  int n = snprintf(buf, sizeof buf, "%llu", v);
  store(argv[1], buf, (size_t)n, it->flags);
  outf(c, "%s\r\n", buf);
}

static void cmd_stats(struct conn *c) {
  size_t open = 0;
  for (int i = 0; i < MAX_CONNS; i++) if (conns[i]) open++;
  outf(c, "STAT pid %d\r\n", (int)getpid());
  outf(c, "STAT version %s\r\n", VERSION_STRING);
  outf(c, "STAT curr_items %zu\r\n", item_count);
  outf(c, "STAT curr_connections %zu\r\n", open);
  outf(c, "STAT total_connections %llu\r\n", total_connections);
  outf(c, "STAT cmd_get %llu\r\n", cmd_get);
  outf(c, "STAT cmd_set %llu\r\n", cmd_set);
  outf(c, "STAT get_hits %llu\r\n", get_hits);
  outf(c, "STAT get_misses %llu\r\n", get_misses);
  outs(c, "END\r\n");
}

/* Handles one complete command at the start of c->in; returns the bytes it
 * used, or 0 when the command (or its data block) is not all there yet. */
static size_t handle(struct conn *c) {
  char *nl = memchr(c->in, '\n', c->inlen);
  if (!nl) {
    if (c->inlen > MAX_LINE) { outs(c, "CLIENT_ERROR line too long\r\n"); c->closing = 1; return c->inlen; }
    return 0;
  }
  size_t linelen = (size_t)(nl - c->in) + 1;
  char line[MAX_LINE + 1];
  size_t n = linelen - 1 < MAX_LINE ? linelen - 1 : MAX_LINE;
  memcpy(line, c->in, n);
  line[n] = 0;
  if (n && line[n - 1] == '\r') line[--n] = 0;
  char *argv[24];
  int argc = 0;
  for (char *tok = strtok(line, " "); tok && argc < 24; tok = strtok(0, " ")) argv[argc++] = tok;
  if (!argc) { outs(c, "ERROR\r\n"); return linelen; }
  const char *cmd = argv[0];
  if (!strcmp(cmd, "set") || !strcmp(cmd, "add") || !strcmp(cmd, "replace")) {
    if (argc < 5) { outs(c, "ERROR\r\n"); return linelen; }
    size_t bytes = strtoul(argv[4], 0, 10);
    if (c->inlen < linelen + bytes + 2) return 0;  /* the data block is still on its way */
    const char *data = c->in + linelen;
    int noreply = argc > 5 && !strcmp(argv[5], "noreply");
    int exists = *lookup(argv[1]) != 0;
    const char *reply = "STORED\r\n";
    if ((cmd[0] == 'a' && exists) || (cmd[0] == 'r' && !exists)) reply = "NOT_STORED\r\n";
    else { store(argv[1], data, bytes, (unsigned)strtoul(argv[2], 0, 10)); cmd_set++; }
    if (!noreply) outs(c, reply);
    return linelen + bytes + 2;
  }
  if (!strcmp(cmd, "get")) cmd_retrieve(c, argv, argc, 0);
  else if (!strcmp(cmd, "gets")) cmd_retrieve(c, argv, argc, 1);
  else if (!strcmp(cmd, "delete") && argc >= 2) {
    struct item **p = lookup(argv[1]);
    struct item *it = *p;
    if (!it) outs(c, "NOT_FOUND\r\n");
    else { *p = it->next; free(it->key); free(it->value); free(it); item_count--; outs(c, "DELETED\r\n"); }
  }
  else if (!strcmp(cmd, "incr")) cmd_arith(c, argv, argc, 1);
  else if (!strcmp(cmd, "decr")) cmd_arith(c, argv, argc, -1);
  else if (!strcmp(cmd, "stats")) cmd_stats(c);
  else if (!strcmp(cmd, "version")) outs(c, "VERSION " VERSION_STRING "\r\n");
  else if (!strcmp(cmd, "flush_all")) {
    for (size_t i = 0; i < table_size; i++)
      for (struct item *it = table[i], *next; it; it = next) { next = it->next; free(it->key); free(it->value); free(it); }
    memset(table, 0, table_size * sizeof *table);
    item_count = 0;
    outs(c, "OK\r\n");
  }
  else if (!strcmp(cmd, "quit")) c->closing = 1;
  else outs(c, "ERROR\r\n");
  return linelen;
}

static void drop(int i) {
  struct conn *c = conns[i];
  close(c->fd);
  free(c->in);
  free(c->out);
  free(c);
  conns[i] = 0;
}

static void on_readable(int i) {
  struct conn *c = conns[i];
  for (;;) {
    if (c->incap - c->inlen < 4096) { c->incap = c->incap ? c->incap * 2 : 8192; c->in = realloc(c->in, c->incap); }
    ssize_t n = recv(c->fd, c->in + c->inlen, c->incap - c->inlen, 0);
    if (n > 0) { c->inlen += (size_t)n; continue; }
    if (n == 0 || (errno != EAGAIN && errno != EINTR)) c->closing = 1;
    break;
  }
  size_t used;
  while (c->inlen && !(c->closing && c->outlen == 0 && 0) && (used = handle(c)) > 0) {
    memmove(c->in, c->in + used, c->inlen - used);
    c->inlen -= used;
  }
}

static void on_writable(int i) {
  struct conn *c = conns[i];
  while (c->outlen) {
    ssize_t n = send(c->fd, c->out, c->outlen, 0);
    if (n < 0) { if (errno != EAGAIN && errno != EINTR) { c->outlen = 0; c->closing = 1; } return; }
    memmove(c->out, c->out + n, c->outlen - (size_t)n);
    c->outlen -= (size_t)n;
  }
}

static void accept_all(int lfd) {
  for (;;) {
    int fd = accept(lfd, 0, 0);
    if (fd < 0) return;
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    int i = 0;
    while (i < MAX_CONNS && conns[i]) i++;
    if (i == MAX_CONNS) { close(fd); continue; }
    conns[i] = calloc(1, sizeof *conns[i]);
    conns[i]->fd = fd;
    total_connections++;
  }
}

static int open_listener(const char *host, const char *port) {
  struct addrinfo hints = {0}, *res, *a;
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE;
  int rc = getaddrinfo(host, port, &hints, &res);
  if (rc) { fprintf(stderr, "kv: %s:%s: %s\n", host, port, gai_strerror(rc)); return -1; }
  int fd = -1;
  for (a = res; a; a = a->ai_next) {
    fd = socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK, a->ai_protocol);
    if (fd < 0) continue;
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (bind(fd, a->ai_addr, a->ai_addrlen) == 0 && listen(fd, SOMAXCONN) == 0) break;
    fprintf(stderr, "kv: cannot listen on %s:%s: %s\n", host, port, strerror(errno));
    close(fd);
    fd = -1;
  }
  freeaddrinfo(res);
  return fd;
}

/* --load: commands on stdin (a dump of set commands) fill the table first. */
static void load_stdin(void) {
  struct conn sink = {0};
  sink.fd = -1;
  char buf[65536];
  ssize_t n;
  while ((n = read(0, buf, sizeof buf)) > 0) {
    if (sink.incap < sink.inlen + (size_t)n) { sink.incap = (sink.inlen + (size_t)n) * 2; sink.in = realloc(sink.in, sink.incap); }
    memcpy(sink.in + sink.inlen, buf, (size_t)n);
    sink.inlen += (size_t)n;
    size_t used;
    while (sink.inlen && (used = handle(&sink)) > 0) {
      memmove(sink.in, sink.in + used, sink.inlen - used);
      sink.inlen -= used;
    }
    sink.outlen = 0;
  }
  free(sink.in);
  free(sink.out);
}

int main(int argc, char **argv) {
  kitsune_do_automigrate();
  if (!kitsune_is_updating()) {
    const char *port = "11311", *host = "127.0.0.1";
    int load = 0, pos = 0;
    for (int i = 1; i < argc; i++) {
      if (!strcmp(argv[i], "--load")) load = 1;
      else if (pos++ == 0) port = argv[i];
      else host = argv[i];
    }
    grow_table();
    if (load) load_stdin();
    listen_fds[0] = open_listener(host, port);
    if (listen_fds[0] < 0) return 1;
    printf("kv v1: listening on %s port %s with %zu items\n", host, port, item_count);
    fflush(stdout);
  } else {
    printf("kv v1: took over with %zu items\n", item_count);
    fflush(stdout);
  }
  struct pollfd fds[MAX_CONNS + 2];
  int who[MAX_CONNS + 2];
  for (;;) {
    kitsune_update("loop");
    int n = 0;
    for (int l = 0; l < 2; l++) if (listen_fds[l] >= 0) { fds[n].fd = listen_fds[l]; fds[n].events = POLLIN; who[n++] = -1 - l; }
    for (int i = 0; i < MAX_CONNS; i++) {
      if (!conns[i]) continue;
      fds[n].fd = conns[i]->fd;
      fds[n].events = POLLIN | (conns[i]->outlen ? POLLOUT : 0);
      who[n++] = i;
    }
    int ready = poll(fds, (nfds_t)n, 1000);
    if (ready <= 0) continue;  /* timeout, or EINTR: an update may be waiting */
    for (int k = 0; k < n; k++) {
      if (!fds[k].revents) continue;
      if (who[k] < 0) { accept_all(fds[k].fd); continue; }
      int i = who[k];
      if (fds[k].revents & (POLLIN | POLLHUP | POLLERR)) on_readable(i);
      if (conns[i]->outlen) on_writable(i);
      if (conns[i]->closing && !conns[i]->outlen) drop(i);
    }
  }
}

/* chat, version 3: private messages (/msg NAME TEXT), actions (/me TEXT),
 * and a count of lines each person said, shown by /who (a new global array,
 * `said`, beside the clients; the client struct itself is unchanged).
 * Version 2 added times and history; version 1's header follows.
 *
 * chat: a line-based chat server. Connect with any line client
 * (nc 127.0.0.1 11400, or telnet); every line you send goes to everyone.
 *
 *   /nick NAME   change your name     /who   who is here     /quit   leave
 *
 * Plain POSIX C (poll, non-blocking sockets, IPv4 and IPv6). Each client's
 * name, half-typed line and unsent output live on the heap; the sockets
 * belong to the process: update the server while people talk and nobody is
 * disconnected.
 *
 *   kitsune build demos/chat/v1.c -o chat1.wasm
 *   kitsune run --net=127.0.0.1:11400 --control /tmp/chat chat1.wasm 11400
 *   kitsune build demos/chat/v2.c -o chat2.wasm --from chat1.wasm && kitsune update /tmp/chat chat2.wasm
 */
#include <kitsune.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <time.h>

#define MAX_CLIENTS 256
#define MAX_LINE 1024

struct client {
  int fd;
  char nick[32];
  char *in;
  size_t inlen, incap;
  char *out;
  size_t outlen, outcap;
  int closing;
};

struct client *clients[MAX_CLIENTS];
int listen_fd = -1;
int guests;

/* New in version 2: the last HISTORY lines said, oldest first from history_next. */
#define HISTORY 20
char *history[HISTORY];
int history_next;

/* New in version 3: lines said, by client slot. */
int said[MAX_CLIENTS];

static int slot_of(struct client *c) {
  for (int i = 0; i < MAX_CLIENTS; i++) if (clients[i] == c) return i;
  return -1;
}

static void remember(const char *line) {
  free(history[history_next]);
  history[history_next] = strdup(line);
  history_next = (history_next + 1) % HISTORY;
}

static void send_to(struct client *c, const char *fmt, ...) {
  char buf[MAX_LINE + 128];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  if (n < 0) return;
  if ((size_t)n >= sizeof buf) n = sizeof buf - 1;
  if (c->outlen + (size_t)n > c->outcap) { c->outcap = (c->outlen + (size_t)n) * 2; c->out = realloc(c->out, c->outcap); }
  memcpy(c->out + c->outlen, buf, (size_t)n);
  c->outlen += (size_t)n;
}

static void broadcast(struct client *from, const char *line) {
  for (int i = 0; i < MAX_CLIENTS; i++)
    if (clients[i] && clients[i] != from && !clients[i]->closing) send_to(clients[i], "%s", line);
}

static void say(struct client *c, const char *text) {
  char line[MAX_LINE + 64];
  time_t now = time(0);
  struct tm *tm = gmtime(&now);
  snprintf(line, sizeof line, "[%02d:%02d] <%s> %s\r\n", tm->tm_hour, tm->tm_min, c->nick, text);
  remember(line);
  broadcast(c, line);
}

static void command(struct client *c, char *text) {
  char line[MAX_LINE + 64];
  if (!strncmp(text, "/nick ", 6) && text[6]) {
    snprintf(line, sizeof line, "* %s is now %.31s\r\n", c->nick, text + 6);
    snprintf(c->nick, sizeof c->nick, "%s", text + 6);
    broadcast(0, line);
  } else if (!strcmp(text, "/who")) {
    send_to(c, "* here:");
    for (int i = 0; i < MAX_CLIENTS; i++) if (clients[i]) send_to(c, " %s(%d)", clients[i]->nick, said[i]);
    send_to(c, "\r\n");
  } else if (!strncmp(text, "/me ", 4)) {
    snprintf(line, sizeof line, "* %s %s\r\n", c->nick, text + 4);
    remember(line);
    broadcast(0, line);
    said[slot_of(c)]++;
  } else if (!strncmp(text, "/msg ", 5)) {
    char *to = text + 5, *msg = strchr(to, ' ');
    if (!msg) { send_to(c, "* usage: /msg NAME TEXT\r\n"); return; }
    *msg++ = 0;
    int found = 0;
    for (int i = 0; i < MAX_CLIENTS; i++)
      if (clients[i] && !strcmp(clients[i]->nick, to)) { send_to(clients[i], "*%s* %s\r\n", c->nick, msg); found = 1; }
    if (!found) send_to(c, "* nobody called %s\r\n", to);
  } else if (!strcmp(text, "/quit")) {
    send_to(c, "* bye\r\n");
    c->closing = 1;
  } else if (text[0] == '/') {
    send_to(c, "* commands: /nick NAME, /who, /me TEXT, /msg NAME TEXT, /quit\r\n");
  } else if (text[0]) {
    say(c, text);
    said[slot_of(c)]++;
  }
}

static void drop(int i) {
  struct client *c = clients[i];
  char line[96];
  snprintf(line, sizeof line, "* %s left\r\n", c->nick);
  close(c->fd);
  free(c->in);
  free(c->out);
  free(c);
  clients[i] = 0;
  said[i] = 0;
  broadcast(0, line);
}

static void on_readable(struct client *c) {
  for (;;) {
    if (c->incap - c->inlen < 512) { c->incap = c->incap ? c->incap * 2 : 1024; c->in = realloc(c->in, c->incap); }
    ssize_t n = recv(c->fd, c->in + c->inlen, c->incap - c->inlen, 0);
    if (n > 0) { c->inlen += (size_t)n; continue; }
    if (n == 0 || (errno != EAGAIN && errno != EINTR)) c->closing = 1;
    break;
  }
  char *nl;
  while ((nl = memchr(c->in, '\n', c->inlen))) {
    size_t len = (size_t)(nl - c->in);
    char text[MAX_LINE + 1];
    size_t n = len < MAX_LINE ? len : MAX_LINE;
    memcpy(text, c->in, n);
    text[n] = 0;
    if (n && text[n - 1] == '\r') text[n - 1] = 0;
    memmove(c->in, nl + 1, c->inlen - len - 1);
    c->inlen -= len + 1;
    command(c, text);
  }
}

static void flush_out(struct client *c) {
  while (c->outlen) {
    ssize_t n = send(c->fd, c->out, c->outlen, 0);
    if (n < 0) { if (errno != EAGAIN && errno != EINTR) { c->outlen = 0; c->closing = 1; } return; }
    memmove(c->out, c->out + n, c->outlen - (size_t)n);
    c->outlen -= (size_t)n;
  }
}

static void welcome(struct client *c) {
  send_to(c, "* welcome to chat v3, %s; /who lists who is here\r\n", c->nick);
  for (int i = 0; i < HISTORY; i++) {
    const char *h = history[(history_next + i) % HISTORY];
    if (h) send_to(c, "%s", h);
  }
}

static void accept_all(void) {
  for (;;) {
    int fd = accept(listen_fd, 0, 0);
    if (fd < 0) return;
    fcntl(fd, F_SETFL, O_NONBLOCK);
    int i = 0;
    while (i < MAX_CLIENTS && clients[i]) i++;
    if (i == MAX_CLIENTS) { close(fd); continue; }
    struct client *c = calloc(1, sizeof *c);
    c->fd = fd;
    snprintf(c->nick, sizeof c->nick, "guest%d", ++guests);
    clients[i] = c;
    welcome(c);
    char line[96];
    snprintf(line, sizeof line, "* %s joined\r\n", c->nick);
    broadcast(c, line);
  }
}

static int open_listener(const char *host, const char *port) {
  struct addrinfo hints = {0}, *res;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE;
  if (getaddrinfo(host, port, &hints, &res)) return -1;
  int fd = socket(res->ai_family, SOCK_STREAM | SOCK_NONBLOCK, 0);
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (bind(fd, res->ai_addr, res->ai_addrlen) || listen(fd, SOMAXCONN)) { perror("chat: listen"); close(fd); fd = -1; }
  freeaddrinfo(res);
  return fd;
}

int main(int argc, char **argv) {
  kitsune_do_automigrate();
  if (!kitsune_is_updating()) {
    const char *port = argc > 1 ? argv[1] : "11400", *host = argc > 2 ? argv[2] : "127.0.0.1";
    listen_fd = open_listener(host, port);
    if (listen_fd < 0) return 1;
    printf("chat v3: listening on %s port %s\n", host, port);
  } else {
    printf("chat v3: took over\n");
  }
  fflush(stdout);
  struct pollfd fds[MAX_CLIENTS + 1];
  int who[MAX_CLIENTS + 1];
  for (;;) {
    kitsune_update("loop");
    int n = 0;
    fds[n].fd = listen_fd; fds[n].events = POLLIN; who[n++] = -1;
    for (int i = 0; i < MAX_CLIENTS; i++) {
      if (!clients[i]) continue;
      fds[n].fd = clients[i]->fd;
      fds[n].events = POLLIN | (clients[i]->outlen ? POLLOUT : 0);
      who[n++] = i;
    }
    if (poll(fds, (nfds_t)n, 1000) <= 0) continue;
    for (int k = 0; k < n; k++) {
      if (!fds[k].revents) continue;
      if (who[k] < 0) { accept_all(); continue; }
      if (clients[who[k]] && fds[k].revents & (POLLIN | POLLHUP | POLLERR)) on_readable(clients[who[k]]);
    }
    for (int i = 0; i < MAX_CLIENTS; i++) {
      if (!clients[i]) continue;
      flush_out(clients[i]);
      if (clients[i]->closing && !clients[i]->outlen) drop(i);
    }
  }
}

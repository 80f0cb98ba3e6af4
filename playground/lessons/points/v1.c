/* A toy server with two loops, each with its own update point:
 *  - "accept" waits for a client: type a name and press Enter;
 *  - "session" serves that client's jobs, one every 0.8 s.
 * When an update comes, the new main must find its way back to the loop the
 * old one was in: kitsune_is_updating_from("session") says which. */
#include <kitsune.h>
#include <poll.h>
#include <unistd.h>

struct session {
  char *client;
  int jobs;                /* how many jobs this client brought */
  int *costs;              /* malloc'd: the cost of each job */
  struct session *prev;    /* closed sessions, newest first */
};

int total;                 /* the cost of every job served */
struct session *current;   /* the open session, if any */
struct session *history;   /* closed sessions */

static int read_line(char *buf, int size, int ms) {
  struct pollfd p = { .fd = 0, .events = POLLIN };
  if (poll(&p, 1, ms) <= 0) return 0;
  int n = read(0, buf, size - 1);
  if (n <= 0) return 0;
  buf[n] = 0;
  buf[strcspn(buf, "\r\n")] = 0;
  return 1;
}

static struct session *open_session(const char *client) {
  struct session *s = malloc(sizeof *s);
  s->client = strdup(client);
  s->jobs = 4 + strlen(client) % 3;
  s->costs = malloc(s->jobs * sizeof *s->costs);
  for (int k = 0; k < s->jobs; k++) s->costs[k] = 10 * (k + 1);
  s->prev = 0;
  printf("v1 accept: %s connected with %d jobs\n", client, s->jobs);
  fflush(stdout);
  return s;
}

static void run_session(struct session *s) {
  int i = 0;               /* the next job: a local on the stack, migrated by name */
  MIGRATE_LOCAL(i);
  while (i < s->jobs) {
    kitsune_update("session");
    int cost = s->costs[i++];
    total += cost;
    printf("v1 session %s: job %d/%d cost %d, total %d\n", s->client, i, s->jobs, cost, total);
    fflush(stdout);
    usleep(800 * 1000);    /* cut short when an update is requested */
  }
}

int main(void) {
  int served = 0;
  kitsune_do_automigrate();
  MIGRATE_LOCAL(served);
  if (!kitsune_is_updating()) printf("v1: waiting for clients. Type a name and press Enter.\n");
  fflush(stdout);
  for (;;) {
    /* Control migration: an update from inside a session goes straight back
     * into it, skipping the accept step. */
    if (!kitsune_is_updating_from("session")) {
      kitsune_update("accept");
      char name[32];
      if (!read_line(name, sizeof name, 1000) || !name[0]) continue;
      current = open_session(name);
    }
    run_session(current);
    served++;
    printf("v1: %s done, %d client(s) served, total %d\n", current->client, served, total);
    fflush(stdout);
    current->prev = history;
    history = current;
    current = 0;
  }
}

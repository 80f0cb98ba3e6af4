/* Version 2 of the toy server: jobs cost double. It says which loop it
 * took over in, and goes back there: into the open session at its next
 * job, or to waiting for clients. */
#include <kitsune.h>
#include <poll.h>
#include <unistd.h>

struct session {
  char *client;
  int jobs;
  int *costs;
  struct session *prev;
};

int total;
struct session *current;
struct session *history;

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
  printf("v2 accept: %s connected with %d jobs\n", client, s->jobs);
  fflush(stdout);
  return s;
}

static void run_session(struct session *s) {
  int i = 0;
  MIGRATE_LOCAL(i);
  if (kitsune_is_updating()) printf("v2 resumes %s's session at job %d/%d\n", s->client, i + 1, s->jobs);
  while (i < s->jobs) {
    kitsune_update("session");
    int cost = 2 * s->costs[i++];
    total += cost;
    printf("v2 session %s: job %d/%d cost %d (x2), total %d\n", s->client, i, s->jobs, cost, total);
    fflush(stdout);
    usleep(800 * 1000);
  }
}

int main(void) {
  int served = 0;
  kitsune_do_automigrate();
  MIGRATE_LOCAL(served);
  if (kitsune_is_updating_from("session"))
    printf("v2 took over in the session loop: %s is being served, %d served before, total %d\n", current->client, served, total);
  else if (kitsune_is_updating_from("accept"))
    printf("v2 took over in the accept loop: %d client(s) served, total %d\n", served, total);
  fflush(stdout);
  for (;;) {
    if (!kitsune_is_updating_from("session")) {
      kitsune_update("accept");
      char name[32];
      if (!read_line(name, sizeof name, 1000) || !name[0]) continue;
      current = open_session(name);
    }
    run_session(current);
    served++;
    printf("v2: %s done, %d client(s) served, total %d\n", current->client, served, total);
    fflush(stdout);
    current->prev = history;
    history = current;
    current = 0;
  }
}

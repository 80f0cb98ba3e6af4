/* Version 2 of demos/points (see v1.c): the same state and the same two
 * loops; it scores each item at double its value (" x2" in the output) and
 * says where it took over. Updated from version 1 while in either loop, it
 * resumes in that loop, with the open session, its next item, the totals
 * and the closed sessions all carried over.
 *
 * Two update points in two loops, and control migration between them.
 *
 * A toy server: the outer "accept" loop waits for a connection and opens a
 * session; the inner "session" loop works through the session's batch of
 * items, one per tick. Each loop has its own update point. When an update
 * arrives, the new version's main uses kitsune_is_updating_from("...") to go
 * straight back to the loop the old one left from: into the open session
 * (skipping the accept step) or to the accept loop.
 *
 * State: globals (total, opened, current, history), a heap structure (each
 * session and its malloc'd batch of values, kept in a history list once
 * closed) and two MIGRATE_LOCAL locals (main's `closed`, run_session's `i`).
 *
 * Usage: v2.wasm [sessions=4] [item_ms=200] [accept_ms=400]
 */
#include <kitsune.h>
#include <unistd.h>

#define VERSION "v2"

struct session {
  int id;
  int count;             /* items in the batch */
  int *values;           /* the batch: malloc'd array of `count` values */
  int subtotal;
  struct session *prev;  /* the history list, newest first */
};

int total;                /* over all sessions */
int opened;               /* sessions opened so far; gives the ids */
struct session *current;  /* the open session, if any */
struct session *history;  /* closed sessions */

static struct session *open_session(void) {
  struct session *s = malloc(sizeof *s);
  s->id = ++opened;
  s->count = s->id + 2;
  s->values = malloc(s->count * sizeof *s->values);
  for (int k = 0; k < s->count; k++) s->values[k] = s->id * 10 + k + 1;
  s->subtotal = 0;
  s->prev = 0;
  printf(VERSION " accept: session %d opened with %d items\n", s->id, s->count);
  fflush(stdout);
  return s;
}

static void run_session(struct session *s, int item_ms) {
  int i = 0;             /* the next item: lives on the stack, migrated by name */
  MIGRATE_LOCAL(i);
  if (kitsune_is_updating()) {
    printf(VERSION " session %d resumes at item %d/%d\n", s->id, i + 1, s->count);
    fflush(stdout);
  }
  while (i < s->count) {
    kitsune_update("session");
    int v = 2 * s->values[i++];
    s->subtotal += v;
    total += v;
    printf(VERSION " session %d item %d/%d value %d x2 subtotal %d total %d\n", s->id, i, s->count, v / 2, s->subtotal, total);
    fflush(stdout);
    usleep(item_ms * 1000); /* cut short (EINTR) when an update is requested */
  }
}

int main(int argc, char **argv) {
  int sessions = argc > 1 ? atoi(argv[1]) : 4;
  int item_ms = argc > 2 ? atoi(argv[2]) : 200;
  int accept_ms = argc > 3 ? atoi(argv[3]) : 400;
  int closed = 0;
  kitsune_do_automigrate();
  MIGRATE_LOCAL(closed);
  if (kitsune_is_updating_from("session"))
    printf(VERSION " took over in the session loop: session %d open, %d closed, total %d\n", current->id, closed, total);
  else if (kitsune_is_updating_from("accept"))
    printf(VERSION " took over in the accept loop: %d closed, total %d\n", closed, total);
  fflush(stdout);

  while (closed < sessions) {
    /* Control migration: coming from the session loop, skip the accept step
     * and go straight back into the open session. */
    if (!kitsune_is_updating_from("session")) {
      kitsune_update("accept");
      /* "Waiting for a connection". Interrupted by an update request, it goes
       * back to the update point, as a server does when poll() times out. */
      if (usleep(accept_ms * 1000) != 0) continue;
      current = open_session();
    }
    run_session(current, item_ms);
    closed++;
    printf(VERSION " session %d closed: subtotal %d, total %d, %d closed\n", current->id, current->subtotal, total, closed);
    fflush(stdout);
    current->prev = history;
    history = current;
    current = 0;
  }

  printf(VERSION " done: %d sessions, total %d, history", closed, total);
  for (struct session *s = history; s; s = s->prev) printf(" %d:%d", s->id, s->subtotal);
  printf("\n");
  return 0;
}

/* Version 2 of the interactive to-do list (see v1.c): the same list, kept
 * across the update; a new command, `clear` (drops the done items), and a
 * new format for `list` and the prompt.
 *
 * It also shows how to update while idle. A blocking read on stdin is not
 * interrupted by an update request (SA_RESTART semantics): a program waiting
 * in fgets() updates only once the next line arrives. So version 2 first
 * waits with poll() on fd 0 and a timeout, and reads only when input is
 * there. An update request ends poll() early as a timeout (it returns 0,
 * as it does when nothing came), the loop goes back to its update point, and
 * the update happens at once, without any input. The timeout is a safety
 * net: a request that comes just before poll() starts waits at most that
 * long. Two details:
 *  - poll() sees only the file descriptor: a line already read ahead into
 *    stdin's buffer is invisible to it, so check __freadahead(stdin) first.
 *  - once poll() says there is input, fgets() still blocks until the END of
 *    the line: a half-typed line delays an update until Enter.
 *
 *   add TEXT   adds an item        done N   marks item N done
 *   list       shows the items     clear    drops the done items
 *   help       lists the commands
 *
 * Usage: v2.wasm [idle_ms=1000] */
#include <kitsune.h>
#include <errno.h>
#include <poll.h>
#include <stdio_ext.h>

#ifndef LABEL
#define LABEL "v2"
#endif
#define PROMPT "todo " LABEL "> "

struct todo {
  int id;
  int done;
  char *text;          /* malloc'd */
  struct todo *next;   /* in the order added */
};

struct todo *items;    /* the list: kept across updates */
int next_id = 1;
char line[256];
int prompted;          /* the prompt is out and no line has come since */

static struct todo **tail(void) {
  struct todo **p = &items;
  while (*p) p = &(*p)->next;
  return p;
}

static struct todo *find(int id) {
  for (struct todo *t = items; t; t = t->next) if (t->id == id) return t;
  return 0;
}

static int count(int *done) {
  int n = 0;
  *done = 0;
  for (struct todo *t = items; t; t = t->next, n++) *done += t->done;
  return n;
}

static void command(char *cmd) {
  cmd[strcspn(cmd, "\r\n")] = 0;
  if (!strncmp(cmd, "add ", 4)) {
    struct todo *t = malloc(sizeof *t);
    t->id = next_id++;
    t->done = 0;
    t->text = strdup(cmd + 4);
    t->next = 0;
    *tail() = t;
    printf("added #%d: %s\n", t->id, t->text);
  } else if (!strncmp(cmd, "done ", 5)) {
    struct todo *t = find(atoi(cmd + 5));
    if (t) { t->done = 1; printf("done #%d: %s\n", t->id, t->text); }
    else printf("no item %s\n", cmd + 5);
  } else if (!strcmp(cmd, "list")) {
    int done, n = count(&done);
    for (struct todo *t = items; t; t = t->next)
      printf("  - %s #%d %s\n", t->done ? "[done]" : "[open]", t->id, t->text);
    printf("(%d items: %d open, %d done)\n", n, n - done, done);
  } else if (!strcmp(cmd, "clear")) {
    int dropped = 0;
    for (struct todo **p = &items; *p;) {
      struct todo *t = *p;
      if (!t->done) { p = &t->next; continue; }
      *p = t->next;
      free(t->text);
      free(t);
      dropped++;
    }
    printf("cleared %d done item(s)\n", dropped);
  } else if (!strcmp(cmd, "help")) {
    printf("commands: add TEXT, done N, list, clear, help\n");
  } else if (*cmd) {
    printf("unknown command: %s\n", cmd);
  }
}

/* > 0: a line (or end of input) is there to read; 0: timed out (or ended
 * early by an update request); -1 with errno EINTR: a signal's handler ran. */
static int input_ready(int ms) {
  if (__freadahead(stdin) > 0) return 1;
  struct pollfd p = { .fd = 0, .events = POLLIN };
  return poll(&p, 1, ms);
}

int main(int argc, char **argv) {
  int idle_ms = argc > 1 ? atoi(argv[1]) : 1000;
  kitsune_do_automigrate();
  if (kitsune_is_updating()) {
    int done, n = count(&done);
    /* An old version idle at its prompt left the line open. */
    printf("%s" LABEL " took over: %d items kept (%d done)\n", prompted ? "\n" : "", n, done);
    prompted = 0;
  }
  for (;;) {
    kitsune_update("command");
    if (!prompted) { printf(PROMPT); fflush(stdout); prompted = 1; }
    int r = input_ready(idle_ms);
    if (r < 0 && errno != EINTR) { perror("poll"); return 1; }
    if (r <= 0) continue; /* idle or interrupted: back to the update point */
    prompted = 0;
    if (!fgets(line, sizeof line, stdin)) break;
    command(line);
  }
  printf("bye\n");
  return 0;
}

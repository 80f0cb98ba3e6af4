/* A to-do list that works through its tasks, one hour a tick (2 s), first
 * come first served. Type `add NAME HOURS` to add a task. */
#include <kitsune.h>
#include <poll.h>
#include <unistd.h>

struct task {
  char *name;
  int estimate;          /* hours */
  int spent;             /* hours */
  struct task *next;
};

struct task *tasks;      /* in the order they were added */
int ticks;

static int read_line(char *buf, int size, int ms) {
  struct pollfd p = { .fd = 0, .events = POLLIN };
  if (poll(&p, 1, ms) <= 0) return 0;
  int n = read(0, buf, size - 1);
  if (n <= 0) return 0;
  buf[n] = 0;
  buf[strcspn(buf, "\r\n")] = 0;
  return 1;
}

static void add(const char *name, int estimate) {
  struct task *t = calloc(1, sizeof *t), **at = &tasks;
  t->name = strdup(name);
  t->estimate = estimate;
  while (*at) at = &(*at)->next;
  *at = t;
}

static void show(void) {
  printf("v1 hour %d:", ticks);
  for (struct task *t = tasks; t; t = t->next) printf(" %s %d/%d", t->name, t->spent, t->estimate);
  printf("\n");
  fflush(stdout);
}

int main(void) {
  kitsune_do_automigrate();
  if (!kitsune_is_updating()) {
    add("docs", 6);
    add("bugfix", 5);
    add("review", 2);
    printf("v1: working first come, first served. Type `add NAME HOURS`.\n");
  }
  char line[64], name[32];
  int hours;
  for (;;) {
    kitsune_update("loop");
    if (read_line(line, sizeof line, 2000)) {
      if (sscanf(line, "add %31s %d", name, &hours) == 2 && hours > 0) { add(name, hours); printf("v1: added %s (%d h)\n", name, hours); }
      else printf("v1: expected `add NAME HOURS`\n");
      fflush(stdout);
      continue;
    }
    ticks++;
    for (struct task *t = tasks; t; t = t->next)
      if (t->spent < t->estimate) { t->spent++; break; }
    show();
  }
}

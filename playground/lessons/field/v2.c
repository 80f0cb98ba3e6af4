/* Version 2: tasks gain a priority, and the shortest unfinished job goes
 * first. The tasks v1 left on the heap get theirs from spec.xf. */
#include <kitsune.h>
#include <poll.h>
#include <unistd.h>

struct task {
  char *name;
  int estimate;          /* hours */
  int spent;             /* hours */
  int priority;          /* new: 1 (first) .. 3 (last) */
  struct task *next;
};

struct task *tasks;
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

/* Short jobs first: the same rule as INIT struct task.priority in spec.xf. */
static int priority_for(int estimate) { return estimate <= 2 ? 1 : estimate <= 4 ? 2 : 3; }

static void add(const char *name, int estimate) {
  struct task *t = calloc(1, sizeof *t), **at = &tasks;
  t->name = strdup(name);
  t->estimate = estimate;
  t->priority = priority_for(estimate);
  while (*at) at = &(*at)->next;
  *at = t;
}

static void show(const char *what) {
  printf("v2 %s %d:", what, ticks);
  for (struct task *t = tasks; t; t = t->next) printf(" %s %d/%d p%d", t->name, t->spent, t->estimate, t->priority);
  printf("\n");
  fflush(stdout);
}

int main(void) {
  kitsune_do_automigrate();   /* tasks: each node moves to a larger block */
  if (kitsune_is_updating()) show("took over at hour");
  else {
    add("docs", 6);
    add("bugfix", 5);
    add("review", 2);
  }
  char line[64], name[32];
  int hours;
  for (;;) {
    kitsune_update("loop");
    if (read_line(line, sizeof line, 2000)) {
      if (sscanf(line, "add %31s %d", name, &hours) == 2 && hours > 0) { add(name, hours); printf("v2: added %s (%d h, priority %d)\n", name, hours, priority_for(hours)); }
      else printf("v2: expected `add NAME HOURS`\n");
      fflush(stdout);
      continue;
    }
    ticks++;
    struct task *best = 0;
    for (struct task *t = tasks; t; t = t->next)
      if (t->spent < t->estimate && (!best || t->priority < best->priority)) best = t;
    if (best) best->spent++;
    show("hour");
  }
}

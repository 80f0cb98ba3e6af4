/* field-added, version 2: tasks gain a priority, and the worker now takes the
 * unfinished task with the best (lowest) priority, shortest jobs first.
 * The tasks already on the heap get their priority from v2.xf. */
#include <kitsune.h>
#include <unistd.h>

struct task {
  const char *name;
  int estimate; /* hours */
  int spent;    /* hours */
  int priority; /* new: 1 (first) .. 3 (last) */
  struct task *next;
};

struct task *tasks;
int ticks;

/* Short jobs first: the same rule as INIT struct task.priority in v2.xf. */
static int priority_for(int estimate) { return estimate <= 2 ? 1 : estimate <= 4 ? 2 : 3; }

static void add(const char *name, int estimate) {
  struct task *t = calloc(1, sizeof *t), **at = &tasks;
  t->name = name;
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

int main(int argc, char **argv) {
  int ms = argc > 1 ? atoi(argv[1]) : 300;
  if (kitsune_is_updating()) {
    kitsune_do_automigrate(); /* tasks: every node moves to a larger block, priority set by the spec */
    show("took over at tick");
  } else {
    add("docs", 10);
    add("bugfix", 8);
    add("review", 2);
    add("deploy", 3);
  }
  for (;;) {
    kitsune_update("loop");
    ticks++;
    struct task *best = 0;
    for (struct task *t = tasks; t; t = t->next)
      if (t->spent < t->estimate && (!best || t->priority < best->priority)) best = t;
    if (best) best->spent++;
    show("tick");
    usleep(ms * 1000);
  }
}

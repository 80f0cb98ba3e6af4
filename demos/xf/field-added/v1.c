/* field-added, version 1: a to-do list worked first come, first served.
 * Each tick spends one hour on the first unfinished task.
 * Usage: v1.wasm [MS_PER_TICK] (default 300). */
#include <kitsune.h>
#include <unistd.h>

struct task {
  const char *name;
  int estimate; /* hours */
  int spent;    /* hours */
  struct task *next;
};

struct task *tasks; /* in the order they were added */
int ticks;

static void add(const char *name, int estimate) {
  struct task *t = calloc(1, sizeof *t), **at = &tasks;
  t->name = name;
  t->estimate = estimate;
  while (*at) at = &(*at)->next;
  *at = t;
}

static void show(void) {
  printf("v1 tick %d:", ticks);
  for (struct task *t = tasks; t; t = t->next) printf(" %s %d/%d", t->name, t->spent, t->estimate);
  printf("\n");
  fflush(stdout);
}

int main(int argc, char **argv) {
  int ms = argc > 1 ? atoi(argv[1]) : 300;
  if (kitsune_is_updating()) kitsune_do_automigrate();
  else {
    add("docs", 10);
    add("bugfix", 8);
    add("review", 2);
    add("deploy", 3);
  }
  for (;;) {
    kitsune_update("loop");
    ticks++;
    for (struct task *t = tasks; t; t = t->next)
      if (t->spent < t->estimate) { t->spent++; break; }
    show();
    usleep(ms * 1000);
  }
}

/* An interactive program updated while it runs: a to-do list kept in a
 * malloc'd linked list, one command per line on stdin, a response and a
 * prompt for each.
 *
 *   add TEXT   adds an item        done N   marks item N done
 *   list       shows the items     help     lists the commands
 *
 * Version 1 reads with a plain fgets(). An update requested while it waits
 * there does NOT interrupt the read (reads on stdin behave as with
 * SA_RESTART): the update happens once the next line arrives and version 1
 * has answered it, at the "command" update point at the top of the loop.
 * Version 2 (v2.c) shows the idiom for updating while idle.
 *
 * Try it:
 *   kitsune build v1.c -o v1.wasm && kitsune build v2.c --from v1.wasm -o v2.wasm
 *   kitsune run --control /tmp/todo v1.wasm   (type a few commands)
 *   kitsune update /tmp/todo v2.wasm          (from another terminal)
 * then type one more line: version 1 answers it and hands over to version 2. */
#include <kitsune.h>

#define PROMPT "todo> "

struct todo {
  int id;
  int done;
  char *text;          /* malloc'd */
  struct todo *next;   /* in the order added */
};

struct todo *items;    /* the list: kept across updates */
int next_id = 1;
char line[256];

static struct todo **tail(void) {
  struct todo **p = &items;
  while (*p) p = &(*p)->next;
  return p;
}

static struct todo *find(int id) {
  for (struct todo *t = items; t; t = t->next) if (t->id == id) return t;
  return 0;
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
    int n = 0, done = 0;
    for (struct todo *t = items; t; t = t->next, n++) {
      printf("%d [%c] %s\n", t->id, t->done ? 'x' : ' ', t->text);
      done += t->done;
    }
    printf("%d items, %d done\n", n, done);
  } else if (!strcmp(cmd, "help")) {
    printf("commands: add TEXT, done N, list, help\n");
  } else if (*cmd) {
    printf("unknown command: %s\n", cmd);
  }
}

int main(void) {
  kitsune_do_automigrate();
  for (;;) {
    kitsune_update("command");
    printf(PROMPT);
    fflush(stdout);
    /* Blocks until a whole line (or end of input) arrives, update or not. */
    if (!fgets(line, sizeof line, stdin)) break;
    command(line);
  }
  printf("bye\n");
  return 0;
}

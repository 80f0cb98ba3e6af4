/* The guest book, version 2: the same list, a friendlier greeting, and a
 * `list` command. The guests typed into version 1 are still here. */
#include <kitsune.h>
#include <poll.h>
#include <unistd.h>

struct guest {
  char *name;
  struct guest *next;
};

struct guest *book;
int guests;

static int read_line(char *buf, int size, int ms) {
  struct pollfd p = { .fd = 0, .events = POLLIN };
  if (poll(&p, 1, ms) <= 0) return 0;
  int n = read(0, buf, size - 1);
  if (n <= 0) return 0;
  buf[n] = 0;
  buf[strcspn(buf, "\r\n")] = 0;
  return 1;
}

static void list(void) {
  printf("v2: %d guest(s):", guests);
  for (struct guest *g = book; g; g = g->next) printf(" %s", g->name);
  printf("\n");
}

int main(void) {
  kitsune_do_automigrate();
  if (kitsune_is_updating()) {
    printf("v2 took over with the book of v1. ");
    list();
  }
  printf("v2: type a name to sign, or `list`.\n");
  fflush(stdout);
  char line[64];
  for (;;) {
    kitsune_update("loop");
    if (!read_line(line, sizeof line, 1000) || !line[0]) continue;
    if (!strcmp(line, "list")) {
      list();
    } else {
      struct guest *g = malloc(sizeof *g);
      g->name = strdup(line);
      g->next = book;
      book = g;
      guests++;
      printf("v2: welcome, %s! You are guest number %d.\n", line, guests);
    }
    fflush(stdout);
  }
}

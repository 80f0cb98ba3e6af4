/* A guest book. Type a name and press Enter to sign it.
 * Every guest is a node of a linked list on the heap. */
#include <kitsune.h>
#include <poll.h>
#include <unistd.h>

struct guest {
  char *name;            /* malloc'd copy of what was typed */
  struct guest *next;    /* the one who signed before */
};

struct guest *book;      /* newest first */
int guests;              /* how many have signed */

/* Waits up to `ms` for a line typed into the terminal. An update request
 * cuts the wait short, so the loop comes back to its update point at once. */
static int read_line(char *buf, int size, int ms) {
  struct pollfd p = { .fd = 0, .events = POLLIN };
  if (poll(&p, 1, ms) <= 0) return 0;
  int n = read(0, buf, size - 1);
  if (n <= 0) return 0;
  buf[n] = 0;
  buf[strcspn(buf, "\r\n")] = 0;
  return 1;
}

int main(void) {
  kitsune_do_automigrate();   /* after an update: book and guests come from the old version */
  printf("v1: the guest book is open. Type your name and press Enter.\n");
  char line[64];
  for (;;) {
    kitsune_update("loop");   /* the update point: the new version takes over here */
    if (!read_line(line, sizeof line, 1000) || !line[0]) continue;
    struct guest *g = malloc(sizeof *g);
    g->name = strdup(line);
    g->next = book;
    book = g;
    guests++;
    printf("v1: thank you, %s! %d guest(s) so far.\n", line, guests);
    fflush(stdout);
  }
}

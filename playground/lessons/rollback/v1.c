/* A ledger: type an amount (`+50`, `-20`) and press Enter. Each entry is a
 * node on the heap; `balance` is their sum. */
#include <kitsune.h>
#include <poll.h>
#include <unistd.h>

struct entry {
  int amount;
  struct entry *next;    /* the entry before, newest first */
};

struct entry *entries;
int balance;
int count;

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
  kitsune_do_automigrate();
  if (!kitsune_is_updating()) printf("v1: ledger open. Type an amount like +50 or -20.\n");
  fflush(stdout);
  char line[32];
  for (;;) {
    kitsune_update("loop");
    if (!read_line(line, sizeof line, 1000) || !line[0]) continue;
    struct entry *e = malloc(sizeof *e);
    e->amount = atoi(line);
    e->next = entries;
    entries = e;
    balance += e->amount;
    count++;
    printf("v1: entry %d: %+d, balance %d\n", count, e->amount, balance);
    fflush(stdout);
  }
}

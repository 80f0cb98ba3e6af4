/* Version 2 audits the ledger when it takes over: the entries must add up
 * to the balance before it goes on. Its audit has a bug. */
#include <kitsune.h>
#include <assert.h>
#include <poll.h>
#include <unistd.h>

struct entry {
  int amount;
  struct entry *next;
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

static int audit(void) {
  int sum = 0;
  /* BUG: starts at the second entry, so the newest one is left out. */
  for (struct entry *e = entries ? entries->next : 0; e; e = e->next) sum += e->amount;
  return sum;
}

int main(void) {
  kitsune_do_automigrate();
  if (kitsune_is_updating()) {
    int sum = audit();
    printf("v2: audit: %d entries add up to %d, balance %d\n", count, sum, balance);
    fflush(stdout);
    assert(sum == balance);   /* fails: abort() traps, and the update rolls back */
    printf("v2 took over: the ledger is sound.\n");
  }
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
    printf("v2: entry %d: %+d, balance %d (audited)\n", count, e->amount, balance);
    fflush(stdout);
  }
}

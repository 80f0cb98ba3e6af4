/* The key-value server, version 2: each entry counts how often it was read
 * (a new field: every entry on the heap moves to a block of the new size,
 * with no rule needed), and two new requests:
 *   incr KEY     stats */
#include <kitsune.h>
#include <poll.h>
#include <unistd.h>

#define BUCKETS 8

struct entry {
  char key[16];
  char *value;           /* malloc'd */
  struct entry *next;    /* the next entry in the same bucket */
  int hits;              /* new: gets of this key since v2 took over */
};

struct entry *table[BUCKETS];  /* a hash table: each bucket a chain */
int items;
int requests;

static int read_line(char *buf, int size, int ms) {
  struct pollfd p = { .fd = 0, .events = POLLIN };
  if (poll(&p, 1, ms) <= 0) return 0;
  int n = read(0, buf, size - 1);
  if (n <= 0) return 0;
  buf[n] = 0;
  buf[strcspn(buf, "\r\n")] = 0;
  return 1;
}

static unsigned hash(const char *s) {
  unsigned h = 5381;
  while (*s) h = h * 33 + (unsigned char)*s++;
  return h % BUCKETS;
}

static struct entry **find(const char *key) {
  struct entry **e = &table[hash(key)];
  while (*e && strcmp((*e)->key, key)) e = &(*e)->next;
  return e;
}

static void handle(const char *line) {
  char cmd[8], key[16], value[64];
  int n = sscanf(line, "%7s %15s %63[^\n]", cmd, key, value);
  requests++;
  if (n == 3 && !strcmp(cmd, "set")) {
    struct entry **e = find(key);
    if (!*e) { *e = calloc(1, sizeof **e); strcpy((*e)->key, key); items++; }
    else free((*e)->value);
    (*e)->value = strdup(value);
    printf("STORED\n");
  } else if (n == 2 && !strcmp(cmd, "get")) {
    struct entry *e = *find(key);
    if (e) { e->hits++; printf("VALUE %s %s (read %d times)\n", key, e->value, e->hits); }
    printf("END\n");
  } else if (n == 2 && !strcmp(cmd, "incr")) {
    struct entry *e = *find(key);
    if (!e) printf("NOT_FOUND\n");
    else {
      char buf[24];
      snprintf(buf, sizeof buf, "%d", atoi(e->value) + 1);
      free(e->value);
      e->value = strdup(buf);
      printf("%s\n", buf);
    }
  } else if (n >= 1 && !strcmp(cmd, "stats")) {
    printf("STAT items %d\nSTAT requests %d\n", items, requests);
    for (int b = 0; b < BUCKETS; b++)
      for (struct entry *e = table[b]; e; e = e->next) printf("STAT hits %s %d\n", e->key, e->hits);
    printf("END\n");
  } else if (n == 2 && !strcmp(cmd, "del")) {
    struct entry **e = find(key);
    if (*e) { struct entry *d = *e; *e = d->next; free(d->value); free(d); items--; printf("DELETED\n"); }
    else printf("NOT_FOUND\n");
  } else if (n >= 1 && !strcmp(cmd, "keys")) {
    for (int b = 0; b < BUCKETS; b++)
      for (struct entry *e = table[b]; e; e = e->next) printf("KEY %s\n", e->key);
    printf("END\n");
  } else {
    printf("ERROR expected set KEY VALUE, get KEY, incr KEY, del KEY, keys or stats\n");
  }
  fflush(stdout);
}

int main(void) {
  kitsune_do_automigrate();
  if (kitsune_is_updating()) printf("kv v2 took over with %d item(s) after %d request(s); new: incr KEY, stats\n", items, requests);
  else printf("kv v2 ready. Requests: set KEY VALUE, get KEY, incr KEY, del KEY, keys, stats\n");
  fflush(stdout);
  char line[128];
  for (;;) {
    kitsune_update("request");   /* between two requests: the update point */
    if (!read_line(line, sizeof line, 1000) || !line[0]) continue;
    handle(line);
  }
}

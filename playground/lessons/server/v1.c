/* A key-value server in the style of memcached. Its clients would talk to
 * it over a socket; here the client is you, typing requests:
 *   set KEY VALUE     get KEY     del KEY     keys
 * It waits for a request, answers it, and waits again: a server's loop. */
#include <kitsune.h>
#include <poll.h>
#include <unistd.h>

#define BUCKETS 8

struct entry {
  char key[16];
  char *value;           /* malloc'd */
  struct entry *next;    /* the next entry in the same bucket */
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
    if (e) printf("VALUE %s %s\n", key, e->value);
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
    printf("ERROR expected set KEY VALUE, get KEY, del KEY or keys\n");
  }
  fflush(stdout);
}

int main(void) {
  kitsune_do_automigrate();
  if (!kitsune_is_updating()) printf("kv v1 ready. Requests: set KEY VALUE, get KEY, del KEY, keys\n");
  fflush(stdout);
  char line[128];
  for (;;) {
    kitsune_update("request");   /* between two requests: the update point */
    if (!read_line(line, sizeof line, 1000) || !line[0]) continue;
    handle(line);
  }
}

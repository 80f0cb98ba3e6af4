/* Request loop: a tiny command interpreter serving requests parsed from an
 * in-memory buffer, one update point per request (where a server would have
 * it: at the top of its loop). The buffer holds text commands over 512 keys,
 *   set KEY VALUE | get KEY | add KEY DELTA | del KEY | sum
 * generated with a fixed LCG, so every build does the same work. argv: rounds
 * over the buffer, requests in it. Prints the time of the timed rounds (after
 * a tenth as many untimed warm-up rounds) in ns, and a checksum.
 * -DPOINT_PER_ROUND moves the update point out to the loop over rounds (once
 * per 20,000 requests), to tell its per-request cost from the rest. */
#include <kitsune.h>
#include <time.h>

#define KEYS 512
#define SLOTS 1024

struct entry { char key[16]; long long value; int used; };
struct entry table[SLOTS];
long long checksum;
long long served;

static unsigned lcg = 2463534242u;
static unsigned next_rand(void) { lcg = lcg * 1664525u + 1013904223u; return lcg >> 8; }

static unsigned hash_key(const char *s, int n) {
  unsigned h = 2166136261u;
  for (int i = 0; i < n; i++) h = (h ^ (unsigned char)s[i]) * 16777619u;
  return h;
}

static struct entry *lookup(const char *k, int n, int create) {
  unsigned h = hash_key(k, n) & (SLOTS - 1);
  for (int probe = 0; probe < SLOTS; probe++, h = (h + 1) & (SLOTS - 1)) {
    struct entry *e = &table[h];
    if (!e->used) {
      if (!create) return 0;
      memcpy(e->key, k, n);
      e->key[n] = 0;
      e->used = 1;
      e->value = 0;
      return e;
    }
    if ((int)strlen(e->key) == n && !memcmp(e->key, k, n)) return e;
  }
  return 0;
}

static const char *word(const char *p, const char **start, int *len) {
  while (*p == ' ') p++;
  *start = p;
  while (*p && *p != ' ' && *p != '\n') p++;
  *len = (int)(p - *start);
  return p;
}

static long long number(const char *s, int n) {
  long long v = 0;
  int neg = n > 0 && s[0] == '-';
  for (int i = neg; i < n; i++) v = v * 10 + (s[i] - '0');
  return neg ? -v : v;
}

/* Serves one request (a line); returns where the next one starts. */
static const char *serve(const char *p) {
  const char *cmd, *key, *arg;
  int clen, klen, alen;
  p = word(p, &cmd, &clen);
  struct entry *e;
  switch (cmd[0]) {
  case 's':
    if (cmd[1] == 'e') { /* set */
      p = word(p, &key, &klen);
      p = word(p, &arg, &alen);
      e = lookup(key, klen, 1);
      e->value = number(arg, alen);
      checksum += 1;
    } else { /* sum */
      long long s = 0;
      for (int i = 0; i < SLOTS; i += 8) s += table[i].value;
      checksum ^= s;
    }
    break;
  case 'g':
    p = word(p, &key, &klen);
    e = lookup(key, klen, 0);
    checksum += e ? e->value : -1;
    break;
  case 'a':
    p = word(p, &key, &klen);
    p = word(p, &arg, &alen);
    e = lookup(key, klen, 1);
    e->value += number(arg, alen);
    checksum += e->value & 0xff;
    break;
  case 'd':
    p = word(p, &key, &klen);
    e = lookup(key, klen, 0);
    if (e) e->value = 0;
    checksum += 3;
    break;
  }
  while (*p && *p != '\n') p++;
  return *p ? p + 1 : p;
}

static long long now_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1000000000LL + t.tv_nsec;
}

int main(int argc, char **argv) {
  int rounds = argc > 1 ? atoi(argv[1]) : 100;
  int requests = argc > 2 ? atoi(argv[2]) : 20000;
  char *buf = malloc((size_t)requests * 40 + 1), *w = buf;
  for (int i = 0; i < requests; i++) {
    unsigned r = next_rand(), k = next_rand() % KEYS;
    switch (r % 10) {
    case 0: case 1: case 2: w += sprintf(w, "set key%u %u\n", k, next_rand() % 100000); break;
    case 3: case 4: case 5: case 6: w += sprintf(w, "get key%u\n", k); break;
    case 7: case 8: w += sprintf(w, "add key%u -%u\n", k, next_rand() % 100); break;
    default: w += (r & 16) ? sprintf(w, "del key%u\n", k) : sprintf(w, "sum\n"); break;
    }
  }
  *w = 0;
  int warm = rounds / 10;
  long long t0 = now_ns();
  for (int r = 0; r < warm + rounds; r++) {
    if (r == warm) t0 = now_ns();
    const char *p = buf;
#ifdef POINT_PER_ROUND
    kitsune_update("loop");
#endif
    while (*p) {
#ifndef POINT_PER_ROUND
      kitsune_update("loop");
#endif
      p = serve(p);
      served++;
    }
  }
  long long t1 = now_ns();
  printf("ns=%lld check=%lld/%lld\n", t1 - t0, checksum, served);
  return 0;
}

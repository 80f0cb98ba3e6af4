/* Compute kernel: integer (LCG, xor-shift) and float arithmetic, no memory
 * traffic. argv: rounds, iterations per round. Prints the time of the timed
 * rounds (after a tenth as many untimed warm-up rounds) in ns.
 * -DOUTLINE keeps the kernel out of main, so it is not on the update path
 * and Asyncify leaves it alone; by default it is inlined into main. */
#include <kitsune.h>
#include <time.h>

#ifdef OUTLINE
#define KERNEL static __attribute__((noinline))
#else
#define KERNEL static inline __attribute__((always_inline))
#endif

unsigned long long hash = 1;
double acc;

KERNEL void kernel(int n) {
  unsigned long long h = hash;
  double a = acc;
  for (int i = 0; i < n; i++) {
    h = h * 6364136223846793005ull + 1442695040888963407ull;
    unsigned v = (unsigned)(h >> 33);
    a = a * 0.999999 + (double)(v % 1000u) * 0.001;
    h ^= v >> 7;
  }
  hash = h;
  acc = a;
}

static long long now_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1000000000LL + t.tv_nsec;
}

int main(int argc, char **argv) {
  int rounds = argc > 1 ? atoi(argv[1]) : 1000;
  int work = argc > 2 ? atoi(argv[2]) : 100000;
  int warm = rounds / 10;
  long long t0 = now_ns();
  for (int r = 0; r < warm + rounds; r++) {
    kitsune_update("loop");
    if (r == warm) t0 = now_ns();
    kernel(work);
  }
  long long t1 = now_ns();
  printf("ns=%lld check=%llu/%.3f\n", t1 - t0, hash, acc);
  return 0;
}

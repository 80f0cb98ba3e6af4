/* Version 2: `sub` gives the distance |a - b|, `mul` is now called
 * `times`, each operation counts its calls, and `gcd` joins the table.
 * The table v1 built is not rebuilt: its entries move to blocks of the new
 * size, and their function pointers now call v2's functions. */
#include <kitsune.h>
#include <poll.h>
#include <unistd.h>

typedef int (*binop)(int, int);

struct op {
  const char *name;
  binop fn;
  int calls;             /* new: calls since this version started */
};

struct table {
  int n;
  struct op *ops E_PTRARRAY(self.n);
};

struct table calc;

int add(int a, int b) { return a + b; }
int sub(int a, int b) { return a > b ? a - b : b - a; }   /* changed */
int times(int a, int b) { return a * b; }                  /* was mul() */
int gcd(int a, int b) {                                    /* new */
  while (b) { int r = a % b; a = b; b = r; }
  return a < 0 ? -a : a;
}

static int read_line(char *buf, int size, int ms) {
  struct pollfd p = { .fd = 0, .events = POLLIN };
  if (poll(&p, 1, ms) <= 0) return 0;
  int n = read(0, buf, size - 1);
  if (n <= 0) return 0;
  buf[n] = 0;
  buf[strcspn(buf, "\r\n")] = 0;
  return 1;
}

static void define(const char *name, binop fn) {
  calc.ops = realloc(calc.ops, (calc.n + 1) * sizeof *calc.ops);
  calc.ops[calc.n].name = name;
  calc.ops[calc.n].fn = fn;
  calc.ops[calc.n].calls = 0;
  calc.n++;
}

int main(void) {
  kitsune_do_automigrate();  /* calc.ops: moved to a larger block, fn remapped by name */
  if (kitsune_is_updating()) {
    define("gcd", gcd);      /* the table v1 built has no gcd */
    printf("v2 took over: %d operations now\n", calc.n);
  } else {
    define("add", add);
    define("sub", sub);
    define("mul", times);
    define("gcd", gcd);
  }
  fflush(stdout);
  char line[32];
  int a, b;
  for (;;) {
    kitsune_update("loop");
    if (!read_line(line, sizeof line, 1000)) continue;
    if (sscanf(line, "%d %d", &a, &b) != 2) { printf("v2: expected two numbers\n"); fflush(stdout); continue; }
    printf("v2:");
    for (int i = 0; i < calc.n; i++) {
      calc.ops[i].calls++;
      printf(" %s(%d,%d)=%d", calc.ops[i].name, a, b, calc.ops[i].fn(a, b));
    }
    printf("  calls:");
    for (int i = 0; i < calc.n; i++) printf(" %d", calc.ops[i].calls);
    printf("\n");
    fflush(stdout);
  }
}

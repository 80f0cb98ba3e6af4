/* fn-table, version 2: `sub` now gives the distance |a - b|, `mul` is called
 * `times` in the source, each operation counts its calls, and a new
 * operation, `gcd`, joins the table. The table v1 built stays: its function
 * pointers are remapped to v2's functions by name (and by v2.xf for mul). */
#include <kitsune.h>
#include <unistd.h>

typedef int (*binop)(int, int);

struct op {
  const char *name;
  binop fn;
  int calls; /* new: calls since this version started */
};

struct table {
  int n;
  struct op *ops E_PTRARRAY(self.n);
};

struct table calc;
int ticks;

int add(int a, int b) { return a + b; }
int sub(int a, int b) { return a > b ? a - b : b - a; } /* changed */
int times(int a, int b) { return a * b; }                /* was mul() */
int gcd(int a, int b) {                                  /* new */
  while (b) { int r = a % b; a = b; b = r; }
  return a;
}

static void define(const char *name, binop fn) {
  calc.ops = realloc(calc.ops, (calc.n + 1) * sizeof *calc.ops);
  calc.ops[calc.n].name = name;
  calc.ops[calc.n].fn = fn;
  calc.ops[calc.n].calls = 0;
  calc.n++;
}

int main(int argc, char **argv) {
  int ms = argc > 1 ? atoi(argv[1]) : 300;
  if (kitsune_is_updating()) {
    kitsune_do_automigrate(); /* calc.ops: moved to a larger block, fn remapped */
    define("gcd", gcd);       /* the table v1 built has no gcd */
    printf("v2 took over at tick %d: %d ops\n", ticks, calc.n);
    fflush(stdout);
  } else {
    define("add", add);
    define("sub", sub);
    define("mul", times);
    define("gcd", gcd);
  }
  for (;;) {
    kitsune_update("loop");
    ticks++;
    printf("v2 tick %d:", ticks);
    for (int i = 0; i < calc.n; i++) {
      calc.ops[i].calls++;
      printf(" %s(3,%d)=%d", calc.ops[i].name, ticks, calc.ops[i].fn(3, ticks));
    }
    printf(" calls:");
    for (int i = 0; i < calc.n; i++) printf(" %d", calc.ops[i].calls);
    printf("\n");
    fflush(stdout);
    usleep(ms * 1000);
  }
}

/* fn-table, version 1: a calculator whose operations live in a table on the
 * heap, each a name and a function pointer. Each tick applies every
 * operation to (3, tick).
 * Usage: v1.wasm [MS_PER_TICK] (default 300). */
#include <kitsune.h>
#include <unistd.h>

typedef int (*binop)(int, int);

struct op {
  const char *name;
  binop fn;
};

struct table {
  int n;
  struct op *ops E_PTRARRAY(self.n); /* ops points to n struct op */
};

struct table calc;
int ticks;

int add(int a, int b) { return a + b; }
int sub(int a, int b) { return a - b; }
int mul(int a, int b) { return a * b; }

static void define(const char *name, binop fn) {
  calc.ops = realloc(calc.ops, (calc.n + 1) * sizeof *calc.ops);
  calc.ops[calc.n].name = name;
  calc.ops[calc.n].fn = fn;
  calc.n++;
}

int main(int argc, char **argv) {
  int ms = argc > 1 ? atoi(argv[1]) : 300;
  if (kitsune_is_updating()) kitsune_do_automigrate();
  else {
    define("add", add);
    define("sub", sub);
    define("mul", mul);
  }
  for (;;) {
    kitsune_update("loop");
    ticks++;
    printf("v1 tick %d:", ticks);
    for (int i = 0; i < calc.n; i++) printf(" %s(3,%d)=%d", calc.ops[i].name, ticks, calc.ops[i].fn(3, ticks));
    printf("\n");
    fflush(stdout);
    usleep(ms * 1000);
  }
}

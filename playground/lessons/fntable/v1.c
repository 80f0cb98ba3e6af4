/* A calculator whose operations live in a table on the heap: each entry a
 * name and a function pointer. Type two numbers (`7 3`) and press Enter:
 * every operation is applied to them. */
#include <kitsune.h>
#include <poll.h>
#include <unistd.h>

typedef int (*binop)(int, int);

struct op {
  const char *name;
  binop fn;
};

struct table {
  int n;
  struct op *ops E_PTRARRAY(self.n);  /* ops points to n entries, not one */
};

struct table calc;

int add(int a, int b) { return a + b; }
int sub(int a, int b) { return a - b; }
int mul(int a, int b) { return a * b; }

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
  calc.n++;
}

int main(void) {
  kitsune_do_automigrate();
  if (!kitsune_is_updating()) {
    define("add", add);
    define("sub", sub);
    define("mul", mul);
    printf("v1: %d operations. Type two numbers, like `7 3`.\n", calc.n);
    fflush(stdout);
  }
  char line[32];
  int a, b;
  for (;;) {
    kitsune_update("loop");
    if (!read_line(line, sizeof line, 1000)) continue;
    if (sscanf(line, "%d %d", &a, &b) != 2) { printf("v1: expected two numbers\n"); fflush(stdout); continue; }
    printf("v1:");
    for (int i = 0; i < calc.n; i++) printf(" %s(%d,%d)=%d", calc.ops[i].name, a, b, calc.ops[i].fn(a, b));
    printf("\n");
    fflush(stdout);
  }
}

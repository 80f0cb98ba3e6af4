#include <kitsune.h>
int main(void) { return undeclared_variable; }

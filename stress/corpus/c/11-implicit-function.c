#include <kitsune.h>
int main(void) { return not_declared_anywhere(3); }

#include <kitsune.h>
#error this version does not build
int main(void) { return 0; }

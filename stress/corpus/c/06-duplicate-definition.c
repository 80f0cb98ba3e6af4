#include <kitsune.h>
int g;
float g;
int main(void) { return 0; }

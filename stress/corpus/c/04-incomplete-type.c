#include <kitsune.h>
struct nope;
struct nope g;
int main(void) { return 0; }

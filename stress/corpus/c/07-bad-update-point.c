#include <kitsune.h>
int main(void) { for (;;) kitsune_update(42, 43); }

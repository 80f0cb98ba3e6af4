// A struct ending in a flexible array member (E_ARRAY(self.len)) whose header
// changes: each object moves to a block of its new size, elements included.
#include <kitsune.h>
#include <unistd.h>

#if VERSION == 1
struct msg { int len; short kind; char text[] E_ARRAY(self.len); };
#else
struct msg { long long len; int kind; int prio; char text[] E_ARRAY(self.len); };
#endif
struct msg *msgs[3];

int main(void) {
  if (kitsune_is_updating()) kitsune_do_automigrate();
  else {
    const char *words[] = {"alpha", "a much longer message", "z"};
    for (int i = 0; i < 3; i++) {
      int len = (int)strlen(words[i]) + 1;
      struct msg *m = malloc(sizeof *m + len);
      m->len = len;
      m->kind = (short)(i + 1);
      memcpy(m->text, words[i], len);
      msgs[i] = m;
    }
  }
  for (;;) {
    kitsune_update("loop");
    printf("v%d", VERSION);
    for (int i = 0; i < 3; i++) printf(" [%d %d %s]", (int)msgs[i]->len, (int)msgs[i]->kind, msgs[i]->text);
    printf("\n");
    fflush(stdout);
    usleep(2000);
  }
}

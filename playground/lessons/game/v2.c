/* 2048, version 2: coloured tiles, and the best tile so far. The board, the
 * score, the moves and the random generator's state come from version 1;
 * `best` is new, worked out from the board it inherits. */
#include <kitsune.h>
#include <poll.h>
#include <termios.h>
#include <unistd.h>

int board[4][4];
int score;
int moves;
int best;                      /* new in v2: the highest tile so far */
unsigned seed = 2048;          /* the random generator's state: carried over too */
static struct termios cooked;  /* the terminal as it was, put back on quit */

static unsigned rnd(void) { seed = seed * 1103515245u + 12345u; return (seed >> 16) & 0x7fff; }

static void spawn(void) {
  int empty[16], n = 0;
  for (int i = 0; i < 16; i++) if (!board[i / 4][i % 4]) empty[n++] = i;
  if (!n) return;
  int i = empty[rnd() % n];
  board[i / 4][i % 4] = rnd() % 10 ? 2 : 4;
}

/* The k-th cell of a row or column, counted from the edge the tiles slide to. */
static int *cell(int dir, int line, int k) {
  switch (dir) {
    case 0: return &board[line][k];       /* left */
    case 1: return &board[line][3 - k];   /* right */
    case 2: return &board[k][line];       /* up */
    default: return &board[3 - k][line];  /* down */
  }
}

static int slide(int dir) {
  int moved = 0;
  for (int line = 0; line < 4; line++) {
    int vals[4], n = 0, out[4] = { 0 }, m = 0;
    for (int k = 0; k < 4; k++) if (*cell(dir, line, k)) vals[n++] = *cell(dir, line, k);
    for (int k = 0; k < n; k++) {
      if (k + 1 < n && vals[k] == vals[k + 1]) { out[m++] = 2 * vals[k]; score += 2 * vals[k]; k++; }
      else out[m++] = vals[k];
    }
    for (int k = 0; k < 4; k++) {
      if (*cell(dir, line, k) != out[k]) moved = 1;
      *cell(dir, line, k) = out[k];
    }
  }
  return moved;
}

/* An xterm-256 background for each tile value. */
static int colour(int v) {
  static const int shades[] = { 230, 229, 222, 215, 209, 203, 197, 220, 214, 208, 202, 196 };
  int i = 0;
  while (v > 2 && i < 11) { v >>= 1; i++; }
  return shades[i];
}

static void find_best(void) {
  for (int i = 0; i < 16; i++) if (board[i / 4][i % 4] > best) best = board[i / 4][i % 4];
}

static void draw(void) {
  find_best();
  printf("\x1b[H\x1b[2J\x1b[1m2048 (v2)\x1b[0m   score %d   moves %d   best tile %d\r\n\r\n", score, moves, best);
  for (int r = 0; r < 4; r++) {
    printf("  ");
    for (int c = 0; c < 4; c++) {
      int v = board[r][c];
      if (v) printf("\x1b[48;5;%dm\x1b[38;5;16m\x1b[1m%5d  \x1b[0m ", colour(v), v);
      else printf("\x1b[48;5;237m       \x1b[0m ");
    }
    printf("\r\n\r\n");
  }
  printf("  arrows or w a s d to slide, q to quit\r\n");
  fflush(stdout);
}

static int key_direction(const char *k, int n) {
  if (n >= 3 && k[0] == 27 && k[1] == '[') return k[2] == 'D' ? 0 : k[2] == 'C' ? 1 : k[2] == 'A' ? 2 : k[2] == 'B' ? 3 : -1;
  return k[0] == 'a' ? 0 : k[0] == 'd' ? 1 : k[0] == 'w' ? 2 : k[0] == 's' ? 3 : -1;
}

int main(void) {
  kitsune_do_automigrate();
  if (!kitsune_is_updating()) {
    struct termios raw;
    tcgetattr(0, &cooked);
    raw = cooked;
    cfmakeraw(&raw);
    tcsetattr(0, TCSANOW, &raw);
    spawn();
    spawn();
  }
  draw();
  for (;;) {
    kitsune_update("keys");
    struct pollfd p = { .fd = 0, .events = POLLIN };
    if (poll(&p, 1, 1000) <= 0) continue;
    char k[8];
    int n = read(0, k, sizeof k);
    if (n <= 0 || k[0] == 'q') break;
    int dir = key_direction(k, n);
    if (dir >= 0 && slide(dir)) { moves++; spawn(); }
    draw();
  }
  tcsetattr(0, TCSANOW, &cooked);
  printf("\r\nbye: score %d after %d moves\r\n", score, moves);
  return 0;
}

/* edit, version 3: Ctrl-U turns the cursor's line to upper case, the status
 * bar turns blue and counts the edits made since this version took over (a
 * new global, `edits`). Version 2 added the gutter and the word count;
 * version 1's header follows.
 *
 * edit: a full-screen text editor for the terminal, in raw mode.
 *
 *   type to insert   arrows move   Enter splits a line   Backspace joins
 *   Ctrl-S shows the text's size   Ctrl-Q quits
 *
 * Plain POSIX C: termios raw mode, ioctl(TIOCGWINSZ), SIGWINCH, poll() on
 * stdin and ANSI escapes. The text (a malloc'd array of malloc'd lines), the
 * cursor and the terminal's mode belong to the running process: update it to
 * v2 while you type and the session on screen carries on, redrawn by the new
 * version, with nothing lost.
 *
 *   kitsune build demos/term/v1.c -o edit1.wasm
 *   kitsune build demos/term/v2.c -o edit2.wasm --from edit1.wasm
 *   kitsune run --control /tmp/edit edit1.wasm      (and, from another terminal)
 *   kitsune update /tmp/edit edit2.wasm
 */
#include <kitsune.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#define CTRL(k) ((k) & 0x1f)
enum { KEY_UP = 1000, KEY_DOWN, KEY_RIGHT, KEY_LEFT };

struct line { char *text; int len; };

struct line *lines;     /* the text */
int nlines, cap;
int cx, cy;             /* cursor: column and line in the text */
int top;                /* first line on screen */
int rows = 24, cols = 80;
struct termios original; /* the terminal's mode before raw mode, restored on exit */
int raw_on;
volatile sig_atomic_t resized;
char message[128];
int edits;

static void restore_terminal(void) {
  if (!raw_on) return;
  write(1, "\x1b[2J\x1b[H\x1b[?25h", 13);
  tcsetattr(0, TCSAFLUSH, &original);
  raw_on = 0;
}

static void raw_mode(void) {
  tcgetattr(0, &original);
  atexit(restore_terminal);
  struct termios t = original;
  t.c_iflag &= ~(tcflag_t)(BRKINT | ICRNL | INPCK | ISTRIP | IXON);
  t.c_oflag &= ~(tcflag_t)OPOST;
  t.c_cflag |= CS8;
  t.c_lflag &= ~(tcflag_t)(ECHO | ICANON | IEXTEN | ISIG);
  t.c_cc[VMIN] = 1;
  t.c_cc[VTIME] = 0;
  tcsetattr(0, TCSAFLUSH, &t);
  raw_on = 1;
}

static void on_winch(int sig) { (void)sig; resized = 1; }

static void window_size(void) {
  struct winsize ws;
  if (ioctl(1, TIOCGWINSZ, &ws) == 0 && ws.ws_col) { rows = ws.ws_row; cols = ws.ws_col; }
}

static void insert_line(int at, const char *text, int len) {
  if (nlines == cap) { cap = cap ? cap * 2 : 16; lines = realloc(lines, (size_t)cap * sizeof *lines); }
  memmove(lines + at + 1, lines + at, (size_t)(nlines - at) * sizeof *lines);
  lines[at].text = malloc((size_t)len + 1);
  memcpy(lines[at].text, text, (size_t)len);
  lines[at].text[len] = 0;
  lines[at].len = len;
  nlines++;
}

static void insert_char(int c) {
  struct line *l = &lines[cy];
  l->text = realloc(l->text, (size_t)l->len + 2);
  memmove(l->text + cx + 1, l->text + cx, (size_t)(l->len - cx) + 1);
  l->text[cx++] = (char)c;
  l->len++;
}

static void newline(void) {
  struct line *l = &lines[cy];
  insert_line(cy + 1, l->text + cx, l->len - cx);
  l = &lines[cy];
  l->len = cx;
  l->text[cx] = 0;
  cy++;
  cx = 0;
}

static void backspace(void) {
  if (cx > 0) {
    struct line *l = &lines[cy];
    memmove(l->text + cx - 1, l->text + cx, (size_t)(l->len - cx) + 1);
    l->len--;
    cx--;
  } else if (cy > 0) {
    struct line *prev = &lines[cy - 1], *l = &lines[cy];
    cx = prev->len;
    prev->text = realloc(prev->text, (size_t)(prev->len + l->len) + 1);
    memcpy(prev->text + prev->len, l->text, (size_t)l->len + 1);
    prev->len += l->len;
    free(l->text);
    memmove(lines + cy, lines + cy + 1, (size_t)(nlines - cy - 1) * sizeof *lines);
    nlines--;
    cy--;
  }
}

#define GUTTER 5

static int words(void) {
  int n = 0;
  for (int i = 0; i < nlines; i++)
    for (int j = 0; j < lines[i].len; j++)
      if (lines[i].text[j] != ' ' && (j == 0 || lines[i].text[j - 1] == ' ')) n++;
  return n;
}

/* The whole screen, drawn into one buffer and written at once. */
static char screen[65536];
static int slen;
static void put(const char *s, int n) { if (slen + n < (int)sizeof screen) { memcpy(screen + slen, s, (size_t)n); slen += n; } }
static void puts_(const char *s) { put(s, (int)strlen(s)); }

static void draw(void) {
  if (cy < top) top = cy;
  if (cy >= top + rows - 1) top = cy - rows + 2;
  slen = 0;
  puts_("\x1b[?25l\x1b[H");
  int width = cols - GUTTER;
  for (int y = 0; y < rows - 1; y++) {
    int i = top + y;
    char num[16];
    if (i < nlines) {
      snprintf(num, sizeof num, "%4d ", i + 1);
      puts_("\x1b[2m"); puts_(num); puts_("\x1b[m");
      put(lines[i].text, lines[i].len < width ? lines[i].len : width);
    }
    else puts_("   ~");
    puts_("\x1b[K\r\n");
  }
  char status[256];
  int n = snprintf(status, sizeof status, " edit v3 | %d line%s, %d word%s | %d edit%s | %d:%d | %s", nlines, nlines == 1 ? "" : "s", words(), words() == 1 ? "" : "s", edits, edits == 1 ? "" : "s", cy + 1, cx + 1, message[0] ? message : "Ctrl-U upper-cases, Ctrl-Q quits");
  puts_("\x1b[44;97m");
  put(status, n < cols ? n : cols);
  for (int i = n; i < cols; i++) put(" ", 1);
  puts_("\x1b[m");
  char pos[32];
  snprintf(pos, sizeof pos, "\x1b[%d;%dH\x1b[?25h", cy - top + 1, cx + 1 + GUTTER);
  puts_(pos);
  write(1, screen, (size_t)slen);
}

static int read_key(void) {
  char c;
  if (read(0, &c, 1) != 1) return -1;
  if (c != 0x1b) return (unsigned char)c;
  char seq[2];
  struct pollfd p = {0, POLLIN, 0};
  if (poll(&p, 1, 50) <= 0 || read(0, &seq[0], 1) != 1) return 0x1b;
  if (poll(&p, 1, 50) <= 0 || read(0, &seq[1], 1) != 1) return 0x1b;
  if (seq[0] == '[') switch (seq[1]) {
    case 'A': return KEY_UP;
    case 'B': return KEY_DOWN;
    case 'C': return KEY_RIGHT;
    case 'D': return KEY_LEFT;
  }
  return 0x1b;
}

static int key(int k) {
  message[0] = 0;
  switch (k) {
    case CTRL('q'): return 0;
    case CTRL('u'):
      for (int j = 0; j < lines[cy].len; j++) if (lines[cy].text[j] >= 'a' && lines[cy].text[j] <= 'z') lines[cy].text[j] -= 32;
      edits++;
      break;
    case CTRL('s'): {
      size_t bytes = 0;
      for (int i = 0; i < nlines; i++) bytes += (size_t)lines[i].len + 1;
      snprintf(message, sizeof message, "%zu bytes", bytes);
      break;
    }
    case '\r': newline(); edits++; break;
    case 127: case CTRL('h'): backspace(); edits++; break;
    case KEY_UP: if (cy > 0) cy--; break;
    case KEY_DOWN: if (cy < nlines - 1) cy++; break;
    case KEY_LEFT: if (cx > 0) cx--; else if (cy > 0) { cy--; cx = lines[cy].len; } break;
    case KEY_RIGHT: if (cx < lines[cy].len) cx++; else if (cy < nlines - 1) { cy++; cx = 0; } break;
    default: if (k >= 32 && k < 127) { insert_char(k); edits++; } break;
  }
  if (cx > lines[cy].len) cx = lines[cy].len;
  return 1;
}

int main(void) {
  kitsune_do_automigrate();
  if (!kitsune_is_updating()) {
    if (!isatty(0) || !isatty(1)) { fprintf(stderr, "edit: needs a terminal\n"); return 1; }
    raw_mode();
    signal(SIGWINCH, on_winch);
    insert_line(0, "", 0);
  }
  window_size();
  draw();
  for (;;) {
    kitsune_update("input");
    if (resized) { resized = 0; window_size(); draw(); }
    struct pollfd p = {0, POLLIN, 0};
    if (poll(&p, 1, 1000) <= 0) continue;   /* timeout, signal or update request */
    int k = read_key();
    if (k < 0 || !key(k)) break;
    draw();
  }
  restore_terminal();
  return 0;
}

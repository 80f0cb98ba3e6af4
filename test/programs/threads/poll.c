/* poll() in a threaded program lets the other threads run while it waits:
 * the poller's first poll times out while the ticker ticks, its second waits
 * without a timeout for the byte main writes into the pipe later (with the
 * whole process blocked in poll, main could never write it). */
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <unistd.h>

static int p[2];
static int ticks;

static void *poller(void *arg) {
  struct pollfd f = { .fd = p[0], .events = POLLIN };
  int r = poll(&f, 1, 30);
  printf("timed out: %d, the ticker ran meanwhile: %d\n", r, ticks > 0);
  r = poll(&f, 1, -1);
  char c = 0;
  if (r == 1 && (f.revents & POLLIN)) read(p[0], &c, 1);
  printf("ready: %d, byte %c, the ticker done: %d\n", r, c, ticks == 20);
  return arg;
}

static void *ticker(void *arg) {
  for (int i = 0; i < 20; i++) { ticks++; usleep(3000); }
  return arg;
}

int main(void) {
  setvbuf(stdout, 0, _IOLBF, 0);
  if (pipe(p)) return 1;
  pthread_t a, b;
  pthread_create(&a, 0, poller, 0);
  pthread_create(&b, 0, ticker, 0);
  usleep(150000);
  write(p[1], "x", 1);
  pthread_join(a, 0);
  pthread_join(b, 0);
  printf("done\n");
  return 0;
}

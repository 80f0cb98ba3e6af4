// An update request that a program never notices: it may only make a call
// return what the call returns in normal operation. A select() server that
// treats any error from select as fatal and a poll() server, both waiting
// with a 60 s timeout, are updated three times with clients connected: each
// request ends exactly one wait, as a timeout (0 ready), the clients stay
// connected and the totals they built up are intact. Without a timeout the
// request is EINTR (as a signal's would be); a nanosleep ends early with the
// time left.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import net from 'node:net';
import { buildC, start, type Running } from './helpers.js';
import { freePort } from '../bench/kv-client.js';

// WAIT_SELECT picks select() over poll(); TIMEOUT_MS < 0 waits with no timeout.
const SERVER = `
#include <kitsune.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAXC 8
int lfd = -1;
int clients[MAXC];
int nclients;
char pending[MAXC][128];
int pending_len[MAXC];
long total;        /* the sum of every number any client sent */
int timeouts;      /* waits that ended with nothing ready */
int interrupted;   /* waits without a timeout that ended with EINTR */

static void drop(int i) {
  close(clients[i]);
  nclients--;
  clients[i] = clients[nclients];
  pending_len[i] = pending_len[nclients];
  memcpy(pending[i], pending[nclients], sizeof pending[i]);
}

static void serve(int i) {
  char *b = pending[i];
  ssize_t n = read(clients[i], b + pending_len[i], sizeof pending[i] - 1 - pending_len[i]);
  if (n <= 0) { drop(i); return; }
  pending_len[i] += (int)n;
  char *nl;
  while ((nl = memchr(b, '\\n', pending_len[i]))) {
    *nl = 0;
    total += atol(b);
    char out[128];
    int k = snprintf(out, sizeof out, "v%d total %ld timeouts %d eintr %d\\n", VERSION, total, timeouts, interrupted);
    write(clients[i], out, k);
    int used = (int)(nl + 1 - b);
    memmove(b, nl + 1, pending_len[i] - used);
    pending_len[i] -= used;
  }
}

/* Fills ready[] (ready[MAXC] is the listener); the count, 0 on a timeout.
 * Any error from select or poll is fatal, as in many real servers; only a
 * wait without a timeout takes EINTR, which is all it can end with early. */
static int wait_for_input(char ready[MAXC + 1]) {
  int n;
#ifdef WAIT_SELECT
  fd_set r;
  FD_ZERO(&r);
  FD_SET(lfd, &r);
  int max = lfd;
  for (int i = 0; i < nclients; i++) { FD_SET(clients[i], &r); if (clients[i] > max) max = clients[i]; }
  struct timeval tv = { TIMEOUT_MS / 1000, (TIMEOUT_MS % 1000) * 1000 };
  n = select(max + 1, &r, 0, 0, TIMEOUT_MS < 0 ? 0 : &tv);
  const char *call = "select";
#else
  struct pollfd p[MAXC + 1];
  for (int i = 0; i < nclients; i++) { p[i].fd = clients[i]; p[i].events = POLLIN; p[i].revents = 0; }
  p[nclients].fd = lfd; p[nclients].events = POLLIN; p[nclients].revents = 0;
  n = poll(p, (nfds_t)nclients + 1, TIMEOUT_MS);
  const char *call = "poll";
#endif
  if (n < 0) {
    if (TIMEOUT_MS < 0 && errno == EINTR) { interrupted++; return 0; }
    printf("v%d: %s failed: %s\\n", VERSION, call, strerror(errno));
    exit(1);
  }
  for (int i = 0; i < nclients; i++) {
#ifdef WAIT_SELECT
    ready[i] = FD_ISSET(clients[i], &r) != 0;
#else
    ready[i] = p[i].revents != 0;
#endif
  }
#ifdef WAIT_SELECT
  ready[MAXC] = FD_ISSET(lfd, &r) != 0;
#else
  ready[MAXC] = p[nclients].revents != 0;
#endif
  return n;
}

int main(int argc, char **argv) {
  setvbuf(stdout, 0, _IONBF, 0);
  kitsune_do_automigrate();
  if (!kitsune_is_updating()) {
    lfd = socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in sin = {0};
    sin.sin_family = AF_INET;
    sin.sin_port = htons((unsigned short)atoi(argv[1]));
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(lfd, (struct sockaddr *)&sin, sizeof sin) < 0 || listen(lfd, 8) < 0) { printf("listen: %s\\n", strerror(errno)); return 3; }
    printf("v%d listening\\n", VERSION);
  } else {
    printf("v%d took over: %d clients, total %ld, timeouts %d, eintr %d\\n", VERSION, nclients, total, timeouts, interrupted);
  }
  for (;;) {
    kitsune_update("loop");
    char ready[MAXC + 1];
    if (wait_for_input(ready) == 0) { timeouts++; continue; }
    for (int i = nclients - 1; i >= 0; i--) if (ready[i]) serve(i);
    if (ready[MAXC]) {
      int c = accept(lfd, 0, 0);
      if (c >= 0 && nclients < MAXC) { pending_len[nclients] = 0; clients[nclients++] = c; printf("v%d: client %d connected\\n", VERSION, nclients); }
      else if (c >= 0) close(c);
    }
  }
}
`;

class Client {
  text = '';
  closed = false;
  private constructor(readonly sock: net.Socket) {
    sock.setEncoding('utf8');
    sock.on('data', (d: string) => { this.text += d; });
    sock.on('close', () => { this.closed = true; });
  }
  static connect(port: number): Promise<Client> {
    return new Promise((resolve, reject) => {
      const s = net.connect({ port, host: '127.0.0.1' }, () => resolve(new Client(s)));
      s.on('error', reject);
    });
  }
  /** Sends a number and waits for the answer line. */
  async add(n: number): Promise<string> {
    const before = this.text.length;
    this.sock.write(`${n}\n`);
    const end = Date.now() + 10000;
    for (;;) {
      const line = this.text.slice(before).match(/^(.*)\n/);
      if (line) return line[1];
      if (this.closed || Date.now() > end) throw new Error(`no answer to ${n} (closed: ${this.closed}); got:\n${this.text}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }
}

async function versions(defines: string[], count: number): Promise<Uint8Array[]> {
  const out: Uint8Array[] = [];
  for (let v = 1; v <= count; v++) out.push(await buildC(SERVER, { file: 'server.c', name: 'server', defines: [...defines, `VERSION=${v}`], from: out[v - 2] }));
  return out;
}

async function serve(v1: Uint8Array): Promise<{ run: Running; port: number; clients: Client[] }> {
  const port = await freePort();
  const run = await start(v1, [String(port)], { grants: { net: [`127.0.0.1:${port}`] } });
  await run.waitFor(/v1 listening\n/);
  const clients: Client[] = [];
  for (let i = 0; i < 3; i++) {
    clients.push(await Client.connect(port));
    await run.waitFor(new RegExp(`v1: client ${i + 1} connected\\n`));
  }
  return { run, port, clients };
}

for (const wait of ['select', 'poll'] as const) {
  test(`${wait}() with a 60 s timeout that fails the server on any error: three updates, each ends one wait as a timeout, clients and totals kept`, async () => {
    const vs = await versions([...(wait === 'select' ? ['WAIT_SELECT'] : []), 'TIMEOUT_MS=60000'], 4);
    const { run, port, clients } = await serve(vs[0]);
    assert.is(await clients[0].add(1), 'v1 total 1 timeouts 0 eintr 0');
    assert.is(await clients[1].add(2), 'v1 total 3 timeouts 0 eintr 0');
    assert.is(await clients[2].add(3), 'v1 total 6 timeouts 0 eintr 0');
    let total = 6;
    for (let v = 2; v <= 4; v++) {
      await new Promise((r) => setTimeout(r, 200)); // idle in the 60 s wait
      const t0 = Date.now();
      const r = await run.proc.update(vs[v - 1], { timeoutMs: 10000 });
      assert.is(r.outcome, 'committed', JSON.stringify(r));
      assert.is(r.point, 'loop');
      // Long before the 60 s timeout: the request ended the wait.
      assert.ok(Date.now() - t0 < 5000 && r.timings.wait! < 3000, `the update took ${Date.now() - t0} ms (waited ${r.timings.wait} ms for the point)`);
      await run.waitFor(new RegExp(`v${v} took over: 3 clients, total ${total}, timeouts ${v - 1}, eintr 0\\n`));
      // Every client is still connected to the same server, which kept the total.
      for (const [i, c] of clients.entries()) {
        total += 10 * v + i;
        assert.is(await c.add(10 * v + i), `v${v} total ${total} timeouts ${v - 1} eintr 0`);
      }
    }
    // A newcomer after the updates is served by v4 with everything kept.
    const late = await Client.connect(port);
    assert.is(await late.add(100), `v4 total ${total + 100} timeouts 3 eintr 0`);
    assert.not.match(run.out(), /failed/);
    assert.ok(clients.every((c) => !c.closed));
    for (const c of [...clients, late]) c.sock.destroy();
    await run.proc.kill();
  });
}

test('poll() and select() without a timeout: the request is EINTR, the only early return such a wait has', async () => {
  for (const wait of ['select', 'poll']) {
    const vs = await versions([...(wait === 'select' ? ['WAIT_SELECT'] : []), 'TIMEOUT_MS=-1'], 2);
    const { run, clients } = await serve(vs[0]);
    assert.is(await clients[0].add(5), 'v1 total 5 timeouts 0 eintr 0');
    const r = await run.proc.update(vs[1], { timeoutMs: 10000 });
    assert.is(r.outcome, 'committed', `${wait}: ${JSON.stringify(r)}`);
    await run.waitFor(/v2 took over: 3 clients, total 5, timeouts 1, eintr 1\n/);
    // v2's wait is not cut short by the request v1 answered.
    await new Promise((res) => setTimeout(res, 300));
    assert.is(await clients[1].add(1), 'v2 total 6 timeouts 1 eintr 1', wait);
    for (const c of clients) c.sock.destroy();
    await run.proc.kill();
  }
});

const SLEEPER = `
#include <kitsune.h>
#include <errno.h>
#include <time.h>
int naps;
int main(void) {
  setvbuf(stdout, 0, _IONBF, 0);
  kitsune_do_automigrate();
  if (kitsune_is_updating()) printf("v%d took over after %d naps\\n", VERSION, naps);
  for (;;) {
    kitsune_update("loop");
    if (VERSION == 2) return 0;
    struct timespec req = { 30, 0 }, rem = { -1, -1 };
    printf("v%d nap %d\\n", VERSION, ++naps);
    int r = nanosleep(&req, &rem);
    printf("nanosleep: %d %s, %ld s %ld ns left\\n", r, r < 0 && errno == EINTR ? "EINTR" : "-", (long)rem.tv_sec, rem.tv_nsec);
  }
}
`;

test('nanosleep(30 s): the request ends it early with EINTR and the time left, as a signal would', async () => {
  const s1 = await buildC(SLEEPER, { file: 'sleeper.c', name: 'sleeper', defines: ['VERSION=1'] });
  const s2 = await buildC(SLEEPER, { file: 'sleeper.c', name: 'sleeper', defines: ['VERSION=2'], from: s1 });
  const run = await start(s1);
  await run.waitFor(/v1 nap 1\n/);
  await new Promise((r) => setTimeout(r, 300));
  const r = await run.proc.update(s2, { timeoutMs: 10000 });
  assert.is(r.outcome, 'committed', JSON.stringify(r));
  const m = await run.waitFor(/nanosleep: -1 EINTR, (\d+) s (\d+) ns left\n/);
  const left = Number(m[1]) + Number(m[2]) / 1e9;
  assert.ok(left > 20 && left < 30, `${left} s left`);
  await run.waitFor(/v2 took over after 1 naps\n/);
  assert.is(await run.proc.exited, 0);
});

test.run();

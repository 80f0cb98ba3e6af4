// Sockets and the sandbox: a C client and server over TCP (IPv4 and IPv6),
// getaddrinfo, inet_pton/ntop, select, fcntl O_NONBLOCK, socket options, an
// update of a server blocked in accept (it waits for the next connection:
// accept never fails because of it); and the --net grant: refused
// calls fail with EACCES, never reach the network, and say which grant is missing.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import net from 'node:net';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { buildC, start } from './helpers.js';
import { freePort } from '../bench/kv-client.js';

const CLIENT = `
#include <kitsune.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <unistd.h>
static int dial(const char *host, const char *port) {
  struct addrinfo hints = {0}, *res;
  hints.ai_socktype = SOCK_STREAM;
  int rc = getaddrinfo(host, port, &hints, &res);
  if (rc) { printf("getaddrinfo %s: %s\\n", host, gai_strerror(rc)); return -1; }
  int fd = socket(res->ai_family, res->ai_socktype, res->ai_protocol);
  int r = connect(fd, res->ai_addr, res->ai_addrlen);
  if (r < 0) { printf("connect %s: %s\\n", host, strerror(errno)); close(fd); fd = -1; }
  freeaddrinfo(res);
  return fd;
}
int main(int argc, char **argv) {
  setvbuf(stdout, 0, _IONBF, 0);
  const char *port = argv[1];
  unsigned char a6[16];
  char text[64];
  printf("pton: %d %d\\n", inet_pton(AF_INET6, "::1", a6), a6[15]);
  struct in_addr a4;
  inet_pton(AF_INET, "10.1.2.3", &a4);
  printf("ntop: %s\\n", inet_ntop(AF_INET, &a4, text, sizeof text));
  for (int i = 0; i < 2; i++) {
    const char *host = i ? "::1" : "127.0.0.1";
    int fd = dial(host, port);
    if (fd < 0) continue;
    int one = 1, v = 0;
    socklen_t len = sizeof v;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof one);
    getsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &v, &len);
    struct sockaddr_storage peer;
    socklen_t plen = sizeof peer;
    getpeername(fd, (struct sockaddr *)&peer, &plen);
    const void *addr = peer.ss_family == AF_INET6 ? (void *)&((struct sockaddr_in6 *)&peer)->sin6_addr : (void *)&((struct sockaddr_in *)&peer)->sin_addr;
    inet_ntop(peer.ss_family, addr, text, sizeof text);
    printf("%s: connected to %s port %d (nodelay %d)\\n", host, text, ntohs(((struct sockaddr_in *)&peer)->sin_port), v);
    send(fd, "hello\\n", 6, 0);
    shutdown(fd, SHUT_WR);
    char buf[64];
    ssize_t n, total = 0;
    while ((n = recv(fd, buf + total, sizeof buf - 1 - total, 0)) > 0) total += n;
    buf[total] = 0;
    printf("%s: got back %s", host, buf);
    close(fd);
  }
  /* A server: non-blocking accept says EAGAIN, select waits for a client. */
  int s = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in sin = {0};
  sin.sin_family = AF_INET;
  sin.sin_port = htons((unsigned short)atoi(argv[2]));
  sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  int one = 1;
  setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (bind(s, (struct sockaddr *)&sin, sizeof sin) || listen(s, 8)) { printf("server: %s\\n", strerror(errno)); return 1; }
  fcntl(s, F_SETFL, fcntl(s, F_GETFL) | O_NONBLOCK);
  printf("server: accept %d %s, O_NONBLOCK %d\\n", accept(s, 0, 0), errno == EAGAIN ? "EAGAIN" : "?", (fcntl(s, F_GETFL) & O_NONBLOCK) != 0);
  fd_set rd;
  FD_ZERO(&rd);
  FD_SET(s, &rd);
  struct timeval tv = {10, 0};
  printf("server: select %d\\n", select(s + 1, &rd, 0, 0, &tv));
  int c = accept(s, 0, 0);
  char buf[32];
  ssize_t n = read(c, buf, sizeof buf);
  write(c, buf, (size_t)n);
  close(c);
  printf("server: echoed %zd bytes\\n", n);
  return 0;
}
`;

test('TCP client and server in C: IPv4, IPv6, getaddrinfo, select, O_NONBLOCK, options', async () => {
  const wasm = await buildC(CLIENT, { file: 'client.c', name: 'client' });
  const port = await freePort(), serverPort = await freePort();
  // An echo server on both families, in Node.
  const echo = net.createServer((c) => c.pipe(c));
  await new Promise<void>((r) => echo.listen({ port, host: '::', ipv6Only: false }, () => r()));
  const run = await start(wasm, [String(port), String(serverPort)], { grants: { net: [`localhost:${port}`, `127.0.0.1:${serverPort}`] } });
  await run.waitFor(/pton: 1 1\n/);
  await run.waitFor(/ntop: 10\.1\.2\.3\n/);
  await run.waitFor(new RegExp(`127\\.0\\.0\\.1: connected to 127\\.0\\.0\\.1 port ${port} \\(nodelay 1\\)\\n127\\.0\\.0\\.1: got back hello\\n`));
  await run.waitFor(new RegExp(`::1: connected to ::1 port ${port} \\(nodelay 1\\)\\n::1: got back hello\\n`));
  await run.waitFor(/server: accept -1 EAGAIN, O_NONBLOCK 1\n/);
  const c = net.connect({ port: serverPort, host: '127.0.0.1' });
  await run.waitFor(/server: select 1\n/);
  c.write('ping');
  const back = await new Promise<string>((r) => { let s = ''; c.on('data', (d) => (s += d)); c.on('end', () => r(s)); });
  assert.is(back, 'ping');
  await run.waitFor(/server: echoed 4 bytes\n/);
  assert.is(await run.proc.exited, 0);
  echo.close();
});

const SERVER = `
#include <kitsune.h>
#include <errno.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>
int lfd = -1;
int main(int argc, char **argv) {
  setvbuf(stdout, 0, _IONBF, 0);
  kitsune_do_automigrate();
  if (!kitsune_is_updating()) {
    lfd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sin = {0};
    sin.sin_family = AF_INET;
    sin.sin_port = htons((unsigned short)atoi(argv[1]));
    if (bind(lfd, (struct sockaddr *)&sin, sizeof sin) < 0) { printf("bind: %s\\n", strerror(errno)); return 3; }
    listen(lfd, 8);
  }
  printf("v%d accepting on fd %d\\n", VERSION, lfd);
  for (;;) {
    kitsune_update("accept");
    int c = accept(lfd, 0, 0);
    if (c < 0) { printf("v%d accept: %s\\n", VERSION, errno == EINTR ? "EINTR" : strerror(errno)); continue; }
    write(c, VERSION == 1 ? "one\\n" : "two\\n", 4);
    close(c);
  }
}
`;

test('a server blocked in accept() updates at its next connection; accept never fails with EINTR for it', async () => {
  const v1 = await buildC(SERVER, { file: 's.c', name: 's', defines: ['VERSION=1'] });
  const v2 = await buildC(SERVER, { file: 's.c', name: 's', defines: ['VERSION=2'], from: v1 });
  const port = await freePort();
  const run = await start(v1, [String(port)], { grants: { net: [`0.0.0.0:${port}`] } });
  const fd = (await run.waitFor(/v1 accepting on fd (\d+)\n/))[1];
  const fetch = () => new Promise<string>((r) => { let s = ''; const c = net.connect({ port, host: '127.0.0.1' }); c.on('data', (d) => (s += d)); c.on('end', () => r(s)); });
  assert.is(await fetch(), 'one\n');
  let settled = false;
  const pending = run.proc.update(v2, { timeoutMs: 10000 }).then((r) => { settled = true; return r; });
  await new Promise((r) => setTimeout(r, 700));
  // accept() restarts after the request (SA_RESTART, as with Kitsune's SIGUSR2): v1 still waits in it.
  assert.not.ok(settled, 'the update committed with no connection: accept() was interrupted');
  // The connection that ends the wait is v1's to answer; then v1 reaches its update point.
  assert.is(await fetch(), 'one\n');
  const r = await pending;
  assert.is(r.outcome, 'committed', JSON.stringify(r));
  assert.ok(r.timings.wait! >= 600, `waited ${r.timings.wait} ms`);
  await run.waitFor(new RegExp(`v2 accepting on fd ${fd}\\n`));
  assert.is(await fetch(), 'two\n');
  assert.not.match(run.out(), /accept: /);
  await run.proc.kill();
});

test('sandbox: no --net grant, no network; EACCES in C and a message naming the grant', async () => {
  const wasm = await buildC(SERVER, { file: 's.c', name: 's', defines: ['VERSION=1'] });
  const port = await freePort();
  const run = await start(wasm, [String(port)]);
  await run.waitFor(/bind: Permission denied\n/);
  assert.is(await run.proc.exited, 3);
  const refused = run.events.find((e) => e.type === 'refused');
  assert.ok(refused && refused.type === 'refused' && refused.grant === '--net', JSON.stringify(run.events));
  assert.match((refused as { message: string }).message, new RegExp(`listen on 0\\.0\\.0\\.0:${port} refused \\(EACCES\\): no network was granted; run with --net=0\\.0\\.0\\.0:${port}`));
  // Nothing listens there: the call never reached the host's network.
  const reached = await new Promise<boolean>((r) => { const c = net.connect({ port, host: '127.0.0.1' }, () => { c.destroy(); r(true); }); c.on('error', () => r(false)); });
  assert.is(reached, false);
  // An allow-list for another port refuses this one too.
  const other = await start(wasm, [String(port)], { grants: { net: ['127.0.0.1:1'] } });
  await other.waitFor(/bind: Permission denied\n/);
  assert.match(JSON.stringify(other.events), /granted: 127\.0\.0\.1:1/);
});

test('kitsune run says which grant is missing', async () => {
  const wasm = await buildC(SERVER, { file: 's.c', name: 's', defines: ['VERSION=1'] });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kitsune-sandbox-'));
  fs.writeFileSync(path.join(dir, 's.wasm'), wasm);
  const cli = new URL('../dist/cli/kitsune.js', import.meta.url).pathname;
  const r = spawnSync(process.execPath, [cli, 'run', path.join(dir, 's.wasm'), '11399'], { encoding: 'utf8', timeout: 20000 });
  assert.is(r.status, 3);
  assert.match(r.stderr, /kitsune: sandbox: listen on 0\.0\.0\.0:11399 refused \(EACCES\): no network was granted; run with --net=0\.0\.0\.0:11399 \(or --net for any address\)/);
  fs.rmSync(dir, { recursive: true, force: true });
});

test.run();

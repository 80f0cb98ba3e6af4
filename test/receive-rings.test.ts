// Received bytes reach the program through a ring in shared memory, without a
// call to the host, while rings last (wasm-driver/common/receive-rings.ts);
// the rest through the host's queue. Whatever path they take, the program
// must read every byte once, in order: more than a ring holds at once, bytes
// that arrived before accept(), MSG_PEEK, more connections than there are
// rings, and an update in the middle of a connection, with bytes in its ring.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import net from 'node:net';
import { buildC, start } from './helpers.js';
import { freePort } from '../bench/kv-client.js';
import { RX_RINGS, RX_RING_BYTES } from '../wasm-driver/common/receive-rings.js';

const CONNECTIONS = RX_RINGS + 6;
const BYTES = 5 * RX_RING_BYTES + 123;

// Each connection is read to its end, hashed (FNV-1a), and answered with its
// index, byte count and hash. The loop's state is global, so that the next
// version goes on with the connection under way.
const SERVER = `
#include <kitsune.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>
int listener = -1, conn = -1, served, peeked_ok = 1;
unsigned hash = 2166136261u;
long count;
int main(int argc, char **argv) {
  kitsune_do_automigrate();
  setvbuf(stdout, 0, _IONBF, 0);
  if (!kitsune_is_updating()) {
    listener = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sin = {0};
    sin.sin_family = AF_INET;
    sin.sin_port = htons((unsigned short)atoi(argv[1]));
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(listener, (struct sockaddr *)&sin, sizeof sin) || listen(listener, 128)) { printf("FAIL: listen\\n"); return 1; }
    printf("v%d listening\\n", VERSION);
  } else {
    printf("v%d goes on with connection %d at byte %ld\\n", VERSION, served, count);
  }
  while (served < ${CONNECTIONS}) {
    if (conn < 0) {
      conn = accept(listener, 0, 0);
      hash = 2166136261u;
      count = 0;
      unsigned char first[16], again[16];
      ssize_t p = recv(conn, first, sizeof first, MSG_PEEK);
      ssize_t n = recv(conn, again, sizeof again, MSG_WAITALL);
      if (p <= 0 || n < p || memcmp(first, again, (size_t)p)) peeked_ok = 0;
      for (ssize_t i = 0; i < n; i++) hash = (hash ^ again[i]) * 16777619u;
      count = n;
    }
    unsigned char buf[4096];
    ssize_t n;
    while ((n = recv(conn, buf, sizeof buf, 0)) > 0) {
      for (ssize_t i = 0; i < n; i++) hash = (hash ^ buf[i]) * 16777619u;
      count += n;
      kitsune_update("read");
    }
    char reply[64];
    int len = snprintf(reply, sizeof reply, "%d %ld %u %d\\n", served, count, hash, peeked_ok);
    send(conn, reply, (size_t)len, 0);
    close(conn);
    conn = -1;
    served++;
  }
  printf("v%d served %d\\n", VERSION, served);
  return 0;
}
`;

function payload(i: number): Uint8Array {
  const b = new Uint8Array(BYTES);
  for (let k = 0; k < BYTES; k++) b[k] = (k * 31 + i * 7 + (k >> 8)) & 255;
  return b;
}

function fnv(b: Uint8Array): number {
  let h = 2166136261;
  for (const x of b) h = Math.imul(h ^ x, 16777619) >>> 0;
  return h;
}

test(`${CONNECTIONS} connections (${RX_RINGS} rings), ${BYTES} bytes each sent before accept, MSG_PEEK, an update mid-connection: every byte once, in order`, async () => {
  const v1 = await buildC(SERVER, { file: 'rings.c', name: 'rings', defines: ['VERSION=1'] });
  const v2 = await buildC(SERVER, { file: 'rings.c', name: 'rings', defines: ['VERSION=2'], from: v1 });
  const port = await freePort();
  const run = await start(v1, [String(port)], { grants: { net: [`127.0.0.1:${port}`] } });
  await run.waitFor(/v1 listening\n/);
  const replies = new Map<number, string>();
  let updated: Promise<unknown> | undefined;
  const clients = Array.from({ length: CONNECTIONS }, (_, i) => new Promise<void>((resolve, reject) => {
    const c = net.connect({ port, host: '127.0.0.1' });
    let got = '';
    c.on('data', (d) => { got += d; });
    c.on('error', reject);
    c.on('end', () => {
      const idx = Number(got.split(' ')[0]);
      replies.set(idx, got);
      // An update while later connections wait, with bytes in their rings and queues.
      if (replies.size === 3) updated = run.proc.update(v2, { timeoutMs: 20000 });
      resolve();
    });
    c.end(payload(i));
  }));
  await Promise.all(clients);
  const result = await updated;
  assert.is((result as { outcome: string }).outcome, 'committed', JSON.stringify(result));
  await run.waitFor(new RegExp(`v2 served ${CONNECTIONS}\\n`));
  assert.match(run.out(), /v2 goes on with connection \d+ at byte \d+\n/);
  // Accept order is arrival order, not client order: each reply names what it read; match them by hash.
  const expected = new Map(Array.from({ length: CONNECTIONS }, (_, i) => [fnv(payload(i)), i]));
  const seen = new Set<number>();
  for (const [served, line] of replies) {
    const [idx, count, hash, peek] = line.trim().split(' ').map(Number);
    assert.is(idx, served);
    assert.is(count, BYTES, line);
    assert.is(peek, 1, `MSG_PEEK saw other bytes than the read that followed (${line})`);
    assert.ok(expected.has(hash!), `connection ${served}: no client sent bytes with hash ${hash}: bytes lost, repeated or reordered`);
    seen.add(expected.get(hash!)!);
  }
  assert.is(seen.size, CONNECTIONS);
  await run.proc.kill();
});

test.run();

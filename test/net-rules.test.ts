// --net rules (issue 11, item 12), through a real C client: a rule for a name
// covers the connect to the addresses that name resolved to, on the rule's
// port only; other spellings of an address are the same rule; a refusal never
// advises a rule already given.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import net from 'node:net';
import os from 'node:os';
import dns from 'node:dns/promises';
import { buildC, start } from './helpers.js';

const DIAL = `#include <kitsune.h>
#include <errno.h>
#include <netdb.h>
#include <sys/socket.h>
#include <unistd.h>
int main(int argc, char **argv) {
  struct addrinfo hints = {0}, *res;
  hints.ai_socktype = SOCK_STREAM;
  int rc = getaddrinfo(argv[1], argv[2], &hints, &res);
  if (rc) { printf("getaddrinfo: %s\\n", gai_strerror(rc)); return 1; }
  int fd = socket(res->ai_family, res->ai_socktype, res->ai_protocol);
  if (connect(fd, res->ai_addr, res->ai_addrlen) < 0) { printf("connect: %s\\n", strerror(errno)); return 1; }
  printf("connected\\n");
  return 0;
}
`;

async function listen(host: string): Promise<{ server: net.Server; port: number }> {
  const server = net.createServer((s) => s.end());
  await new Promise<void>((r) => server.listen(0, host, r));
  return { server, port: (server.address() as net.AddressInfo).port };
}

const refusals = (events: { type: string }[]) => events.filter((e) => e.type === 'refused').map((e) => (e as unknown as { message: string }).message);

test('--net=NAME:PORT covers connecting to what NAME resolved to, on PORT only, and the hint names NAME', async () => {
  const name = os.hostname();
  let addr: string;
  try { addr = (await dns.lookup(name)).address; } catch { console.log(`  (skipped: ${name} does not resolve here)`); return; }
  const wasm = await buildC(DIAL, { name: 'dial', file: 'dial.c' });
  const { server, port } = await listen(addr);
  try {
    const ok = await start(wasm, [name, String(port)], { grants: { net: [`${name}:${port}`] } });
    assert.is(await ok.proc.exited, 0, ok.out());
    assert.is(ok.out(), 'connected\n');
    const other = await start(wasm, [name, String(port + 1)], { grants: { net: [`${name}:${port}`] } });
    assert.is(await other.proc.exited, 1);
    assert.is(other.out(), 'connect: Permission denied\n');
    assert.match(refusals(other.events).join('\n'), `(an address of ${name.toLowerCase()}) refused (EACCES): granted: ${name}:${port}; run with --net=${name.toLowerCase()}:${port + 1} `);
  } finally { server.close(); }
});

test('other spellings of an address are the same rule: [::ffff:127.0.0.1] for 127.0.0.1, [0:0:0:0:0:0:0:1] and [::0:1] for ::1', async () => {
  const wasm = await buildC(DIAL, { name: 'dial', file: 'dial.c' });
  const v4 = await listen('127.0.0.1');
  let v6: { server: net.Server; port: number } | undefined;
  try { v6 = await listen('::1'); } catch { console.log('  (IPv6 part skipped: no ::1 here)'); }
  try {
    const cases: [string, string, number][] = [[`[::ffff:127.0.0.1]:${v4.port}`, '127.0.0.1', v4.port]];
    if (v6) cases.push([`[0:0:0:0:0:0:0:1]:${v6.port}`, '::1', v6.port], [`[::0:1]:${v6.port}`, '::1', v6.port]);
    for (const [rule, host, port] of cases) {
      const r = await start(wasm, [host, String(port)], { grants: { net: [rule] } });
      assert.is(await r.proc.exited, 0, `${rule}: ${r.out()} ${refusals(r.events)}`);
      assert.is(r.out(), 'connected\n');
    }
  } finally { v4.server.close(); v6?.server.close(); }
});

test.run();

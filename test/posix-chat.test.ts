// The chat demo: two people talk, the server is updated v1 -> v2 -> v3 while
// they are connected, and they keep talking with their names; v2's history
// reaches a newcomer, v3's /msg and /who work on connections v1 accepted.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import net from 'node:net';
import { buildC, start } from './helpers.js';
import { freePort } from '../bench/kv-client.js';

const src = (v: number) => fs.readFileSync(new URL(`../demos/chat/v${v}.c`, import.meta.url), 'utf8');

class Person {
  text = '';
  closed = false;
  private constructor(readonly sock: net.Socket) {
    sock.setEncoding('utf8');
    sock.on('data', (d: string) => { this.text += d; });
    sock.on('close', () => { this.closed = true; });
  }
  static connect(port: number): Promise<Person> {
    return new Promise((resolve) => { const s = net.connect({ port, host: '127.0.0.1' }, () => resolve(new Person(s))); });
  }
  say(line: string) { this.sock.write(`${line}\n`); }
  async waitFor(re: RegExp, ms = 10000): Promise<void> {
    const end = Date.now() + ms;
    while (!re.test(this.text)) {
      if (Date.now() > end) throw new Error(`timed out waiting for ${re}; got:\n${this.text}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }
}

test('chat: people stay connected, named, through two updates', async () => {
  const v1 = await buildC(src(1), { file: 'chat.c', name: 'chat' });
  const v2 = await buildC(src(2), { file: 'chat.c', name: 'chat', from: v1 });
  const v3 = await buildC(src(3), { file: 'chat.c', name: 'chat', from: v2 });
  const port = await freePort();
  const run = await start(v1, [String(port)], { grants: { net: [`127.0.0.1:${port}`] } });
  await run.waitFor(/chat v1: listening/);
  const ann = await Person.connect(port), bob = await Person.connect(port);
  await ann.waitFor(/welcome to chat v1, guest1/);
  ann.say('/nick ann');
  await bob.waitFor(/\* guest1 is now ann/);
  bob.say('/nick bob');
  ann.say('hello from v1');
  await bob.waitFor(/<ann> hello from v1\r\n/);

  assert.is((await run.proc.update(v2)).outcome, 'committed');
  ann.say('hello from v2');
  await bob.waitFor(/\[\d\d:\d\d\] <ann> hello from v2\r\n/);
  const cat = await Person.connect(port);
  await cat.waitFor(/welcome to chat v2, guest3[^]*<ann> hello from v2/);

  assert.is((await run.proc.update(v3)).outcome, 'committed');
  bob.say('/msg ann psst');
  await ann.waitFor(/\*bob\* psst\r\n/);
  assert.not.match(cat.text, /psst/);
  bob.say('/me waves');
  await cat.waitFor(/\* bob waves\r\n/);
  ann.say('/who');
  await ann.waitFor(/\* here: ann\(0\) bob\(1\) guest3\(0\)\r\n/);
  assert.ok(![ann, bob, cat].some((p) => p.closed), 'someone was disconnected');
  for (const p of [ann, bob, cat]) p.sock.end();
  await run.proc.kill();
});

test.run();

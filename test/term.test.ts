// The full-screen terminal demo (demos/term), driven through a real
// pseudo-terminal: tmux runs `kitsune run`, keys go in with send-keys, the
// screen comes out with capture-pane. The session on screen (text, cursor,
// raw mode) survives two updates, and the terminal is back in cooked mode
// when the program ends.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync, spawnSync } from 'node:child_process';
import { build } from 'kitsune-wasm/compiler';

const hasTmux = spawnSync('tmux', ['-V']).status === 0;
const cli = new URL('../dist/cli/kitsune.js', import.meta.url).pathname;
const server = `kitsune-test-${process.pid}`;
const tmux = (...args: string[]) => execFileSync('tmux', ['-L', server, ...args], { encoding: 'utf8' });
const screen = () => tmux('capture-pane', '-t', 'edit', '-p');
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(what: RegExp, ms = 15000): Promise<string> {
  const end = Date.now() + ms;
  for (;;) {
    const s = screen();
    if (what.test(s)) return s;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what} on the screen:\n${s}`);
    await pause(100);
  }
}

test('edit: typed text, cursor and raw mode survive updates; the terminal is restored at exit', async () => {
  if (!hasTmux) { console.log('  (skipped: tmux is not installed; .ci/run installs it)'); return; }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kitsune-term-'));
  let from: Uint8Array | undefined;
  for (const v of [1, 2, 3]) {
    const text = fs.readFileSync(new URL(`../demos/term/v${v}.c`, import.meta.url), 'utf8');
    const r = await build({ sources: [{ path: `v${v}.c`, text }], name: 'edit', from });
    fs.writeFileSync(path.join(dir, `v${v}.wasm`), r.wasm);
    from = r.wasm;
  }
  const control = path.join(dir, 'control.sock');
  const after = path.join(dir, 'after.txt');
  try {
    tmux('new-session', '-d', '-s', 'edit', '-x', '80', '-y', '12',
      `${process.execPath} ${cli} run --control ${control} ${path.join(dir, 'v1.wasm')}; echo "exit $?" > ${after}; stty -a >> ${after}; sleep 60`);
    await until(/edit v1 \| 1 line \| 1:1/);
    tmux('send-keys', '-t', 'edit', 'hello there', 'Enter', 'world');
    let s = await until(/edit v1 \| 2 lines \| 2:6/);
    assert.match(s, /^hello there\nworld\n~\n/);

    const update = (v: number) => execFileSync(process.execPath, [cli, 'update', control, path.join(dir, `v${v}.wasm`)], { encoding: 'utf8' });
    assert.match(update(2), /^update committed at "input"/);
    // v2 redraws the same text in its own layout, cursor where it was.
    s = await until(/edit v2 \| 2 lines, 3 words \| 2:6/);
    assert.match(s, /^ {3}1 hello there\n {3}2 world\n {3}~\n/);
    tmux('send-keys', '-t', 'edit', '!');
    s = await until(/edit v2 \| 2 lines, 3 words \| 2:7/);
    assert.match(s, / {3}2 world!\n/);

    assert.match(update(3), /^update committed at "input"/);
    await until(/edit v3 \| 2 lines, 3 words \| 0 edits \| 2:7/);
    tmux('send-keys', '-t', 'edit', 'Up', 'C-u');
    s = await until(/edit v3 \| 2 lines, 3 words \| 1 edit \| 1:7/);
    assert.match(s, /^ {3}1 HELLO THERE\n {3}2 world!\n/);

    tmux('send-keys', '-t', 'edit', 'C-q');
    const end = Date.now() + 10000;
    while (!fs.existsSync(after) || !/icanon/.test(fs.readFileSync(after, 'utf8'))) {
      if (Date.now() > end) throw new Error(`the program did not end: ${screen()}`);
      await pause(100);
    }
    const stty = fs.readFileSync(after, 'utf8');
    assert.match(stty, /^exit 0\n/);
    // Cooked again: "icanon", not "-icanon".
    for (const flag of ['icanon', 'echo', 'isig', 'icrnl', 'opost']) assert.match(stty, new RegExp(`(^|\\s)${flag}(\\s|$)`, 'm'), flag);
  } finally {
    spawnSync('tmux', ['-L', server, 'kill-server']);
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test.run();

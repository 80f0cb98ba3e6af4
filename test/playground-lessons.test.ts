// Every lesson of the playground, in headless Chromium, as a visitor goes
// through it: open it from the gallery, build v1 in the page, run it, type
// into its terminal, Build & update to v2, and check what came through in
// the terminal and in the state inspector. One page for all of them, so the
// compiler stays warm. A screenshot of each lesson after its update goes to
// test/artifacts/ for people to look at.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { openPlayground, waitStatus, waitTerminal, type, run, buildUpdate, screenshot, varValue, varFate, graphFates, terminalText, type Playground } from '../playground/drive.js';

let pg: Playground;

test.before(async () => {
  pg = await openPlayground();
  // A fresh profile: the toolchain is downloaded, its progress drawn as it comes.
  await pg.page.waitForFunction(() => Number(document.body.dataset.loaded ?? 0) > 0.3, null, { timeout: 60_000 });
  await screenshot(pg.page, 'playground-0-loading');
  await waitStatus(pg.page, 'ready');
  assert.is(await pg.page.evaluate(() => document.body.dataset.toolchain), 'downloaded');
  assert.is(await pg.page.evaluate(() => document.body.dataset.loaded), '1.000');
});
test.after(async () => { await pg?.close(); });

async function open(name: string): Promise<void> {
  await pg.page.click(`[data-lesson="${name}"]`);
  await pg.page.waitForFunction((n) => document.body.dataset.openLesson === n, name);
}

const count = (text: string, re: RegExp) => (text.match(new RegExp(re, 'g')) ?? []).length;

test('1 a first update: the guest list comes through unchanged', async () => {
  const { page } = pg;
  await open('first');
  await run(page);
  await waitTerminal(page, /guest book is open/);
  await type(page, 'Ada\n');
  await type(page, 'Alan\n');
  await waitTerminal(page, /thank you, Alan! 2 guest\(s\) so far/);
  assert.is(await buildUpdate(page, 'v2'), 'committed');
  await waitTerminal(page, /v2 took over with the book of v1\. v2: 2 guest\(s\): Alan Ada/);
  await type(page, 'list\n');
  await waitTerminal(page, /list\nv2: 2 guest\(s\): Alan Ada/);
  assert.is((await varValue(page, 'guests'))?.trim(), '2');
  assert.is(await varFate(page, 'book'), 'copied');
  assert.equal(await graphFates(page, 'after'), { 'struct guest:copied': 2 });
  assert.equal(await graphFates(page, 'before'), { 'struct guest:copied': 2 });
  await screenshot(page, 'playground-1-first');
});

test('2 update points and control migration: v2 resumes the open session', async () => {
  const { page } = pg;
  await open('points');
  await run(page);
  await waitTerminal(page, /waiting for clients/);
  await type(page, 'Grace\n');
  // Grace brings 4 + 5 % 3 = 6 jobs, one every 0.8 s: the update lands inside the session.
  await waitTerminal(page, /v1 session Grace: job 1\/6 cost 10, total 10/);
  assert.is(await buildUpdate(page, 'v2'), 'committed');
  const m = await waitTerminal(page, /v2 resumes Grace's session at job (\d)\/6/);
  const next = Number(m[1]);
  await waitTerminal(page, /v2: Grace done, 1 client\(s\) served, total (\d+)/);
  // Jobs before the update at their cost, after it at double: none skipped, none repeated.
  let total = 0;
  for (let k = 1; k <= 6; k++) total += (k < next ? 1 : 2) * 10 * k;
  await waitTerminal(page, new RegExp(`v2: Grace done, 1 client\\(s\\) served, total ${total}`));
  const text = await terminalText(page);
  for (let k = 1; k <= 6; k++) assert.is(count(text, new RegExp(`session Grace: job ${k}/6 `)), 1, `job ${k} ran once`);
  assert.match(text, /v2 took over in the session loop: Grace is being served/);
  await page.click('.pane-tab[data-view="unwind"]');
  const old = await page.$$eval('[data-pane="unwind"] [data-stack="old"] .frame.own', (fs) => fs.map((f) => (f as HTMLElement).dataset.function));
  const back = await page.$$eval('[data-pane="unwind"] [data-stack="new"] .frame.own', (fs) => fs.map((f) => (f as HTMLElement).dataset.function));
  assert.equal(old.slice(0, 2), ['run_session', 'main'], `unwound frames: ${old}`);
  assert.equal(back.slice(0, 2), ['run_session', 'main'], `frames back: ${back}`);
  await screenshot(page, 'playground-2-points');
  await page.click('.pane-tab[data-view="state"]');
  // The migrated local: the next job's index, as v1 left it and as v2 took it.
  assert.is((await varValue(page, 'run_session#i'))?.trim(), String(next - 1));
});

test('3 a field added: every task moves to a larger block, priorities from the spec', async () => {
  const { page } = pg;
  await open('field');
  await run(page);
  await waitTerminal(page, /first come, first served/);
  await type(page, 'add tests 1\n');
  await waitTerminal(page, /v1: added tests \(1 h\)/);
  await waitTerminal(page, /v1 hour 1:/);
  assert.is(await buildUpdate(page, 'v2'), 'committed');
  await waitTerminal(page, /v2 took over at hour \d+: docs \d\/6 p3 bugfix 0\/5 p3 review 0\/2 p1 tests 0\/1 p1/);
  // The shortest jobs go first now: review (priority 1, first in the list).
  await waitTerminal(page, /v2 hour \d+: docs \d\/6 p3 bugfix 0\/5 p3 review 1\/2 p1 tests 0\/1 p1/);
  assert.equal(await graphFates(page, 'after'), { 'struct task:transformed': 4 });
  assert.equal(await graphFates(page, 'before'), { 'struct task:transformed': 4 });
  await screenshot(page, 'playground-3-field');
  await page.click('.pane-tab[data-view="diff"]');
  assert.match(await page.textContent('[data-pane="diff"] table.plan') ?? '', /struct task.*struct task.*deep/);
  await page.click('.pane-tab[data-view="state"]');
});

test('4 a list that becomes a tree: old cells freed, a balanced tree made by the rule', async () => {
  const { page } = pg;
  await open('tree');
  await run(page);
  await waitTerminal(page, /type a number/);
  await type(page, '25\n');
  await waitTerminal(page, /v1: 8 keys, a list: 10 20 25 30 40 50 60 70/);
  assert.is(await buildUpdate(page, 'v2'), 'committed');
  await waitTerminal(page, /v2 took over\. v2: 8 keys, a tree of depth 4, root 40: 10 20 25 30 40 50 60 70/);
  await type(page, '5\n');
  await waitTerminal(page, /v2: 9 keys, a tree of depth 5, root 40: 5 10 20 25 30 40 50 60 70/);
  assert.equal(await graphFates(page, 'before'), { 'struct node:freed': 8 });
  assert.equal(await graphFates(page, 'after'), { 'struct node:new': 8 });
  assert.is((await varValue(page, 'size'))?.trim(), '8');
  await screenshot(page, 'playground-4-tree');
});

test('5 a table of function pointers: old pointers call the new functions', async () => {
  const { page } = pg;
  await open('fntable');
  await run(page);
  await type(page, '7 3\n');
  await waitTerminal(page, /v1: add\(7,3\)=10 sub\(7,3\)=4 mul\(7,3\)=21/);
  assert.is(await buildUpdate(page, 'v2'), 'committed');
  await waitTerminal(page, /v2 took over: 4 operations now/);
  await type(page, '3 7\n');
  await waitTerminal(page, /v2: add\(3,7\)=10 sub\(3,7\)=4 mul\(3,7\)=21 gcd\(3,7\)=1 {2}calls: 1 1 1 1/);
  const before = await page.textContent('[data-pane="state"] .graph[data-side="before"]');
  assert.match(before ?? '', /struct op ×3/);
  assert.match(await page.textContent('[data-pane="state"] tr[data-key="calc"] td.val') ?? '', /n: 4/);
  await screenshot(page, 'playground-5-fntable');
});

test('6 an update that fails and rolls back: the timeline shows the stage, the state is intact', async () => {
  const { page } = pg;
  await open('rollback');
  await run(page);
  await waitTerminal(page, /ledger open/);
  for (const a of ['+100', '-30', '+5']) await type(page, `${a}\n`);
  await waitTerminal(page, /v1: entry 3: \+5, balance 75/);
  assert.is(await buildUpdate(page, 'v2'), 'rolled-back');
  await waitTerminal(page, /v2: audit: 3 entries add up to 70, balance 75/);
  await waitTerminal(page, /Assertion failed/);
  const row = await page.$('[data-pane="timeline"] .tl-row[data-outcome="rolled-back"]');
  assert.ok(row, 'the timeline has the rollback');
  assert.is(await row!.getAttribute('data-stage'), 'main');
  assert.match(await page.textContent('[data-pane="timeline"] .tl-reason') ?? '', /rolled back at stage main: .*(unreachable|abort)/);
  await type(page, '+1\n');
  await waitTerminal(page, /v1: entry 4: \+1, balance 76/);
  assert.is((await varValue(page, 'balance'))?.trim(), '75', 'the state right after the rollback is the state before it');
  await screenshot(page, 'playground-6-rollback');
  // The fix, typed into v2's editor: the same running v1 now updates.
  await page.click('[data-tab="v2"]');
  await page.click('.cm-content');
  await page.keyboard.press('Control+a');
  const fixed = (await page.evaluate(() => window.playground!.tabText('v2'))).replace('entries ? entries->next : 0', 'entries');
  await page.keyboard.insertText(fixed);
  assert.is(await buildUpdate(page, 'v2'), 'committed');
  await waitTerminal(page, /v2: audit: 4 entries add up to 76, balance 76\nv2 took over: the ledger is sound\./);
  assert.ok(await page.$('[data-pane="timeline"] .tl-row[data-outcome="committed"]'));
});

test('7 a game that keeps its score: raw keys, the same board in v2', async () => {
  const { page } = pg;
  await open('game');
  await run(page);
  await waitTerminal(page, /2048 \(v1\)/);
  await page.click('[data-pane="terminal"]');
  for (const k of ['ArrowLeft', 'ArrowUp', 'ArrowRight', 'ArrowDown', 'a', 'w', 'd', 's']) { await page.keyboard.press(k); await page.waitForTimeout(60); }
  await page.waitForTimeout(300);
  const m = (await terminalText(page)).match(/2048 \(v1\) {3}score (\d+) {3}moves (\d+)[^]*$/);
  assert.ok(m, await terminalText(page));
  const [score, moves] = [m![1], m![2]];
  assert.ok(Number(moves) > 0, 'the keys reached the program as typed (raw mode)');
  assert.is(await buildUpdate(page, 'v2'), 'committed');
  await waitTerminal(page, new RegExp(`2048 \\(v2\\) {3}score ${score} {3}moves ${moves} {3}best tile \\d+`));
  assert.is((await varValue(page, 'score'))?.trim(), score);
  assert.is(await varFate(page, 'best'), 'new');
  assert.is(await varFate(page, 'board'), 'copied');
  await screenshot(page, 'playground-7-game');
  await page.click('[data-pane="terminal"]');
  await page.keyboard.press('q');
  await waitTerminal(page, new RegExp(`bye: score \\d+ after \\d+ moves`));
  await waitStatus(page, 'exited');
});

test('8 a server that keeps its data: requests typed as its client', async () => {
  const { page } = pg;
  await open('server');
  await run(page);
  await waitTerminal(page, /kv v1 ready/);
  for (const r of ['set name Ada', 'set visits 1', 'get name']) await type(page, `${r}\n`);
  await waitTerminal(page, /VALUE name Ada\nEND/);
  assert.is(await buildUpdate(page, 'v2'), 'committed');
  await waitTerminal(page, /kv v2 took over with 2 item\(s\) after 3 request\(s\)/);
  for (const r of ['incr visits', 'get name', 'stats']) await type(page, `${r}\n`);
  await waitTerminal(page, /incr visits\n2\n/);
  await waitTerminal(page, /VALUE name Ada \(read 1 times\)/);
  await waitTerminal(page, /STAT items 2\nSTAT requests 6/);
  assert.equal(await graphFates(page, 'after'), { 'struct entry:transformed': 2 });
  await screenshot(page, 'playground-8-server');

  // A refused update: its reason names the variable and the field, linked to their lines.
  await page.click('[data-action="add-version"]');
  await page.click('.cm-content');
  await page.keyboard.press('Control+a');
  await page.keyboard.insertText((await page.evaluate(() => window.playground!.tabText('v3'))).replace("char *value;           /* malloc'd */", 'void *value;'));
  assert.is(await buildUpdate(page, 'v3'), 'build-failed');
  const reason = await page.textContent('#problems .reason');
  assert.match(reason ?? '', /variable `table` \(kv\.c:\d+\): struct entry\.value: old type `char \*`, new type `void \*`/);
  const links = await page.$$eval('#problems .reason a', (as) => as.map((a) => ({ file: (a as HTMLElement).dataset.file, line: Number((a as HTMLElement).dataset.line), text: a.textContent })));
  const src = (await page.evaluate(() => window.playground!.tabText('v3'))).split('\n');
  const field = links.find((l) => /struct entry\.value/.test(l.text ?? ''));
  assert.ok(field && field.file === 'v3' && /void \*value;/.test(src[field.line - 1]!), JSON.stringify(links));
  const variable = links.find((l) => /^→ table/.test(l.text ?? ''));
  assert.ok(variable && /struct entry \*table\[BUCKETS\]/.test(src[variable.line - 1]!), JSON.stringify(links));
  await page.click('#problems .reason a >> nth=1');
  assert.ok(await page.$('.cm-ref-line'), 'the named lines are marked in the editor');
  // The program was never touched: it still answers.
  await type(page, 'get visits\n');
  await waitTerminal(page, /VALUE visits 2 \(read 1 times\)/);
  await screenshot(page, 'playground-8-server-refused');
});

test.run();

// The playground as a site: `npm run playground -- --build DIR` writes a
// folder any static host can serve (with its headers file), `npm run
// playground` serves it with cross-origin isolation and prints the address;
// a share link restores the same sources, lesson and tab; a compile error is
// shown at its line and column; a page served without the headers says
// which are missing.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn } from 'node:child_process';
import type { AddressInfo } from 'node:net';
import { chromium } from 'playwright-core';
import { openPlayground, waitStatus, run, buildUpdate, CHROMIUM, screenshot } from '../playground/drive.js';
import { serveStatic } from '../playground/serve.js';

const root = new URL('..', import.meta.url).pathname;

test('npm run playground -- --build DIR writes a static site with its headers; without --build it serves it', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kitsune-site-'));
  try {
    // One node process each (tsx as its loader), so that killing it ends the server.
    const build = spawn(process.execPath, ['--import', 'tsx', 'playground/serve.ts', '--build', dir], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    build.stderr.on('data', (d) => { err += d; });
    assert.is(await new Promise((r) => build.on('exit', r)), 0, err);
    for (const f of ['index.html', '_headers', 'README.txt', 'assets/js/main.js', 'assets/js/worker.js', 'assets/js/compile-worker.js', 'assets/js/llvm.core.wasm', 'runtime/runtime.wasm', 'runtime/kitsune.h', 'runtime/include/index.json', 'runtime/include/termios.h']) {
      assert.ok(fs.existsSync(path.join(dir, f)), `${f} is in the site`);
    }
    const headers = fs.readFileSync(path.join(dir, '_headers'), 'utf8');
    assert.match(headers, /Cross-Origin-Opener-Policy: same-origin/);
    assert.match(headers, /Cross-Origin-Embedder-Policy: require-corp/);
    assert.match(fs.readFileSync(path.join(dir, 'README.txt'), 'utf8'), /cross-origin isolated/);
    assert.not.match(fs.readFileSync(path.join(dir, 'index.html'), 'utf8'), /(src|href)="\//, 'relative URLs only: the site may live under any path');

    const serve = spawn(process.execPath, ['--import', 'tsx', 'playground/serve.ts', '--port', '0'], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let out = '';
        serve.stdout.on('data', (d) => { out += d; const m = /http:\/\/127\.0\.0\.1:\d+\//.exec(out); if (m) resolve(m[0]); });
        serve.on('exit', (code) => reject(new Error(`npm run playground exited with ${code}`)));
      });
      const r = await fetch(url);
      assert.is(r.status, 200);
      assert.is(r.headers.get('cross-origin-opener-policy'), 'same-origin');
      assert.is(r.headers.get('cross-origin-embedder-policy'), 'require-corp');
      assert.match(await r.text(), /kitsune playground/);
    } finally {
      serve.kill();
      await new Promise((r) => (serve.exitCode !== null ? r(null) : serve.on('exit', r)));
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a share link restores the lesson, every tab and the selected one; a compile error shows at its line and column', async () => {
  const pg = await openPlayground('#lesson=tree');
  const { page } = pg;
  try {
    await page.waitForFunction(() => document.body.dataset.openLesson === 'tree');
    await page.click('[data-tab="v2"]');
    await page.click('.cm-content');
    await page.keyboard.press('Control+End');
    await page.keyboard.insertText('\n/* shared from the playground: ünïcode too */\n');
    const edited = await page.evaluate(() => window.playground!.tabText('v2'));
    await page.click('[data-action="share"]');
    await page.waitForFunction(() => document.body.dataset.shareUrl);
    const link = (await page.evaluate(() => document.body.dataset.shareUrl))!;
    const json = JSON.stringify({ tabs: await page.evaluate(() => window.playground!.tabs().map((n) => window.playground!.tabText(n))) });
    assert.ok(link.length < json.length, `the fragment is compressed (${link.length} characters for ${json.length} of sources)`);
    const other = await pg.context.newPage();
    await other.goto('about:blank');
    await page.close();
    await other.goto(link);
    await other.waitForFunction(() => document.body.dataset.openLesson === 'tree' && window.playground);
    assert.is(await other.evaluate(() => window.playground!.tabText('v2')), edited);
    assert.equal(await other.evaluate(() => window.playground!.tabs()), ['v1', 'v2', 'spec.xf']);
    assert.is(await other.getAttribute('[data-tab="v2"]', 'aria-selected'), 'true');

    // An error in v1: at its line and column, in the editor and in the list under it.
    await waitStatus(other, 'ready');
    await other.click('[data-tab="v1"]');
    const v1 = await other.evaluate(() => window.playground!.tabText('v1'));
    const line = v1.split('\n').findIndex((l) => l.includes('size++;')) + 1;
    await other.click('.cm-content');
    await other.keyboard.press('Control+a');
    await other.keyboard.insertText(v1.replace('size++;', 'size += undeclared;'));
    await run(other).then(() => assert.unreachable('the build should fail'), () => {});
    const problem = await other.textContent('#problems .problem');
    assert.match(problem ?? '', new RegExp(`^v1:${line}:\\d+ .*undeclared`));
    assert.ok(await other.$('.cm-lintRange-error'), 'the error is underlined in the editor');
    await screenshot(other, 'playground-compile-error');

    // A syntax error in the spec: at its line and column in the spec's tab, the running program untouched.
    await other.click('.cm-content');
    await other.keyboard.press('Control+a');
    await other.keyboard.insertText(v1);
    await run(other);
    await other.click('[data-tab="spec.xf"]');
    await other.click('.cm-content');
    await other.keyboard.press('Control+a');
    await other.keyboard.insertText('/* a rule with no body */\nset -> set: {\n');
    assert.is(await buildUpdate(other, 'v2'), 'build-failed');
    assert.match(await other.textContent('#problems .problem') ?? '', /^spec\.xf:2:\d+ /);
    assert.is(await other.getAttribute('[data-tab="spec.xf"]', 'aria-selected'), 'true', 'the spec\'s tab is opened at the error');
    assert.is(await other.evaluate(() => document.body.dataset.status), 'running');
  } finally {
    await pg.close();
  }
});

test('a page served without cross-origin isolation names the two headers it needs', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kitsune-noiso-'));
  const { bundlePlayground } = await import('../playground/bundle.js');
  await bundlePlayground(dir);
  const server = await serveStatic(dir, 0, '127.0.0.1', false);
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'] });
  try {
    const page = await browser.newPage();
    await page.goto(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
    await page.waitForFunction(() => document.body.dataset.isolation === 'missing');
    const toast = await page.textContent('#toast');
    assert.match(toast ?? '', /Cross-Origin-Opener-Policy: same-origin/);
    assert.match(toast ?? '', /Cross-Origin-Embedder-Policy: require-corp/);
  } finally {
    await browser.close();
    server.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test.run();

// The installed package in a web page, as the README's esbuild recipe builds
// it: the page's script and the kitsune-wasm/worker entry bundled FROM THE
// INSTALL (not this source tree), the run-time files copied by `npx kitsune
// assets`, served with COOP/COEP to headless Chromium. The page compiles two
// versions, runs v1 in a Web Worker, updates it to v2 and shows the state
// that came through; served without COOP/COEP it shows the clear error.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { pack, install, bundlePage, serve, CHROMIUM, CHROMIUM_ARGS } from '../bench/installed-package.js';

const artifacts = new URL('./artifacts/', import.meta.url);
let publicDir: string;
let browser: Browser;

interface Done {
  out?: string; code?: number | string; error?: string; isolated?: boolean;
  result?: { outcome: string; point: string; migrated?: string[] };
  errors?: { worker?: string; workerExit?: number; assets?: string; assetsCode?: string };
}

test.before(async () => {
  if (!fs.existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: install Debian's chromium package (.ci/run does)`);
  const installed = install(pack(), 'browser');
  publicDir = bundlePage(installed.project);
  fs.mkdirSync(artifacts, { recursive: true });
  browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
});

test.after(async () => { await browser?.close(); });

async function openPage(isolated: boolean, shot: string): Promise<{ done: Done; logs: string[]; bytes: number }> {
  const server = await serve(publicDir, isolated);
  const context = await browser.newContext({ viewport: { width: 900, height: 640 } });
  try {
    const tab = await context.newPage();
    const logs: string[] = [];
    tab.on('console', (m) => logs.push(m.text()));
    tab.on('pageerror', (e) => logs.push(String(e)));
    await tab.goto(server.url);
    await tab.waitForFunction(() => (window as unknown as { done?: unknown }).done, null, { timeout: 120_000 });
    const done = await tab.evaluate(() => (window as unknown as { done: Done }).done);
    await tab.screenshot({ path: fileURLToPath(new URL(shot, artifacts)) });
    return { done, logs, bytes: server.bytes() };
  } finally {
    await context.close();
    await server.close();
  }
}

test('bundled from the installed package: builds, runs in a Web Worker, updates with the heap intact', async () => {
  const { done, logs } = await openPage(true, 'package-browser.png');
  assert.not.ok(done.error, `${done.error}\n${logs.join('\n')}`);
  assert.ok(done.isolated);
  assert.is(done.result!.outcome, 'committed', JSON.stringify(done.result));
  assert.is(done.result!.point, 'loop');
  assert.is(done.code, 0);
  assert.match(done.out!, /v1 tick 3: 3000 readings, total \d+\n/);
  // v2 walked the list v1 had built and counted on from there.
  const m = /v2 took over: (\d+) readings on the heap \(sum (\d+), intact\)/.exec(done.out!);
  assert.ok(m, done.out);
  assert.ok(Number(m![1]) >= 3000 && Number(m![1]) % 1000 === 0, done.out);
  assert.match(done.out!, /v2 tick 8: 8000 readings, total 3996000, mean 499\.50\n$/);
  // clang's loading went through the progress callback, never the console.
  assert.not.ok(logs.some((l) => /fetched/.test(l)), logs.join('\n'));
  // A worker that does not load, and assets that are not there, say which URL and why.
  assert.match(done.errors!.worker!, /the program's worker http:\/\/127\.0\.0\.1:\d+\/no-such-worker\.js could not be loaded: fetching it gave HTTP 404/);
  assert.is(done.errors!.workerExit, 134);
  assert.is(done.errors!.assetsCode, 'E_ASSET');
  assert.match(done.errors!.assets!, /runtime\.wasm: fetching http:\/\/127\.0\.0\.1:\d+\/nowhere\/runtime\.wasm gave HTTP 404 Not Found; serve a copy of the package's assets \(`npx kitsune assets DIR`/);
});

test('the same page without COOP/COEP shows which headers are missing', async () => {
  const { done } = await openPage(false, 'package-browser-not-isolated.png');
  assert.is(done.code, 'E_NOT_ISOLATED');
  assert.match(done.error!, /Cross-Origin-Opener-Policy: same-origin/);
  assert.match(done.error!, /Cross-Origin-Embedder-Policy: require-corp/);
});

test.run();

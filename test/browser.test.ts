// The driver in a real browser: headless Chromium loads the package's ES
// modules from a local server (cross-origin isolated, for shared memory),
// runs v1 in a Web Worker and updates it live to v2; the heap comes through.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { build } from 'kitsune-wasm/compiler';

const root = fileURLToPath(new URL('..', import.meta.url));
const CHROMIUM = '/usr/bin/chromium';
const types: Record<string, string> = { '.js': 'text/javascript', '.wasm': 'application/wasm', '.html': 'text/html', '.h': 'text/plain' };

const page = `<!doctype html><meta charset="utf-8"><title>kitsune-wasm browser test</title>
<script type="module">
import { KitsuneProcess } from '/dist/wasm-driver/index.js';
const bytes = async (p) => new Uint8Array(await (await fetch(p)).arrayBuffer());
let out = '';
const dec = new TextDecoder();
try {
  const proc = await KitsuneProcess.start(await bytes('/files/v1.wasm'), { args: ['8', '1000'], stdout: (b) => { out += dec.decode(b); } });
  while (!/v1 tick 3:/.test(out)) await new Promise((r) => setTimeout(r, 20));
  const result = await proc.update(await bytes('/files/v2.wasm'));
  const code = await proc.exited;
  window.done = { out, result, code, isolated: crossOriginIsolated };
} catch (e) { window.done = { error: String(e && e.stack || e), out }; }
</script>`;

test('runs and updates a program in headless Chromium', async () => {
  if (!fs.existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: install Debian's chromium package (.ci/run does)`);
  const src = (v: string) => fs.readFileSync(path.join(root, `demos/heap/${v}.c`), 'utf8');
  const v1 = await build({ sources: [{ path: 'v1.c', text: src('v1') }], name: 'heap' });
  const v2 = await build({ sources: [{ path: 'v2.c', text: src('v2') }], from: v1.wasm });
  const files: Record<string, Uint8Array> = { '/files/v1.wasm': v1.wasm, '/files/v2.wasm': v2.wasm };
  const server = http.createServer((req, res) => {
    const url = new URL(req.url!, 'http://x').pathname;
    const headers = { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' };
    let body: Uint8Array | string | undefined = url === '/' ? page : files[url];
    const file = path.join(root, url);
    if (!body && file.startsWith(root) && /^\/(dist|runtime)\//.test(url) && fs.existsSync(file)) body = fs.readFileSync(file);
    if (!body) { res.writeHead(404, headers).end(); return; }
    res.writeHead(200, { ...headers, 'Content-Type': types[path.extname(url) || '.html'] ?? 'application/octet-stream' }).end(body);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
  });
  try {
    const tab = await browser.newPage();
    const logs: string[] = [];
    tab.on('console', (m) => logs.push(m.text()));
    tab.on('pageerror', (e) => logs.push(String(e)));
    await tab.goto(`http://127.0.0.1:${port}/`);
    await tab.waitForFunction(() => (window as unknown as { done?: unknown }).done, null, { timeout: 30000 });
    const done = await tab.evaluate(() => (window as unknown as { done: { out: string; result?: { outcome: string; point: string }; code?: number; isolated?: boolean; error?: string } }).done);
    assert.not.ok(done.error, `${done.error}\n${logs.join('\n')}`);
    assert.ok(done.isolated);
    assert.is(done.result!.outcome, 'committed');
    assert.is(done.result!.point, 'loop');
    assert.is(done.code, 0);
    assert.match(done.out, /v2 took over: \d+ readings on the heap \(sum \d+, intact\)/);
    assert.match(done.out, /v2 tick 8: 8000 readings, total 3996000, mean 499\.50/);
  } finally {
    await browser.close();
    server.close();
  }
});

test.run();

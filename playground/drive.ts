// Drives the playground from Node, as a person would (its tests, its
// benchmark, tutorials that want screenshots): the real static build served
// with its headers, opened in headless Chromium, worked through the page's
// own handles (data-action, data-pane, data-lesson, data-tab) and keyboard.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type http from 'node:http';
import type { AddressInfo } from 'node:net';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { bundlePlayground } from './bundle.js';
import { serveStatic } from './serve.js';
import { ROOT } from './kitsune-assets.js';

export const CHROMIUM = '/usr/bin/chromium';
export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'];
export const ARTIFACTS = path.join(ROOT, 'test/artifacts');

import type {} from './src/hook.js'; // window.playground's type

export interface Playground {
  page: Page;
  context: BrowserContext;
  url: string;
  logs: string[];
  /** Date.now() just before the page was asked for. */
  openedAt: number;
  close(): Promise<void>;
}

/** Builds the playground, serves it and opens it in a fresh browser profile (its Cache Storage empty). */
export async function openPlayground(hash = ''): Promise<Playground> {
  if (!fs.existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: install Debian's chromium package (.ci/run does)`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kitsune-playground-'));
  await bundlePlayground(path.join(dir, 'site'));
  const server: http.Server = await serveStatic(path.join(dir, 'site'), 0);
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  const context = await chromium.launchPersistentContext(path.join(dir, 'profile'), {
    executablePath: CHROMIUM, args: CHROMIUM_ARGS, viewport: { width: 1600, height: 1000 },
  });
  const page = context.pages()[0] ?? (await context.newPage());
  const logs: string[] = [];
  page.on('console', (m) => logs.push(`console: ${m.text()}`));
  page.on('pageerror', (e) => logs.push(`pageerror: ${e.stack ?? e.message}`));
  const openedAt = Date.now();
  await page.goto(url + hash);
  return {
    page, context, url, logs, openedAt,
    close: async () => {
      await context.close();
      server.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

export const status = (page: Page) => page.evaluate(() => document.body.dataset.status);

export async function waitStatus(page: Page, ...wanted: string[]): Promise<void> {
  await page.waitForFunction((w) => w.includes(document.body.dataset.status ?? ''), wanted, { timeout: 120_000 });
}

export const terminalText = (page: Page) => page.evaluate(() => window.playground!.terminalText());

/** Waits until the terminal's text matches `re`; the error shows what it holds. */
export async function waitTerminal(page: Page, re: RegExp, ms = 30_000): Promise<RegExpMatchArray> {
  const until = Date.now() + ms;
  for (;;) {
    const text = await terminalText(page);
    const m = text.match(re);
    if (m) return m;
    if (Date.now() > until) throw new Error(`timed out waiting for ${re} in the terminal, which shows:\n${text}`);
    await page.waitForTimeout(100);
  }
}

/** Types into the program's terminal as a person would. */
export async function type(page: Page, text: string): Promise<void> {
  await page.click('[data-pane="terminal"]');
  await page.keyboard.type(text, { delay: 15 });
}

/** Builds the selected tab and runs it; resolves once it runs. */
export async function run(page: Page, tab = 'v1'): Promise<void> {
  const runs = Number(await page.evaluate(() => document.body.dataset.runs ?? '0'));
  await page.click(`[data-tab="${tab}"]`);
  await page.click('[data-action="run"]');
  await page.waitForFunction((n) => Number(document.body.dataset.runs ?? '0') > n || document.body.dataset.build === 'failed', runs, { timeout: 120_000 });
  const build = await page.evaluate(() => document.body.dataset.build);
  if (build === 'failed') throw new Error(`building ${tab} failed: ${await page.textContent('#problems')}`);
}

/** Selects `tab`, presses Build & update, and resolves with the update's outcome (or 'build-failed'). */
export async function buildUpdate(page: Page, tab: string): Promise<string> {
  const before = Number(await page.evaluate(() => document.body.dataset.updates ?? '0'));
  await page.click(`[data-tab="${tab}"]`);
  await page.click('[data-action="build-update"]');
  await page.waitForFunction((n) => Number(document.body.dataset.updates ?? '0') > n || document.body.dataset.build === 'failed', before, { timeout: 120_000 });
  if (await page.evaluate(() => document.body.dataset.build) === 'failed') return 'build-failed';
  await waitStatus(page, 'running', 'exited');
  return (await page.evaluate(() => document.body.dataset.lastOutcome))!;
}

export async function screenshot(page: Page, name: string): Promise<void> {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  // The tooltip and the caret would only add noise.
  await page.mouse.move(0, 0);
  await page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`) });
}

/** The value cell of variable `key` in the state pane. */
export const varValue = (page: Page, key: string) => page.textContent(`[data-pane="state"] tr[data-key="${key}"] td.val`);
export const varFate = (page: Page, key: string) => page.getAttribute(`[data-pane="state"] tr[data-key="${key}"]`, 'data-fate');

/** How many objects the `side` graph draws with each fate, by type name. */
export async function graphFates(page: Page, side: 'before' | 'after' | 'now'): Promise<Record<string, number>> {
  return page.evaluate((s) => {
    const out: Record<string, number> = {};
    for (const g of document.querySelectorAll(`[data-pane="state"] .graph[data-side="${s}"] .node[data-kind="object"]`)) {
      const title = g.querySelector('text.title')?.textContent ?? '';
      const k = `${title}:${g.getAttribute('data-fate')}`;
      out[k] = (out[k] ?? 0) + 1;
    }
    return out;
  }, side);
}

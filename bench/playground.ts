// The playground in headless Chromium (bench/run.ts calls it; alone: `node
// dist/bench/playground.js [--quick]`): from opening the page to the first
// program running, with the C toolchain downloaded (a fresh browser profile)
// and taken from the browser's cache (the same profile, reloaded); then, for
// each lesson, from pressing "Build & update" to the update's outcome, beside
// the program's own pause inside it.
import { openPlayground, waitStatus, waitTerminal, run, buildUpdate, type } from '../playground/drive.js';
import type { Page } from 'playwright-core';

export interface PlaygroundBench {
  /** Page open -> the first line of lesson 1's program in its terminal, ms. */
  open: { uncached: number[]; cached: number[] };
  /** Of it, loading the toolchain (clang and Binaryen), ms. */
  toolchain: { uncached: number[]; cached: number[] };
  lessons: { lesson: string; outcome: string; buildUpdate: number[]; pause: number[] }[];
}

const LESSONS = ['first', 'points', 'field', 'tree', 'fntable', 'rollback', 'game', 'server'];
/** What a visitor types before updating, where the lesson needs state for its update to show anything (the ledger's audit fails only on entries). */
const INPUT: Record<string, string> = { first: 'Ada\n', tree: '25\n', rollback: '+10\n', fntable: '7 3\n', server: 'set a 1\n' };
const FIRST_LINE = /guest book is open/;

async function firstProgram(page: Page, openedAt: number): Promise<number> {
  await page.click('[data-action="run"]'); // as a visitor does, before the toolchain is there
  await waitTerminal(page, FIRST_LINE, 180_000);
  return Date.now() - openedAt;
}

const toolchainMillis = async (page: Page) => Number(await page.evaluate(() => document.body.dataset.toolchainMillis));

export async function playgroundBench(quick: boolean, log: (line: string) => void = console.log): Promise<PlaygroundBench> {
  const reps = quick ? 1 : 3;
  const r: PlaygroundBench = { open: { uncached: [], cached: [] }, toolchain: { uncached: [], cached: [] }, lessons: LESSONS.map((lesson) => ({ lesson, outcome: '', buildUpdate: [], pause: [] })) };
  for (let i = 0; i < reps; i++) {
    const pg = await openPlayground('#lesson=first');
    try {
      r.open.uncached.push(await firstProgram(pg.page, pg.openedAt));
      r.toolchain.uncached.push(await toolchainMillis(pg.page));
      const t = Date.now();
      await pg.page.reload();
      r.open.cached.push(await firstProgram(pg.page, t));
      r.toolchain.cached.push(await toolchainMillis(pg.page));
      if (await pg.page.evaluate(() => document.body.dataset.toolchain) !== 'cached') throw new Error('the reloaded page downloaded the toolchain again: the cache did not hold it');
      for (const row of r.lessons) {
        await pg.page.click(`[data-lesson="${row.lesson}"]`);
        await pg.page.waitForFunction((n) => document.body.dataset.openLesson === n, row.lesson);
        await waitStatus(pg.page, 'ready');
        await run(pg.page);
        if (INPUT[row.lesson]) await type(pg.page, INPUT[row.lesson]!);
        await pg.page.waitForTimeout(300);
        const t0 = Date.now();
        row.outcome = await buildUpdate(pg.page, 'v2');
        row.buildUpdate.push(Date.now() - t0);
        const u = await pg.page.evaluate(() => window.playground!.updates().at(-1)!);
        row.pause.push(u.timings.pause ?? 0);
      }
    } finally {
      await pg.close();
    }
  }
  const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
  log('\nPlayground in headless Chromium (medians of ' + reps + ' run(s))');
  log(`  page open -> first program running: toolchain downloaded ${(med(r.open.uncached) / 1000).toFixed(1)} s (loading it ${(med(r.toolchain.uncached) / 1000).toFixed(1)} s), from the browser's cache ${(med(r.open.cached) / 1000).toFixed(1)} s (loading it ${(med(r.toolchain.cached) / 1000).toFixed(1)} s); cached / downloaded = ${(med(r.open.cached) / med(r.open.uncached)).toFixed(2)}`);
  log('  Build & update -> outcome, per lesson (the build in the compile worker, then the update; the program\'s pause inside it):');
  for (const row of r.lessons) {
    log(`    ${row.lesson.padEnd(9)} ${row.outcome.padEnd(12)} ${(med(row.buildUpdate) / 1000).toFixed(2)} s, pause ${med(row.pause).toFixed(1)} ms (pause / whole = ${(med(row.pause) / med(row.buildUpdate)).toFixed(4)})`);
  }
  return r;
}

if (process.argv[1] && new URL(import.meta.url).pathname === process.argv[1]) {
  await playgroundBench(process.argv.includes('--quick'));
}

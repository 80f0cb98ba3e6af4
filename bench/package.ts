// The package as users get it (`npm run bench` calls this; alone: `node
// dist/bench/package.js [--quick]`): the tarball's and the install's size,
// the time `npm install` takes from the npm cache, and in headless Chromium
// the time from opening a page (bundled from the install as the README says)
// to its first program running: the first visit, with clang fetched from the
// server, against later visits served from the browser's cache.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { pack, install, diskUsage, bundlePage, serve, CHROMIUM, CHROMIUM_ARGS } from './installed-package.js';
import { stats, range, table, type PackageResults } from './report.js';

interface Marks { builtV1: number; firstOutput: number }

export async function packageBench(quick: boolean, log: (line: string) => void = console.log): Promise<PackageResults> {
  const packed = pack();
  const installed = install(packed, 'bench', { fresh: true });
  const modules = path.join(installed.project, 'node_modules');
  const size = (p: string) => (fs.existsSync(path.join(modules, p)) ? diskUsage(path.join(modules, p)) : 0);
  const packages = fs.readdirSync(modules).flatMap((e) => (e.startsWith('@') ? fs.readdirSync(path.join(modules, e)) : e.startsWith('.') ? [] : [e])).length;
  const result: Omit<PackageResults, 'page'> = {
    tarball: { bytes: packed.size, files: packed.files.length },
    installed: { bytes: diskUsage(modules), kitsune: size('kitsune-wasm'), clang: size('@yowasp/clang'), binaryen: size('binaryen'), packages },
    installSeconds: installed.installMillis / 1000,
  };
  const publicDir = bundlePage(installed.project);
  if (!fs.existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: the page part of the package bench needs Debian's chromium`);
  const visits = quick ? 1 : 3;
  const cold: Marks[] = [], cached: Marks[] = [], coldServed: number[] = [], cachedServed: number[] = [];
  const server = await serve(publicDir, true);
  try {
    for (let i = 0; i < visits; i++) {
      // A new profile each time: its first visit fetches everything, the second finds it in the cache.
      const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'kitsune-bench-profile-'));
      const context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, args: CHROMIUM_ARGS });
      try {
        for (const [into, served] of [[cold, coldServed], [cached, cachedServed]] as const) {
          const before = server.bytes();
          const tab = await context.newPage();
          await tab.goto(`${server.url}?first-run`);
          await tab.waitForFunction(() => (window as unknown as { done?: unknown }).done, null, { timeout: 180_000 });
          const done = await tab.evaluate(() => (window as unknown as { done: { marks?: Marks; error?: string } }).done);
          if (!done.marks?.firstOutput) throw new Error(`the benchmark page failed: ${done.error ?? JSON.stringify(done)}`);
          into.push(done.marks);
          served.push(server.bytes() - before);
          await tab.close();
        }
      } finally {
        await context.close();
        fs.rmSync(profile, { recursive: true, force: true });
      }
    }
  } finally {
    await server.close();
  }
  const sec = (xs: number[]) => stats(xs.map((x) => x / 1000));
  const page = {
    visits,
    cold: { firstRun: sec(cold.map((m) => m.firstOutput)), built: sec(cold.map((m) => m.builtV1)), served: stats(coldServed) },
    cached: { firstRun: sec(cached.map((m) => m.firstOutput)), built: sec(cached.map((m) => m.builtV1)), served: stats(cachedServed) },
  };
  const MB = (b: number) => `${(b / 1e6).toFixed(1)} MB`;
  log('\nThe package as installed: npm pack, npm install of the tarball into an empty folder (from the npm cache)');
  log(table(['tarball', 'installed (node_modules)', 'kitsune-wasm', '@yowasp/clang', 'binaryen', 'packages', 'npm install'], [[
    `${MB(result.tarball.bytes)} (${result.tarball.files} files)`, MB(result.installed.bytes), MB(result.installed.kitsune), MB(result.installed.clang), MB(result.installed.binaryen), String(packages), `${result.installSeconds.toFixed(1)} s`,
  ]]));
  log(`\nA page bundled from the install (esbuild, as the README says), headless Chromium: page open -> v1 built in the page -> its first output, s (min / median / max of ${visits} visit(s) each)`);
  log(table(['visit', 'v1 built', 'first program running', 'bytes from the server'], [
    ['first (clang fetched)', range(page.cold.built), range(page.cold.firstRun), MB(page.cold.served.median)],
    ['again (browser cache)', range(page.cached.built), range(page.cached.firstRun), MB(page.cached.served.median)],
  ]));
  log(`first / cached, medians: ${(page.cold.firstRun.median / page.cached.firstRun.median).toFixed(2)} (the server is on this machine: a first visit pays for the transfer at local speed only)`);
  return { ...result, page };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  packageBench(process.argv.includes('--quick')).then(() => process.exit(0), (e) => { console.error(e); process.exit(1); });
}

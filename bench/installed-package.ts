// The package as its users get it: `npm pack`, then `npm install` of the
// tarball into an empty folder, and a web page bundled from that install.
// Shared by test/package*.test.ts and bench/package.ts.
//
// An install is kept in the system's temp folder under the tarball's hash
// (npm writes tarballs byte for byte the same for the same files), so the
// test files and a re-run reuse it; installs of older tarballs are removed.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import http from 'node:http';
import crypto from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The repository: the folder above this file (bench/ in the sources, dist/bench/ when built) holding kitsune-wasm's package.json. */
export function repoRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pj = path.join(dir, 'package.json');
    if (fs.existsSync(pj) && (JSON.parse(fs.readFileSync(pj, 'utf8')) as { name?: string }).name === 'kitsune-wasm') return dir;
    const up = path.dirname(dir);
    if (up === dir) throw new Error(`no kitsune-wasm package.json above ${fileURLToPath(import.meta.url)}`);
    dir = up;
  }
}

export interface Packed { tarball: string; files: string[]; size: number; unpackedSize: number; hash: string }

/** `npm pack` of the repository as built (`npm run build` first: scripts are not run here). */
export function pack(): Packed {
  const root = repoRoot();
  const dest = fs.mkdtempSync(path.join(os.tmpdir(), 'kitsune-pack-'));
  const r = run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', dest], root, 120_000);
  const info = (JSON.parse(r.stdout) as { filename: string; files: { path: string }[]; size: number; unpackedSize: number }[])[0];
  const tarball = path.join(dest, path.basename(info.filename));
  const hash = crypto.createHash('sha256').update(fs.readFileSync(tarball)).digest('hex').slice(0, 16);
  return { tarball, files: info.files.map((f) => f.path), size: info.size, unpackedSize: info.unpackedSize, hash };
}

export interface Installed { project: string; packed: Packed; reused: boolean; installMillis: number }

/** Installs `packed` into an empty folder of its own (`kind` tells the users of one apart). */
export function install(packed: Packed, kind: string, opts: { fresh?: boolean } = {}): Installed {
  const prefix = `kitsune-package-${kind}-`;
  const project = path.join(os.tmpdir(), `${prefix}${packed.hash}`);
  const done = `${project}.installed`;
  for (const e of fs.readdirSync(os.tmpdir())) {
    if (e.startsWith(prefix) && !e.startsWith(path.basename(project))) fs.rmSync(path.join(os.tmpdir(), e), { recursive: true, force: true });
  }
  // The tarball is needed only until it is installed.
  const dropTarball = () => fs.rmSync(path.dirname(packed.tarball), { recursive: true, force: true });
  if (!opts.fresh && fs.existsSync(done)) { dropTarball(); return { project, packed, reused: true, installMillis: 0 }; }
  fs.rmSync(project, { recursive: true, force: true });
  fs.rmSync(done, { force: true });
  fs.mkdirSync(project);
  const t = Date.now();
  try {
    run('npm', ['install', packed.tarball, '--no-audit', '--no-fund', '--prefer-offline'], project, 300_000);
  } finally {
    dropTarball();
  }
  const installMillis = Date.now() - t;
  fs.writeFileSync(done, packed.hash);
  return { project, packed, reused: false, installMillis };
}

/** Bytes of the files under `dir`. */
export function diskUsage(dir: string): number {
  let total = 0;
  const walk = (p: string) => {
    const st = fs.lstatSync(p);
    if (st.isDirectory()) for (const e of fs.readdirSync(p)) walk(path.join(p, e));
    else total += st.size;
  };
  walk(dir);
  return total;
}

export function run(cmd: string, args: string[], cwd: string, timeout: number, env: NodeJS.ProcessEnv = process.env) {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', timeout, env, maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} (in ${cwd}) ${r.error ? `failed: ${r.error.message}` : `exited with ${r.status ?? r.signal}`}\n${r.stdout}\n${r.stderr}`);
  return r;
}

/** The fenced blocks of README.md that follow `heading`, in order, as [language, text]. */
export function readmeBlocks(heading: string): [string, string][] {
  const readme = fs.readFileSync(path.join(repoRoot(), 'README.md'), 'utf8');
  const at = readme.indexOf(`\n${heading}\n`);
  if (at < 0) throw new Error(`README.md has no heading "${heading}"`);
  const next = readme.slice(at + heading.length + 2).search(/\n#{1,3} /);
  const section = readme.slice(at, next < 0 ? undefined : at + heading.length + 2 + next);
  return [...section.matchAll(/```(\w*)\n([\s\S]*?)```/g)].map((m) => [m[1], m[2]]);
}

// ---- the web page -----------------------------------------------------------

/**
 * A page that builds demos/heap's two versions (a progress bar drawn from
 * build()'s callback), runs v1 in a Web Worker, updates it to v2 once v1 has
 * printed three ticks, and shows what came through; then the errors a page
 * can run into (a worker that does not load, assets that are not there).
 * `window.done` holds the results for the test, `document.body.dataset.status`
 * the state.
 */
export const PAGE_HTML = `<!doctype html><meta charset="utf-8"><title>kitsune-wasm in a page</title>
<style>
 body { font: 15px/1.45 system-ui, sans-serif; margin: 24px 32px; color: #1d232a; background: #f6f7f9; }
 h1 { font-size: 20px; margin: 0 0 4px; } p.sub { margin: 0 0 16px; color: #59636e; }
 .row { display: flex; gap: 12px; align-items: center; margin: 6px 0; }
 progress { width: 360px; height: 14px; } #phase { color: #59636e; font-size: 13px; }
 pre { background: #111820; color: #d8e1ea; padding: 12px 14px; border-radius: 6px; min-height: 220px; margin: 12px 0; font: 13px/1.5 ui-monospace, monospace; white-space: pre-wrap; }
 .update { color: #7ee787; } .err { color: #ff7b72; }
 #status { font-weight: 600; } #error { color: #b3261e; white-space: pre-wrap; font-weight: 600; }
 ul#checks { margin: 8px 0; padding-left: 20px; font-size: 13px; color: #37404a; } ul#checks li { margin: 3px 0; }
</style>
<h1>kitsune-wasm: a C program updated live in this page</h1>
<p class="sub">demos/heap, built in the page with clang, run in a Web Worker, updated from v1 to v2 while it runs</p>
<div class="row"><progress id="bar" max="1" value="0"></progress><span id="phase">starting</span></div>
<div class="row">status: <span id="status">loading</span> <span id="isolated"></span></div>
<div id="error"></div>
<pre id="out"></pre>
<ul id="checks"></ul>
<script type="module" src="./app.js"></script>`;

export const PAGE_SCRIPT = `import { KitsuneProcess } from 'kitsune-wasm';
import { build } from 'kitsune-wasm/compiler';

const assets = new URL('./kitsune/', import.meta.url);
const worker = new URL('./kitsune-worker.js', import.meta.url);
const $ = (id) => document.getElementById(id);
const status = (s) => { $('status').textContent = s; document.body.dataset.status = s; };
const line = (text, cls) => { const s = document.createElement('span'); if (cls) s.className = cls; s.textContent = text; $('out').append(s); };
const check = (text) => { const li = document.createElement('li'); li.textContent = text; $('checks').append(li); };
const progress = (label) => (p) => { $('bar').value = p.fraction; $('phase').textContent = label + ': ' + p.message; };
const text = async (p) => (await fetch(p)).text();
const marks = {};
// ?first-run (the benchmark): build v1 and run it, no more.
const firstRunOnly = new URLSearchParams(location.search).has('first-run');
$('isolated').textContent = crossOriginIsolated ? '(cross-origin isolated)' : '(NOT cross-origin isolated)';

async function main() {
  status('building');
  const v1 = await build({ sources: [{ path: 'v1.c', text: await text('./v1.c') }], name: 'heap', assets, progress: progress('v1') });
  marks.builtV1 = performance.now();
  if (firstRunOnly) {
    const proc = await KitsuneProcess.start(v1.wasm, { args: ['8', '1000'], assets, worker, stdout: (b) => { if (!marks.firstOutput) { marks.firstOutput = performance.now(); window.done = { marks }; } line(new TextDecoder().decode(b)); } });
    await proc.exited;
    status('done');
    return;
  }
  const v2 = await build({ sources: [{ path: 'v2.c', text: await text('./v2.c') }], from: v1.wasm, assets, progress: progress('v2') });
  marks.built = performance.now();
  status('running v1');
  const dec = new TextDecoder();
  let out = '';
  let wake = () => {};
  const proc = await KitsuneProcess.start(v1.wasm, {
    args: ['8', '1000'], assets, worker,
    stdout: (b) => { const s = dec.decode(b); if (!out) marks.firstOutput = performance.now(); out += s; line(s); wake(); },
    onEvent: (e) => { if (e.type === 'crash') line('crash: ' + e.message + '\\n', 'err'); },
  });
  marks.started = performance.now();
  while (!/v1 tick 3:/.test(out)) await new Promise((r) => { wake = r; });
  status('updating');
  const result = await proc.update(v2.wasm);
  line('-- update ' + result.outcome + ' at "' + result.point + '", pause ' + (result.timings.pause ?? NaN).toFixed(1) + ' ms --\\n', 'update');
  const code = await proc.exited;
  status('exited ' + code);

  // What a page gets when the worker or the assets are not where it says.
  const errors = {};
  const bad = await KitsuneProcess.start(v1.wasm, { assets, worker: new URL('./no-such-worker.js', import.meta.url), onEvent: (e) => { if (e.type === 'crash') errors.worker = e.message; } });
  errors.workerExit = await bad.exited;
  try { await KitsuneProcess.start(v1.wasm, { assets: new URL('./nowhere/', import.meta.url), worker }); } catch (e) { errors.assets = e.message; errors.assetsCode = e.code; }
  check('a worker that does not load: ' + errors.worker);
  check('assets that are not there: ' + errors.assets);
  window.done = { out, result, code, errors, isolated: crossOriginIsolated, marks };
  status('done');
}

main().catch((e) => {
  $('error').textContent = (e.code ? e.code + ': ' : '') + e.message;
  status('failed');
  window.done = { error: e.message, code: e.code, marks };
});
`;

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.wasm': 'application/wasm', '.json': 'application/json',
  '.tar': 'application/x-tar', '.h': 'text/plain; charset=utf-8', '.c': 'text/plain; charset=utf-8',
};

export interface Served { url: string; bytes(): number; close(): Promise<void> }

/** Serves `dir` on 127.0.0.1, cross-origin isolated (COOP/COEP) or not; files may be cached by the browser. */
export async function serve(dir: string, isolated: boolean): Promise<Served> {
  let bytes = 0;
  const server = http.createServer((req, res) => {
    const name = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    const file = path.join(dir, name.endsWith('/') ? `${name}index.html` : name);
    const headers: Record<string, string> = isolated ? { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' } : {};
    if (!file.startsWith(dir + path.sep) || !fs.existsSync(file) || !fs.statSync(file).isFile()) { res.writeHead(404, headers).end('not found'); return; }
    const body = fs.readFileSync(file);
    bytes += body.length;
    res.writeHead(200, { ...headers, 'Content-Type': TYPES[path.extname(file)] ?? 'application/octet-stream', 'Cache-Control': 'max-age=3600' }).end(body);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${port}/`,
    bytes: () => bytes,
    close: () => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }),
  };
}

export const CHROMIUM = '/usr/bin/chromium';
// A disk cache big enough for clang's 75 MB module, so that a second visit is served from it.
export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disk-cache-size=1073741824'];

/**
 * Lays out the page in `project` (an install of the package) as the README's
 * esbuild recipe says: runs the recipe's commands after `npm install
 * kitsune-wasm` (done already), with the page's script and the demo's sources.
 * Returns the folder to serve.
 */
export function bundlePage(project: string): string {
  const [, sh] = readmeBlocks('### In a web page (bundlers)').find(([lang, text]) => lang === 'sh' && text.includes('npx esbuild')) ?? [];
  if (!sh) throw new Error('README.md: no ```sh block with the esbuild recipe under "### In a web page (bundlers)"');
  fs.writeFileSync(path.join(project, 'app.js'), PAGE_SCRIPT);
  const publicDir = path.join(project, 'public');
  fs.rmSync(publicDir, { recursive: true, force: true });
  for (const cmd of sh.split('\n').map((l) => l.trim()).filter(Boolean)) {
    if (cmd === 'npm install kitsune-wasm') continue; // installed from the tarball
    run('sh', ['-c', cmd.startsWith('npm install') ? `${cmd} --no-audit --no-fund --prefer-offline` : cmd], project, 300_000);
  }
  fs.writeFileSync(path.join(publicDir, 'index.html'), PAGE_HTML);
  for (const v of ['v1.c', 'v2.c']) fs.copyFileSync(path.join(project, 'node_modules/kitsune-wasm/demos/heap', v), path.join(publicDir, v));
  return publicDir;
}

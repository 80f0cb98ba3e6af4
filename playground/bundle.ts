// Builds the playground into a static folder: the page, its three bundles
// (the app, the driver's worker, the compile worker) with their shared
// chunks, the runtime's files and the toolchain's, a `_headers` file for
// static hosts and a note on cross-origin isolation.
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import * as esbuild from 'esbuild';
import { ROOT, JS_DIR, driverWorkerEntry, copyKitsuneAssets, toolchainFiles } from './kitsune-assets.js';

export interface BundleResult { outDir: string; files: number; bytes: number; millis: number }

/** The two headers that make a page cross-origin isolated (SharedArrayBuffer needs them). */
export const ISOLATION_HEADERS = { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' } as const;

const HEADERS_FILE = `/*
  Cross-Origin-Opener-Policy: same-origin
  Cross-Origin-Embedder-Policy: require-corp
/${JS_DIR}/chunk-*
  Cache-Control: public, max-age=31536000, immutable
/${JS_DIR}/llvm*
  Cache-Control: public, max-age=604800
`;

const NOTE = `kitsune-wasm playground: a static site
==========================================

Serve this folder with any static web server. The page runs C programs in a
Web Worker on a SharedArrayBuffer, which browsers allow only on a page that is
cross-origin isolated, so every response must carry these two headers:

  Cross-Origin-Opener-Policy: same-origin
  Cross-Origin-Embedder-Policy: require-corp

The \`_headers\` file says so in the format of Netlify and Cloudflare Pages. For
nginx: add_header Cross-Origin-Opener-Policy same-origin; add_header
Cross-Origin-Embedder-Policy require-corp;. GitHub Pages cannot set headers: a
page there shows what is missing instead of running.

The folder may be served under any path (it uses relative URLs only). The
first visit downloads the C toolchain (clang, about 100 MB, kept in the
browser's Cache Storage afterwards) and Binaryen (15 MB, kept in the HTTP
cache).
`;

export async function bundlePlayground(outDir: string, options: { minify?: boolean } = {}): Promise<BundleResult> {
  const started = Date.now();
  fs.rmSync(outDir, { recursive: true, force: true });
  fs.mkdirSync(path.join(outDir, JS_DIR), { recursive: true });
  const require = createRequire(import.meta.url);
  const clangVersion = (JSON.parse(fs.readFileSync(path.join(path.dirname(require.resolve('@yowasp/clang')), '../package.json'), 'utf8')) as { version: string }).version;
  copyKitsuneAssets(outDir);
  const toolchain = toolchainFiles(outDir);
  await esbuild.build({
    entryPoints: {
      main: path.join(ROOT, 'playground/src/main.ts'),
      'compile-worker': path.join(ROOT, 'playground/src/compile-worker.ts'),
      ...driverWorkerEntry,
    },
    outdir: path.join(outDir, JS_DIR),
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    chunkNames: 'chunk-[hash]',
    // The driver's and compiler's Node branches import node:* lazily; a page never takes them.
    external: ['node:*'],
    loader: { '.c': 'text', '.xf': 'text', '.ttf': 'file', '.woff2': 'file' },
    define: {
      __TOOLCHAIN__: JSON.stringify({ version: clangVersion, files: toolchain }),
    },
    minify: options.minify ?? true,
    sourcemap: false,
    legalComments: 'none',
    logLevel: 'warning',
  });
  fs.copyFileSync(path.join(ROOT, 'playground/index.html'), path.join(outDir, 'index.html'));
  fs.writeFileSync(path.join(outDir, '_headers'), HEADERS_FILE);
  fs.writeFileSync(path.join(outDir, 'README.txt'), NOTE);
  let files = 0, bytes = 0;
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      if (e.isDirectory()) walk(path.join(d, e.name));
      else { files++; bytes += fs.statSync(path.join(d, e.name)).size; }
    }
  };
  walk(outDir);
  return { outDir, files, bytes, millis: Date.now() - started };
}

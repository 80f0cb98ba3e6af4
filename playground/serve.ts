// `npm run playground`: builds the playground and serves it on 127.0.0.1 with
// the cross-origin isolation headers, printing the address.
// `npm run playground -- --build DIR`: writes the static folder only.
// `--port N` picks the port (default 8080; 0 for any free one).
import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { bundlePlayground, ISOLATION_HEADERS } from './bundle.js';
import { ROOT } from './kitsune-assets.js';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8',
  '.wasm': 'application/wasm', '.json': 'application/json', '.h': 'text/plain; charset=utf-8', '.txt': 'text/plain; charset=utf-8',
  '.tar': 'application/x-tar', '.svg': 'image/svg+xml', '.png': 'image/png',
};

/** Serves `dir` as a static site, cross-origin isolated (unless `isolate` is false: to see what a page without the headers says). */
export function serveStatic(dir: string, port: number, host = '127.0.0.1', isolate = true): Promise<http.Server> {
  const root = path.resolve(dir);
  const server = http.createServer((req, res) => {
    let url: string;
    try { url = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname); } catch { res.writeHead(400).end(); return; }
    const file = path.join(root, url.endsWith('/') ? `${url}index.html` : url);
    const headers: Record<string, string> = isolate ? { ...ISOLATION_HEADERS, 'Cross-Origin-Resource-Policy': 'same-origin' } : {};
    if (!file.startsWith(root + path.sep) || !fs.existsSync(file) || !fs.statSync(file).isFile()) {
      res.writeHead(404, { ...headers, 'Content-Type': 'text/plain' }).end(`not found: ${url}\n`);
      return;
    }
    const name = path.basename(file);
    headers['Content-Type'] = TYPES[path.extname(file)] ?? 'application/octet-stream';
    headers['Cache-Control'] = name.startsWith('chunk-') ? 'public, max-age=31536000, immutable' : name.startsWith('llvm') ? 'public, max-age=604800' : 'no-cache';
    headers['Content-Length'] = String(fs.statSync(file).size);
    res.writeHead(200, headers);
    if (req.method === 'HEAD') { res.end(); return; }
    fs.createReadStream(file).pipe(res);
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve(server));
  });
}

async function main(argv: string[]): Promise<void> {
  let buildDir: string | undefined, port = 8080;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--build') buildDir = argv[++i];
    else if (a === '--port') port = Number(argv[++i]);
    else if (a === '--help' || a === '-h') {
      process.stdout.write('usage: npm run playground [-- --port N]      build and serve on 127.0.0.1\n       npm run playground -- --build DIR      write the static site to DIR\n');
      return;
    } else throw new Error(`unknown option ${a}; expected --build DIR or --port N`);
  }
  if (argv.includes('--build') && !buildDir) throw new Error('--build needs a folder: npm run playground -- --build DIR');
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port: expected a port number (0-65535), found ${argv[argv.indexOf('--port') + 1]}`);
  const out = path.resolve(buildDir ?? path.join(ROOT, 'playground/out'));
  const r = await bundlePlayground(out);
  const shown = out.startsWith(process.cwd() + path.sep) ? path.relative(process.cwd(), out) : out;
  process.stderr.write(`built the playground in ${shown}: ${r.files} files, ${(r.bytes / 1e6).toFixed(1)} MB, ${r.millis} ms\n`);
  if (buildDir) {
    process.stderr.write(`serve it with the headers in ${path.join(shown, '_headers')} (see README.txt there)\n`);
    return;
  }
  const server = await serveStatic(out, port);
  process.stdout.write(`kitsune playground: http://127.0.0.1:${(server.address() as AddressInfo).port}/\n`);
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(new URL(import.meta.url).pathname)) {
  main(process.argv.slice(2)).catch((e: Error) => {
    process.stderr.write(`playground: ${e.message}\n`);
    process.exit(1);
  });
}

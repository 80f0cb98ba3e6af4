// The control endpoint of `kitsune run`: a Unix socket that `kitsune update`
// talks to, one JSON line each way.
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import fs from 'node:fs';
import type { KitsuneProcess, UpdateResult } from '../wasm-driver/index.js';
import { KitsuneError } from '../format/errors.js';

export function defaultControlPath(pid = process.pid): string {
  return path.join(os.tmpdir(), `kitsune-${pid}.sock`);
}

/** TARGET of `kitsune update`: a pid or a control path. */
export function resolveTarget(target: string): string {
  return /^\d+$/.test(target) ? defaultControlPath(Number(target)) : target;
}

export interface UpdateRequest { next: string; snapshot?: boolean; timeoutMs?: number }

export function serveControl(controlPath: string, proc: KitsuneProcess): () => void {
  try { fs.unlinkSync(controlPath); } catch { /* not there */ }
  const server = net.createServer((sock) => {
    let buf = '';
    sock.on('data', async (d) => {
      buf += d.toString();
      const nl = buf.indexOf('\n');
      if (nl < 0) return;
      const line = buf.slice(0, nl);
      buf = '';
      let reply: unknown;
      try {
        const req = JSON.parse(line) as UpdateRequest;
        reply = await proc.update(req.next, { snapshot: req.snapshot, timeoutMs: req.timeoutMs });
      } catch (e) {
        reply = { outcome: 'refused', stage: 'read', reason: (e as Error).message, timings: {} };
      }
      sock.end(JSON.stringify(reply) + '\n');
    });
    sock.on('error', () => {});
  });
  server.listen(controlPath);
  server.unref();
  return () => { server.close(); try { fs.unlinkSync(controlPath); } catch { /* gone */ } };
}

export function requestUpdate(controlPath: string, req: UpdateRequest): Promise<UpdateResult> {
  return new Promise((resolve, reject) => {
    const sock = net.connect(controlPath);
    let buf = '';
    sock.on('connect', () => sock.write(JSON.stringify(req) + '\n'));
    sock.on('data', (d) => (buf += d.toString()));
    sock.on('end', () => {
      try { resolve(JSON.parse(buf)); } catch { reject(new KitsuneError('E_NO_PROCESS', `${controlPath}: the runner closed the connection without an answer`)); }
    });
    sock.on('error', (e: NodeJS.ErrnoException) => {
      reject(new KitsuneError('E_NO_PROCESS', e.code === 'ENOENT' || e.code === 'ECONNREFUSED'
        ? `no kitsune runner listens at ${controlPath}; start one with \`kitsune run --control ${controlPath} APP.wasm\` or give its pid`
        : `${controlPath}: ${e.message}`));
    });
  });
}

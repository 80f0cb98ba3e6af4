// A small memcached text-protocol client for the kv demo's tests and
// benchmark: one TCP connection, requests answered in order, each answer
// timed, so the longest wait a client saw is known. Beside it, what the
// benchmarks and tests of the other servers share: a free port, a native
// server spawned, one line asked on a connection of its own.
import net from 'node:net';
import { spawn } from 'node:child_process';

type Kind = 'line' | 'values';
interface Pending { kind: Kind; resolve(s: string): void; reject(e: Error): void; sent: number }

export class KvClient {
  private buf = '';
  private queue: Pending[] = [];
  /** Longest time any request of this connection waited for its answer, in ms. */
  maxWait = 0;
  closed = false;
  error: Error | undefined;

  private constructor(readonly socket: net.Socket) {
    socket.setEncoding('latin1');
    socket.setNoDelay(true);
    socket.on('data', (d: string) => { this.buf += d; this.drain(); });
    const end = (e?: Error) => {
      this.closed = true;
      this.error ??= e ?? new Error('connection closed by the server');
      for (const p of this.queue.splice(0)) p.reject(this.error);
    };
    socket.on('error', end);
    socket.on('close', () => end());
  }

  static connect(port: number, host = '127.0.0.1'): Promise<KvClient> {
    return new Promise((resolve, reject) => {
      const s = net.connect({ host, port }, () => { s.off('error', reject); resolve(new KvClient(s)); });
      s.once('error', reject);
    });
  }

  private drain() {
    for (;;) {
      const p = this.queue[0];
      if (!p) return;
      let end: number;
      if (p.kind === 'line') end = this.buf.indexOf('\r\n') + 2;
      else {
        // VALUE blocks up to END (or an error line).
        end = 0;
        let at = 0;
        for (;;) {
          const nl = this.buf.indexOf('\r\n', at);
          if (nl < 0) { end = 1; break; }
          const line = this.buf.slice(at, nl);
          if (line === 'END' || /ERROR/.test(line)) { end = nl + 2; break; }
          const m = /^VALUE \S+ \d+ (\d+)/.exec(line);
          if (!m) { end = nl + 2; break; }
          at = nl + 2 + Number(m[1]) + 2;
          if (at > this.buf.length) { end = 1; break; }
        }
      }
      if (end <= 1) return;
      const answer = this.buf.slice(0, end);
      this.buf = this.buf.slice(end);
      this.queue.shift();
      this.maxWait = Math.max(this.maxWait, performance.now() - p.sent);
      p.resolve(answer);
    }
  }

  /** Sends a raw command; resolves with the raw answer. */
  request(text: string, kind: Kind = 'line'): Promise<string> {
    if (this.closed) return Promise.reject(this.error);
    return new Promise((resolve, reject) => {
      this.queue.push({ kind, resolve, reject, sent: performance.now() });
      this.socket.write(text);
    });
  }

  set(key: string, value: string, flags = 0): Promise<string> {
    return this.request(`set ${key} ${flags} 0 ${Buffer.byteLength(value, 'latin1')}\r\n${value}\r\n`);
  }

  async get(key: string): Promise<string | null> {
    const a = await this.request(`get ${key}\r\n`, 'values');
    const m = /^VALUE \S+ \d+ (\d+)\r\n/.exec(a);
    return m ? a.slice(m[0].length, m[0].length + Number(m[1])) : a === 'END\r\n' ? null : Promise.reject(new Error(`unexpected answer to get ${key}: ${JSON.stringify(a)}`));
  }

  close(): void { this.socket.end(); }
}

export interface LoadResult { rps: number; requests: number; maxWait: number; wrong: number; dropped: number }

/**
 * `connections` clients in request-response loops (half get, half set) for
 * `seconds`, or while `during` runs; what they saw.
 */
export async function load(port: number, connections: number, seconds: number, during?: () => Promise<void>): Promise<LoadResult> {
  const clients = await Promise.all(Array.from({ length: connections }, () => KvClient.connect(port)));
  let stop = false, done = 0, wrong = 0;
  const t0 = performance.now();
  const loops = clients.map(async (c, ci) => {
    for (let i = 0; !stop; i++) {
      const key = `k${(ci * 7919 + i) % 1000}`;
      if (i & 1) { if ((await c.set(key, `value-${i}`)) !== 'STORED\r\n') wrong++; }
      else await c.get(key);
      done++;
    }
  });
  if (during) await during(); else await new Promise((r) => setTimeout(r, seconds * 1000));
  stop = true;
  await Promise.all(loops);
  const elapsed = (performance.now() - t0) / 1000;
  const maxWait = Math.max(...clients.map((c) => c.maxWait));
  const dropped = clients.filter((c) => c.closed).length;
  for (const c of clients) c.close();
  return { rps: done / elapsed, requests: done, maxWait, wrong, dropped };
}

/** A free TCP port on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => { const p = (s.address() as net.AddressInfo).port; s.close(() => resolve(p)); });
    s.on('error', reject);
  });
}

/** A native server binary, spawned with its port; its stdout is watched (for "listening"). */
export function startNative(binary: string, port: number): { out(): string; kill(): Promise<void> } {
  let out = '';
  const child = spawn(binary, [String(port)], { stdio: ['ignore', 'pipe', 'inherit'] });
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (d: string) => { out += d; });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  return { out: () => out, kill: async () => { child.kill('SIGTERM'); await exited; } };
}

/** One request on a connection of its own, as a line-protocol client does: the reply line. */
export function ask(port: number, line: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1');
    let got = '';
    s.setTimeout(20_000, () => s.destroy(new Error(`no answer to ${line}`)));
    s.on('connect', () => s.write(line + '\n'));
    s.on('data', (d) => { got += d; if (got.endsWith('\n')) s.end(); });
    s.on('close', () => resolve(got.trim()));
    s.on('error', reject);
  });
}

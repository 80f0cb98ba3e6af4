// TCP sockets, host side. They live on the host thread (node:net), not in the
// program's worker, so they belong to the process: a connection opened by one
// version is still open, with the bytes that arrived meanwhile, when the next
// version takes over. The worker calls in synchronously (SharedState.call)
// and every call here answers at once, never waiting for the network: the
// worker blocks on the readiness words this side publishes. Received bytes
// go into the connection's receive ring when it has one (common/receive-rings.ts),
// where the worker takes them without a call. Node only.
import type * as Net from 'node:net';
import { isNode } from '../../format/platform.js';
import { READABLE, WRITABLE, HANGUP, ERROR, type SharedState, type RpcAnswer } from '../common/shared-state.js';
import { E, errnoFromNode } from '../common/errno.js';
import type { Sandbox } from './sandbox.js';

/** Bytes queued for the program before the host stops reading a connection. */
const HIGH_WATER = 4 << 20;
/** Bytes queued for the peer before send() would block. */
const SEND_HIGH_WATER = 1 << 20;

interface Sock {
  fd: number;
  family: 4 | 6;
  server?: Net.Server;
  listening?: boolean;
  conn?: Net.Socket;
  connecting?: boolean;
  pending: Sock[];
  queue: Buffer[];
  queued: number;
  eof: boolean;
  error: number;
  closed: boolean;
  opts: Map<string, number>;
  local?: { address: string; port: number };
}

type Req = Record<string, any>;
const ok = (res: Record<string, unknown> = {}, data?: Uint8Array): RpcAnswer => ({ res: { errno: 0, ...res }, data });
const fail = (errno: number): RpcAnswer => ({ res: { errno } });

export class HostSockets {
  private socks = new Map<number, Sock>();
  private net: typeof Net | undefined;
  constructor(private readonly shared: SharedState, private readonly sandbox: Sandbox, private readonly nodeOnlyNotice: (what: string) => void) {}

  private async loadNet(): Promise<typeof Net | undefined> {
    if (!isNode) { this.nodeOnlyNotice('sockets'); return undefined; }
    this.net ??= await import('node:net');
    return this.net;
  }

  private newSock(fd: number, family: 4 | 6): Sock {
    return { fd, family, pending: [], queue: [], queued: 0, eof: false, error: 0, closed: false, opts: new Map() };
  }

  private publish(s: Sock): void {
    // A closed socket's late events must not touch the word of the descriptor's next owner.
    if (s.closed || s.fd < 0) return;
    let bits = 0;
    if (s.server) bits = s.pending.length ? READABLE : 0;
    else if (s.conn) {
      if (s.queued || s.eof || s.error) bits |= READABLE;
      if (!s.connecting && (s.error || s.eof || s.conn.writableLength < SEND_HIGH_WATER)) bits |= WRITABLE;
      if (s.error) bits |= ERROR | HANGUP;
      else if (s.eof && s.conn.writableEnded) bits |= HANGUP;
    }
    this.shared.setReady(s.fd, bits);
  }

  /**
   * Moves what is queued for the program into its receive ring, oldest first,
   * as far as the ring has room: the worker takes it from there without a
   * call. What does not fit stays queued, and recv's host call serves it once
   * the ring is empty, so the program reads every byte in order.
   */
  private fill(s: Sock): void {
    if (s.closed || s.fd < 0 || !this.shared.rx.has(s.fd)) return;
    while (s.queue.length) {
      const head = s.queue[0];
      const n = this.shared.rx.put(s.fd, head);
      s.queued -= n;
      if (n < head.length) { s.queue[0] = head.subarray(n); break; }
      s.queue.shift();
    }
    if (s.conn?.isPaused() && s.queued < HIGH_WATER / 2) s.conn.resume();
  }

  private attach(s: Sock, c: Net.Socket): void {
    s.conn = c;
    c.on('data', (d: Buffer) => {
      s.queue.push(d);
      s.queued += d.length;
      this.fill(s);
      if (s.queued > HIGH_WATER) c.pause();
      this.publish(s);
    });
    c.on('end', () => { s.eof = true; this.publish(s); });
    c.on('error', (e) => { s.error ||= errnoFromNode(e); this.publish(s); });
    c.on('close', () => { s.eof = true; this.publish(s); });
    c.on('drain', () => this.publish(s));
    if (s.opts.get('nodelay')) c.setNoDelay(true);
    if (s.opts.get('keepalive')) c.setKeepAlive(true);
  }

  async handle(req: Req, data?: Uint8Array): Promise<RpcAnswer> {
    const s = this.socks.get(req.fd as number);
    switch (req.op) {
      case 'sock.open': {
        if (!(await this.loadNet())) return fail(E.NOTSUP);
        this.socks.set(req.fd, this.newSock(req.fd, req.family));
        this.shared.setReady(req.fd, 0);
        return ok();
      }
      case 'sock.bind': case 'sock.listen': {
        if (!s) return fail(E.BADF);
        if (req.op === 'sock.listen' && s.server) { s.listening = true; return ok(); }
        if (s.server || s.conn) return fail(E.INVAL);
        const host = req.op === 'sock.bind' ? req.host as string : s.family === 6 ? '::' : '0.0.0.0';
        const port = req.op === 'sock.bind' ? req.port as number : 0;
        if (!this.sandbox.allowNet('listen on', host, port)) return fail(E.ACCES);
        const net = this.net!;
        // The host socket is bound and listening at bind(): errors (EADDRINUSE) show where POSIX puts them.
        // Half-open as in POSIX: a peer that shuts down its side (an HTTP/1.0 client, `nc -N`) still gets the answer.
        const server = net.createServer({ noDelay: !!s.opts.get('nodelay'), allowHalfOpen: true });
        server.on('connection', (c) => {
          // Bytes a client sends before accept() are kept for the program.
          const n = this.newSock(-1, s.family);
          n.opts = new Map(s.opts);
          this.attach(n, c);
          s.pending.push(n);
          this.publish(s);
        });
        const err = await new Promise<number>((resolve) => {
          server.once('error', (e) => resolve(errnoFromNode(e)));
          server.listen({ host, port, backlog: 511, ipv6Only: !!s.opts.get('v6only') }, () => resolve(0));
        });
        if (err) return fail(err);
        server.on('error', () => {});
        s.server = server;
        s.listening = req.op === 'sock.listen';
        const a = server.address() as Net.AddressInfo;
        s.local = { address: a.address, port: a.port };
        return ok();
      }
      case 'sock.accept': {
        if (!s) return fail(E.BADF);
        if (!s.server) return fail(E.INVAL);
        const n = s.pending.shift();
        this.publish(s);
        if (!n) return fail(E.AGAIN);
        n.fd = req.newFd;
        this.socks.set(n.fd, n);
        this.shared.rx.assign(n.fd);
        this.fill(n);
        this.publish(n);
        const c = n.conn!;
        return ok({ peer: { address: c.remoteAddress ?? '', port: c.remotePort ?? 0, family: c.remoteFamily === 'IPv6' ? 6 : 4 } });
      }
      case 'sock.connect': {
        if (!s) return fail(E.BADF);
        if (s.conn) return fail(s.connecting ? E.ALREADY : E.ISCONN);
        if (!this.sandbox.allowNet('connect to', req.host, req.port)) return fail(E.ACCES);
        const c = this.net!.connect({ host: req.host, port: req.port, noDelay: !!s.opts.get('nodelay'), allowHalfOpen: true });
        s.connecting = true;
        this.shared.rx.assign(s.fd);
        this.attach(s, c);
        const done = new Promise<number>((resolve) => {
          c.once('connect', () => { s.connecting = false; this.publish(s); resolve(0); });
          c.once('error', (e) => { s.connecting = false; s.error = errnoFromNode(e); this.publish(s); resolve(s.error); });
        });
        if (req.nonblock) return fail(E.INPROGRESS);
        const e = await done;
        if (e) { s.error = 0; s.conn = undefined; c.destroy(); this.publish(s); }
        return e ? fail(e) : ok();
      }
      case 'sock.recv': {
        if (!s) return fail(E.BADF);
        if (!s.conn) return fail(E.NOTCONN);
        // Bytes came into the ring since the worker looked: they are older than the queue's.
        if (this.shared.rx.available(s.fd)) return ok({ n: 0, ring: true });
        if (!s.queued) {
          if (s.error) { const e = s.error; if (s.eof) s.error = 0; return fail(e); }
          if (s.eof) return ok({ n: 0 });
          return fail(E.AGAIN);
        }
        const max = Math.min(req.max as number, s.queued);
        const out = new Uint8Array(max);
        let off = 0;
        for (let i = 0; off < max; i++) {
          const head = s.queue[i];
          const n = Math.min(head.length, max - off);
          out.set(head.subarray(0, n), off);
          off += n;
        }
        if (!req.peek) {
          let left = max;
          while (left > 0) {
            const head = s.queue[0];
            if (head.length <= left) { left -= head.length; s.queue.shift(); } else { s.queue[0] = head.subarray(left); left = 0; }
          }
          s.queued -= max;
          if (s.queued < HIGH_WATER / 2 && s.conn.isPaused()) s.conn.resume();
          // The ring is empty (above): what is left of the queue follows these bytes into it.
          this.fill(s);
        }
        this.publish(s);
        return ok({ n: max }, out);
      }
      case 'sock.send': {
        if (!s) return fail(E.BADF);
        if (!s.conn || s.connecting) return fail(E.NOTCONN);
        if (s.error) return fail(s.error);
        if (s.conn.writableEnded || s.conn.destroyed) return fail(E.PIPE);
        if (s.conn.writableLength >= SEND_HIGH_WATER) return fail(E.AGAIN);
        s.conn.write(Buffer.from(data ?? new Uint8Array(0)));
        this.publish(s);
        return ok({ n: data?.length ?? 0 });
      }
      case 'sock.shutdown': {
        if (!s) return fail(E.BADF);
        if (!s.conn) return fail(E.NOTCONN);
        if (req.how & 2) s.conn.end();
        if (req.how & 1) { s.queue = []; s.queued = 0; s.eof = true; this.shared.rx.discard(s.fd); }
        this.publish(s);
        return ok();
      }
      case 'sock.close': {
        if (!s) return fail(E.BADF);
        this.close(s);
        return ok();
      }
      case 'sock.keep': {
        // A fresh worker took over from a stopped one: the sockets it does not have were the stopped new version's.
        const keep = new Set(req.fds as number[]);
        for (const x of [...this.socks.values()]) if (!keep.has(x.fd)) this.close(x);
        return ok();
      }
      case 'sock.setopt': {
        if (!s) return fail(E.BADF);
        const v = req.value as number;
        s.opts.set(req.name, v);
        if (s.conn && req.name === 'nodelay') s.conn.setNoDelay(!!v);
        if (s.conn && req.name === 'keepalive') s.conn.setKeepAlive(!!v);
        return ok();
      }
      case 'sock.getopt': {
        if (!s) return fail(E.BADF);
        if (req.name === 'error') { const e = s.error; s.error = 0; this.publish(s); return ok({ value: e }); }
        if (req.name === 'acceptconn') return ok({ value: s.listening ? 1 : 0 });
        return ok({ value: s.opts.get(req.name) ?? 0 });
      }
      case 'sock.name': {
        if (!s) return fail(E.BADF);
        if (req.peer) {
          if (!s.conn || s.connecting || !s.conn.remoteAddress) return fail(E.NOTCONN);
          return ok({ address: s.conn.remoteAddress, port: s.conn.remotePort, family: s.conn.remoteFamily === 'IPv6' ? 6 : 4 });
        }
        if (s.local) return ok({ ...s.local, family: s.family });
        if (s.conn?.localAddress) return ok({ address: s.conn.localAddress, port: s.conn.localPort, family: s.conn.localFamily === 'IPv6' ? 6 : 4 });
        return ok({ address: s.family === 6 ? '::' : '0.0.0.0', port: 0, family: s.family });
      }
      case 'dns.lookup': {
        if (!isNode) { this.nodeOnlyNotice('name resolution'); return fail(E.NOTSUP); }
        if (!this.sandbox.allowNet('resolve', req.host, null)) return fail(E.ACCES);
        const dns = await import('node:dns/promises');
        try {
          const all = await dns.lookup(req.host, { all: true, family: req.family || 0 });
          this.sandbox.noteResolved(req.host, all.map((a) => a.address));
          return ok({ addresses: all.map((a) => ({ address: a.address, family: a.family })) });
        } catch {
          return fail(E.NOENT);
        }
      }
    }
    return fail(E.NOSYS);
  }

  private close(s: Sock): void {
    this.shared.rx.release(s.fd);
    s.closed = true;
    this.socks.delete(s.fd);
    this.shared.setReady(s.fd, 0);
    if (s.server) {
      s.server.close();
      for (const p of s.pending) p.conn?.destroy();
    }
    if (s.conn) {
      // Whatever the program wrote still goes out, then FIN.
      s.conn.end();
      s.conn.removeAllListeners('data');
      s.conn.on('error', () => {});
      setTimeout(() => s.conn?.destroy(), 5000).unref?.();
    }
  }

  /** Performs the sends the program queued in the outbox (socket-calls.ts sendCore). */
  drainOutbox(): void {
    for (const { fd, data } of this.shared.takeOutbox()) {
      const s = this.socks.get(fd);
      if (!s?.conn || s.conn.destroyed || s.conn.writableEnded) { if (s) { s.error ||= E.PIPE; this.publish(s); } continue; }
      s.conn.write(Buffer.from(data.buffer, data.byteOffset, data.length));
      this.publish(s);
    }
  }

  /** When the program ends: every socket closes, as the kernel would do. */
  closeAll(): void {
    this.drainOutbox();
    for (const s of [...this.socks.values()]) this.close(s);
  }
}

// A TCP socket descriptor, worker side. The connection itself lives on the
// host thread (host/sockets.ts), so it belongs to the process and outlives
// every version; this side reads the readiness word the host publishes for
// the descriptor and its receive ring, and calls the host synchronously for
// the rest.
import { E } from '../common/errno.js';
import { READABLE, WRITABLE, RPC_CAPACITY, type SharedState } from '../common/shared-state.js';
import { Fd, type FdRecord } from './fd.js';
import { FILETYPE, FDFLAGS, type Fdstat, type Iovec } from './wasi-codecs.js';
import type { ProgramMemory } from './memory.js';
import type { Waits } from './waits.js';

export const MSG_PEEK = 1, MSG_DONTWAIT = 0x40;

export class SocketFd extends Fd {
  readonly filetype = FILETYPE.SOCKET_STREAM;
  constructor(
    /** The host's number for the connection (host/sockets.ts) and its readiness word: the program's descriptor number unless dup2 moved it. */
    readonly fd: number, readonly family: 4 | 6, nonblock: boolean,
    private readonly mem: ProgramMemory, private readonly shared: SharedState, private readonly waits: Waits,
  ) {
    super();
    this.nonblock = nonblock;
  }

  /** The host's bits, and readable while the receive ring holds bytes (the host does not see the worker take them). */
  readiness(): number {
    const bits = Atomics.load(this.shared.ready, this.fd);
    return this.shared.rx.available(this.fd) ? bits | READABLE : bits;
  }

  fdstat(): Fdstat {
    return { filetype: this.filetype, flags: this.nonblock ? FDFLAGS.NONBLOCK : 0, rightsBase: 0x1fffffffn & ~0x24n, rightsInheriting: 0n };
  }

  /** A short read is a read: only the first non-empty buffer is filled. */
  readv(iovs: Iovec[]): number {
    const v = iovs.find((x) => x.len > 0);
    return v ? this.recv(v.ptr, v.len, 0) : 0;
  }

  writev(iovs: Iovec[]): number {
    let total = 0;
    for (const v of iovs) {
      if (!v.len) continue;
      const r = this.send(v.ptr, v.len, 0);
      if (r < 0) return total ? total : r;
      total += r;
      if (r < v.len) break;
    }
    return total;
  }

  close(): number {
    this.shared.call({ op: 'sock.close', fd: this.fd });
    return E.SUCCESS;
  }

  /** The connection lives on the host thread: a fresh worker only needs its number. */
  record(): FdRecord { return { kind: 'socket', fd: this.fd, family: this.family, nonblock: this.nonblock }; }

  /** recv(), and read() on the socket: the count, or minus the errno. */
  recv(buf: number, len: number, flags: number): number {
    if (len === 0) return 0;
    const peek = (flags & MSG_PEEK) !== 0;
    for (;;) {
      // The fast path: bytes already in the receive ring, taken without a host call.
      const got = this.shared.rx.take(this.fd, this.mem.u8, buf, len, peek);
      if (got) return got;
      // The rest (a queue beyond the ring, end of stream, an error) is the host's to say.
      if (Atomics.load(this.shared.ready, this.fd) & (READABLE | 8)) {
        const r = this.shared.call({ op: 'sock.recv', fd: this.fd, max: Math.min(len, RPC_CAPACITY - 1024), peek });
        const errno = r.res.errno as number;
        if (!errno) {
          if (r.res.ring) continue;
          const n = r.res.n as number;
          if (n) this.mem.u8.set(r.data!, buf);
          return n;
        }
        if (errno !== E.AGAIN) return -errno;
      }
      if (this.nonblock || flags & MSG_DONTWAIT) return -E.AGAIN;
      // Reads restart after an update request (SA_RESTART), and after handlers installed with SA_RESTART.
      if (this.waits.block(() => this.readiness(), READABLE, { restart: true }) === 'intr') return -E.INTR;
    }
  }

  /** send(), and write() on the socket: a blocking socket sends everything. The count, or minus the errno. */
  send(buf: number, len: number, flags: number): number {
    const shared = this.shared;
    const dontWait = this.nonblock || (flags & MSG_DONTWAIT) !== 0;
    let sent = 0;
    // The fast path: a connected socket with room goes through the outbox, and send() returns at once.
    while (sent < len && (this.readiness() & (WRITABLE | 8)) === WRITABLE) {
      const n = Math.min(len - sent, 64 * 1024);
      if (!shared.post(this.fd, this.mem.u8.slice(buf + sent, buf + sent + n))) {
        if (dontWait) return sent ? sent : -E.AGAIN;
        shared.waitOutbox(100);
        continue;
      }
      sent += n;
    }
    if (sent === len && len > 0) return sent;
    while (sent < len || len === 0) {
      const n = Math.min(len - sent, RPC_CAPACITY - 1024);
      const r = shared.call({ op: 'sock.send', fd: this.fd }, this.mem.u8.slice(buf + sent, buf + sent + n));
      const errno = r.res.errno as number;
      if (!errno) { sent += r.res.n as number; if (len === 0) break; continue; }
      if (errno !== E.AGAIN) return sent ? sent : -errno;
      if (dontWait) return sent ? sent : -E.AGAIN;
      if (this.waits.block(() => this.readiness(), WRITABLE, { restart: true }) === 'intr') return sent ? sent : -E.INTR;
    }
    return sent;
  }
}

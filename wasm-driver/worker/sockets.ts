// The BSD socket calls, worker side: they check arguments, read and write
// sockaddrs in the program's memory, and call the host thread (sockets.ts),
// which owns the connections. Blocking calls wait on the readiness words the
// host publishes, never spinning. TCP over IPv4 and IPv6 only.
import { E } from '../common/errno.js';
import { parseV4, parseV6, formatV6 } from '../common/ip-address.js';
import { READABLE, MAX_FDS, type SharedState } from '../common/shared-state.js';
import type { FdTable } from './fd.js';
import { SocketFd, MSG_PEEK, MSG_DONTWAIT } from './fd-socket.js';
import { PairFd } from './fd-pipe.js';
import type { ProgramMemory } from './memory.js';
import type { HostFn } from './signals.js';
import type { Waits } from './waits.js';

// wasi-libc's values (sys/socket.h, netinet/in.h).
const AF_UNSPEC = 0, AF_INET = 1, AF_INET6 = 2;
const SOCK_STREAM = 6, SOCK_NONBLOCK = 0x4000, SOCK_CLOEXEC = 0x2000, MSG_NOSIGNAL = 0x4000;
const SOL_SOCKET = 0x7fffffff, IPPROTO_TCP = 6, IPPROTO_IPV6 = 41;
const OPTS: Record<string, string> = {
  [`${SOL_SOCKET}:2`]: 'reuseaddr', [`${SOL_SOCKET}:4`]: 'error', [`${SOL_SOCKET}:7`]: 'sndbuf', [`${SOL_SOCKET}:8`]: 'rcvbuf',
  [`${SOL_SOCKET}:9`]: 'keepalive', [`${SOL_SOCKET}:13`]: 'linger', [`${SOL_SOCKET}:15`]: 'reuseport', [`${SOL_SOCKET}:30`]: 'acceptconn',
  [`${SOL_SOCKET}:3`]: 'type', [`${IPPROTO_TCP}:1`]: 'nodelay', [`${IPPROTO_IPV6}:26`]: 'v6only',
};
const EAI = { NONAME: -2, AGAIN: -3, FAIL: -4, FAMILY: -6, SOCKTYPE: -7, SERVICE: -8, MEMORY: -10, SYSTEM: -11 };
const EAI_TEXT: Record<number, string> = {
  [-1]: 'Invalid flags', [-2]: 'Name does not resolve', [-3]: 'Try again', [-4]: 'Non-recoverable error', [-5]: 'No data',
  [-6]: 'Unrecognized address family or invalid length', [-7]: 'Unrecognized socket type', [-8]: 'Unrecognized service',
  [-10]: 'Out of memory', [-11]: 'System error', [-12]: 'Overflow',
};
const SERVICES: Record<string, number> = { http: 80, https: 443, ftp: 21, ssh: 22, telnet: 23, smtp: 25, memcache: 11211, memcached: 11211 };

export interface SockAddr { family: 4 | 6; host: string; port: number }

export interface SocketsContext { mem: ProgramMemory; shared: SharedState; fds: FdTable; waits: Waits }

export function socketCalls(c: SocketsContext): Record<string, HostFn> {
  const { mem: px, shared, fds, waits } = c;
  const call = (req: Record<string, unknown>, data?: Uint8Array) => shared.call(req, data);
  /**
   * The host's number for a new socket: the program's descriptor number,
   * unless an open socket dup'ed elsewhere still has it.
   */
  const hostId = (want: number): number => {
    const used = new Set<number>();
    for (const f of fds.live()) if (f instanceof SocketFd) used.add(f.fd);
    if (!used.has(want)) return want;
    for (let id = 3; id < MAX_FDS; id++) if (!used.has(id)) return id;
    return -1;
  };
  /** The socket at `fd`, or -1 with errno set (EBADF, or ENOTSOCK for another kind). */
  const sockOr = (fd: number): SocketFd | -1 => {
    const s = fds.as(fd, SocketFd, E.NOTSOCK);
    return typeof s === 'number' ? (px.fail(-s), -1) : s;
  };

  function readAddr(ptr: number, len: number): SockAddr | number {
    if (!ptr || len < 2) return E.INVAL;
    const dv = px.dv;
    const family = dv.getUint16(ptr, true);
    const port = dv.getUint16(ptr + 2, false);
    if (family === AF_INET) {
      if (len < 8) return E.INVAL;
      return { family: 4, port, host: Array.from(px.u8.subarray(ptr + 4, ptr + 8)).join('.') };
    }
    if (family === AF_INET6) {
      if (len < 24) return E.INVAL;
      return { family: 6, port, host: formatV6(px.u8.slice(ptr + 8, ptr + 24)) };
    }
    return E.AFNOSUPPORT;
  }

  /** Writes a sockaddr for `a`, truncated to *lenPtr; *lenPtr gets the full size. */
  function writeAddr(ptr: number, lenPtr: number, a: { address: string; port: number; family: number }): void {
    if (!ptr || !lenPtr) return;
    const room = px.dv.getUint32(lenPtr, true);
    const tmp = new Uint8Array(32);
    const dv = new DataView(tmp.buffer);
    let size: number;
    const v4 = a.family === 4 ? parseV4(a.address) : null;
    if (v4) {
      dv.setUint16(0, AF_INET, true); dv.setUint16(2, a.port, false); tmp.set(v4, 4); size = 16;
    } else {
      dv.setUint16(0, AF_INET6, true); dv.setUint16(2, a.port, false); tmp.set(parseV6(a.address) ?? new Uint8Array(16), 8); size = 32;
    }
    px.u8.set(tmp.subarray(0, Math.min(room, size)), ptr);
    px.dv.setUint32(lenPtr, size, true);
  }


  const fns: Record<string, HostFn> = {
    socket: (domain, type, protocol) => {
      if (domain !== AF_INET && domain !== AF_INET6) return px.fail(E.AFNOSUPPORT);
      if ((type & ~(SOCK_NONBLOCK | SOCK_CLOEXEC)) !== SOCK_STREAM) return px.fail(E.PROTONOSUPPORT);
      if (protocol !== 0 && protocol !== IPPROTO_TCP) return px.fail(E.PROTONOSUPPORT);
      const fd = fds.lowestFree();
      const id = fd < 0 ? -1 : hostId(fd);
      if (id < 0) return px.fail(E.MFILE);
      const family = domain === AF_INET ? 4 : 6;
      const r = call({ op: 'sock.open', fd: id, family });
      if (r.res.errno) return px.fail(r.res.errno as number);
      fds.set(fd, new SocketFd(id, family, (type & SOCK_NONBLOCK) !== 0, px, shared, waits));
      return fd;
    },
    bind: (fd, addr, len) => {
      const s = sockOr(fd);
      if (s === -1) return -1;
      const a = readAddr(addr, len);
      if (typeof a === 'number') return px.fail(a);
      const r = call({ op: 'sock.bind', fd: s.fd, host: a.host, port: a.port });
      return r.res.errno ? px.fail(r.res.errno as number) : 0;
    },
    listen: (fd) => {
      const s = sockOr(fd);
      if (s === -1) return -1;
      const r = call({ op: 'sock.listen', fd: s.fd });
      return r.res.errno ? px.fail(r.res.errno as number) : 0;
    },
    accept4: (fd, addr, lenPtr, flags) => {
      const s = sockOr(fd);
      if (s === -1) return -1;
      for (;;) {
        const newFd = fds.lowestFree();
        const id = newFd < 0 ? -1 : hostId(newFd);
        if (id < 0) return px.fail(E.MFILE);
        const r = call({ op: 'sock.accept', fd: s.fd, newFd: id });
        const errno = r.res.errno as number;
        if (!errno) {
          fds.set(newFd, new SocketFd(id, s.family, (flags & SOCK_NONBLOCK) !== 0, px, shared, waits));
          writeAddr(addr, lenPtr, r.res.peer as { address: string; port: number; family: number });
          return newFd;
        }
        if (errno !== E.AGAIN || s.nonblock) return px.fail(errno);
        // An update request does not interrupt it (SA_RESTART, as with Kitsune's
        // SIGUSR2): a blocking accept loop reaches its update point at the next
        // connection. A server that should update while idle waits in poll or select.
        // With threads, the acceptor's accept ends (EINTR), as under Kitsune's
        // ktthreads, so that every thread can reach its point (threads.ts).
        const w = waits.block(() => s.readiness(), READABLE, { restart: true, threadsInterrupt: true });
        if (w === 'intr') return px.fail(E.INTR);
      }
    },
    accept: (fd, addr, lenPtr) => fns.accept4(fd, addr, lenPtr, 0) as number,
    connect: (fd, addr, len) => {
      const s = sockOr(fd);
      if (s === -1) return -1;
      const a = readAddr(addr, len);
      if (typeof a === 'number') return px.fail(a);
      const r = call({ op: 'sock.connect', fd: s.fd, host: a.host, port: a.port, nonblock: s.nonblock });
      return r.res.errno ? px.fail(r.res.errno as number) : 0;
    },
    recv: (fd, buf, len, flags) => recvInto(fd, buf, len, flags),
    recvfrom: (fd, buf, len, flags, addr, lenPtr) => {
      const n = recvInto(fd, buf, len, flags);
      const s = n >= 0 && addr ? fds.get(fd) : undefined;
      if (s instanceof SocketFd) { const r = call({ op: 'sock.name', fd: s.fd, peer: true }); if (!r.res.errno) writeAddr(addr, lenPtr, r.res as never); }
      return n;
    },
    send: (fd, buf, len, flags) => sendFrom(fd, buf, len, flags),
    sendto: (fd, buf, len, flags) => sendFrom(fd, buf, len, flags),
    shutdown: (fd, how) => {
      const pair = fds.get(fd);
      if (pair instanceof PairFd) return how < 1 || how > 3 ? px.fail(E.INVAL) : pair.shutdown(how);
      const s = sockOr(fd);
      if (s === -1) return -1;
      // wasi-libc: SHUT_RD 1, SHUT_WR 2, SHUT_RDWR 3.
      if (how < 1 || how > 3) return px.fail(E.INVAL);
      const r = call({ op: 'sock.shutdown', fd: s.fd, how });
      return r.res.errno ? px.fail(r.res.errno as number) : 0;
    },
    setsockopt: (fd, level, name, valPtr, len) => {
      const s = sockOr(fd);
      if (s === -1) return -1;
      const opt = OPTS[`${level}:${name}`];
      if (!opt) return px.fail(E.NOPROTOOPT);
      const value = len >= 4 ? px.dv.getInt32(valPtr, true) : len >= 1 ? px.u8[valPtr] : 0;
      const r = call({ op: 'sock.setopt', fd: s.fd, name: opt, value });
      return r.res.errno ? px.fail(r.res.errno as number) : 0;
    },
    getsockopt: (fd, level, name, valPtr, lenPtr) => {
      const s = sockOr(fd);
      if (s === -1) return -1;
      const opt = OPTS[`${level}:${name}`];
      if (!opt) return px.fail(E.NOPROTOOPT);
      let value: number;
      if (opt === 'type') value = SOCK_STREAM;
      else {
        const r = call({ op: 'sock.getopt', fd: s.fd, name: opt });
        if (r.res.errno) return px.fail(r.res.errno as number);
        value = r.res.value as number;
      }
      if (px.dv.getUint32(lenPtr, true) >= 4) { px.dv.setInt32(valPtr, value, true); px.dv.setUint32(lenPtr, 4, true); }
      return 0;
    },
    getsockname: (fd, addr, lenPtr) => names(fd, addr, lenPtr, false),
    getpeername: (fd, addr, lenPtr) => names(fd, addr, lenPtr, true),
    getaddrinfo: (node, service, hints, res) => getaddrinfo(node, service, hints, res),
    freeaddrinfo: (p) => {
      while (p) { const next = px.dv.getUint32(p + 28, true); px.rt.free(p); p = next; }
    },
    gai_strerror: (code) => cstr(EAI_TEXT[code] ?? 'Unknown error'),
    // Numeric only (as with NI_NUMERICHOST | NI_NUMERICSERV): no reverse lookups.
    getnameinfo: (sa, salen, host, hostlen, serv, servlen, flags) => {
      const a = readAddr(sa, salen);
      if (typeof a === 'number') return EAI.FAMILY;
      if (flags & 8 /* NI_NAMEREQD */) return EAI.NONAME;
      const put = (ptr: number, len: number, text: string) => {
        const b = new TextEncoder().encode(text + '\0');
        if (b.length > len) return false;
        px.u8.set(b, ptr);
        return true;
      };
      if (host && hostlen && !put(host, hostlen, a.host)) return -12; // EAI_OVERFLOW
      if (serv && servlen && !put(serv, servlen, String(a.port))) return -12;
      return 0;
    },
  };

  function names(fd: number, addr: number, lenPtr: number, peer: boolean): number {
    const s = sockOr(fd);
    if (s === -1) return -1;
    const r = call({ op: 'sock.name', fd: s.fd, peer });
    if (r.res.errno) return px.fail(r.res.errno as number);
    writeAddr(addr, lenPtr, r.res as never);
    return 0;
  }

  const strings = new Map<string, number>();
  function cstr(s: string): number {
    let p = strings.get(s);
    if (p === undefined) {
      const b = new TextEncoder().encode(s + '\0');
      p = px.rt.malloc(b.length);
      px.u8.set(b, p);
      strings.set(s, p);
    }
    return p;
  }

  function getaddrinfo(nodePtr: number, servPtr: number, hints: number, resPtr: number): number {
    const dv = px.dv;
    const flags = hints ? dv.getInt32(hints, true) : 0;
    const family = hints ? dv.getInt32(hints + 4, true) : AF_UNSPEC;
    const socktype = hints ? dv.getInt32(hints + 8, true) : 0;
    if (family !== AF_UNSPEC && family !== AF_INET && family !== AF_INET6) return EAI.FAMILY;
    if (socktype !== 0 && socktype !== SOCK_STREAM) return EAI.SOCKTYPE;
    if (!nodePtr && !servPtr) return EAI.NONAME;
    let port = 0;
    if (servPtr) {
      const sv = px.cstring(servPtr);
      if (/^\d+$/.test(sv)) port = Number(sv);
      else if (flags & 0x400 || !(sv in SERVICES)) return EAI.SERVICE;
      else port = SERVICES[sv];
      if (port > 65535) return EAI.SERVICE;
    }
    let addrs: { address: string; family: 4 | 6 }[];
    if (!nodePtr) {
      const passive = (flags & 1) !== 0;
      addrs = [{ address: passive ? '0.0.0.0' : '127.0.0.1', family: 4 }, { address: passive ? '::' : '::1', family: 6 }];
    } else {
      const node = px.cstring(nodePtr);
      if (parseV4(node)) addrs = [{ address: node, family: 4 }];
      else if (parseV6(node)) addrs = [{ address: node, family: 6 }];
      else if (flags & 4) return EAI.NONAME;
      else if (node.toLowerCase() === 'localhost') addrs = [{ address: '127.0.0.1', family: 4 }, { address: '::1', family: 6 }];
      else {
        const r = call({ op: 'dns.lookup', host: node, family: family === AF_INET ? 4 : family === AF_INET6 ? 6 : 0 });
        if (r.res.errno === E.ACCES) { px.fail(E.ACCES); return EAI.SYSTEM; }
        if (r.res.errno) return r.res.errno === E.NOENT ? EAI.NONAME : EAI.FAIL;
        addrs = r.res.addresses as typeof addrs;
      }
    }
    addrs = addrs.filter((a) => family === AF_UNSPEC || (family === AF_INET ? a.family === 4 : a.family === 6));
    if (!addrs.length) return EAI.NONAME;
    const malloc = px.rt.malloc;
    let head = 0, prev = 0;
    for (const a of addrs) {
      // One block: the addrinfo (32 bytes), then its sockaddr (32 bytes, 16-aligned).
      const p = malloc(64);
      if (!p) return EAI.MEMORY;
      px.u8.fill(0, p, p + 64);
      const d = px.dv;
      d.setInt32(p, flags, true);
      d.setInt32(p + 4, a.family === 4 ? AF_INET : AF_INET6, true);
      d.setInt32(p + 8, SOCK_STREAM, true);
      d.setInt32(p + 12, IPPROTO_TCP, true);
      d.setUint32(p + 20, p + 32, true);
      const lenCell = p + 16;
      d.setUint32(lenCell, 32, true);
      writeAddr(p + 32, lenCell, { address: a.address, port, family: a.family });
      if (prev) px.dv.setUint32(prev + 28, p, true); else head = p;
      prev = p;
    }
    px.dv.setUint32(resPtr, head, true);
    return 0;
  }

  /** recv(): the count, or -1 with errno set. */
  function recvInto(fd: number, buf: number, len: number, flags: number): number {
    const pair = fds.get(fd);
    if (pair instanceof PairFd) {
      const r = pair.recv(buf, len, { dontWait: (flags & MSG_DONTWAIT) !== 0, peek: (flags & MSG_PEEK) !== 0 });
      return r < 0 ? px.fail(-r) : r;
    }
    const s = sockOr(fd);
    if (s === -1) return -1;
    const r = s.recv(buf, len, flags);
    return r < 0 ? px.fail(-r) : r;
  }

  /** send(): the count, or -1 with errno set. */
  function sendFrom(fd: number, buf: number, len: number, flags: number): number {
    const pair = fds.get(fd);
    if (pair instanceof PairFd) {
      const r = pair.send(buf, len, { dontWait: (flags & MSG_DONTWAIT) !== 0, noSignal: (flags & MSG_NOSIGNAL) !== 0 });
      return r < 0 ? px.fail(-r) : r;
    }
    const s = sockOr(fd);
    if (s === -1) return -1;
    const r = s.send(buf, len, flags);
    return r < 0 ? px.fail(-r) : r;
  }

  return fns;
}


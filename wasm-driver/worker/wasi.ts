// wasi_snapshot_preview1 for the persistent runtime's libc, inside the
// program's worker. Each call decodes its structs (wasi-codecs.ts), looks the
// descriptor up (fd.ts) and dispatches; blocking calls block the worker on
// Atomics.wait (waits.ts), never the host thread.
import { E } from '../common/errno.js';
import { Ctl, READABLE, WRITABLE, HANGUP, type SharedState } from '../common/shared-state.js';
import { now } from '../common/clock.js';
import { ExitSignal } from '../../format/errors.js';
import type { FdTable } from './fd.js';
import { DirFd } from './fd-file.js';
import { SocketFd } from './fd-socket.js';
import { StdinFd } from './fd-stdio.js';
import type { ProgramMemory } from './memory.js';
import type { Waits } from './waits.js';
import {
  EVENTTYPE, LOOKUPFLAGS_SYMLINK_FOLLOW, SUBCLOCKFLAGS_ABSTIME,
  readIovecs, readSubscriptions, writeEvent, writeFdstat, writeFilestat, type Subscription,
} from './wasi-codecs.js';

export interface WasiContext {
  args: string[];
  env: Record<string, string>;
  mem: ProgramMemory;
  fds: FdTable;
  shared: SharedState;
  waits: Waits;
}

type WasiFn = (...args: never[]) => number;
const enc = new TextEncoder();
const dec = new TextDecoder();

export function wasiImports(c: WasiContext): WebAssembly.ModuleImports {
  const { mem, fds } = c;
  const envList = () => Object.entries(c.env).map(([k, v]) => `${k}=${v}`);
  const writeStrings = (list: string[], ptrs: number, buf: number) => {
    const dv = mem.dv, u8 = mem.u8;
    for (const s of list) {
      dv.setUint32(ptrs, buf, true); ptrs += 4;
      const b = enc.encode(s + '\0');
      u8.set(b, buf); buf += b.length;
    }
    return E.SUCCESS;
  };
  const sizes = (list: string[], countPtr: number, sizePtr: number) => {
    mem.dv.setUint32(countPtr, list.length, true);
    mem.dv.setUint32(sizePtr, list.reduce((n, s) => n + enc.encode(s).length + 1, 0), true);
    return E.SUCCESS;
  };
  /** A result >= 0 goes to *out (u32); a negative one is minus the errno. */
  const put32 = (r: number, out: number) => { if (r < 0) return -r; mem.dv.setUint32(out, r, true); return E.SUCCESS; };
  const iovs = (p: number, n: number) => readIovecs(mem.dv, p, n);
  const dir = (fd: number) => fds.as(fd, DirFd, E.NOTDIR);
  const path = (p: number, l: number) => dec.decode(mem.u8.slice(p, p + l));
  const sock = (fd: number) => fds.as(fd, SocketFd, E.NOTSOCK);

  const calls: Record<string, WasiFn> = {
    args_get: (ptrs: number, buf: number) => writeStrings(c.args, ptrs, buf),
    args_sizes_get: (n: number, s: number) => sizes(c.args, n, s),
    environ_get: (ptrs: number, buf: number) => writeStrings(envList(), ptrs, buf),
    environ_sizes_get: (n: number, s: number) => sizes(envList(), n, s),

    fd_read: (fd: number, v: number, n: number, out: number) => { const f = fds.get(fd); return f ? put32(f.readv(iovs(v, n)), out) : E.BADF; },
    fd_write: (fd: number, v: number, n: number, out: number) => { const f = fds.get(fd); return f ? put32(f.writev(iovs(v, n)), out) : E.BADF; },
    fd_pread: (fd: number, v: number, n: number, offset: bigint, out: number) => { const f = fds.get(fd); return f ? put32(f.preadv(iovs(v, n), Number(offset)), out) : E.BADF; },
    fd_pwrite: (fd: number, v: number, n: number, offset: bigint, out: number) => { const f = fds.get(fd); return f ? put32(f.pwritev(iovs(v, n), Number(offset)), out) : E.BADF; },
    fd_seek: (fd: number, offset: bigint, whence: number, out: number) => {
      const f = fds.get(fd);
      if (!f) return E.BADF;
      const r = f.seek(Number(offset), whence);
      if (r < 0) return -r;
      mem.dv.setBigUint64(out, BigInt(r), true);
      return E.SUCCESS;
    },
    fd_tell: (fd: number, out: number) => {
      const f = fds.get(fd);
      if (!f) return E.BADF;
      const r = f.tell();
      if (r < 0) return -r;
      mem.dv.setBigUint64(out, BigInt(r), true);
      return E.SUCCESS;
    },
    fd_fdstat_get: (fd: number, out: number) => { const f = fds.get(fd); if (!f) return E.BADF; writeFdstat(mem.dv, out, f.fdstat()); return E.SUCCESS; },
    fd_fdstat_set_flags: (fd: number, flags: number) => fds.get(fd)?.setFlags(flags) ?? E.BADF,
    fd_filestat_get: (fd: number, out: number) => {
      const f = fds.get(fd);
      if (!f) return E.BADF;
      const st = f.filestat();
      if (typeof st === 'number') return st;
      writeFilestat(mem.dv, out, st);
      return E.SUCCESS;
    },
    fd_filestat_set_size: (fd: number, size: bigint) => fds.get(fd)?.setSize(Number(size)) ?? E.BADF,
    fd_close: (fd: number) => {
      const f = fds.get(fd);
      if (!f) return E.BADF;
      if (!f.closable && fd <= 2) return E.SUCCESS;
      return fds.release(fd);
    },
    fd_sync: () => E.SUCCESS,
    fd_datasync: () => E.SUCCESS,
    fd_prestat_get: (fd: number, out: number) => {
      const name = fds.get(fd)?.preopen;
      if (name === undefined) return E.BADF;
      mem.dv.setUint32(out, 0, true);
      mem.dv.setUint32(out + 4, enc.encode(name).length, true);
      return E.SUCCESS;
    },
    fd_prestat_dir_name: (fd: number, out: number, len: number) => {
      const name = fds.get(fd)?.preopen;
      if (name === undefined) return E.BADF;
      mem.u8.set(enc.encode(name).subarray(0, len), out);
      return E.SUCCESS;
    },
    fd_readdir: (fd: number, buf: number, len: number, cookie: bigint, used: number) => {
      const f = fds.get(fd);
      if (!f) return E.BADF;
      const r = f.readdir(Number(cookie), len);
      if (typeof r === 'number') return r;
      mem.u8.set(r, buf);
      mem.dv.setUint32(used, r.length, true);
      return E.SUCCESS;
    },

    path_open: (dirfd: number, _dirflags: number, p: number, l: number, oflags: number, rights: bigint, _inheriting: bigint, fdflags: number, out: number) => {
      const d = dir(dirfd);
      if (typeof d === 'number') return -d;
      const fd = fds.lowestFree();
      if (fd < 0) return E.MFILE;
      const f = d.openAt(path(p, l), oflags, rights, fdflags);
      if (typeof f === 'number') return f;
      fds.set(fd, f);
      mem.dv.setUint32(out, fd, true);
      return E.SUCCESS;
    },
    path_create_directory: (dirfd: number, p: number, l: number) => { const d = dir(dirfd); return typeof d === 'number' ? -d : d.mkdirAt(path(p, l)); },
    path_remove_directory: (dirfd: number, p: number, l: number) => { const d = dir(dirfd); return typeof d === 'number' ? -d : d.rmdirAt(path(p, l)); },
    path_unlink_file: (dirfd: number, p: number, l: number) => { const d = dir(dirfd); return typeof d === 'number' ? -d : d.unlinkAt(path(p, l)); },
    path_rename: (fd1: number, p1: number, l1: number, fd2: number, p2: number, l2: number) => {
      const a = dir(fd1), b = dir(fd2);
      if (typeof a === 'number') return -a;
      if (typeof b === 'number') return -b;
      return a.renameAt(path(p1, l1), b, path(p2, l2));
    },
    path_filestat_get: (dirfd: number, flags: number, p: number, l: number, out: number) => {
      const d = dir(dirfd);
      if (typeof d === 'number') return -d;
      const st = d.statAt(path(p, l), (flags & LOOKUPFLAGS_SYMLINK_FOLLOW) !== 0);
      if (typeof st === 'number') return st;
      writeFilestat(mem.dv, out, st);
      return E.SUCCESS;
    },

    sock_recv: (fd: number, v: number, n: number, flags: number, outLen: number, outFlags: number) => {
      const s = sock(fd);
      if (typeof s === 'number') return -s;
      const first = iovs(v, n).find((x) => x.len > 0);
      const r = first ? s.recv(first.ptr, first.len, flags) : 0;
      if (r < 0) return -r;
      mem.dv.setUint32(outLen, r, true);
      mem.dv.setUint16(outFlags, 0, true);
      return E.SUCCESS;
    },
    sock_send: (fd: number, v: number, n: number, _flags: number, outLen: number) => {
      const s = sock(fd);
      return typeof s === 'number' ? -s : put32(s.writev(iovs(v, n)), outLen);
    },
    // accept() itself is replaced for versions (sockets.ts, which fills in the peer's address).
    sock_accept: (fd: number) => { const s = sock(fd); return typeof s === 'number' ? -s : E.NOSYS; },
    sock_shutdown: (fd: number, how: number) => {
      const s = sock(fd);
      return typeof s === 'number' ? -s : (c.shared.call({ op: 'sock.shutdown', fd: s.fd, how }).res.errno as number) ?? 0;
    },

    clock_res_get: (_id: number, out: number) => { mem.dv.setBigUint64(out, 1000n, true); return E.SUCCESS; },
    clock_time_get: (id: number, _precision: bigint, out: number) => {
      const ns = id === 0 ? BigInt(Math.round(now() * 1e6)) : BigInt(Math.round(performance.now() * 1e6));
      mem.dv.setBigUint64(out, ns, true);
      return E.SUCCESS;
    },
    random_get: (ptr: number, len: number) => {
      // getRandomValues refuses shared views: fill a private buffer and copy.
      const tmp = new Uint8Array(len);
      for (let i = 0; i < len; i += 65536) crypto.getRandomValues(tmp.subarray(i, Math.min(len, i + 65536)));
      mem.u8.set(tmp, ptr);
      return E.SUCCESS;
    },
    sched_yield: () => E.SUCCESS,
    poll_oneoff: (inPtr: number, outPtr: number, n: number, nevents: number) => pollOneoff(c, inPtr, outPtr, n, nevents),
    proc_exit: (code: number) => { throw new ExitSignal(code); },
  };
  return new Proxy(calls, { get: (t, name: string) => t[name] ?? (() => E.NOSYS) }) as WebAssembly.ModuleImports;
}

/**
 * Clock and descriptor subscriptions (poll, select). A signal whose handler
 * ran ends the wait with EINTR (poll and select are never restarted). An
 * update request ends it as the call would end without one (waits.ts): with
 * a timeout (a clock subscription) as if the timeout had passed, 0 ready;
 * without one with EINTR, the only early return such a wait has.
 */
function pollOneoff(c: WasiContext, inPtr: number, outPtr: number, n: number, neventsPtr: number): number {
  const { mem, fds, shared, waits } = c;
  const subs = readSubscriptions(mem.dv, inPtr, n);
  const start = performance.now();
  let deadline = Infinity;
  for (const s of subs) {
    if (s.tag !== EVENTTYPE.CLOCK) continue;
    const ms = Number(s.timeout) / 1e6;
    // The clock id sits where an fd would: realtime (0) is wall time, the others monotonic.
    const clockNow = s.fd === 0 ? now() : performance.now();
    deadline = Math.min(deadline, s.flags & SUBCLOCKFLAGS_ABSTIME ? start + (ms - clockNow) : start + ms);
  }
  const clocks = subs.filter((s) => s.tag === EVENTTYPE.CLOCK);
  const state = (s: Subscription) => {
    const f = fds.get(s.fd);
    if (!f) return { fire: true, error: E.BADF, hup: false };
    const r = f.readiness();
    const want = s.tag === EVENTTYPE.FD_READ ? READABLE : WRITABLE;
    return { fire: (r & (want | HANGUP | 8)) !== 0, error: 0, hup: (r & HANGUP) !== 0 };
  };
  const ready = () => subs.filter((s) => s.tag !== EVENTTYPE.CLOCK && state(s).fire);
  let fired = ready();
  while (!fired.length) {
    const wake = Atomics.load(shared.ctl, Ctl.Wake);
    if (waits.deliver()) return E.INTR;
    fired = ready();
    if (fired.length) break;
    if (deadline - performance.now() <= 0) { fired = clocks; break; }
    if (waits.updateRequested()) {
      if (!clocks.length) return E.INTR;
      fired = clocks;
      break;
    }
    const left = deadline - performance.now();
    Atomics.wait(shared.ctl, Ctl.Wake, wake, left === Infinity ? undefined : Math.max(0, left));
    fired = ready();
  }
  const dv = mem.dv;
  fired.forEach((s, i) => {
    const st = s.tag === EVENTTYPE.CLOCK ? { error: 0, hup: false } : state(s);
    const stdin = fds.get(s.fd) instanceof StdinFd;
    writeEvent(dv, outPtr + 32 * i, { userdata: s.userdata, error: st.error, type: s.tag, nbytes: BigInt(s.tag === EVENTTYPE.FD_READ && stdin ? shared.stdinAvailable() : 1), hangup: st.hup });
  });
  dv.setUint32(neventsPtr, fired.length, true);
  return E.SUCCESS;
}

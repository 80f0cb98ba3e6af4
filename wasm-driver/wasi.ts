// wasi_snapshot_preview1 for the persistent runtime's libc, inside the
// program's worker. Blocking calls block the worker on Atomics.wait, never the
// host thread. Descriptors are the process's (posix.ts): stdio and the
// sockets the host serves; no files unless granted (sandbox.ts).
import type { SharedState } from './shared-state.js';
import { Ctl, READABLE, WRITABLE, HANGUP } from './shared-state.js';
import { Posix } from './posix.js';
import { recvCore, sendCore } from './socket-calls.js';
import { E } from './errno.js';
import type { OpenFile } from './files.js';

export const enum Errno { SUCCESS = 0, AGAIN = 6, BADF = 8, INTR = 27, INVAL = 28, NOSYS = 52, NOTSOCK = 57, SPIPE = 70 }

export class ExitSignal extends Error {
  constructor(readonly code: number) { super(`exit(${code})`); this.name = 'ExitSignal'; }
}

export interface WasiOptions {
  args: string[];
  env: Record<string, string>;
  shared: SharedState;
  write(fd: 1 | 2, bytes: Uint8Array): void;
  isTTY: { stdin: boolean; stdout: boolean; stderr: boolean };
}

const enc = new TextEncoder();
const FILETYPE_CHARACTER_DEVICE = 2, FILETYPE_SOCKET_STREAM = 6;
const FDFLAGS_NONBLOCK = 4;
const EVENTRWFLAGS_HANGUP = 1;
const FILETYPE_DIRECTORY = 3, FILETYPE_REGULAR_FILE = 4;
const FDFLAGS_APPEND = 1;
const dec = new TextDecoder();

export function now(): number {
  return performance.timeOrigin + performance.now();
}

export class Wasi {
  private memory!: WebAssembly.Memory;
  readonly posix: Posix;
  private stdinNonblock = false;
  constructor(private readonly o: WasiOptions) {
    this.posix = new Posix(o.shared, o.isTTY, o.shared.dirs);
  }

  bind(memory: WebAssembly.Memory): void { this.memory = memory; this.posix.bind(memory); }

  // Views are made afresh on each call: memory.grow replaces the buffer.
  private get dv() { return new DataView(this.memory.buffer); }
  private get u8() { return new Uint8Array(this.memory.buffer); }

  private writeStrings(list: string[], ptrs: number, buf: number): number {
    const dv = this.dv, u8 = this.u8;
    for (const s of list) {
      dv.setUint32(ptrs, buf, true); ptrs += 4;
      const b = enc.encode(s + '\0');
      u8.set(b, buf); buf += b.length;
    }
    return Errno.SUCCESS;
  }

  private sizes(list: string[], countPtr: number, sizePtr: number): number {
    this.dv.setUint32(countPtr, list.length, true);
    this.dv.setUint32(sizePtr, list.reduce((n, s) => n + enc.encode(s).length + 1, 0), true);
    return Errno.SUCCESS;
  }

  private iovecs(iovs: number, n: number): { ptr: number; len: number }[] {
    const dv = this.dv;
    return Array.from({ length: n }, (_, i) => ({ ptr: dv.getUint32(iovs + 8 * i, true), len: dv.getUint32(iovs + 8 * i + 4, true) }));
  }

  private envList(): string[] { return Object.entries(this.o.env).map(([k, v]) => `${k}=${v}`); }

  /** read() of stdin: blocking (restarted after update requests), or as termios VMIN/VTIME say in raw mode. */
  private readStdin(want: number): Uint8Array | number {
    const shared = this.o.shared;
    if (this.stdinNonblock) {
      if (shared.stdinAvailable() > 0) return shared.takeStdin(want);
      return shared.stdinClosed() ? new Uint8Array(0) : Errno.AGAIN;
    }
    const raw = this.posix.terminal.raw;
    if (raw && raw.min === 0) {
      // VMIN 0: wait at most VTIME tenths of a second, then return what there is (maybe nothing).
      const deadline = performance.now() + raw.time * 100;
      for (;;) {
        const seq = Atomics.load(shared.ctl, Ctl.Wake);
        if (shared.stdinAvailable() > 0 || shared.stdinClosed()) return shared.takeStdin(want);
        if (shared.deliver() && !this.posix.signals.lastRestart) return Errno.INTR;
        const left = deadline - performance.now();
        if (left <= 0) return new Uint8Array(0);
        Atomics.wait(shared.ctl, Ctl.Wake, seq, left);
      }
    }
    const data = shared.readStdin(want, () => !this.posix.signals.lastRestart);
    return data ?? Errno.INTR;
  }

  imports(): Record<string, (...args: never[]) => number | bigint | void> {
    const o = this.o;
    const px = this.posix;
    const nosys = () => Errno.NOSYS;
    const known = (fd: number) => px.fds.has(fd);
    const base: Record<string, (...args: number[]) => number> = {
      args_get: (ptrs, buf) => this.writeStrings(o.args, ptrs, buf),
      args_sizes_get: (c, s) => this.sizes(o.args, c, s),
      environ_get: (ptrs, buf) => this.writeStrings(this.envList(), ptrs, buf),
      environ_sizes_get: (c, s) => this.sizes(this.envList(), c, s),
      fd_write: (fd, iovs, n, outPtr) => {
        let total = 0;
        if (px.socket(fd)) {
          for (const v of this.iovecs(iovs, n)) {
            if (!v.len) continue;
            const r = sendCore(px, fd, v.ptr, v.len, 0);
            if (r < 0) { if (total) break; return -r; }
            total += r;
            if (r < v.len) break;
          }
        } else if (px.fds.get(fd)?.kind === 'file') {
          const f = (px.fds.get(fd) as { file: OpenFile }).file;
          for (const v of this.iovecs(iovs, n)) {
            if (!v.len) continue;
            const r = px.files.write(f, this.u8.slice(v.ptr, v.ptr + v.len));
            if (r < 0) { if (total) break; return -r; }
            total += r;
          }
        } else if (fd === 1 || fd === 2) {
          // One message per call: libc writes a line as its buffer plus the rest, in two iovecs.
          const parts = this.iovecs(iovs, n).filter((v) => v.len > 0);
          const bytes = new Uint8Array(parts.reduce((s, v) => s + v.len, 0));
          for (const v of parts) { bytes.set(this.u8.subarray(v.ptr, v.ptr + v.len), total); total += v.len; }
          if (total) o.write(fd, bytes);
        } else return Errno.BADF;
        this.dv.setUint32(outPtr, total, true);
        return Errno.SUCCESS;
      },
      fd_read: (fd, iovs, n, outPtr) => {
        // A short read is a read: only the first non-empty buffer is filled.
        const v = this.iovecs(iovs, n).find((x) => x.len > 0);
        if (px.socket(fd)) {
          if (!v) { this.dv.setUint32(outPtr, 0, true); return Errno.SUCCESS; }
          const r = recvCore(px, fd, v.ptr, v.len, 0);
          if (r < 0) return -r;
          this.dv.setUint32(outPtr, r, true);
          return Errno.SUCCESS;
        }
        const fe = px.fds.get(fd);
        if (fe?.kind === 'file') {
          let total = 0;
          for (const x of this.iovecs(iovs, n)) {
            if (!x.len) continue;
            const tmp = new Uint8Array(x.len);
            const r = px.files.read(fe.file, tmp);
            if (r < 0) { if (total) break; return -r; }
            this.u8.set(tmp.subarray(0, r), x.ptr);
            total += r;
            if (r < x.len) break;
          }
          this.dv.setUint32(outPtr, total, true);
          return Errno.SUCCESS;
        }
        if (fe?.kind === 'dir') return E.ISDIR;
        if (fd !== 0) return Errno.BADF;
        const vs = this.iovecs(iovs, n);
        const want = vs.reduce((t, x) => t + x.len, 0);
        const data = this.readStdin(want);
        if (typeof data === 'number') return data;
        let off = 0;
        for (const x of vs) {
          const part = data.subarray(off, off + x.len);
          this.u8.set(part, x.ptr);
          off += part.length;
          if (off >= data.length) break;
        }
        this.dv.setUint32(outPtr, data.length, true);
        return Errno.SUCCESS;
      },
      fd_fdstat_get: (fd, ptr) => {
        const fe = px.fds.get(fd);
        if (fe?.kind === 'file' || fe?.kind === 'dir') {
          const dv = this.dv;
          dv.setUint8(ptr, fe.kind === 'file' ? FILETYPE_REGULAR_FILE : FILETYPE_DIRECTORY);
          dv.setUint16(ptr + 2, fe.kind === 'file' && fe.file.append ? FDFLAGS_APPEND : 0, true);
          const rights = fe.kind === 'file' ? (fe.file.read ? 0x2n : 0n) | (fe.file.write ? 0x40n : 0n) | (0x1fffffffn & ~0x42n) : 0x1fffffffn;
          dv.setBigUint64(ptr + 8, rights, true);
          dv.setBigUint64(ptr + 16, 0x1fffffffn, true);
          return Errno.SUCCESS;
        }
        const s = px.socket(fd);
        if (!s && fd > 2) return Errno.BADF;
        const tty = [o.isTTY.stdin, o.isTTY.stdout, o.isTTY.stderr][fd];
        const dv = this.dv;
        // A terminal is a character device without seek rights, as isatty() checks.
        dv.setUint8(ptr, s ? FILETYPE_SOCKET_STREAM : tty ? FILETYPE_CHARACTER_DEVICE : 0);
        dv.setUint16(ptr + 2, (s ? s.nonblock : fd === 0 && this.stdinNonblock) ? FDFLAGS_NONBLOCK : 0, true);
        dv.setBigUint64(ptr + 8, tty ? 0xffn & ~0x24n : s ? 0x1fffffffn & ~0x24n : 0xffffffffn, true);
        dv.setBigUint64(ptr + 16, 0n, true);
        return Errno.SUCCESS;
      },
      fd_fdstat_set_flags: (fd, flags) => {
        const s = px.socket(fd);
        if (s) { s.nonblock = (flags & FDFLAGS_NONBLOCK) !== 0; return Errno.SUCCESS; }
        if (fd === 0) this.stdinNonblock = (flags & FDFLAGS_NONBLOCK) !== 0;
        return fd > 2 ? Errno.BADF : Errno.SUCCESS;
      },
      fd_close: (fd) => {
        const fe = px.fds.get(fd);
        if (fe?.kind === 'file' || (fe?.kind === 'dir' && !fe.preopen)) {
          px.files.close(fe.kind === 'file' ? fe.file : fe.dir);
          px.fds.delete(fd);
          return Errno.SUCCESS;
        }
        if (px.socket(fd)) {
          px.fds.delete(fd);
          o.shared.call({ op: 'sock.close', fd });
          return Errno.SUCCESS;
        }
        return fd > 2 ? Errno.BADF : Errno.SUCCESS;
      },
      fd_tell: (fd, ptr) => {
        const fe = px.fds.get(fd);
        if (fe?.kind !== 'file') return known(fd) ? Errno.SPIPE : Errno.BADF;
        this.dv.setBigUint64(ptr, BigInt(fe.file.pos), true);
        return Errno.SUCCESS;
      },
      fd_sync: () => Errno.SUCCESS,
      fd_datasync: () => Errno.SUCCESS,
      fd_prestat_get: (fd, ptr) => {
        const fe = px.fds.get(fd);
        if (fe?.kind !== 'dir' || !fe.preopen) return Errno.BADF;
        this.dv.setUint32(ptr, 0, true);
        this.dv.setUint32(ptr + 4, enc.encode(fe.preopen).length, true);
        return Errno.SUCCESS;
      },
      fd_prestat_dir_name: (fd, ptr, len) => {
        const fe = px.fds.get(fd);
        if (fe?.kind !== 'dir' || !fe.preopen) return Errno.BADF;
        this.u8.set(enc.encode(fe.preopen).subarray(0, len), ptr);
        return Errno.SUCCESS;
      },
      fd_readdir: (fd, buf, len, _cookie, usedPtr) => {
        const fe = px.fds.get(fd);
        if (fe?.kind !== 'dir') return known(fd) ? E.NOTDIR : Errno.BADF;
        const r = px.files.readdir(fe.dir, Number(_cookie as unknown as bigint), len);
        if (typeof r === 'number') return r;
        this.u8.set(r, buf);
        this.dv.setUint32(usedPtr, r.length, true);
        return Errno.SUCCESS;
      },
      path_create_directory: (dirfd, p, l) => this.pathOp(dirfd, p, l, 'mkdir', true, (real) => px.files.fs.mkdirSync(real)),
      path_remove_directory: (dirfd, p, l) => this.pathOp(dirfd, p, l, 'rmdir', false, (real) => px.files.fs.rmdirSync(real)),
      path_unlink_file: (dirfd, p, l) => {
        // Unlinking a symlink removes the link, wherever it points.
        const real = this.resolveAt(dirfd, p, l, 'unlink', false, false);
        return typeof real === 'number' ? real : px.files.op(() => px.files.fs.unlinkSync(real));
      },
      path_rename: (fd1, p1, l1, fd2, p2, l2) => {
        const from = this.resolveAt(fd1, p1, l1, 'rename', false, false);
        if (typeof from === 'number') return from;
        const to = this.resolveAt(fd2, p2, l2, 'rename to', true, false);
        if (typeof to === 'number') return to;
        return px.files.op(() => px.files.fs.renameSync(from, to));
      },
      path_filestat_get: (dirfd, flags, p, l, out) => {
        const real = this.resolveAt(dirfd, p, l, 'stat', false, (flags & 1) !== 0);
        if (typeof real === 'number') return real;
        const st = px.files.stat(real, (flags & 1) !== 0);
        if (typeof st === 'number') return st;
        this.u8.set(st, out);
        return Errno.SUCCESS;
      },
      fd_filestat_get: (fd, ptr) => {
        const fe = px.fds.get(fd);
        if (fe?.kind === 'file' || (fe?.kind === 'dir' && !fe.preopen)) {
          const st = px.files.stat(fe.kind === 'file' ? fe.file : fe.dir.path);
          if (typeof st === 'number') return st;
          this.u8.set(st, ptr);
          return Errno.SUCCESS;
        }
        if (!known(fd)) return Errno.BADF;
        this.u8.fill(0, ptr, ptr + 64);
        this.dv.setUint8(ptr + 16, px.socket(fd) ? FILETYPE_SOCKET_STREAM : FILETYPE_CHARACTER_DEVICE);
        return Errno.SUCCESS;
      },
      sock_recv: (fd, iovs, n, flags, outLen, outFlags) => {
        const v = this.iovecs(iovs, n).find((x) => x.len > 0);
        const r = v ? recvCore(px, fd, v.ptr, v.len, flags) : 0;
        if (r < 0) return -r;
        this.dv.setUint32(outLen, r, true);
        this.dv.setUint16(outFlags, 0, true);
        return Errno.SUCCESS;
      },
      sock_send: (fd, iovs, n, _flags, outLen) => {
        let total = 0;
        for (const v of this.iovecs(iovs, n)) {
          if (!v.len) continue;
          const r = sendCore(px, fd, v.ptr, v.len, 0);
          if (r < 0) { if (total) break; return -r; }
          total += r;
        }
        this.dv.setUint32(outLen, total, true);
        return Errno.SUCCESS;
      },
      // accept() itself is replaced for versions (socket-calls.ts, which fills in the peer's address).
      sock_accept: (fd) => (px.socket(fd) ? Errno.NOSYS : known(fd) ? Errno.NOTSOCK : Errno.BADF),
      sock_shutdown: (fd, how) => {
        if (!px.socket(fd)) return known(fd) ? Errno.NOTSOCK : Errno.BADF;
        return (o.shared.call({ op: 'sock.shutdown', fd, how }).res.errno as number) ?? 0;
      },
      clock_res_get: (_id, ptr) => { this.dv.setBigUint64(ptr, 1000n, true); return Errno.SUCCESS; },
      random_get: (ptr, len) => {
        // getRandomValues refuses shared views: fill a private buffer and copy.
        const tmp = new Uint8Array(len);
        for (let i = 0; i < len; i += 65536) crypto.getRandomValues(tmp.subarray(i, Math.min(len, i + 65536)));
        this.u8.set(tmp, ptr);
        return Errno.SUCCESS;
      },
      sched_yield: () => Errno.SUCCESS,
      poll_oneoff: (inPtr, outPtr, n, neventsPtr) => this.pollOneoff(inPtr, outPtr, n, neventsPtr),
      proc_exit: (code) => { throw new ExitSignal(code); },
    };
    const big = {
      path_open: (dirfd: number, _dirflags: number, p: number, l: number, oflags: number, rights: bigint, _inh: bigint, fdflags: number, out: number) => {
        const real = this.resolveAt(dirfd, p, l, (rights & (1n << 6n)) || oflags & 1 ? 'open for writing' : 'open', (oflags & 1) !== 0);
        if (typeof real === 'number') return real;
        const fd = px.allocFd();
        if (fd < 0) return E.MFILE;
        const f = px.files.open(real, oflags, rights, fdflags);
        if (typeof f === 'number') return f;
        px.fds.set(fd, f.kind === 'file' ? { kind: 'file', file: f } : { kind: 'dir', dir: f });
        this.dv.setUint32(out, fd, true);
        return Errno.SUCCESS;
      },
      fd_seek: (fd: number, offset: bigint, whence: number, out: number) => {
        const fe = px.fds.get(fd);
        if (fe?.kind !== 'file') return known(fd) ? Errno.SPIPE : Errno.BADF;
        const base = whence === 0 ? 0 : whence === 1 ? fe.file.pos : px.files.size(fe.file);
        const pos = base + Number(offset);
        if (pos < 0) return Errno.INVAL;
        fe.file.pos = pos;
        this.dv.setBigUint64(out, BigInt(pos), true);
        return Errno.SUCCESS;
      },
      fd_pread: (fd: number, iovs: number, n: number, offset: bigint, out: number) => {
        const fe = px.fds.get(fd);
        if (fe?.kind !== 'file') return known(fd) ? Errno.SPIPE : Errno.BADF;
        let total = 0, at = Number(offset);
        for (const x of this.iovecs(iovs, n)) {
          const tmp = new Uint8Array(x.len);
          const r = px.files.read(fe.file, tmp, at);
          if (r < 0) return -r;
          this.u8.set(tmp.subarray(0, r), x.ptr);
          total += r; at += r;
          if (r < x.len) break;
        }
        this.dv.setUint32(out, total, true);
        return Errno.SUCCESS;
      },
      fd_pwrite: (fd: number, iovs: number, n: number, offset: bigint, out: number) => {
        const fe = px.fds.get(fd);
        if (fe?.kind !== 'file') return known(fd) ? Errno.SPIPE : Errno.BADF;
        let total = 0, at = Number(offset);
        for (const x of this.iovecs(iovs, n)) {
          const r = px.files.write(fe.file, this.u8.slice(x.ptr, x.ptr + x.len), at);
          if (r < 0) return -r;
          total += r; at += r;
        }
        this.dv.setUint32(out, total, true);
        return Errno.SUCCESS;
      },
      fd_filestat_set_size: (fd: number, size: bigint) => {
        const fe = px.fds.get(fd);
        if (fe?.kind !== 'file') return Errno.BADF;
        return px.files.op(() => px.files.fs.ftruncateSync(fe.file.hostFd, Number(size)));
      },
    };
    const clock = {
      clock_time_get: (id: number, _precision: bigint, ptr: number) => {
        const ns = id === 0 ? BigInt(Math.round(now() * 1e6)) : BigInt(Math.round(performance.now() * 1e6));
        this.dv.setBigUint64(ptr, ns, true);
        return Errno.SUCCESS;
      },
    };
    return new Proxy({ ...base, ...big, ...clock } as Record<string, (...args: never[]) => number>, {
      get: (t, name: string) => t[name] ?? nosys,
    });
  }

  /** The host path `path` (relative to directory `dirfd`) leads to, if a --dir grant covers it; else the errno. */
  private resolveAt(dirfd: number, p: number, l: number, op: string, create: boolean, follow = true): string | number {
    const fe = this.posix.fds.get(dirfd);
    if (fe?.kind !== 'dir') return this.posix.fds.has(dirfd) ? E.NOTDIR : Errno.BADF;
    return this.posix.files.resolve(fe.dir.path, dec.decode(this.u8.slice(p, p + l)), op, create, follow);
  }

  private pathOp(dirfd: number, p: number, l: number, op: string, create: boolean, f: (real: string) => void): number {
    const real = this.resolveAt(dirfd, p, l, op, create);
    return typeof real === 'number' ? real : this.posix.files.op(() => f(real));
  }

  /**
   * Clock and descriptor subscriptions (poll, select). An update request
   * interrupts the wait with EINTR, as a signal does, so that the program
   * reaches its update point; so does a signal whose handler ran (poll and
   * select are never restarted).
   */
  private pollOneoff(inPtr: number, outPtr: number, n: number, neventsPtr: number): number {
    const subs = Array.from({ length: n }, (_, i) => {
      const dv = this.dv, p = inPtr + 48 * i;
      return { userdata: dv.getBigUint64(p, true), tag: dv.getUint8(p + 8), timeout: dv.getBigUint64(p + 24, true), flags: dv.getUint16(p + 40, true), fd: dv.getUint32(p + 16, true) };
    });
    const start = performance.now();
    let deadline = Infinity;
    for (const s of subs) {
      if (s.tag !== 0) continue;
      const absolute = (s.flags & 1) !== 0;
      const ms = Number(s.timeout) / 1e6;
      // The clock id sits where an fd would: realtime (0) is wall time, the others monotonic.
      const clockNow = s.fd === 0 ? now() : performance.now();
      deadline = Math.min(deadline, absolute ? start + (ms - clockNow) : start + ms);
    }
    const px = this.posix;
    const shared = this.o.shared;
    const state = (s: (typeof subs)[number]) => {
      const r = px.readiness(s.fd);
      if (r < 0) return { fire: true, error: Errno.BADF, hup: false };
      const want = s.tag === 1 ? READABLE : WRITABLE;
      return { fire: (r & (want | HANGUP | 8)) !== 0, error: 0, hup: (r & HANGUP) !== 0 };
    };
    const ready = () => subs.filter((s) => s.tag !== 0 && state(s).fire);
    const signalSeq = Atomics.load(shared.ctl, Ctl.SignalSeq);
    let fired = ready();
    while (!fired.length) {
      const wake = Atomics.load(shared.ctl, Ctl.Wake);
      if (Atomics.load(shared.ctl, Ctl.SignalSeq) !== signalSeq) return Errno.INTR;
      if (shared.deliver()) return Errno.INTR;
      fired = ready();
      if (fired.length) break;
      const left = deadline - performance.now();
      if (left <= 0) { fired = subs.filter((s) => s.tag === 0); break; }
      Atomics.wait(shared.ctl, Ctl.Wake, wake, left === Infinity ? undefined : left);
      fired = ready();
    }
    const dv = this.dv;
    fired.forEach((s, i) => {
      const p = outPtr + 32 * i;
      this.u8.fill(0, p, p + 32);
      dv.setBigUint64(p, s.userdata, true);
      dv.setUint8(p + 10, s.tag);
      if (s.tag === 0) return;
      const st = state(s);
      dv.setUint16(p + 8, st.error, true);
      if (s.tag === 1) dv.setBigUint64(p + 16, BigInt(s.fd === 0 ? shared.stdinAvailable() : 1), true);
      if (st.hup) dv.setUint16(p + 24, EVENTRWFLAGS_HANGUP, true);
    });
    dv.setUint32(neventsPtr, fired.length, true);
    return Errno.SUCCESS;
  }
}

export { E };

// wasi_snapshot_preview1 for the persistent runtime's libc, inside the
// program's worker. Blocking calls block the worker on Atomics.wait, never the
// host thread. Sandboxed: no preopened directories, no sockets.
import type { SharedState } from './shared-state.js';

export const enum Errno { SUCCESS = 0, BADF = 8, INTR = 27, INVAL = 28, NOSYS = 52, SPIPE = 70 }

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

export function now(): number {
  return performance.timeOrigin + performance.now();
}

export class Wasi {
  private memory!: WebAssembly.Memory;
  constructor(private readonly o: WasiOptions) {}

  bind(memory: WebAssembly.Memory): void { this.memory = memory; }

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

  imports(): Record<string, (...args: never[]) => number | bigint | void> {
    const o = this.o;
    const nosys = () => Errno.NOSYS;
    const base: Record<string, (...args: number[]) => number> = {
      args_get: (ptrs, buf) => this.writeStrings(o.args, ptrs, buf),
      args_sizes_get: (c, s) => this.sizes(o.args, c, s),
      environ_get: (ptrs, buf) => this.writeStrings(this.envList(), ptrs, buf),
      environ_sizes_get: (c, s) => this.sizes(this.envList(), c, s),
      fd_write: (fd, iovs, n, outPtr) => {
        if (fd !== 1 && fd !== 2) return Errno.BADF;
        let total = 0;
        for (const v of this.iovecs(iovs, n)) {
          if (!v.len) continue;
          o.write(fd, this.u8.slice(v.ptr, v.ptr + v.len));
          total += v.len;
        }
        this.dv.setUint32(outPtr, total, true);
        return Errno.SUCCESS;
      },
      fd_read: (fd, iovs, n, outPtr) => {
        if (fd !== 0) return Errno.BADF;
        const vs = this.iovecs(iovs, n);
        const want = vs.reduce((t, v) => t + v.len, 0);
        const data = o.shared.readStdin(want);
        let off = 0;
        for (const v of vs) {
          const part = data.subarray(off, off + v.len);
          this.u8.set(part, v.ptr);
          off += part.length;
          if (off >= data.length) break;
        }
        this.dv.setUint32(outPtr, data.length, true);
        return Errno.SUCCESS;
      },
      fd_fdstat_get: (fd, ptr) => {
        if (fd > 2) return Errno.BADF;
        const tty = [o.isTTY.stdin, o.isTTY.stdout, o.isTTY.stderr][fd];
        const dv = this.dv;
        // A terminal is a character device without seek rights, as isatty() checks.
        dv.setUint8(ptr, tty ? 2 : 0);
        dv.setUint16(ptr + 2, 0, true);
        dv.setBigUint64(ptr + 8, tty ? 0xffn & ~0x24n : 0xffffffffn, true);
        dv.setBigUint64(ptr + 16, 0n, true);
        return Errno.SUCCESS;
      },
      fd_fdstat_set_flags: (fd) => (fd > 2 ? Errno.BADF : Errno.SUCCESS),
      fd_close: (fd) => (fd > 2 ? Errno.BADF : Errno.SUCCESS),
      fd_seek: (fd) => (fd > 2 ? Errno.BADF : Errno.SPIPE),
      fd_tell: (fd) => (fd > 2 ? Errno.BADF : Errno.SPIPE),
      fd_sync: () => Errno.SUCCESS,
      fd_datasync: () => Errno.SUCCESS,
      fd_prestat_get: () => Errno.BADF,
      fd_prestat_dir_name: () => Errno.BADF,
      fd_filestat_get: (fd, ptr) => {
        if (fd > 2) return Errno.BADF;
        this.u8.fill(0, ptr, ptr + 64);
        this.dv.setUint8(ptr + 16, 2);
        return Errno.SUCCESS;
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
    const clock = {
      clock_time_get: (id: number, _precision: bigint, ptr: number) => {
        const ns = id === 0 ? BigInt(Math.round(now() * 1e6)) : BigInt(Math.round(performance.now() * 1e6));
        this.dv.setBigUint64(ptr, ns, true);
        return Errno.SUCCESS;
      },
    };
    return new Proxy({ ...base, ...clock } as Record<string, (...args: never[]) => number>, {
      get: (t, name: string) => t[name] ?? nosys,
    });
  }

  /**
   * Clock and stdin subscriptions. An update request interrupts the wait with
   * EINTR, as a signal does: sleeps and poll() return so that the program
   * reaches its update point.
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
    const ready = () => subs.filter((s) => (s.tag === 1 && s.fd === 0 && (this.o.shared.stdinAvailable() > 0 || this.o.shared.stdinClosed())) || (s.tag === 2 && (s.fd === 1 || s.fd === 2)));
    const shared = this.o.shared;
    let fired = ready();
    while (!fired.length) {
      const left = deadline - performance.now();
      if (left <= 0) { fired = subs.filter((s) => s.tag === 0); break; }
      const waitsOnStdin = subs.some((s) => s.tag === 1 && s.fd === 0);
      const slice = waitsOnStdin ? Math.min(left, 10) : left;
      if (!shared.sleep(slice)) return Errno.INTR;
      fired = ready();
    }
    const dv = this.dv;
    fired.forEach((s, i) => {
      const p = outPtr + 32 * i;
      this.u8.fill(0, p, p + 32);
      dv.setBigUint64(p, s.userdata, true);
      dv.setUint8(p + 10, s.tag);
      if (s.tag === 1) dv.setBigUint64(p + 16, BigInt(shared.stdinAvailable()), true);
    });
    dv.setUint32(neventsPtr, fired.length, true);
    return Errno.SUCCESS;
  }
}

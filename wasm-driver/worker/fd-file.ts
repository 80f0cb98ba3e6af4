// Files and directories under the --dir grants (files.ts decides what a path
// may reach). A directory descriptor carries the path calls relative to it
// (openat-style), the preopened "/" among them.
import { E, errnoFromNode } from '../common/errno.js';
import { Fd, type FdRecord } from './fd.js';
import { FDFLAGS, FILETYPE, OFLAGS, RIGHTS, encodeDirent, type Fdstat, type Filestat, type Iovec } from './wasi-codecs.js';
import { filetypeOf, type Files } from './files.js';
import type { ProgramMemory } from './memory.js';

export class FileFd extends Fd {
  readonly filetype = FILETYPE.REGULAR_FILE;
  pos = 0;
  constructor(
    private readonly files: Files, private readonly mem: ProgramMemory, readonly hostFd: number, readonly path: string,
    readonly append: boolean, readonly canRead: boolean, readonly canWrite: boolean,
  ) { super(); }

  fdstat(): Fdstat {
    const rights = (this.canRead ? RIGHTS.FD_READ : 0n) | (this.canWrite ? RIGHTS.FD_WRITE : 0n) | (0x1fffffffn & ~(RIGHTS.FD_READ | RIGHTS.FD_WRITE));
    return { filetype: this.filetype, flags: this.append ? FDFLAGS.APPEND : 0, rightsBase: rights, rightsInheriting: 0x1fffffffn };
  }

  private readAt(into: Uint8Array, at: number | undefined): number {
    try {
      const n = this.files.fs!.readSync(this.hostFd, into, 0, into.length, at ?? this.pos);
      if (at === undefined) this.pos += n;
      return n;
    } catch (e) { return -errnoFromNode(e); }
  }

  private writeAt(data: Uint8Array, at: number | undefined): number {
    const fs = this.files.fs!;
    try {
      const n = fs.writeSync(this.hostFd, data, 0, data.length, this.append ? null : at ?? this.pos);
      if (at === undefined) this.pos = this.append ? fs.fstatSync(this.hostFd).size : this.pos + n;
      return n;
    } catch (e) { return -errnoFromNode(e); }
  }

  /** Fills the buffers in turn until a short read; `at` undefined reads at (and moves) the position. */
  private scatter(iovs: Iovec[], at: number | undefined): number {
    let total = 0;
    for (const x of iovs) {
      if (!x.len) continue;
      const tmp = new Uint8Array(x.len);
      const r = this.readAt(tmp, at === undefined ? undefined : at + total);
      if (r < 0) return total ? total : r;
      this.mem.u8.set(tmp.subarray(0, r), x.ptr);
      total += r;
      if (r < x.len) break;
    }
    return total;
  }

  private gather(iovs: Iovec[], at: number | undefined): number {
    let total = 0;
    for (const x of iovs) {
      if (!x.len) continue;
      const r = this.writeAt(this.mem.u8.slice(x.ptr, x.ptr + x.len), at === undefined ? undefined : at + total);
      if (r < 0) return total ? total : r;
      total += r;
    }
    return total;
  }

  readv(iovs: Iovec[]): number { return this.scatter(iovs, undefined); }
  writev(iovs: Iovec[]): number { return this.gather(iovs, undefined); }
  preadv(iovs: Iovec[], offset: number): number { return this.scatter(iovs, offset); }
  pwritev(iovs: Iovec[], offset: number): number { return this.gather(iovs, offset); }

  seek(offset: number, whence: number): number {
    let base = 0;
    if (whence === 1) base = this.pos;
    else if (whence === 2) {
      const st = this.files.stat(this.hostFd);
      if (typeof st === 'number') return -st;
      base = Number(st.size);
    }
    const pos = base + offset;
    if (pos < 0) return -E.INVAL;
    this.pos = pos;
    return pos;
  }

  tell(): number { return this.pos; }
  filestat(): Filestat | number { return this.files.stat(this.hostFd); }
  setSize(size: number): number { return this.files.op((fs) => fs.ftruncateSync(this.hostFd, size)); }
  close(): number { this.files.op((fs) => fs.closeSync(this.hostFd)); return E.SUCCESS; }

  /** The host's descriptor belongs to the whole Node process, so a fresh worker can go on with it. */
  record(): FdRecord {
    return { kind: 'file', hostFd: this.hostFd, path: this.path, append: this.append, canRead: this.canRead, canWrite: this.canWrite, pos: this.pos, nonblock: this.nonblock };
  }
}

export class DirFd extends Fd {
  readonly filetype = FILETYPE.DIRECTORY;
  constructor(private readonly files: Files, private readonly mem: ProgramMemory, readonly path: string, private readonly preopenName?: string) { super(); }

  get preopen(): string | undefined { return this.preopenName; }
  record(): FdRecord { return { kind: 'dir', path: this.path, ...(this.preopenName !== undefined ? { preopen: this.preopenName } : {}) }; }
  get closable(): boolean { return this.preopenName === undefined; }
  fdstat(): Fdstat { return { filetype: this.filetype, flags: 0, rightsBase: 0x1fffffffn, rightsInheriting: 0x1fffffffn }; }
  filestat(): Filestat | number { return this.files.stat(this.path); }
  readv(): number { return -E.ISDIR; }

  readdir(cookie: number, len: number): Uint8Array | number {
    const { fs, path } = this.files;
    if (!fs || !path) return E.NOSYS;
    try {
      const names = ['.', '..', ...fs.readdirSync(this.path)];
      const parts: Uint8Array[] = [];
      let used = 0;
      for (let i = cookie; i < names.length && used < len; i++) {
        let type: number = FILETYPE.UNKNOWN, ino = 0n;
        try {
          const st = fs.lstatSync(path.join(this.path, names[i]), { bigint: true });
          type = filetypeOf(st);
          ino = st.ino;
        } catch { /* raced with a removal: listed without its type */ }
        const ent = encodeDirent(BigInt(i + 1), ino, new TextEncoder().encode(names[i]), type);
        parts.push(ent);
        used += ent.length;
      }
      // The last entry may be cut short: libc then asks again from its cookie with a bigger buffer.
      const out = new Uint8Array(Math.min(used, len));
      let off = 0;
      for (const p of parts) { out.set(p.subarray(0, Math.max(0, Math.min(p.length, out.length - off))), off); off += p.length; if (off >= out.length) break; }
      return out;
    } catch (e) { return errnoFromNode(e); }
  }

  /** The granted host path `rel` leads to from here, or the errno. */
  resolve(rel: string, op: string, follow = true): string | number {
    return this.files.resolve(this.path, rel, op, follow);
  }

  openAt(rel: string, oflags: number, rights: bigint, fdflags: number): FileFd | DirFd | number {
    const write = (rights & RIGHTS.FD_WRITE) !== 0n;
    const real = this.resolve(rel, write || oflags & OFLAGS.CREAT ? 'open for writing' : 'open');
    if (typeof real === 'number') return real;
    const fs = this.files.fs!;
    try {
      let st: import('node:fs').Stats | undefined;
      try { st = fs.statSync(real); } catch { st = undefined; }
      if (st?.isDirectory()) {
        if (oflags & OFLAGS.TRUNC) return E.ISDIR;
        if (oflags & OFLAGS.CREAT && oflags & OFLAGS.EXCL) return E.EXIST;
        return new DirFd(this.files, this.mem, real);
      }
      if (oflags & OFLAGS.DIRECTORY) return st ? E.NOTDIR : E.NOENT;
      const read = (rights & RIGHTS.FD_READ) !== 0n || !write;
      const C = fs.constants;
      let flags = write ? (read ? C.O_RDWR : C.O_WRONLY) : C.O_RDONLY;
      if (oflags & OFLAGS.CREAT) flags |= C.O_CREAT;
      if (oflags & OFLAGS.EXCL) flags |= C.O_EXCL;
      if (oflags & OFLAGS.TRUNC) flags |= C.O_TRUNC;
      if (fdflags & FDFLAGS.APPEND) flags |= C.O_APPEND;
      const hostFd = fs.openSync(real, flags, 0o666);
      return new FileFd(this.files, this.mem, hostFd, real, (fdflags & FDFLAGS.APPEND) !== 0, read, write);
    } catch (e) {
      return errnoFromNode(e);
    }
  }

  private pathOp(rel: string, op: string, follow: boolean, f: (fs: typeof import('node:fs'), real: string) => void): number {
    const real = this.resolve(rel, op, follow);
    return typeof real === 'number' ? real : this.files.op((fs) => f(fs, real));
  }

  mkdirAt(rel: string): number { return this.pathOp(rel, 'mkdir', true, (fs, p) => fs.mkdirSync(p)); }
  rmdirAt(rel: string): number { return this.pathOp(rel, 'rmdir', true, (fs, p) => fs.rmdirSync(p)); }
  /** Unlinking a symlink removes the link, wherever it points. */
  unlinkAt(rel: string): number { return this.pathOp(rel, 'unlink', false, (fs, p) => fs.unlinkSync(p)); }

  renameAt(rel: string, to: DirFd, toRel: string): number {
    const from = this.resolve(rel, 'rename', false);
    if (typeof from === 'number') return from;
    const dest = to.resolve(toRel, 'rename to', false);
    if (typeof dest === 'number') return dest;
    return this.files.op((fs) => fs.renameSync(from, dest));
  }

  statAt(rel: string, follow: boolean): Filestat | number {
    const real = this.resolve(rel, 'stat', follow);
    return typeof real === 'number' ? real : this.files.stat(real, follow);
  }
}

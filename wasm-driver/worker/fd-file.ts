// Files and directories under the --dir grants (files.ts decides what a path
// may reach). A directory descriptor carries the path calls relative to it
// (openat-style), the preopened "/" among them.
import { E, errnoFromNode } from '../common/errno.js';
import { Fd, type FdRecord } from './fd.js';
import { FDFLAGS, FILETYPE, OFLAGS, RIGHTS, encodeDirent, type Fdstat, type Filestat, type Iovec } from './wasi-codecs.js';
import { Files, filetypeOf } from './files.js';
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

/** An open that raced with a symlink swapped in at its final name: resolved and tried again. */
const RETRY = Symbol('retry');
const TRIES = 4;

export class DirFd extends Fd {
  readonly filetype = FILETYPE.DIRECTORY;
  /**
   * `hostFd`: the directory held open (Linux), so that listing it and paths
   * relative to it reach this directory, not whatever its path names later.
   * The preopened "/" holds none: it is above the grants.
   */
  constructor(private readonly files: Files, private readonly mem: ProgramMemory, readonly path: string, private readonly preopenName?: string, private hostFd?: number) { super(); }

  get preopen(): string | undefined { return this.preopenName; }
  record(): FdRecord { return { kind: 'dir', path: this.path, ...(this.preopenName !== undefined ? { preopen: this.preopenName } : {}) }; }
  get closable(): boolean { return this.preopenName === undefined; }
  fdstat(): Fdstat { return { filetype: this.filetype, flags: 0, rightsBase: 0x1fffffffn, rightsInheriting: 0x1fffffffn }; }
  filestat(): Filestat | number { return this.files.stat(this.hostFd ?? this.path); }
  readv(): number { return -E.ISDIR; }
  close(): number { if (this.hostFd !== undefined) this.files.op((fs) => fs.closeSync(this.hostFd!)); this.hostFd = undefined; return E.SUCCESS; }

  /** Where this directory is now: where the kernel says its descriptor is, else the path it was opened at. */
  private get here(): string { return (this.hostFd !== undefined ? this.files.whereIs(this.hostFd) : undefined) ?? this.path; }

  readdir(cookie: number, len: number): Uint8Array | number {
    const { fs, path } = this.files;
    if (!fs || !path) return E.NOSYS;
    try {
      let names: string[];
      let typeOf: (name: string) => { type: number; ino: bigint };
      if (!this.files.granted(this.path)) {
        // Above the grants (the preopened "/"): only the way to each grant shows, nothing else of the host's.
        names = ['.', '..', ...this.files.towardGrants(this.path)];
        // Real inode numbers (libc stats an entry listed with none, which would be refused here).
        typeOf = (name) => {
          try { return { type: FILETYPE.DIRECTORY, ino: fs.statSync(path.join(this.path, name), { bigint: true }).ino }; } catch { return { type: FILETYPE.DIRECTORY, ino: 1n }; }
        };
      } else {
        // Listed through the held descriptor (reopened through a checked parent after a worker restart).
        if (this.hostFd === undefined) {
          const fd = this.files.at(this.path, 'open', this.path, (p) => ({ fd: fs.openSync(p, fs.constants.O_RDONLY | fs.constants.O_DIRECTORY) }));
          if (typeof fd === 'number') return fd;
          this.hostFd = fd.fd;
        }
        const where = this.files.whereIs(this.hostFd);
        const base = where === undefined ? this.path : Files.through(this.hostFd);
        if (where !== undefined && !this.files.granted(where)) return this.files.refuse('list', this.path, where);
        names = ['.', '..', ...fs.readdirSync(base)];
        typeOf = (name) => {
          try {
            const st = fs.lstatSync(path.join(base, name), { bigint: true });
            return { type: filetypeOf(st), ino: st.ino };
          } catch { return { type: FILETYPE.UNKNOWN, ino: 0n }; } // raced with a removal: listed without its type
        };
      }
      const parts: Uint8Array[] = [];
      let used = 0;
      for (let i = cookie; i < names.length && used < len; i++) {
        const { type, ino } = typeOf(names[i]);
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
    return this.files.resolve(this.here, rel, op, follow);
  }

  private asked(rel: string): string { return this.files.path!.resolve(this.here, rel); }

  openAt(rel: string, oflags: number, rights: bigint, fdflags: number): FileFd | DirFd | number {
    const write = (rights & RIGHTS.FD_WRITE) !== 0n;
    const op = write || oflags & OFLAGS.CREAT ? 'open for writing' : 'open';
    for (let tries = 1; ; tries++) {
      const real = this.resolve(rel, op);
      if (typeof real === 'number') return real;
      const asked = this.asked(rel);
      const r = this.files.at(real, op, asked, (p) => this.openHost(p, real, asked, op, oflags, rights, fdflags));
      if (r !== RETRY) return r;
      if (tries >= TRIES) return E.LOOP;
    }
  }

  /** The open itself, at `p` (the final name reached through its held directory), never following a symlink there. */
  private openHost(p: string, real: string, asked: string, op: string, oflags: number, rights: bigint, fdflags: number): FileFd | DirFd | number | typeof RETRY {
    const fs = this.files.fs!;
    const C = fs.constants;
    const write = (rights & RIGHTS.FD_WRITE) !== 0n;
    let st: import('node:fs').Stats | undefined;
    try { st = fs.lstatSync(p); } catch { st = undefined; }
    // resolve() followed every link: one here now was swapped in since.
    if (st?.isSymbolicLink()) return RETRY;
    let hostFd: number | undefined;
    try {
      if (st?.isDirectory()) {
        if (oflags & OFLAGS.TRUNC) return E.ISDIR;
        if (oflags & OFLAGS.CREAT && oflags & OFLAGS.EXCL) return E.EXIST;
        hostFd = fs.openSync(p, C.O_RDONLY | C.O_DIRECTORY | C.O_NOFOLLOW);
        const d = new DirFd(this.files, this.mem, real, undefined, hostFd);
        hostFd = undefined;
        return d;
      }
      if (oflags & OFLAGS.DIRECTORY) return st ? E.NOTDIR : E.NOENT;
      const read = (rights & RIGHTS.FD_READ) !== 0n || !write;
      let flags = (write ? (read ? C.O_RDWR : C.O_WRONLY) : C.O_RDONLY) | C.O_NOFOLLOW;
      if (fdflags & FDFLAGS.APPEND) flags |= C.O_APPEND;
      // O_TRUNC waits until the file is known to be one the program may write (below).
      let created = false;
      if (oflags & OFLAGS.CREAT && (oflags & OFLAGS.EXCL || !st)) {
        try { hostFd = fs.openSync(p, flags | C.O_CREAT | C.O_EXCL, 0o666); created = true; } catch (e) {
          if ((e as { code?: string }).code !== 'EEXIST' || oflags & OFLAGS.EXCL) throw e;
        }
      }
      hostFd ??= fs.openSync(p, flags);
      const now = fs.fstatSync(hostFd);
      if (now.isDirectory()) return RETRY; // a directory swapped in since the lstat
      if (created) this.files.noteCreated(now);
      if (write && now.isFile() && now.nlink > 1 && !this.files.createdHere(now)) {
        return this.files.refuse(op, asked, real, `the file has ${now.nlink} hard links, and another of them may be outside the grants: a file with more than one link is written only if this run created it`);
      }
      if (oflags & OFLAGS.TRUNC && write && now.isFile()) fs.ftruncateSync(hostFd, 0);
      const f = new FileFd(this.files, this.mem, hostFd, real, (fdflags & FDFLAGS.APPEND) !== 0, read, write);
      hostFd = undefined;
      return f;
    } catch (e) {
      return (e as { code?: string }).code === 'ELOOP' ? RETRY : errnoFromNode(e);
    } finally {
      if (hostFd !== undefined) try { fs.closeSync(hostFd); } catch { /* closed */ }
    }
  }

  /** A call on one name, reached through its held directory. */
  private pathOp(rel: string, op: string, follow: boolean, f: (fs: typeof import('node:fs'), p: string) => void): number {
    const real = this.resolve(rel, op, follow);
    if (typeof real === 'number') return real;
    return this.files.at(real, op, this.asked(rel), (p) => this.files.op((fs) => f(fs, p)));
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
    return this.files.at(from, 'rename', this.asked(rel), (p) => this.files.at(dest, 'rename to', to.asked(toRel), (q) => this.files.op((fs) => fs.renameSync(p, q))));
  }

  statAt(rel: string, follow: boolean): Filestat | number {
    for (let tries = 1; ; tries++) {
      const real = this.resolve(rel, 'stat', follow);
      if (typeof real === 'number') return real;
      // The final name is never followed here: resolve() did that, and a link found now was swapped in since.
      const st = this.files.at(real, 'stat', this.asked(rel), (p) => this.files.stat(p, false));
      if (typeof st === 'number' || !follow || st.filetype !== FILETYPE.SYMBOLIC_LINK) return st;
      if (tries >= TRIES) return E.LOOP;
    }
  }
}

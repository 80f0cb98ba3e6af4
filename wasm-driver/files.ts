// Files, worker side, under the --dir grant. The program sees the host's
// file system at the host's paths (one preopened "/" and the host's working
// directory as its own), but every path is resolved, symlinks and ".."
// included, and must land inside a granted directory: anything else fails
// with EACCES before the host's file system is touched, and the host reports
// which grant is missing. Node only (the worker's synchronous node:fs).
import { isNode } from './platform.js';
import { E } from './errno.js';
import type { SharedState } from './shared-state.js';

// Synchronous node:fs in the worker (Node 20.16+); absent in browsers, where files are refused.
const builtin = (name: string) => (isNode ? (process as unknown as { getBuiltinModule?(n: string): unknown }).getBuiltinModule?.(name) : undefined);
const fs = builtin('node:fs') as typeof import('node:fs') | undefined;
const pathm = builtin('node:path') as typeof import('node:path') | undefined;

export const ROOT_FD = 3;
const FILETYPE = { UNKNOWN: 0, CHAR: 2, DIRECTORY: 3, REGULAR: 4, SYMLINK: 7 } as const;
const OFLAGS = { CREAT: 1, DIRECTORY: 2, EXCL: 4, TRUNC: 8 } as const;
const FDFLAGS_APPEND = 1;
const RIGHT_READ = 1n << 1n, RIGHT_WRITE = 1n << 6n;

export interface OpenFile { kind: 'file'; hostFd: number; path: string; pos: number; append: boolean; read: boolean; write: boolean }
export interface OpenDir { kind: 'dir'; path: string }

function errnoOf(e: unknown): number {
  switch ((e as { code?: string }).code) {
    case 'ENOENT': return E.NOENT;
    case 'EEXIST': return E.EXIST;
    case 'EISDIR': return E.ISDIR;
    case 'ENOTDIR': return E.NOTDIR;
    case 'ENOTEMPTY': return E.NOTEMPTY;
    case 'EACCES': case 'EPERM': return E.ACCES;
    case 'EBADF': return E.BADF;
    case 'ENOSPC': return E.NOSPC;
    case 'ELOOP': return E.LOOP;
    case 'ENAMETOOLONG': return E.NAMETOOLONG;
    case 'EINVAL': return E.INVAL;
    default: return E.IO;
  }
}

export class Files {
  private readonly dirs: string[];
  constructor(private readonly shared: SharedState, dirs: string[]) {
    this.dirs = fs ? dirs.map((d) => { try { return fs!.realpathSync(d); } catch { return pathm!.resolve(d); } }) : [];
  }

  get available(): boolean { return !!fs; }
  /** The program's working directory: the host's. */
  get cwd(): string { return isNode ? process.cwd() : '/'; }

  /**
   * The host path for `rel` under the preopened "/" (or an open directory),
   * if a grant covers where it really leads (symlinks resolved); else the errno.
   */
  resolve(base: string, rel: string, op: string, create: boolean, follow = true): string | number {
    if (!fs || !pathm) return E.NOSYS;
    const wanted = pathm.resolve(base, rel);
    let real: string;
    try {
      // Without following, a symlink is itself the target: only where it sits must be granted.
      real = follow ? fs.realpathSync(wanted) : pathm.join(fs.realpathSync(pathm.dirname(wanted)), pathm.basename(wanted));
    } catch {
      // It does not exist (yet): where its parent really is, plus its name.
      try { real = pathm.join(fs.realpathSync(pathm.dirname(wanted)), pathm.basename(wanted)); } catch (e) {
        if (!create) return this.allowed(wanted) ? errnoOf(e) : this.refuse(op, wanted);
        return this.allowed(wanted) ? errnoOf(e) : this.refuse(op, wanted);
      }
    }
    if (!this.allowed(real)) return this.refuse(op, wanted, real);
    return real;
  }

  private allowed(p: string): boolean {
    return this.dirs.some((d) => p === d || p.startsWith(d.endsWith(pathm!.sep) ? d : d + pathm!.sep));
  }

  /** `real` is where `p` really leads, when that is not where it seems (a symlink or ".." out of a grant). */
  private refuse(op: string, p: string, real = p): number {
    const granted = this.dirs.length ? `granted: ${this.dirs.join(', ')}` : 'no directory was granted';
    // The hint names a directory not granted yet: where the path really leads, not the granted one it seems to be in.
    const dir = pathm!.dirname(real);
    const leads = real !== p ? `; it leads to ${real}, outside the grants` : '';
    this.shared.call({ op: 'sandbox.refused', grant: '--dir', what: `${op} ${p}`, message: `${op} ${p} refused (EACCES): ${granted}${leads}; run with --dir=${dir}` });
    return E.ACCES;
  }

  open(real: string, oflags: number, rights: bigint, fdflags: number): OpenFile | OpenDir | number {
    try {
      let st: import('node:fs').Stats | undefined;
      try { st = fs!.statSync(real); } catch { st = undefined; }
      if (st?.isDirectory()) {
        if (oflags & OFLAGS.TRUNC) return E.ISDIR;
        if (oflags & OFLAGS.CREAT && oflags & OFLAGS.EXCL) return E.EXIST;
        return { kind: 'dir', path: real };
      }
      if (oflags & OFLAGS.DIRECTORY) return st ? E.NOTDIR : E.NOENT;
      const write = (rights & RIGHT_WRITE) !== 0n, read = (rights & RIGHT_READ) !== 0n || !write;
      const C = fs!.constants;
      let flags = write ? (read ? C.O_RDWR : C.O_WRONLY) : C.O_RDONLY;
      if (oflags & OFLAGS.CREAT) flags |= C.O_CREAT;
      if (oflags & OFLAGS.EXCL) flags |= C.O_EXCL;
      if (oflags & OFLAGS.TRUNC) flags |= C.O_TRUNC;
      if (fdflags & FDFLAGS_APPEND) flags |= C.O_APPEND;
      const hostFd = fs!.openSync(real, flags, 0o666);
      return { kind: 'file', hostFd, path: real, pos: 0, append: (fdflags & FDFLAGS_APPEND) !== 0, read, write };
    } catch (e) {
      return errnoOf(e);
    }
  }

  read(f: OpenFile, into: Uint8Array, at?: number): number {
    try {
      const n = fs!.readSync(f.hostFd, into, 0, into.length, at ?? f.pos);
      if (at === undefined) f.pos += n;
      return n;
    } catch (e) { return -errnoOf(e); }
  }

  write(f: OpenFile, data: Uint8Array, at?: number): number {
    try {
      const pos = f.append ? null : at ?? f.pos;
      const n = fs!.writeSync(f.hostFd, data, 0, data.length, pos);
      if (at === undefined) f.pos = f.append ? fs!.fstatSync(f.hostFd).size : f.pos + n;
      return n;
    } catch (e) { return -errnoOf(e); }
  }

  size(f: OpenFile): number { return fs!.fstatSync(f.hostFd).size; }

  close(f: OpenFile | OpenDir): void { if (f.kind === 'file') try { fs!.closeSync(f.hostFd); } catch { /* already gone */ } }

  /** A filestat (64 bytes) for `p`, or for an open file. */
  stat(target: string | OpenFile, follow = true): Uint8Array | number {
    try {
      const st = typeof target === 'string' ? (follow ? fs!.statSync(target, { bigint: true }) : fs!.lstatSync(target, { bigint: true })) : fs!.fstatSync(target.hostFd, { bigint: true });
      const out = new Uint8Array(64);
      const dv = new DataView(out.buffer);
      dv.setBigUint64(0, st.dev, true);
      dv.setBigUint64(8, st.ino, true);
      dv.setUint8(16, st.isDirectory() ? FILETYPE.DIRECTORY : st.isFile() ? FILETYPE.REGULAR : st.isSymbolicLink() ? FILETYPE.SYMLINK : st.isCharacterDevice() ? FILETYPE.CHAR : FILETYPE.UNKNOWN);
      dv.setBigUint64(24, st.nlink, true);
      dv.setBigUint64(32, st.size, true);
      dv.setBigUint64(40, st.atimeNs, true);
      dv.setBigUint64(48, st.mtimeNs, true);
      dv.setBigUint64(56, st.ctimeNs, true);
      return out;
    } catch (e) { return errnoOf(e); }
  }

  /** Directory entries from `cookie` on, packed as WASI dirents into at most `len` bytes. */
  readdir(d: OpenDir, cookie: number, len: number): Uint8Array | number {
    try {
      const names = ['.', '..', ...fs!.readdirSync(d.path)];
      const parts: Uint8Array[] = [];
      let used = 0;
      for (let i = cookie; i < names.length && used < len; i++) {
        const name = new TextEncoder().encode(names[i]);
        const ent = new Uint8Array(24 + name.length);
        const dv = new DataView(ent.buffer);
        dv.setBigUint64(0, BigInt(i + 1), true);
        let type: number = FILETYPE.UNKNOWN;
        try {
          const st = fs!.lstatSync(pathm!.join(d.path, names[i]), { bigint: true });
          type = st.isDirectory() ? FILETYPE.DIRECTORY : st.isFile() ? FILETYPE.REGULAR : st.isSymbolicLink() ? FILETYPE.SYMLINK : 0;
          dv.setBigUint64(8, st.ino, true);
        } catch { /* raced */ }
        dv.setUint32(16, name.length, true);
        dv.setUint8(20, type);
        ent.set(name, 24);
        parts.push(ent);
        used += ent.length;
      }
      const out = new Uint8Array(Math.min(used, len));
      let off = 0;
      for (const p of parts) { out.set(p.subarray(0, Math.max(0, Math.min(p.length, out.length - off))), off); off += p.length; if (off >= out.length) break; }
      return out;
    } catch (e) { return errnoOf(e); }
  }

  op(f: () => void): number {
    try { f(); return 0; } catch (e) { return errnoOf(e); }
  }

  get fs() { return fs!; }
}

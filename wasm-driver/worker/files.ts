// Paths under the --dir grants, worker side. The program sees the host's file
// system at the host's paths (one preopened "/" and the host's working
// directory as its own), but every path is resolved, symlinks and ".."
// included, and must land inside a granted directory: anything else fails
// with EACCES before the host's file system is touched, and the host reports
// which grant is missing. Node only (the worker's synchronous node:fs).
//
// Resolving a path and then using it would race with whoever swaps a
// directory in it for a symlink meanwhile (check-then-open). So on Linux a
// call never uses the path it checked: it opens the directory that holds the
// final name, asks the kernel where that descriptor really is
// (/proc/self/fd/N), refuses unless that is inside a grant, and then reaches
// the final name through the held descriptor (/proc/self/fd/N/name, the
// kernel's openat) without following a symlink there. What it creates,
// truncates, lists or reads is inside a grant whatever is swapped when.
import { nodeBuiltin, isNode } from '../../format/platform.js';
import { E, errnoFromNode } from '../common/errno.js';
import type { SharedState } from '../common/shared-state.js';
import { FILETYPE, type Filestat } from './wasi-codecs.js';

type NodeFs = typeof import('node:fs');
type NodePath = typeof import('node:path');
const fs = nodeBuiltin<NodeFs>('node:fs');
const pathm = nodeBuiltin<NodePath>('node:path');

/** Where the kernel names a process's open descriptors (Linux): the root of every race-free call below. */
const PROC_FD = '/proc/self/fd';
const procFd = !!fs && fs.existsSync(PROC_FD);

/** Symlinks followed in one path at most, as Linux's MAXSYMLINKS. */
const MAX_LINKS = 40;

/** A host directory held open for one call: `at(name)` reaches a name in it without the path being resolved again. */
export interface Pinned { fd: number | undefined; dir: string; at(name: string): string }

export class Files {
  private readonly dirs: string[];
  /** Files this run created (dev:ino): the only ones with more than one link it may write to. */
  private readonly created = new Set<string>();
  constructor(private readonly shared: SharedState, dirs: string[]) {
    this.dirs = fs && pathm ? dirs.map((d) => { try { return fs.realpathSync(d); } catch { return pathm.resolve(d); } }) : [];
  }

  /** Node's fs, or undefined in a browser (where every file call fails). */
  get fs(): NodeFs | undefined { return fs; }
  get path(): NodePath | undefined { return pathm; }

  /** The program's working directory: the host's. */
  get cwd(): string { return isNode ? process.cwd() : '/'; }

  /**
   * The host path for `rel` under directory `base`, if a grant covers where it
   * really leads (symlinks resolved, a dangling one to where it points); else
   * the errno.
   */
  resolve(base: string, rel: string, op: string, follow = true): string | number {
    if (!fs || !pathm) return E.NOSYS;
    let wanted = pathm.resolve(base, rel);
    const asked = wanted;
    for (let links = 0; ; links++) {
      let real: string;
      try {
        // Without following, a symlink is itself the target: only where it sits must be granted.
        real = follow ? fs.realpathSync(wanted) : pathm.join(fs.realpathSync(pathm.dirname(wanted)), pathm.basename(wanted));
      } catch {
        // It does not exist (yet): where its parent really is, plus its name.
        try { real = pathm.join(fs.realpathSync(pathm.dirname(wanted)), pathm.basename(wanted)); } catch (e) {
          return this.allowed(wanted) ? errnoFromNode(e) : this.refuse(op, asked, wanted);
        }
        // A dangling symlink: open(O_CREAT) would create where it points, so that is what must be granted.
        let link: string | undefined;
        if (follow) { try { link = fs.readlinkSync(real); } catch { link = undefined; } }
        if (link !== undefined) {
          if (links >= MAX_LINKS) return E.LOOP;
          wanted = pathm.resolve(pathm.dirname(real), link);
          continue;
        }
      }
      if (!this.allowed(real)) return this.refuse(op, asked, real);
      return real;
    }
  }

  private allowed(p: string): boolean {
    const sep = pathm!.sep;
    return this.dirs.some((d) => p === d || p.startsWith(d.endsWith(sep) ? d : d + sep));
  }

  /** Whether `p` is a granted directory or inside one. */
  granted(p: string): boolean { return !!pathm && this.allowed(p); }

  /** For a directory above the grants (the preopened "/"): the names in it that lead to a grant, and nothing else. */
  towardGrants(dir: string): string[] {
    const sep = pathm!.sep;
    const prefix = dir.endsWith(sep) ? dir : dir + sep;
    const names = new Set<string>();
    for (const d of this.dirs) if (d.startsWith(prefix)) names.add(d.slice(prefix.length).split(sep)[0]);
    return [...names].filter(Boolean).sort();
  }

  /** `real` is where `p` really leads, when that is not where it seems (a symlink or ".." out of a grant). */
  refuse(op: string, p: string, real = p, why?: string): number {
    const granted = this.dirs.length ? `granted: ${this.dirs.join(', ')}` : 'no directory was granted';
    // The hint names a directory not granted yet: where the path really leads, not the granted one it seems to be in.
    const dir = pathm!.dirname(real);
    if (why) {
      this.shared.call({ op: 'sandbox.refused', grant: '--dir', what: `${op} ${p}`, message: `${op} ${p} refused (EACCES): ${why}` });
      return E.ACCES;
    }
    const leads = real !== p ? `; it leads to ${real}, outside the grants` : '';
    this.shared.call({ op: 'sandbox.refused', grant: '--dir', what: `${op} ${p}`, message: `${op} ${p} refused (EACCES): ${granted}${leads}; run with --dir=${dir}` });
    return E.ACCES;
  }

  /** Where the kernel says open descriptor `fd` is (Linux), or undefined. */
  whereIs(fd: number): string | undefined {
    if (!procFd) return undefined;
    try { return fs!.readlinkSync(`${PROC_FD}/${fd}`); } catch { return undefined; }
  }

  /** The path that reaches `name` inside the directory held as `fd`, without resolving the directory's path again. */
  static through(fd: number, name = ''): string { return name ? `${PROC_FD}/${fd}/${name}` : `${PROC_FD}/${fd}`; }

  /**
   * Holds the directory `dir` open (checked to be inside the grants, or a
   * grant itself, by where the kernel says it is) for the length of `f`. With
   * no /proc (not Linux) it is only the path, as resolved before.
   */
  pinned<T>(dir: string, op: string, asked: string, f: (p: Pinned) => T): T | number {
    if (!procFd) return f({ fd: undefined, dir, at: (name) => pathm!.join(dir, name) });
    let fd: number;
    try { fd = fs!.openSync(dir, fs!.constants.O_RDONLY | fs!.constants.O_DIRECTORY); } catch (e) { return errnoFromNode(e); }
    try {
      const where = this.whereIs(fd);
      if (where === undefined || !this.allowed(where)) return this.refuse(op, asked, where ?? dir);
      // The directory itself is "N/.": the magic link followed, so that lstat and open see the directory, not the link.
      return f({ fd, dir: where, at: (name) => Files.through(fd, name || '.') });
    } finally { try { fs!.closeSync(fd); } catch { /* already closed */ } }
  }

  /**
   * Runs `f` on a host path for `real` (as resolve() gave it) reached through
   * its directory held open: the directory itself when `real` is a grant.
   */
  at<T>(real: string, op: string, asked: string, f: (p: string) => T): T | number {
    const top = this.dirs.includes(real);
    return this.pinned(top ? real : pathm!.dirname(real), op, asked, (d) => f(top ? d.at('') : d.at(pathm!.basename(real))));
  }

  /** Notes a file this run created: writes to it stay allowed when links to it appear. */
  noteCreated(st: { dev: number | bigint; ino: number | bigint }): void { this.created.add(`${st.dev}:${st.ino}`); }
  createdHere(st: { dev: number | bigint; ino: number | bigint }): boolean { return this.created.has(`${st.dev}:${st.ino}`); }

  /** Runs a node:fs call; 0, or the errno it failed with. */
  op(f: (fs: NodeFs) => void): number {
    if (!fs) return E.NOSYS;
    try { f(fs); return E.SUCCESS; } catch (e) { return errnoFromNode(e); }
  }

  /** A filestat for a host path, or for an open host descriptor; or the errno. */
  stat(target: string | number, follow = true): Filestat | number {
    if (!fs) return E.NOSYS;
    try {
      const st = typeof target === 'string' ? (follow ? fs.statSync(target, { bigint: true }) : fs.lstatSync(target, { bigint: true })) : fs.fstatSync(target, { bigint: true });
      return { dev: st.dev, ino: st.ino, filetype: filetypeOf(st), nlink: st.nlink, size: st.size, atim: st.atimeNs, mtim: st.mtimeNs, ctim: st.ctimeNs };
    } catch (e) { return errnoFromNode(e); }
  }
}

export function filetypeOf(st: { isDirectory(): boolean; isFile(): boolean; isSymbolicLink(): boolean; isCharacterDevice(): boolean }): number {
  return st.isDirectory() ? FILETYPE.DIRECTORY : st.isFile() ? FILETYPE.REGULAR_FILE : st.isSymbolicLink() ? FILETYPE.SYMBOLIC_LINK : st.isCharacterDevice() ? FILETYPE.CHARACTER_DEVICE : FILETYPE.UNKNOWN;
}

// Paths under the --dir grants, worker side. The program sees the host's file
// system at the host's paths (one preopened "/" and the host's working
// directory as its own), but every path is resolved, symlinks and ".."
// included, and must land inside a granted directory: anything else fails
// with EACCES before the host's file system is touched, and the host reports
// which grant is missing. Node only (the worker's synchronous node:fs).
import { nodeBuiltin, isNode } from '../../format/platform.js';
import { E, errnoFromNode } from '../common/errno.js';
import type { SharedState } from '../common/shared-state.js';
import { FILETYPE, type Filestat } from './wasi-codecs.js';

type NodeFs = typeof import('node:fs');
type NodePath = typeof import('node:path');
const fs = nodeBuiltin<NodeFs>('node:fs');
const pathm = nodeBuiltin<NodePath>('node:path');

export class Files {
  private readonly dirs: string[];
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
   * really leads (symlinks resolved); else the errno.
   */
  resolve(base: string, rel: string, op: string, follow = true): string | number {
    if (!fs || !pathm) return E.NOSYS;
    const wanted = pathm.resolve(base, rel);
    let real: string;
    try {
      // Without following, a symlink is itself the target: only where it sits must be granted.
      real = follow ? fs.realpathSync(wanted) : pathm.join(fs.realpathSync(pathm.dirname(wanted)), pathm.basename(wanted));
    } catch {
      // It does not exist (yet): where its parent really is, plus its name.
      try { real = pathm.join(fs.realpathSync(pathm.dirname(wanted)), pathm.basename(wanted)); } catch (e) {
        return this.allowed(wanted) ? errnoFromNode(e) : this.refuse(op, wanted);
      }
    }
    if (!this.allowed(real)) return this.refuse(op, wanted);
    return real;
  }

  private allowed(p: string): boolean {
    const sep = pathm!.sep;
    return this.dirs.some((d) => p === d || p.startsWith(d.endsWith(sep) ? d : d + sep));
  }

  private refuse(op: string, p: string): number {
    const granted = this.dirs.length ? `granted: ${this.dirs.join(', ')}` : 'no directory was granted';
    const dir = pathm!.dirname(p);
    this.shared.call({ op: 'sandbox.refused', grant: '--dir', what: `${op} ${p}`, message: `${op} ${p} refused (EACCES): ${granted}; run with --dir=${dir}` });
    return E.ACCES;
  }

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

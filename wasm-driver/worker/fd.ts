// Descriptors as objects, as @bjorn3/browser_wasi_shim has them: each kind
// (stdio, socket, file, directory, pipe) owns its reads, writes, seeks, stat,
// readiness and close; the WASI calls (wasi.ts) and the POSIX ones only look
// the descriptor up and dispatch. A method a kind does not support answers
// what Linux would for that kind of descriptor. The table belongs to the
// process (it lives in the worker for the process's life), so descriptors
// keep their numbers across updates.
import { E } from '../common/errno.js';
import { READABLE, WRITABLE, MAX_FDS } from '../common/shared-state.js';
import { EMPTY_FILESTAT, FILETYPE, type Fdstat, type Filestat, type Iovec } from './wasi-codecs.js';

/** Results: a count (or other value) >= 0, or minus an errno. */
export type Count = number;

/**
 * A descriptor written down so that a fresh worker can take it over when the
 * one it lived in had to be stopped (update.ts: a new version that never
 * reached its update point): its kind and what it holds outside the worker.
 */
export type FdRecord =
  | { kind: 'stdio'; fd: 0 | 1 | 2; nonblock: boolean }
  | { kind: 'socket'; fd: number; family: 4 | 6; nonblock: boolean }
  | { kind: 'file'; hostFd: number; path: string; append: boolean; canRead: boolean; canWrite: boolean; pos: number; nonblock: boolean }
  | { kind: 'dir'; path: string; preopen?: string }
  | { kind: 'pipe'; pipe: number; end: 'read' | 'write'; nonblock: boolean; data: Uint8Array }
  | { kind: 'pair'; input: Extract<FdRecord, { kind: 'pipe' }>; output: Extract<FdRecord, { kind: 'pipe' }>; nonblock: boolean };

export abstract class Fd {
  abstract readonly filetype: number;
  nonblock = false;

  /** Readiness for poll and select (READABLE | WRITABLE | HANGUP | ERROR). */
  readiness(): number { return READABLE | WRITABLE; }

  readv(_iovs: Iovec[]): Count { return -E.BADF; }
  writev(_iovs: Iovec[]): Count { return -E.BADF; }
  preadv(_iovs: Iovec[], _offset: number): Count { return -E.SPIPE; }
  pwritev(_iovs: Iovec[], _offset: number): Count { return -E.SPIPE; }
  /** The new position, or minus an errno. */
  seek(_offset: number, _whence: number): Count { return -E.SPIPE; }
  tell(): Count { return -E.SPIPE; }
  fdstat(): Fdstat { return { filetype: this.filetype, flags: 0, rightsBase: 0xffffffffn, rightsInheriting: 0n }; }
  /** fcntl(F_SETFL): only O_NONBLOCK (and O_APPEND, for files) mean anything. Returns an errno. */
  setFlags(flags: number): number { this.nonblock = (flags & 4) !== 0; return E.SUCCESS; }
  filestat(): Filestat | number { return { ...EMPTY_FILESTAT, filetype: this.filetype }; }
  setSize(_size: number): number { return E.INVAL; }
  /** Directory entries from `cookie` on, packed as WASI dirents, at most `len` bytes; or an errno. */
  readdir(_cookie: number, _len: number): Uint8Array | number { return E.NOTDIR; }
  /** The preopened directory's name, for fd_prestat_get. */
  get preopen(): string | undefined { return undefined; }
  /** Whether close() removes it from the table (stdio stays). */
  get closable(): boolean { return true; }
  close(): number { return E.SUCCESS; }
  /** What a fresh worker needs to take it over; undefined when it cannot survive its worker. */
  record(): FdRecord | undefined { return undefined; }
}

/** What a descriptor's own state was when an update began (its position, its O_NONBLOCK). */
interface FdState { fd: Fd; nonblock: boolean; pos?: number }

export class FdTable {
  private readonly fds = new Map<number, Fd>();
  /** While a new version runs before commit: the table as it was, and the descriptors it closed meanwhile. */
  private saved: { table: Map<number, FdState>; held: Fd[] } | undefined;

  get(fd: number): Fd | undefined { return this.fds.get(fd); }
  has(fd: number): boolean { return this.fds.has(fd); }
  set(fd: number, f: Fd): void { this.fds.set(fd, f); }
  delete(fd: number): void { this.fds.delete(fd); }

  /** The lowest free descriptor, or -1 when all MAX_FDS are taken. */
  lowestFree(from = 3): number {
    for (let fd = from; fd < MAX_FDS; fd++) if (!this.fds.has(fd)) return fd;
    return -1;
  }

  /** The descriptor as a `T`, or minus the errno a call on the wrong kind gets. */
  as<T extends Fd>(fd: number, kind: abstract new (...a: never[]) => T, wrongKind: number): T | number {
    const f = this.fds.get(fd);
    if (!f) return -E.BADF;
    return f instanceof kind ? f : -wrongKind;
  }

  entries(): IterableIterator<[number, Fd]> { return this.fds.entries(); }

  /** The table written down (worker restarts), or undefined if a descriptor cannot be: then it cannot move to another worker. */
  records(): [number, FdRecord][] | undefined {
    const out: [number, FdRecord][] = [];
    for (const [n, f] of this.fds) {
      const r = f.record();
      if (!r) return undefined;
      out.push([n, r]);
    }
    return out;
  }

  /**
   * close(): the number leaves the table. What it named (an open file
   * description, which dup() shares between numbers) is closed once no
   * number names it; one the process had before an update under way is only
   * set aside until commit, so that a rollback can give it back as it was.
   */
  release(fd: number): number {
    const f = this.fds.get(fd);
    if (!f) return E.BADF;
    this.fds.delete(fd);
    for (const other of this.fds.values()) if (other === f) return E.SUCCESS;
    if (this.saved && [...this.saved.table.values()].some((s) => s.fd === f)) { this.saved.held.push(f); return E.SUCCESS; }
    return f.close();
  }

  /** Every descriptor object still open: in the table, or set aside for a rollback. */
  live(): Set<Fd> {
    const all = new Set(this.fds.values());
    if (this.saved) {
      for (const s of this.saved.table.values()) all.add(s.fd);
      for (const f of this.saved.held) all.add(f);
    }
    return all;
  }

  /** An update begins: what the table holds now is what a rollback gives back. */
  begin(): void {
    const table = new Map<number, FdState>();
    for (const [n, f] of this.fds) table.set(n, { fd: f, nonblock: f.nonblock, ...('pos' in f && typeof f.pos === 'number' ? { pos: f.pos } : {}) });
    this.saved = { table, held: [] };
  }

  /** Commit: what the new version closed is closed now. */
  commit(): void {
    const held = this.saved?.held ?? [];
    this.saved = undefined;
    const open = new Set(this.fds.values());
    for (const f of held) if (!open.has(f)) f.close();
  }

  /** Rollback: what the new version opened is closed, and every descriptor the old version had is back, at its position. */
  rollback(): void {
    const saved = this.saved;
    if (!saved) return;
    this.saved = undefined;
    const kept = new Set([...saved.table.values()].map((s) => s.fd));
    for (const f of new Set(this.fds.values())) if (!kept.has(f)) f.close();
    this.fds.clear();
    for (const [n, s] of saved.table) {
      this.fds.set(n, s.fd);
      s.fd.nonblock = s.nonblock;
      if (s.pos !== undefined) (s.fd as Fd & { pos: number }).pos = s.pos;
    }
  }
}

export { FILETYPE };

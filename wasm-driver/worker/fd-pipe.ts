// Pipes inside the process (pipe, pipe2): a byte queue in the worker with a
// read end and a write end, as Linux has them: 64 KiB of room, writes of up
// to PIPE_BUF (4096) bytes atomic, EOF once every write end is closed,
// EPIPE and SIGPIPE once every read end is. Both ends are descriptors like
// any other (poll, select, dup2, fcntl O_NONBLOCK), so the self-pipe trick
// works: a signal handler writes a byte, the main loop's poll sees it. The
// process has one thread, so a blocking read of an empty pipe waits for a
// signal handler to fill it, as it would on Linux.
import { E } from '../common/errno.js';
import { READABLE, WRITABLE, HANGUP, ERROR } from '../common/shared-state.js';
import { Fd, type FdRecord } from './fd.js';
import { EMPTY_FILESTAT, FILETYPE, FDFLAGS, scatter, type Fdstat, type Filestat, type Iovec } from './wasi-codecs.js';
import type { ProgramMemory } from './memory.js';
import type { Waits } from './waits.js';

export const PIPE_CAPACITY = 64 * 1024;
const PIPE_BUF = 4096;

/** The queue both ends share, and how many of each end are open. */
export class Pipe {
  private chunks: Uint8Array[] = [];
  size = 0;
  readers = 0;
  writers = 0;
  constructor(readonly id: number, data?: Uint8Array) { if (data?.length) this.push(data); }

  push(bytes: Uint8Array): void { this.chunks.push(bytes); this.size += bytes.length; }

  /** Up to `max` bytes from the front; `peek` leaves them there (MSG_PEEK). */
  take(max: number, peek = false): Uint8Array {
    if (peek) return this.contents().slice(0, max);
    const out = new Uint8Array(Math.min(max, this.size));
    let off = 0;
    while (off < out.length) {
      const c = this.chunks[0];
      const n = Math.min(c.length, out.length - off);
      out.set(c.subarray(0, n), off);
      off += n;
      if (n === c.length) this.chunks.shift(); else this.chunks[0] = c.subarray(n);
    }
    this.size -= out.length;
    return out;
  }

  /** What it holds, for a record (a fresh worker takes the pipe over). */
  contents(): Uint8Array {
    const out = new Uint8Array(this.size);
    let off = 0;
    for (const c of this.chunks) { out.set(c, off); off += c.length; }
    return out;
  }
}

export interface PipeContext {
  mem: ProgramMemory;
  waits: Waits;
  /** A write with no read end open: the process gets SIGPIPE, as on Linux. */
  brokenPipe(): void;
}

export class PipeFd extends Fd {
  readonly filetype = FILETYPE.UNKNOWN; // S_ISFIFO: wasi has no filetype for it
  private open = true;

  constructor(readonly pipe: Pipe, readonly end: 'read' | 'write', nonblock: boolean, private readonly c: PipeContext) {
    super();
    this.nonblock = nonblock;
    if (end === 'read') pipe.readers++; else pipe.writers++;
  }

  readiness(): number {
    const p = this.pipe;
    if (this.end === 'read') return (p.size > 0 ? READABLE : 0) | (p.writers === 0 ? READABLE | HANGUP : 0);
    return p.readers === 0 ? WRITABLE | ERROR : PIPE_CAPACITY - p.size >= PIPE_BUF ? WRITABLE : 0;
  }

  fdstat(): Fdstat {
    const rights = this.end === 'read' ? 0x2n /* fd_read */ | 0x8000000n /* poll_fd_readwrite */ : 0x40n /* fd_write */ | 0x8000000n;
    return { filetype: this.filetype, flags: this.nonblock ? FDFLAGS.NONBLOCK : 0, rightsBase: rights, rightsInheriting: 0n };
  }

  filestat(): Filestat { return { ...EMPTY_FILESTAT, filetype: this.filetype, size: BigInt(this.pipe.size) }; }

  readv(iovs: Iovec[], o: { dontWait?: boolean; peek?: boolean } = {}): number {
    if (this.end !== 'read') return -E.BADF;
    const want = iovs.reduce((t, x) => t + x.len, 0);
    if (!want) return 0;
    const p = this.pipe;
    while (p.size === 0) {
      if (p.writers === 0) return 0;
      if (this.nonblock || o.dontWait) return -E.AGAIN;
      if (this.c.waits.block(() => this.readiness(), READABLE, { restart: true }) === 'intr') return -E.INTR;
    }
    const data = p.take(want, o.peek);
    scatter(this.c.mem.u8, iovs, data);
    return data.length;
  }

  writev(iovs: Iovec[], o: { dontWait?: boolean; noSignal?: boolean } = {}): number {
    if (this.end !== 'write') return -E.BADF;
    const u8 = this.c.mem.u8;
    const bytes = new Uint8Array(iovs.reduce((t, x) => t + x.len, 0));
    let off = 0;
    for (const x of iovs) { bytes.set(u8.subarray(x.ptr, x.ptr + x.len), off); off += x.len; }
    const p = this.pipe;
    let sent = 0;
    while (sent < bytes.length) {
      if (p.readers === 0) { if (!o.noSignal) this.c.brokenPipe(); return sent ? sent : -E.PIPE; }
      const room = PIPE_CAPACITY - p.size;
      const left = bytes.length - sent;
      // Up to PIPE_BUF bytes go in at once or not at all; more may be split.
      const n = left <= PIPE_BUF ? (room >= left ? left : 0) : Math.min(room, left);
      if (n > 0) { p.push(bytes.slice(sent, sent + n)); sent += n; continue; }
      if (this.nonblock || o.dontWait) return sent ? sent : -E.AGAIN;
      if (this.c.waits.block(() => this.readiness(), WRITABLE, { restart: true }) === 'intr') return sent ? sent : -E.INTR;
    }
    return sent;
  }

  close(): number {
    if (!this.open) return E.SUCCESS;
    this.open = false;
    if (this.end === 'read') this.pipe.readers--; else this.pipe.writers--;
    return E.SUCCESS;
  }

  /** The pipe lives in the worker: its bytes go with the record. */
  record(): FdRecord { return { kind: 'pipe', pipe: this.pipe.id, end: this.end, nonblock: this.nonblock, data: this.pipe.contents() }; }
}

/**
 * One end of socketpair(AF_UNIX, SOCK_STREAM): two pipes, one each way, so
 * that read/write, recv/send (MSG_PEEK, MSG_DONTWAIT, MSG_NOSIGNAL), poll,
 * select and shutdown behave as a connected local stream socket's do.
 */
export class PairFd extends Fd {
  readonly filetype = FILETYPE.SOCKET_STREAM;
  constructor(readonly input: PipeFd, readonly output: PipeFd, nonblock: boolean) { super(); this.nonblock = nonblock; }

  private sync(): void { this.input.nonblock = this.output.nonblock = this.nonblock; }

  readiness(): number {
    return (this.input.readiness() & (READABLE | HANGUP)) | (this.output.readiness() & (WRITABLE | ERROR));
  }

  fdstat(): Fdstat {
    return { filetype: this.filetype, flags: this.nonblock ? FDFLAGS.NONBLOCK : 0, rightsBase: 0x1fffffffn & ~0x24n, rightsInheriting: 0n };
  }

  readv(iovs: Iovec[]): number { this.sync(); return this.input.readv(iovs); }
  writev(iovs: Iovec[]): number { this.sync(); return this.output.writev(iovs); }

  recv(ptr: number, len: number, o: { dontWait: boolean; peek: boolean }): number { this.sync(); return this.input.readv([{ ptr, len }], o); }
  send(ptr: number, len: number, o: { dontWait: boolean; noSignal: boolean }): number { this.sync(); return this.output.writev([{ ptr, len }], o); }

  /** shutdown(): SHUT_RD (1) closes the way in, SHUT_WR (2) the way out (the peer reads EOF). */
  shutdown(how: number): number {
    if (how & 1) this.input.close();
    if (how & 2) this.output.close();
    return E.SUCCESS;
  }

  close(): number { this.input.close(); this.output.close(); return E.SUCCESS; }

  record(): FdRecord {
    return { kind: 'pair', input: this.input.record() as PipeRecord, output: this.output.record() as PipeRecord, nonblock: this.nonblock };
  }
}

type PipeRecord = Extract<FdRecord, { kind: 'pipe' }>;

// The descriptor calls WASI lacks: pipe, pipe2, socketpair (AF_UNIX
// streams, as two pipes: fd-pipe.ts), dup, dup2, dup3. A dup'ed
// number names the same open file description as the original (its offset
// and O_NONBLOCK are shared, as on Linux), and what it names is closed when
// the last number naming it is (fd.ts). Numbers go up to MAX_FDS - 1.
import { E } from '../common/errno.js';
import { MAX_FDS } from '../common/shared-state.js';
import type { FdTable } from './fd.js';
import { Pipe, PipeFd, PairFd, type PipeContext } from './fd-pipe.js';
import type { HostFn } from './signals.js';

// wasi-libc's <fcntl.h>: O_NONBLOCK is 4; O_CLOEXEC is 0 (there is no exec).
const O_NONBLOCK = 4;
// <sys/socket.h>: AF_UNIX 3, SOCK_STREAM 6, SOCK_NONBLOCK and SOCK_CLOEXEC.
const AF_UNIX = 3, SOCK_STREAM = 6, SOCK_NONBLOCK = 0x4000, SOCK_CLOEXEC = 0x2000;

export interface FdCallsContext extends PipeContext {
  fds: FdTable;
  /** A fresh pipe's number (unique for the process's life: fresh workers continue it). */
  nextPipe(): number;
}

export function fdCalls(c: FdCallsContext): Record<string, HostFn> {
  const { mem, fds } = c;
  const pipe2 = (out: number, flags: number): number => {
    if (flags & ~O_NONBLOCK) return mem.fail(E.INVAL);
    const n = two();
    if (!n) return mem.fail(E.MFILE);
    const [r, w] = n;
    const p = new Pipe(c.nextPipe());
    const nonblock = (flags & O_NONBLOCK) !== 0;
    fds.set(r, new PipeFd(p, 'read', nonblock, c));
    fds.set(w, new PipeFd(p, 'write', nonblock, c));
    mem.dv.setInt32(out, r, true);
    mem.dv.setInt32(out + 4, w, true);
    return 0;
  };
  /** Makes `to` name what `from` names, closing what `to` named first. */
  const place = (from: number, to: number): number => {
    const f = fds.get(from);
    if (!f) return mem.fail(E.BADF);
    if (to < 0 || to >= MAX_FDS) return mem.fail(E.BADF);
    if (from === to) return to;
    if (fds.has(to)) fds.release(to);
    fds.set(to, f);
    return to;
  };
  /** Two free numbers, the lowest first, or null. */
  const two = (): [number, number] | null => {
    const a = fds.lowestFree(0);
    const b = a < 0 ? -1 : fds.lowestFree(a + 1);
    return b < 0 ? null : [a, b];
  };
  return {
    pipe: (out) => pipe2(out, 0),
    pipe2,
    socketpair: (domain, type, protocol, out) => {
      if (domain !== AF_UNIX) return mem.fail(E.AFNOSUPPORT);
      if ((type & ~(SOCK_NONBLOCK | SOCK_CLOEXEC)) !== SOCK_STREAM || protocol !== 0) return mem.fail(E.PROTONOSUPPORT);
      const n = two();
      if (!n) return mem.fail(E.MFILE);
      const nonblock = (type & SOCK_NONBLOCK) !== 0;
      const ab = new Pipe(c.nextPipe()), ba = new Pipe(c.nextPipe());
      fds.set(n[0], new PairFd(new PipeFd(ba, 'read', nonblock, c), new PipeFd(ab, 'write', nonblock, c), nonblock));
      fds.set(n[1], new PairFd(new PipeFd(ab, 'read', nonblock, c), new PipeFd(ba, 'write', nonblock, c), nonblock));
      mem.dv.setInt32(out, n[0], true);
      mem.dv.setInt32(out + 4, n[1], true);
      return 0;
    },
    dup: (fd) => {
      if (!fds.has(fd)) return mem.fail(E.BADF);
      const to = fds.lowestFree(0);
      return to < 0 ? mem.fail(E.MFILE) : place(fd, to);
    },
    dup2: (from, to) => place(from, to),
    dup3: (from, to, flags) => {
      // O_CLOEXEC is the only flag, and it is 0 here.
      if (flags !== 0 || from === to) return mem.fail(E.INVAL);
      return place(from, to);
    },
  };
}

// The descriptor calls WASI lacks: pipe, pipe2, dup, dup2, dup3. A dup'ed
// number names the same open file description as the original (its offset
// and O_NONBLOCK are shared, as on Linux), and what it names is closed when
// the last number naming it is (fd.ts). Numbers go up to MAX_FDS - 1.
import { E } from '../common/errno.js';
import { MAX_FDS } from '../common/shared-state.js';
import type { FdTable } from './fd.js';
import { Pipe, PipeFd, type PipeContext } from './fd-pipe.js';
import type { HostFn } from './signals.js';

// wasi-libc's <fcntl.h>: O_NONBLOCK is 4; O_CLOEXEC is 0 (there is no exec).
const O_NONBLOCK = 4;

export interface FdCallsContext extends PipeContext {
  fds: FdTable;
  /** A fresh pipe's number (unique for the process's life: fresh workers continue it). */
  nextPipe(): number;
}

export function fdCalls(c: FdCallsContext): Record<string, HostFn> {
  const { mem, fds } = c;
  const pipe2 = (out: number, flags: number): number => {
    if (flags & ~O_NONBLOCK) return mem.fail(E.INVAL);
    const r = fds.lowestFree(0);
    const w = r < 0 ? -1 : fds.lowestFree(r + 1);
    if (w < 0) return mem.fail(E.MFILE);
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
  return {
    pipe: (out) => pipe2(out, 0),
    pipe2,
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

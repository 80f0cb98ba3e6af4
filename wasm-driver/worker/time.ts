// The sleeps. Versions import them ahead of wasi-libc's so that an update
// request (or a signal's handler) can cut them short, as Linux's would on a
// signal: sleep() returns the seconds left, usleep/nanosleep/pause fail with
// EINTR. A sleep is also the program's idle moment, when old versions'
// memory is reclaimed off any update's pause (`idle`).
import { E } from '../common/errno.js';
import type { ProgramMemory } from './memory.js';
import type { HostFn } from './signals.js';
import type { Waits } from './waits.js';

export function timeCalls(mem: ProgramMemory, waits: Waits, idle: (ms: number) => void): Record<string, HostFn> {
  return {
    sleep: (sec) => {
      const start = performance.now();
      idle(sec * 1000);
      return waits.sleep(sec * 1000) ? 0 : Math.max(1, Math.ceil(sec - (performance.now() - start) / 1000));
    },
    usleep: (us) => { idle(us / 1000); return waits.sleep(us / 1000) ? 0 : mem.fail(E.INTR); },
    nanosleep: (req, rem) => {
      const dv = mem.dv;
      const ms = Number(dv.getBigInt64(req, true)) * 1000 + dv.getInt32(req + 8, true) / 1e6;
      const start = performance.now();
      idle(ms);
      if (waits.sleep(ms)) return 0;
      if (rem) {
        const left = Math.max(0, ms - (performance.now() - start));
        mem.dv.setBigInt64(rem, BigInt(Math.floor(left / 1000)), true);
        mem.dv.setInt32(rem + 8, Math.floor((left % 1000) * 1e6), true);
      }
      return mem.fail(E.INTR);
    },
    pause: () => {
      for (;;) if (!waits.sleep(3600_000)) return mem.fail(E.INTR);
    },
  };
}

// Reclaiming an old version's memory after commit, off the update's pause.
// Its stack is freed at commit. Its static data may still be pointed into
// from state no transform walked (a string literal in an unchanged struct),
// so it is freed only when a scan of live memory finds no word pointing into
// it; the scan runs when the program next waits (a sleep, a poll), retried at
// most once a second while something points there. The old heap blocks a
// migration moved are released in budgeted steps at the same moments.
import { now } from '../common/clock.js';
import type { KitsuneEvent } from '../common/protocol.js';
import type { ProgramMemory } from './memory.js';
import type { Version } from './version.js';

/** An old version's static data, freed once nothing points into it. */
interface Retired { lo: number; hi: number; version: number; lastScan: number; reported: boolean }

/** Retired blocks kept before a program that never waits is scanned at commit anyway. */
const MAX_PENDING = 8;

export class Reclaim {
  private pending: Retired[] = [];
  /** Old blocks that the last migration moved, not yet freed. */
  private garbage = false;
  private garbageOf = 0;

  constructor(private readonly mem: ProgramMemory, private readonly post: (e: KitsuneEvent) => void, private readonly runtimeStackLow: () => number) {}

  /** At commit: `old` is dead; `movedObjects` old heap blocks wait to be freed. */
  retire(old: Version, running: Version, movedObjects: number): void {
    const rt = this.mem.rt;
    this.garbage = movedObjects > 0;
    this.garbageOf = old.number;
    // The old stack is dead now; clear it so that stale words there do not count as references.
    this.mem.u8.fill(0, old.stackBase, old.stackBase + old.stackSize);
    rt.free(old.stackBase);
    this.pending.push({ lo: old.dataBase, hi: old.dataBase + old.dataSize, version: old.number, lastScan: 0, reported: false });
    // A program that never waits never gives idle() its chance: bound what piles up.
    if (this.pending.length > MAX_PENDING) this.scan(this.pending.slice(0, -MAX_PENDING), running);
  }

  /** The program is about to wait `ms`: a good moment, off any update's pause. */
  idle(ms: number, running: Version): void {
    if (ms <= 0) return;
    if (this.garbage) {
      const t = now();
      this.garbage = this.mem.rt.__kitsune_xf_release(ms >= 5 ? 1 << 30 : 100_000) !== 0;
      if (!this.garbage) this.post({ type: 'reclaim', what: 'moved-objects', version: this.garbageOf, bytes: 0, freed: true, millis: now() - t });
    }
    if (!this.pending.length) return;
    const t = now();
    this.scan(this.pending.filter((r) => t - r.lastScan >= 1000), running);
  }

  private scan(blocks: Retired[], running: Version): void {
    for (const r of blocks) {
      const t = now();
      r.lastScan = t;
      const { refs, first } = this.referencesInto(r.lo, r.hi, running);
      const millis = now() - t;
      if (!refs) {
        this.mem.rt.free(r.lo);
        this.pending.splice(this.pending.indexOf(r), 1);
        this.post({ type: 'reclaim', what: 'static-data', version: r.version, bytes: r.hi - r.lo, freed: true, millis });
      } else if (!r.reported) {
        r.reported = true;
        this.post({ type: 'reclaim', what: 'static-data', version: r.version, bytes: r.hi - r.lo, freed: false, millis, reason: `${refs} word(s) of live memory still point into version ${r.version}'s static data (the first at 0x${first.toString(16)}), e.g. a string literal or static buffer it owned; kept so no pointer dangles` });
      }
    }
  }

  /** Live words that point into [lo, hi): everything up to the heap's top but the dead parts of the stacks and the block itself. */
  private referencesInto(lo: number, hi: number, running: Version): { refs: number; first: number } {
    const rt = this.mem.rt;
    const skip = [
      [this.runtimeStackLow(), rt.__stack_pointer.value as number],
      [lo, hi],
      [running.stackBase, running.sp.value as number],
    ].sort((a, b) => a[0] - b[0]);
    const firstPtr = rt.malloc(4);
    let refs = 0, first = 0, at = 0;
    const top = rt.__kitsune_heap_top();
    for (const [from, to] of [...skip, [top, top]]) {
      if (from > at) {
        const n = rt.__kitsune_scan_refs(at, from, lo, hi, firstPtr);
        if (n && !refs) first = this.mem.dv.getUint32(firstPtr, true);
        refs += n;
      }
      at = Math.max(at, to);
    }
    rt.free(firstPtr);
    return { refs, first };
  }
}

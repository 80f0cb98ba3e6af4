// Reclaiming an old version's memory after commit, off the update's pause.
// Its stack is dead at commit: a pointer to one of its locals dangles then,
// as in Kitsune; it is zeroed and freed when the program next waits (or
// before the next scan, whichever comes first), since zeroing a megabyte
// would be a fifth of the pause. One kept in a variable is found at commit (the cells are few
// and small) and reported, and a crash that follows recalls it. Its static data (string literals, constants)
// and the cells of variables the new version did not keep may still be
// pointed into from state no transform walked, so they are freed only when
// no reference to them can exist. A conservative scan of live memory decides,
// and it must see every live pointer: those in the program's Wasm locals too,
// which no scan of memory reaches. So it runs only at an update point, with
// the stack unwound by Asyncify, every live local then saved in memory
// (update.ts scanAt); the update point is asked for through the state word's
// SCAN bit. While something points into a block, the scan is retried less
// and less often (1 s, doubling to a minute). The old heap blocks a migration
// moved are released in budgeted steps when the program waits: nothing can
// point to those.
import { now } from '../common/clock.js';
import type { KitsuneEvent } from '../common/protocol.js';
import type { ProgramMemory } from './memory.js';
import type { Version } from './version.js';

/** An old version's static data, freed once nothing points into it. */
interface Retired { lo: number; hi: number; version: number; lastScan: number; reported: boolean; variable?: string }

export interface ReclaimRecord { pending: Retired[]; garbage: boolean; garbageOf: number; deadStack?: DeadStack }

/** An old version's stack region, dead since commit, not yet zeroed and freed. */
interface DeadStack { addr: number; size: number }

const FIRST_RETRY = 1000, LAST_RETRY = 64_000;

export class Reclaim {
  private pending: Retired[] = [];
  /** Old blocks that the last migration moved, not yet freed. */
  private garbage = false;
  private garbageOf = 0;
  private deadStack: DeadStack | undefined;
  private nextScan = 0;
  private retry = FIRST_RETRY;
  /** Variables found at commit pointing into a retired stack, for the crash report. */
  private dangling: string[] = [];

  constructor(
    private readonly mem: ProgramMemory, private readonly post: (e: KitsuneEvent) => void, private readonly runtimeStackLow: () => number,
    /** The runtime's constant tables: never a reference. */
    private readonly readOnly: [number, number],
  ) {}

  /**
   * At commit: `old` is dead; `movedObjects` old heap blocks wait to be
   * freed, and so do the cells of the variables the new version did not keep.
   */
  retire(old: Version, oldSp: number, running: Version, movedObjects: number, deadCells: { addr: number; size: number; key: string }[]): void {
    this.garbage = movedObjects > 0;
    this.garbageOf = old.number;
    this.findDangling(old, oldSp, running);
    this.releaseStack(); // an earlier update's, if the program has not waited since
    this.deadStack = { addr: old.stackBase, size: old.stackSize };
    this.pending.push({ lo: old.dataBase, hi: old.dataBase + old.dataSize, version: old.number, lastScan: 0, reported: false });
    for (const c of deadCells) this.pending.push({ lo: c.addr, hi: c.addr + Math.max(c.size, 1), version: old.number, lastScan: 0, reported: false, variable: c.key });
    this.nextScan = 0;
    this.retry = FIRST_RETRY;
  }

  /** The dead stack is zeroed, so that its stale words do not count as references once it is free memory, and freed. */
  private releaseStack(): void {
    const d = this.deadStack;
    if (!d) return;
    this.deadStack = undefined;
    this.mem.u8.fill(0, d.addr, d.addr + d.size);
    this.mem.rt.free(d.addr);
  }

  /** Words of the running version's variables that point into the old stack's live frames, [sp, top). */
  private findDangling(old: Version, sp: number, running: Version): void {
    const lo = sp, hi = old.stackBase + old.stackSize, dv = this.mem.dv;
    for (const h of running.homes.values()) {
      for (let a = h.addr; a + 4 <= h.addr + h.size; a += 4) {
        const w = dv.getUint32(a, true);
        if (w < lo || w >= hi) continue;
        const where = `\`${h.key.replace(/^.*\//, '')}\`${a > h.addr ? ` (at byte ${a - h.addr})` : ''}`;
        const message = `${where} points into version ${old.number}'s stack (0x${w.toString(16)}), which the update freed: a pointer to a local dangles after an update, as in Kitsune. Keep such state in a global or the heap, or migrate it with MIGRATE_LOCAL`;
        this.dangling.push(message);
        this.post({ type: 'notice', message: `kitsune: warning: ${message}` });
        break;
      }
    }
    if (this.dangling.length > 8) this.dangling.splice(0, this.dangling.length - 8);
  }

  /** For a crash report after an update: the dangling pointers found at commit. */
  crashHint(): string {
    return this.dangling.length ? `\n(after an update: ${this.dangling.join('; ')})` : '';
  }

  /** What waits to be freed, written down for a fresh worker (update.ts). */
  save(): ReclaimRecord { return { pending: this.pending.map((r) => ({ ...r })), garbage: this.garbage, garbageOf: this.garbageOf, ...(this.deadStack ? { deadStack: { ...this.deadStack } } : {}) }; }
  restore(r: ReclaimRecord): void {
    this.pending = r.pending.map((x) => ({ ...x }));
    this.garbage = r.garbage;
    this.garbageOf = r.garbageOf;
    this.deadStack = r.deadStack && { ...r.deadStack };
    this.nextScan = 0;
  }

  /** The program is about to wait `ms`: the moved objects are freed then, off any update's pause. */
  idle(ms: number): void {
    if (ms <= 0) return;
    this.releaseStack();
    if (!this.garbage) return;
    const t = now();
    this.garbage = this.mem.rt.__kitsune_xf_release(ms >= 5 ? 1 << 30 : 100_000) !== 0;
    if (!this.garbage) this.post({ type: 'reclaim', what: 'moved-objects', version: this.garbageOf, bytes: 0, freed: true, millis: now() - t });
  }

  /** Whether a scan is due now (something waits to be freed, and the last scan is long enough ago). */
  get due(): boolean { return this.pending.length > 0 && now() >= this.nextScan; }

  /**
   * Scans, with the program's stack unwound: `saved` is the part of
   * Asyncify's buffer it filled (the locals of every frame), live memory
   * even where it lies in the stack region's free part.
   */
  scanUnwound(running: Version, saved: [number, number]): void {
    // The old blocks a migration replaced, and the old stack, still hold old pointers, and no one points to them: gone first.
    this.idle(Infinity);
    const kept = this.scan(this.pending.slice(), running, saved);
    this.nextScan = now() + (kept ? this.retry : 0);
    if (kept) this.retry = Math.min(LAST_RETRY, this.retry * 2);
  }

  /**
   * Frees the blocks nothing points into. A block is kept when a word of live
   * memory points into it, or a word of a kept block does (a fixpoint): the
   * blocks waiting here are not live memory themselves.
   */
  private scan(blocks: Retired[], running: Version, saved: [number, number]): number {
    if (!blocks.length) return 0;
    const rt = this.mem.rt;
    const t = now();
    const all = [...this.pending].sort((a, b) => a.lo - b.lo);
    const n = all.length;
    const buf = rt.malloc(16 * n + 16);
    if (!buf) return blocks.length;
    const ranges = buf, hits = buf + 8 * n, first = buf + 12 * n;
    const dv = () => this.mem.dv;
    all.forEach((r, i) => { dv().setUint32(ranges + 8 * i, r.lo, true); dv().setUint32(ranges + 8 * i + 4, r.hi, true); });
    const count = (from: number, to: number) => { if (to > from) rt.__kitsune_scan_ranges(from, to, ranges, n, hits, first); };
    this.mem.u8.fill(0, hits, hits + 8 * n);
    // Live memory: everything up to the heap's top but the waiting blocks, the dead parts of the stacks, and this scan's own buffer.
    const skip = [
      ...all.map((r) => [r.lo, r.hi]),
      [this.runtimeStackLow(), rt.__stack_pointer.value as number],
      [running.stackBase, running.sp.value as number],
      [buf, buf + 16 * n + 16],
      this.readOnly,
    ].sort((a, b) => a[0] - b[0]);
    let at = 0;
    for (const [from, to] of [...skip, [rt.__kitsune_heap_top(), rt.__kitsune_heap_top()]]) { count(at, from); at = Math.max(at, to); }
    // The saved locals, where they lie inside a skipped stack region.
    const [s0, s1] = saved;
    if (s1 > s0 && s0 >= running.stackBase && s1 <= running.sp.value) count(s0, s1);
    // Blocks kept alive by kept blocks.
    const kept = new Set<number>();
    for (let grew = true; grew;) {
      grew = false;
      for (let i = 0; i < n; i++) {
        if (kept.has(i) || !dv().getUint32(hits + 4 * i, true)) continue;
        kept.add(i);
        grew = true;
        count(all[i].lo, all[i].hi);
      }
    }
    const millis = now() - t;
    for (const [i, r] of all.entries()) {
      if (!blocks.includes(r)) continue;
      r.lastScan = t;
      const what = r.variable ? 'variable' : 'static-data';
      const extra = r.variable ? { variable: r.variable } : {};
      if (!kept.has(i)) {
        rt.free(r.lo);
        this.pending.splice(this.pending.indexOf(r), 1);
        this.post({ type: 'reclaim', what, version: r.version, bytes: r.hi - r.lo, freed: true, millis, ...extra });
      } else if (!r.reported) {
        r.reported = true;
        const refs = dv().getUint32(hits + 4 * i, true), at0 = dv().getUint32(first + 4 * i, true);
        const whose = r.variable ? `the old cell of \`${r.variable}\` (version ${r.version})` : `version ${r.version}'s static data`;
        this.post({ type: 'reclaim', what, version: r.version, bytes: r.hi - r.lo, freed: false, millis, ...extra, reason: `${refs} word(s) of live memory still point into ${whose} (the first at 0x${at0.toString(16)}), e.g. a string literal or a variable it owned; kept so no pointer dangles` });
      }
    }
    rt.free(buf);
    return kept.size;
  }
}

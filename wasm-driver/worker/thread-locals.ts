// `__thread` / `_Thread_local` variables, one value per thread. Our side
// modules are built without the atomics feature, and then the Wasm back end
// lowers thread-locals to plain globals (checked: each is a GOT.mem import
// like any variable; __tls_size is 0): one cell, in the heap, that every
// thread would share. The compiler marks them (KitsuneVariable.threadLocal,
// from the IR's `thread_local`) and this file gives each thread its own
// values by swapping the cells' bytes when another thread comes in: threads
// switch only at calls (threads.ts), so the cells always hold the running
// thread's values. A thread that never ran starts from the version's
// initial bytes, which stay in its data block (code reaches the cells
// through the GOT, never the block).
//
// Why not real TLS (-matomics, a TLS block per thread under __tls_base): it
// would turn on the atomics feature for every threaded program, and each
// version's module has a __tls_base of its own that every switch would have
// to set in every loaded version. The price of swapping: `&var` is the same
// address in every thread, so a pointer to a thread-local handed to another
// thread reads that thread's value (the copy costs a few bytes a switch).
//
// Across an update the running (main) thread's values are in the cells and
// migrate with the other variables; a relaunched thread carries its old
// self's values of each thread-local whose key and type the new version
// kept, and starts from the new version's initial bytes for the others.
import type { ProgramMemory } from './memory.js';
import type { Version } from './version.js';

/** A thread's values of its version's thread-locals while they are not in the cells. */
export interface SavedLocals { v: Version; bytes: Uint8Array }

/** What this file needs of a thread (threads.ts Thread). */
export interface LocalsHolder { v: Version; state: string; tls?: SavedLocals }

interface Slot { key: string; signature: string; size: number; cell: number; initial: number; at: number }

export class ThreadLocals {
  private readonly slots = new WeakMap<Version, { list: Slot[]; bytes: number }>();
  /** The thread whose values the cells hold. */
  owner: LocalsHolder | undefined;

  constructor(private readonly mem: ProgramMemory) {}

  private slotsOf(v: Version): { list: Slot[]; bytes: number } {
    let s = this.slots.get(v);
    if (!s) {
      const list: Slot[] = [];
      let at = 0;
      for (const x of v.meta.variables) {
        const home = v.homes.get(x.key);
        if (!x.threadLocal || x.offset === undefined || !home) continue;
        list.push({ key: x.key, signature: x.signature, size: x.size, cell: home.addr, initial: v.dataBase + x.offset, at });
        at += x.size;
      }
      this.slots.set(v, s = { list, bytes: at });
    }
    return s;
  }

  /** The cells' bytes now, in `v`'s layout. */
  private read(v: Version): SavedLocals {
    const { list, bytes } = this.slotsOf(v);
    const out = new Uint8Array(bytes), u8 = this.mem.u8;
    for (const s of list) out.set(u8.subarray(s.cell, s.cell + s.size), s.at);
    return { v, bytes: out };
  }

  /** `t` runs now: the cells get its values, and the thread that had them keeps its own (unless it ended). */
  enter(t: LocalsHolder): void {
    const prev = this.owner;
    if (prev === t) return;
    this.owner = t;
    const mine = this.slotsOf(t.v);
    if (prev && prev.state !== 'done' && this.slotsOf(prev.v).list.length) prev.tls = this.read(prev.v);
    if (!mine.list.length) return;
    const u8 = this.mem.u8, saved = t.tls?.v === t.v ? t.tls.bytes : undefined;
    for (const s of mine.list) {
      if (saved) u8.set(saved.subarray(s.at, s.at + s.size), s.cell);
      else u8.copyWithin(s.cell, s.initial, s.initial + s.size);
    }
    t.tls = undefined;
  }

  /** A relaunched thread's values in version `to`: its old self's, for each thread-local `to` kept with its type; `to`'s initial bytes for the rest. */
  carried(from: LocalsHolder, to: Version): SavedLocals | undefined {
    const old = from === this.owner ? this.read(from.v) : from.tls?.v === from.v ? from.tls : undefined;
    const next = this.slotsOf(to);
    if (!next.list.length) return undefined;
    const before = new Map(this.slotsOf(from.v).list.map((s) => [s.key, s]));
    const bytes = new Uint8Array(next.bytes), u8 = this.mem.u8;
    for (const s of next.list) {
      const o = before.get(s.key);
      if (old && o && o.signature === s.signature && o.size === s.size) bytes.set(old.bytes.subarray(o.at, o.at + o.size), s.at);
      else bytes.set(u8.subarray(s.initial, s.initial + s.size), s.at);
    }
    return { v: to, bytes };
  }

  /**
   * An update rolled back: the cells hold `main`'s values again (the linker
   * put the cells the new version shared back as they were at its load, when
   * main had them); what main saved meanwhile was in the new version's layout.
   */
  rolledBack(main: LocalsHolder): void {
    this.owner = main;
    main.tls = undefined;
  }
}

// Kitsune's calls for changing the set of threads an update relaunches
// (kitsune-core src/ktthreads.c), meant for the new version's migration code
// (its main while kitsune_is_updating(), a .xf rule, _kitsune_mainupdate_xform):
//   kitsune_threads_reset()   starts a walk over the threads (main excluded);
//   kitsune_threads_next()    the next one's ktthread_info (NULL at the end,
//                             and after it), which the program may change:
//                             its start_fun and arg are what it is relaunched with;
//   kitsune_thread_remove()   the thread kitsune_threads_next() returned last is not relaunched;
//   kitsune_thread_add(arg, start_fun, update_pt, attr)
//                             one more thread, started when the others are
//                             relaunched, updating from point `update_pt`.
// The infos live in the heap for the walk and are freed when the update
// commits or rolls back; a removal or an addition made outside an update
// applies to the next one, as in Kitsune, where they wait in its lists.
import { KitsuneError } from '../../format/errors.js';
import type { ProgramMemory } from './memory.js';

type HostFn = (...a: number[]) => number | void;

/** ktthread_info (runtime/include/ktthreads.h): arg, start_fun, update_pt, then a pthread_attr_t (musl's: 9 ints). */
const INFO_ARG = 0, INFO_START = 4, INFO_POINT = 8, INFO_ATTR = 12, INFO_SIZE = 48;
/** musl's pthread_attr_t: __u.__s[0] is the stack size, __u.__i[3] the detach state. */
const ATTR_STACKSIZE = 0, ATTR_DETACHED = 12;

/** What the walk shows of a thread (threads.ts Thread). */
export interface SetMember { id: number; start?: { slot: number; arg: number }; point?: string; stackSize: number; detached: boolean }

/** A thread to start beside the relaunched ones. */
export interface AddedThread { slot: number; arg: number; point: string; stackSize?: number; detached: boolean }

export class ThreadSet {
  /** The walk: the threads, their infos' block, and the one next() returned last (-1 before the first). */
  private walk: { members: SetMember[]; base: number; strings: number[]; at: number } | undefined;
  private readonly removed = new Set<number>();
  private added: AddedThread[] = [];

  constructor(private readonly mem: ProgramMemory, private readonly members: () => SetMember[]) {}

  /** What the relaunch starts `m` with: its info as the program left it, or its own start when no walk showed it. */
  startOf(m: SetMember): { slot: number; arg: number } | undefined {
    const i = this.walk?.members.indexOf(m) ?? -1;
    if (i < 0) return m.start;
    const p = this.walk!.base + i * INFO_SIZE, dv = this.mem.dv;
    return { slot: dv.getUint32(p + INFO_START, true), arg: dv.getUint32(p + INFO_ARG, true) };
  }

  isRemoved(m: SetMember): boolean { return this.removed.has(m.id); }

  takeAdded(): AddedThread[] { const a = this.added; this.added = []; return a; }

  /** The update committed or rolled back: the walk's memory is freed, its changes are spent. */
  end(): void {
    this.free();
    this.removed.clear();
    this.added = [];
  }

  private free(): void {
    const w = this.walk;
    if (!w) return;
    for (const s of w.strings) this.mem.rt.free(s);
    if (w.base) this.mem.rt.free(w.base);
    this.walk = undefined;
  }

  functions(): Record<string, HostFn> {
    const { mem } = this;
    return {
      kitsune_threads_reset: () => {
        this.free();
        const members = this.members();
        const base = members.length ? mem.rt.malloc(members.length * INFO_SIZE) : 0;
        if (members.length && !base) throw new KitsuneError('E_RUNTIME', `out of memory in kitsune_threads_reset (the infos of ${members.length} threads)`);
        if (base) mem.u8.fill(0, base, base + members.length * INFO_SIZE);
        const strings: number[] = [];
        members.forEach((m, i) => {
          const p = base + i * INFO_SIZE, dv = mem.dv;
          dv.setUint32(p + INFO_ARG, m.start?.arg ?? 0, true);
          dv.setUint32(p + INFO_START, m.start?.slot ?? 0, true);
          if (m.point !== undefined) { const s = mem.strdup(m.point); strings.push(s); mem.dv.setUint32(p + INFO_POINT, s, true); }
          mem.dv.setUint32(p + INFO_ATTR + ATTR_STACKSIZE, m.stackSize, true);
          mem.dv.setInt32(p + INFO_ATTR + ATTR_DETACHED, m.detached ? 1 : 0, true);
        });
        this.walk = { members, base, strings, at: -1 };
      },
      kitsune_threads_next: () => {
        const w = this.walk;
        if (!w || w.at >= w.members.length) return 0;
        w.at++;
        return w.at < w.members.length ? w.base + w.at * INFO_SIZE : 0;
      },
      kitsune_thread_remove: () => {
        const w = this.walk;
        const m = w && w.at >= 0 ? w.members[w.at] : undefined;
        if (!m) throw new KitsuneError('E_RUNTIME', 'kitsune_thread_remove() was called with no thread to remove: call it after kitsune_threads_next() returned one (kitsune_threads_reset() starts the walk)');
        this.removed.add(m.id);
      },
      kitsune_thread_add: (arg, fn, point, attr) => {
        if (!fn) throw new KitsuneError('E_RUNTIME', 'kitsune_thread_add() was given no start function');
        if (!point) throw new KitsuneError('E_RUNTIME', 'kitsune_thread_add() was given no update point: the thread starts updating from it, and the update commits once it gets there');
        const d = mem.dv;
        this.added.push({
          slot: fn, arg, point: mem.cstring(point), detached: !!attr && d.getInt32(attr + ATTR_DETACHED, true) !== 0,
          ...(attr && d.getUint32(attr + ATTR_STACKSIZE, true) ? { stackSize: d.getUint32(attr + ATTR_STACKSIZE, true) } : {}),
        });
      },
    };
  }
}

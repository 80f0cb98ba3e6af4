// Places a version into the process: its static data in a block from the
// runtime's heap (at __memory_base), its own stack, and its imports (the
// host's calls first, then the runtime's libc). Its variables and function
// pointers are reached through its GOT (compiler/promote-symbols.ts), which
// this file fills, and that is what lets state keep its identity across
// updates:
// - a variable whose key and type did not change keeps its storage: the new
//   version's GOT entry points at the storage the old version used, so every
//   pointer to it stays valid, wherever it is kept, at no cost per object;
// - each function identity (its key) owns one table slot for the process's
//   life: the new version's function takes the slot the moment the new
//   version is loaded, so a function pointer kept anywhere calls the running
//   version; a slot whose function the running version lacks traps, and the
//   crash report names it.
// Each variable lives in a cell of its own in the heap, not in the version's
// data block (which keeps only its literals and constants): so a block can
// be freed once nothing points into it, whatever variables live on, and a
// variable's cell is freed when no version has it any more.
// Until commit all of it can be undone: the slots get their old functions
// back, the shared variables their old bytes (a journal taken at load), and
// the new version's cells are freed.
import { KitsuneError, messageOf } from '../../format/errors.js';
import type { KitsuneMeta, KitsuneVariable } from '../../format/metadata.js';
import type { DylinkInfo } from '../../format/wasm-sections.js';
import type { ProgramMemory } from './memory.js';
import type { Home, Version, VersionExports } from './version.js';
import { transformerOf } from './kitsune-api.js';
import { LONGJMP } from './runtime.js';

/**
 * Imports that versions take from the runtime's wrappers (`__kitsune_NAME`)
 * instead: the allocator, whose blocks an update records (kitsune_rt.c), and
 * the libc state a rollback must put back (kitsune_process.c).
 */
const TRACKED = [
  'malloc', 'calloc', 'realloc', 'free', 'aligned_alloc', 'posix_memalign', 'strdup', 'strndup',
  'atexit', 'setenv', 'unsetenv', 'putenv',
  'fopen', 'fdopen', 'fmemopen', 'open_memstream', 'fclose', 'opendir', 'fdopendir', 'closedir',
  'rand', 'srand',
];
/** libc calls that run program code from inside the runtime: no unwinding there. */
const CALLBACK_CALLS = ['qsort', 'qsort_r', 'bsearch', 'tsearch', 'tfind', 'tdelete', 'twalk', 'lsearch', 'lfind', 'scandir', 'nftw', 'ftw'];

export type HostFunctions = Record<string, (...a: number[]) => number | void>;

/** Where the addresses of host calls start: far above any table slot (see invoke). */
const HOST_CALL_BASE = 0xf000_0000;
type Funcref = ((...a: unknown[]) => unknown) | null;

/** The table and the bindings of the process, as a fresh worker takes them over. */
export interface LinkerRecord {
  tableLength: number; versions: number;
  slots: [string, number][]; identities: [number, string][]; spare: number[]; orphaned: [number, string][]; homes: Home[];
}

/** Where a version sits and what it is bound to, as a fresh worker instantiates it again. */
export interface VersionRecord {
  number: number; dataBase: number; dataSize: number; stackBase: number; stackSize: number; tableBase: number; tableSize: number;
  /** Its stack pointer where the unwind left it. */
  sp: number;
  homes: Home[]; slotOf: [string, number][]; locals: [string, { addr: number; size: number }][];
}

/** What loading a version during an update changed, so that a rollback can undo it. */
interface Undo {
  /** Slots the version took over, with what they held and the identity they followed. */
  slots: [number, Funcref, string][];
  /** Slots made for identities the process had not seen: free again after a rollback. */
  fresh: number[];
  /** The bytes of every variable it shares with the old version, as they were. */
  journal: { addr: number; bytes: Uint8Array }[];
  /** Cells made for its own variables. */
  cells: number[];
}

export class Linker {
  readonly table: WebAssembly.Table;
  private versions = 0;
  /** Depth of libc calls that may call back into the program (qsort...): an update point there cannot unwind. */
  callbackDepth = 0;
  /** Function identity -> its slot, and back. */
  private slots = new Map<string, number>();
  private identities = new Map<number, string>();
  private spare: number[] = [];
  /** Slots of identities the running version does not define: a call there traps (see describeCrash). */
  private orphaned = new Map<number, string>();
  /** Where the running version's variables live, by key. */
  private homes = new Map<string, Home>();
  private undo = new Map<Version, Undo>();

  constructor(private readonly mem: ProgramMemory, tableMin: number, private readonly stackSize: number) {
    this.table = new WebAssembly.Table({ initial: tableMin, element: 'anyfunc' });
  }

  /**
   * Memory for a version's data, stack or cells. During an update it is taken
   * through the allocation tracking (kitsune_rt.c), so that a rollback frees
   * it with the rest of what the new version allocated, even one done from a
   * fresh worker after the old one had to be stopped. Zeroed, but for a
   * stack: its bytes below the stack pointer are never read (the reclaim
   * scan skips them), and zeroing a megabyte would be a sixth of the pause.
   */
  private allocate(size: number, align: number, what: string, tracked: boolean, zeroed = true): number {
    const rt = this.mem.rt;
    const p = (tracked ? rt.__kitsune_aligned_alloc : rt.aligned_alloc)(Math.max(align, 16), Math.ceil(Math.max(size, 1) / 16) * 16);
    if (!p) throw new KitsuneError('E_RUNTIME', `out of memory allocating ${size} bytes for ${what}`);
    if (zeroed) this.mem.u8.fill(0, p, p + size);
    return p;
  }

  private newSlot(): number {
    const spare = this.spare.pop();
    if (spare !== undefined) return spare;
    const slot = this.table.length;
    this.table.grow(1);
    return slot;
  }

  /** The slot of a function identity, made on first sight. */
  private slotOf(identity: string, fresh: number[] | undefined): number {
    let slot = this.slots.get(identity);
    if (slot === undefined) {
      slot = this.newSlot();
      this.slots.set(identity, slot);
      this.identities.set(slot, identity);
      fresh?.push(slot);
    }
    return slot;
  }

  /**
   * Instantiates `module`; `hostFunctions` makes the host's imports bound to
   * the new version. With `updating`, the version is loaded during an
   * update of the running version: until adopt() or unload(), the changes
   * it makes to the process can be undone.
   */
  load(module: WebAssembly.Module, meta: KitsuneMeta, dylink: DylinkInfo, frames: Uint32Array, hostFunctions: (v: Version) => HostFunctions, updating: boolean): Version {
    const rt = this.mem.rt as Record<string, WebAssembly.ExportValue>;
    const outside = meta.variables.find((x) => x.offset !== undefined && x.offset + x.size > dylink.memorySize);
    if (outside) throw new KitsuneError('E_FORMAT', `version ${meta.buildId}: variable \`${outside.key}\` lies at ${outside.offset}+${outside.size} bytes, outside its ${dylink.memorySize} bytes of static data; the kitsune section does not describe this module`);
    // 16 bytes of slack: the allocator's pointers to the next chunk's header
    // then never fall inside the data, where the reclaim scan would take them
    // for references to it.
    const dataBase = this.allocate(dylink.memorySize + 16, 2 ** dylink.memoryAlign, 'the version\'s static data', updating);
    const stackBase = this.allocate(this.stackSize, 16, 'the version\'s stack', updating, false);
    // Kitsune builds take no slots of their own (promote-symbols.ts); a module that does gets them here.
    const tableBase = this.table.length;
    if (dylink.tableSize) this.table.grow(dylink.tableSize);
    const version: Version = {
      meta, dylink, frames, number: ++this.versions, exports: undefined as never, sp: new WebAssembly.Global({ value: 'i32', mutable: true }, stackBase + this.stackSize),
      dataBase, dataSize: dylink.memorySize, stackBase, stackSize: this.stackSize, tableBase, tableSize: dylink.tableSize,
      locals: new Map(), homes: new Map(), slotOf: new Map(),
    };
    const undo: Undo = { slots: [], fresh: [], journal: [], cells: [] };
    if (updating) this.undo.set(version, undo);
    try {
      const { env, gotMem, gotFunc, missing } = this.imports(module, version, hostFunctions(version));
      if (missing.length) throw new KitsuneError('E_LINK', `version ${meta.buildId} imports ${missing.length} symbol(s) that neither the runtime (wasi-libc) nor the host provides:`, missing);
      const instance = new WebAssembly.Instance(module, { env, 'GOT.mem': Object.fromEntries(gotMem), 'GOT.func': Object.fromEntries(gotFunc) });
      const ex = instance.exports as VersionExports;
      version.exports = ex;
      for (const f of ['asyncify_start_unwind', 'asyncify_stop_unwind', 'asyncify_start_rewind', 'asyncify_get_state']) {
        if (typeof ex[f] !== 'function') throw new KitsuneError('E_MODULE', `version ${meta.buildId} has no ${f} export: it was not built with kitsune build (Asyncify)`);
      }
      const initial = this.bindVariables(version, gotMem, undo, missing);
      this.bindFunctions(version, gotFunc, undo, missing);
      if (missing.length) throw new KitsuneError('E_LINK', `version ${meta.buildId} needs symbols nobody defines:`, missing);
      this.bindElemSlots(version);
      // Data relocations write initial pointer values into the block, where the
      // linker put each variable's initial bytes: from there they go to the cells.
      (ex.__wasm_apply_data_relocs as (() => void) | undefined)?.();
      const u8 = this.mem.u8;
      for (const c of initial) u8.copyWithin(c.to, c.from, c.from + c.size);
      (ex.__wasm_call_ctors as (() => void) | undefined)?.();
    } catch (e) {
      // Nothing of a version that failed to load may stay behind: a rollback never sees it.
      this.unload(version);
      throw e;
    }
    if (!updating) this.adopt(version);
    return version;
  }

  /** A version's imports: the memory, table, bases and its stack pointer, the host's calls, then the runtime's libc; its GOT entries still unset. */
  private imports(module: WebAssembly.Module, version: Version, host: HostFunctions) {
    const rt = this.mem.rt as Record<string, WebAssembly.ExportValue>;
    const { dataBase, tableBase } = version;
    const gotMem = new Map<string, WebAssembly.Global>();
    const gotFunc = new Map<string, WebAssembly.Global>();
    const missing: string[] = [];
    const env: Record<string, WebAssembly.ImportValue> = {};
    const hostCalls: HostFunctions[string][] = [];
    {
      for (const imp of WebAssembly.Module.imports(module)) {
        if (imp.module === 'env') {
          const n = imp.name;
          if (n === 'memory') env[n] = this.mem.memory;
          else if (n === '__indirect_function_table') env[n] = this.table;
          else if (n === '__stack_pointer') env[n] = version.sp;
          else if (n === '__memory_base') env[n] = new WebAssembly.Global({ value: 'i32', mutable: false }, dataBase);
          else if (n === '__table_base') env[n] = new WebAssembly.Global({ value: 'i32', mutable: false }, tableBase);
          else if (n in host) env[n] = host[n];
          else if (n.startsWith('invoke_')) env[n] = this.invoke(version, n, hostCalls);
          else if (TRACKED.includes(n) && rt[`__kitsune_${n}`] !== undefined) env[n] = rt[`__kitsune_${n}`] as WebAssembly.ImportValue;
          else if (CALLBACK_CALLS.includes(n) && typeof rt[n] === 'function') env[n] = this.guardCallbacks(rt[n] as (...a: number[]) => number);
          else if (rt[n] !== undefined) env[n] = rt[n] as WebAssembly.ImportValue;
          else missing.push(`${n} (${imp.kind})`);
        } else if (imp.module === 'GOT.mem') gotMem.set(imp.name, new WebAssembly.Global({ value: 'i32', mutable: true }, 0));
        else if (imp.module === 'GOT.func') {
          // A host call's address: only an invoke_* wrapper calls through it (a setjmp-calling function's calls), and a host function cannot sit in the table.
          const g = new WebAssembly.Global({ value: 'i32', mutable: true }, imp.name in host ? HOST_CALL_BASE + hostCalls.push(host[imp.name]) - 1 : 0);
          gotFunc.set(imp.name, g);
        } else missing.push(`${imp.module}.${imp.name}`);
      }
    }
    return { env, gotMem, gotFunc, missing };
  }

  // ---- moving to a fresh worker (update.ts: a new version that never reached its point) ----

  /** The process's table and bindings, written down. */
  save(): LinkerRecord {
    return {
      tableLength: this.table.length, versions: this.versions, slots: [...this.slots], identities: [...this.identities],
      spare: [...this.spare], orphaned: [...this.orphaned], homes: [...this.homes.values()],
    };
  }

  /** A version written down: where it sits and what it is bound to. */
  static versionRecord(v: Version): VersionRecord {
    return {
      number: v.number, dataBase: v.dataBase, dataSize: v.dataSize, stackBase: v.stackBase, stackSize: v.stackSize,
      tableBase: v.tableBase, tableSize: v.tableSize, sp: v.sp.value as number,
      homes: [...v.homes.values()], slotOf: [...v.slotOf], locals: [...v.locals],
    };
  }

  /**
   * In a fresh worker: the bindings of the stopped one, and `rec`'s version
   * instantiated again where it was, bound as it was. Its memory is as it
   * left it (the module's data is not copied in again: its init flag is set),
   * so neither its relocations nor its constructors run.
   */
  reload(r: LinkerRecord, module: WebAssembly.Module, meta: KitsuneMeta, dylink: DylinkInfo, frames: Uint32Array, rec: VersionRecord, hostFunctions: (v: Version) => HostFunctions): Version {
    const rt = this.mem.rt as Record<string, WebAssembly.ExportValue>;
    if (this.table.length < r.tableLength) this.table.grow(r.tableLength - this.table.length);
    this.versions = r.versions;
    this.slots = new Map(r.slots);
    this.identities = new Map(r.identities);
    this.spare = [...r.spare];
    this.orphaned = new Map(r.orphaned);
    this.homes = new Map(r.homes.map((h) => [h.key, h]));
    const version: Version = {
      meta, dylink, frames, number: rec.number, exports: undefined as never, sp: new WebAssembly.Global({ value: 'i32', mutable: true }, rec.sp),
      dataBase: rec.dataBase, dataSize: rec.dataSize, stackBase: rec.stackBase, stackSize: rec.stackSize, tableBase: rec.tableBase, tableSize: rec.tableSize,
      locals: new Map(rec.locals), homes: new Map(rec.homes.map((h) => [h.key, h])), slotOf: new Map(rec.slotOf),
    };
    const { env, gotMem, gotFunc, missing } = this.imports(module, version, hostFunctions(version));
    if (missing.length) throw new KitsuneError('E_LINK', `version ${meta.buildId} cannot be linked again:`, missing);
    const instance = new WebAssembly.Instance(module, { env, 'GOT.mem': Object.fromEntries(gotMem), 'GOT.func': Object.fromEntries(gotFunc) });
    const ex = instance.exports as VersionExports;
    version.exports = ex;
    const byOffset = new Map<number, string>();
    for (const x of meta.variables) if (x.offset !== undefined) byOffset.set(x.offset, x.key);
    for (const [name, g] of gotMem) {
      const own = ex[name];
      if (own instanceof WebAssembly.Global) {
        const key = meta.variables.some((x) => x.key === name) ? name : byOffset.get(own.value as number);
        g.value = (key && version.homes.get(key)?.addr) ?? version.dataBase + (own.value as number);
      } else g.value = (rt[name] as WebAssembly.Global).value;
    }
    for (const [name, g] of gotFunc) if ((g.value >>> 0) < HOST_CALL_BASE) g.value = typeof ex[name] === 'function' ? version.slotOf.get(name)! : this.slots.get(`libc:${name}`)!;
    for (const [slot, identity] of this.identities) {
      const lib = identity.startsWith('libc:');
      const fn = lib ? rt[identity.slice(5)] : ex[identity];
      this.table.set(slot, typeof fn === 'function' && (lib || version.slotOf.has(identity)) ? fn as Funcref : null);
    }
    for (const [name, slot] of version.slotOf) if (typeof ex[name] === 'function') this.table.set(slot, ex[name] as Funcref);
    return version;
  }

  /**
   * GOT.mem: each variable at its home. An unchanged one (same key and type,
   * not E_MANUAL_MIGRATE, no migration rule) keeps the cell it lives in; any
   * other gets a new cell, which receives its initial bytes (returned, to be
   * copied once data relocations have run).
   */
  private bindVariables(v: Version, got: Map<string, WebAssembly.Global>, undo: Undo, missing: string[]): { from: number; to: number; size: number }[] {
    const rt = this.mem.rt as Record<string, WebAssembly.ExportValue>;
    const updating = this.undo.has(v);
    // A variable the version's generated migration writes (a rule, a rename, a new type) gets a cell of its own.
    const transformed = new Set((v.meta.xf?.entries ?? []).map((e) => e.key));
    for (const x of v.meta.variables) if (transformerOf(v, x.key)) transformed.add(x.key);
    const initial: { from: number; to: number; size: number }[] = [];
    const place = (x: KitsuneVariable): number => {
      const known = v.homes.get(x.key);
      if (known) return known.addr;
      const home = this.homes.get(x.key);
      const shared = updating && !x.manual && !transformed.has(x.key) && !!home && home.signature === x.signature && home.size === x.size;
      let addr: number;
      if (shared) {
        addr = home!.addr;
        undo.journal.push({ addr, bytes: this.mem.u8.slice(addr, addr + x.size) });
      } else {
        addr = this.allocate(x.size, 16, `variable \`${x.key}\``, updating);
        undo.cells.push(addr);
        initial.push({ from: v.dataBase + x.offset!, to: addr, size: x.size });
      }
      v.homes.set(x.key, { key: x.key, addr, size: x.size, signature: x.signature, shared });
      return addr;
    };
    const byOffset = new Map<number, KitsuneVariable>();
    for (const x of v.meta.variables) if (x.offset !== undefined) byOffset.set(x.offset, x);
    for (const [name, g] of got) {
      const own = v.exports[name];
      if (!(own instanceof WebAssembly.Global)) {
        const theirs = rt[name];
        if (theirs instanceof WebAssembly.Global) g.value = theirs.value;
        else missing.push(`data symbol ${name}`);
        continue;
      }
      const offset = own.value as number;
      const variable = v.meta.variables.find((x) => x.key === name && x.offset === offset) ?? byOffset.get(offset);
      // Symbols without a variable of the program (the generated migration's own state) stay in the block.
      g.value = variable ? place(variable) : v.dataBase + offset;
    }
    // Variables no code reaches still get a home, so that the next version can take them over.
    for (const x of v.meta.variables) if (x.offset !== undefined) place(x);
    return initial;
  }

  /** GOT.func: each function identity at its slot, which now calls this version's function. */
  private bindFunctions(v: Version, got: Map<string, WebAssembly.Global>, undo: Undo, missing: string[]): void {
    const rt = this.mem.rt as Record<string, WebAssembly.ExportValue>;
    const updating = this.undo.has(v);
    for (const [name, g] of got) {
      if ((g.value >>> 0) >= HOST_CALL_BASE) continue;
      const own = v.exports[name];
      if (typeof own === 'function') {
        const slot = this.slotOf(name, updating ? undo.fresh : undefined);
        v.slotOf.set(name, slot);
        g.value = slot;
      } else if (typeof rt[name] === 'function') {
        // The runtime's functions never change: one slot each, set once.
        const identity = `libc:${name}`;
        const known = this.slots.has(identity);
        const slot = this.slotOf(identity, undefined);
        if (!known) this.table.set(slot, rt[name] as Funcref);
        g.value = slot;
      } else missing.push(`function ${name}`);
    }
    this.takeSlots(v, updating ? undo : undefined);
  }

  /**
   * Every slot now calls `v`'s function of the identity it follows. A slot
   * whose identity `v` lacks follows `v`'s function of the same name when
   * there is exactly one (a static function whose file was renamed, as
   * versions in v1.c and v2.c are); otherwise it traps from now on.
   */
  private takeSlots(v: Version, undo: Undo | undefined): void {
    const byName = new Map<string, string | null>();
    for (const id of v.slotOf.keys()) {
      const n = baseName(id);
      byName.set(n, byName.has(n) ? null : id);
    }
    for (const [slot, identity] of this.identities) {
      if (identity.startsWith('libc:')) continue;
      let follows = v.slotOf.has(identity) ? identity : undefined;
      if (!follows) follows = byName.get(baseName(identity)) ?? undefined;
      const fn = follows ? v.exports[follows] as Funcref : null;
      const before = this.table.get(slot) as Funcref;
      if (fn === before && follows === identity) continue;
      undo?.slots.push([slot, before, identity]);
      if (follows) this.identities.set(slot, follows);
      this.table.set(slot, fn);
    }
  }

  /** A module with slots of its own (elem segment): they hold its functions, in the order the kitsune section lists. */
  private bindElemSlots(v: Version): void {
    v.meta.tableFunctions.forEach((name, i) => {
      if (i < v.tableSize && !v.slotOf.has(name)) v.slotOf.set(name, v.tableBase + i);
    });
  }

  /**
   * At commit, or for the first version: `v` is the running version now.
   * Returns the cells of variables it did not keep (dropped, or replaced by
   * a cell of a new type): free once nothing points into them.
   */
  adopt(v: Version): { addr: number; size: number; key: string }[] {
    this.undo.delete(v);
    const live = new Set([...v.homes.values()].map((h) => h.addr));
    const dead = [...this.homes.values()].filter((h) => !live.has(h.addr)).map((h) => ({ addr: h.addr, size: h.size, key: h.key }));
    this.homes = new Map(v.homes);
    for (const [slot, identity] of this.identities) {
      if (identity.startsWith('libc:')) continue;
      if (v.slotOf.has(identity)) this.orphaned.delete(slot);
      else this.orphaned.set(slot, identity);
    }
    return dead;
  }

  /** Undoes a version that never committed (or failed to load): its slots, its shared variables' bytes, its memory. */
  unload(v: Version): void {
    const undo = this.undo.get(v);
    if (undo) {
      for (const [slot, fn, identity] of undo.slots.reverse()) { this.table.set(slot, fn); this.identities.set(slot, identity); }
      for (const slot of undo.fresh) {
        const identity = this.identities.get(slot)!;
        this.slots.delete(identity);
        this.identities.delete(slot);
        this.table.set(slot, null);
        this.spare.push(slot);
      }
      for (const j of undo.journal) this.mem.u8.set(j.bytes, j.addr);
      this.undo.delete(v);
    }
    for (let i = v.tableBase; i < v.tableBase + v.tableSize; i++) this.table.set(i, null);
    // An update's version was allocated through the tracking, whose rollback frees it.
    if (!undo) {
      for (const h of v.homes.values()) if (!h.shared) this.mem.rt.free(h.addr);
      this.mem.rt.free(v.dataBase);
      this.mem.rt.free(v.stackBase);
    }
  }

  /**
   * `invoke_<sig>(fn, ...args)`: how a function that calls setjmp makes its
   * calls (include/setjmp.h). A longjmp thrown under it ends here: the stack
   * pointers go back to where they were at the call and the lowered code
   * reads __THREW__ to find its label. Stateless, so that Asyncify can unwind
   * and rewind through it (asyncify.ts lists invoke_* as imports that may).
   */
  private invoke(version: Version, name: string, hostCalls: HostFunctions[string][]) {
    const zero = name.charAt(7) === 'j' ? 0n : 0;
    const rt = this.mem.rt, table = this.table;
    return (fn: number, ...args: unknown[]) => {
      const sp = version.sp.value as number, runtimeSp = rt.__stack_pointer.value as number;
      try {
        const f = (fn >>> 0) >= HOST_CALL_BASE ? hostCalls[(fn >>> 0) - HOST_CALL_BASE] : table.get(fn);
        return (f as (...a: unknown[]) => unknown)(...args);
      } catch (e) {
        if (e !== LONGJMP) throw e;
        version.sp.value = sp;
        rt.__stack_pointer.value = runtimeSp;
        return zero;
      }
    };
  }

  private guardCallbacks(fn: (...a: number[]) => number) {
    return (...args: number[]) => {
      this.callbackDepth++;
      try { return fn(...args); } finally { this.callbackDepth--; }
    };
  }

  /** The function identity behind a slot (for messages and for migration). */
  identityOf(slot: number): string | undefined { return this.identities.get(slot); }

  /** The slot of identity `name` in `v`, if `v` defines it. */
  slotFor(v: Version, name: string): number | undefined {
    const slot = v.slotOf.get(name);
    if (slot !== undefined) return slot;
    const fn = v.exports[name];
    if (typeof fn !== 'function') return undefined;
    // A function the version defines but never took the address of: it gets its identity's slot now.
    const s = this.slotOf(name, this.undo.get(v)?.fresh);
    this.undo.get(v)?.slots.push([s, this.table.get(s) as Funcref, name]);
    this.table.set(s, fn as Funcref);
    v.slotOf.set(name, s);
    return s;
  }

  /** For a crash report: a null table slot may be an identity the running version lacks. */
  describeCrash(e: unknown): string {
    const msg = describeFailure(e);
    if (/null function|signature mismatch|table index/.test(msg) && this.orphaned.size) {
      const gone = [...this.orphaned.values()];
      return `${msg}\n(a call through a function pointer reached a function the running version does not define: ${gone.join(', ')}. A function pointer kept across an update calls the running version's function of the same identity, so that function must still exist, with the same signature)`;
    }
    return msg;
  }
}

/** `file.c/name` -> `name`; an external function's identity is its name already. */
function baseName(identity: string): string {
  const slash = identity.lastIndexOf('/');
  return slash < 0 ? identity : identity.slice(slash + 1);
}

/** What went wrong in a version's code, for people. */
export function describeFailure(e: unknown): string {
  if (e === LONGJMP) return 'longjmp() to a jmp_buf whose setjmp is not on the stack any more (its function returned, or the jmp_buf was filled by a version an update replaced)';
  if (e instanceof WebAssembly.RuntimeError) return `trap: ${e.message}`;
  if (e instanceof WebAssembly.LinkError) return `link error: ${e.message}`;
  return messageOf(e);
}

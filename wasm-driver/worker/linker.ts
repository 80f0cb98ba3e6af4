// Places a version into the process: its static data in a block from the
// runtime's heap (at __memory_base), its own stack, its table slots, its GOT,
// and its imports (the host's calls first, then the runtime's libc). Also
// owns what happens to a version's table slots when it retires: they call
// the next version's function of the same name, or trap with the function
// named when it has none.
import { KitsuneError, messageOf } from '../../format/errors.js';
import type { KitsuneMeta } from '../../format/metadata.js';
import type { DylinkInfo } from '../../format/wasm-sections.js';
import type { ProgramMemory } from './memory.js';
import type { Version, VersionExports } from './version.js';

/** Imports that versions take from the runtime's tracking wrappers instead. */
const TRACKED = ['malloc', 'calloc', 'realloc', 'free', 'aligned_alloc', 'posix_memalign', 'strdup', 'strndup'];
/** libc calls that run program code from inside the runtime: no unwinding there. */
const CALLBACK_CALLS = ['qsort', 'qsort_r', 'bsearch', 'tsearch', 'tfind', 'tdelete', 'twalk', 'lsearch', 'lfind', 'scandir', 'nftw', 'ftw'];

export type HostFunctions = Record<string, (...a: number[]) => number | void>;

export class Linker {
  readonly table: WebAssembly.Table;
  private versions = 0;
  /** Depth of libc calls that may call back into the program (qsort...): an update point there cannot unwind. */
  callbackDepth = 0;
  private retired: { from: number; to: number; version: number; build: string }[] = [];
  /** Slots of retired versions, by the function name they forward to in the current version. */
  private forwarded = new Map<number, string>();
  /** Retired slots whose function the current version lacks: a call there traps. */
  private orphaned = new Map<number, string>();

  constructor(private readonly mem: ProgramMemory, tableMin: number, private readonly stackSize: number) {
    this.table = new WebAssembly.Table({ initial: tableMin, element: 'anyfunc' });
  }

  private allocate(size: number, align: number, what: string): number {
    const p = this.mem.rt.aligned_alloc(Math.max(align, 16), Math.ceil(Math.max(size, 1) / 16) * 16);
    if (!p) throw new KitsuneError('E_RUNTIME', `out of memory allocating ${size} bytes for ${what}`);
    this.mem.u8.fill(0, p, p + size);
    return p;
  }

  /** Instantiates `module`; `hostFunctions` makes the host's imports bound to the new version. */
  load(module: WebAssembly.Module, meta: KitsuneMeta, dylink: DylinkInfo, hostFunctions: (v: Version) => HostFunctions): Version {
    const rt = this.mem.rt as Record<string, WebAssembly.ExportValue>;
    const outside = meta.variables.find((x) => x.offset !== undefined && x.offset + x.size > dylink.memorySize);
    if (outside) throw new KitsuneError('E_FORMAT', `version ${meta.buildId}: variable \`${outside.key}\` lies at ${outside.offset}+${outside.size} bytes, outside its ${dylink.memorySize} bytes of static data; the kitsune section does not describe this module`);
    // 16 bytes of slack: the allocator's pointers to the next chunk's header
    // then never fall inside the data, where the reclaim scan would take them
    // for references to it.
    const dataBase = this.allocate(dylink.memorySize + 16, 2 ** dylink.memoryAlign, 'the version\'s static data');
    const stackBase = this.allocate(this.stackSize, 16, 'the version\'s stack');
    const tableBase = this.table.length;
    if (dylink.tableSize) this.table.grow(dylink.tableSize);
    const version: Version = {
      meta, dylink, number: ++this.versions, exports: undefined as never, sp: new WebAssembly.Global({ value: 'i32', mutable: true }, stackBase + this.stackSize),
      dataBase, dataSize: dylink.memorySize, stackBase, stackSize: this.stackSize, tableBase, tableSize: dylink.tableSize,
      locals: new Map(), slotName: new Map(), slotOf: new Map(),
    };
    // The elem segment fills the version's slots from __table_base in this order.
    meta.tableFunctions.forEach((name, i) => {
      if (i >= dylink.tableSize) return;
      version.slotName.set(tableBase + i, name);
      if (!version.slotOf.has(name)) version.slotOf.set(name, tableBase + i);
    });
    try {
      const gotMem = new Map<string, WebAssembly.Global>();
      const gotFunc = new Map<string, WebAssembly.Global>();
      const missing: string[] = [];
      const host = hostFunctions(version);
      const env: Record<string, WebAssembly.ImportValue> = {};
      for (const imp of WebAssembly.Module.imports(module)) {
        if (imp.module === 'env') {
          const n = imp.name;
          if (n === 'memory') env[n] = this.mem.memory;
          else if (n === '__indirect_function_table') env[n] = this.table;
          else if (n === '__stack_pointer') env[n] = version.sp;
          else if (n === '__memory_base') env[n] = new WebAssembly.Global({ value: 'i32', mutable: false }, dataBase);
          else if (n === '__table_base') env[n] = new WebAssembly.Global({ value: 'i32', mutable: false }, tableBase);
          else if (n in host) env[n] = host[n];
          else if (TRACKED.includes(n)) env[n] = rt[`__kitsune_${n}`] as WebAssembly.ImportValue;
          else if (CALLBACK_CALLS.includes(n) && typeof rt[n] === 'function') env[n] = this.guardCallbacks(rt[n] as (...a: number[]) => number);
          else if (rt[n] !== undefined) env[n] = rt[n] as WebAssembly.ImportValue;
          else missing.push(`${n} (${imp.kind})`);
        } else if (imp.module === 'GOT.mem') gotMem.set(imp.name, new WebAssembly.Global({ value: 'i32', mutable: true }, 0));
        else if (imp.module === 'GOT.func') gotFunc.set(imp.name, new WebAssembly.Global({ value: 'i32', mutable: true }, 0));
        else missing.push(`${imp.module}.${imp.name}`);
      }
      if (missing.length) throw new KitsuneError('E_LINK', `version ${meta.buildId} imports ${missing.length} symbol(s) that neither the runtime (wasi-libc) nor the host provides:`, missing);
      const instance = new WebAssembly.Instance(module, { env, 'GOT.mem': Object.fromEntries(gotMem), 'GOT.func': Object.fromEntries(gotFunc) });
      const ex = instance.exports as VersionExports;
      version.exports = ex;
      // Resolve the GOT now that the version's own exports exist.
      for (const [name, g] of gotMem) {
        const own = ex[name], theirs = rt[name];
        if (own instanceof WebAssembly.Global) g.value = dataBase + (own.value as number);
        else if (theirs instanceof WebAssembly.Global) g.value = theirs.value;
        else missing.push(`data symbol ${name}`);
      }
      for (const [name, g] of gotFunc) {
        const fn = typeof ex[name] === 'function' ? ex[name] : rt[name];
        if (typeof fn !== 'function') { missing.push(`function ${name}`); continue; }
        const slot = this.table.length;
        this.table.grow(1);
        this.table.set(slot, fn as (...a: unknown[]) => unknown);
        g.value = slot;
        // The runtime's functions never retire: only the version's own slots move by name.
        if (typeof ex[name] === 'function') { version.slotName.set(slot, name); version.slotOf.set(name, slot); }
      }
      if (missing.length) throw new KitsuneError('E_LINK', `version ${meta.buildId} needs symbols nobody defines:`, missing);
      for (const f of ['asyncify_start_unwind', 'asyncify_stop_unwind', 'asyncify_start_rewind', 'asyncify_get_state']) {
        if (typeof ex[f] !== 'function') throw new KitsuneError('E_MODULE', `version ${meta.buildId} has no ${f} export: it was not built with kitsune build (Asyncify)`);
      }
      (ex.__wasm_apply_data_relocs as (() => void) | undefined)?.();
      (ex.__wasm_call_ctors as (() => void) | undefined)?.();
    } catch (e) {
      // Nothing of a version that failed to load may stay behind: a rollback never sees it.
      this.unload(version, tableBase);
      throw e;
    }
    return version;
  }

  /** Frees a version that never committed (or failed to load): its data, its stack, its slots. */
  unload(v: Version, slotsFrom = v.tableBase): void {
    this.mem.rt.free(v.dataBase);
    this.mem.rt.free(v.stackBase);
    for (let i = slotsFrom; i < this.table.length; i++) this.table.set(i, null);
  }

  private guardCallbacks(fn: (...a: number[]) => number) {
    return (...args: number[]) => {
      this.callbackDepth++;
      try { return fn(...args); } finally { this.callbackDepth--; }
    };
  }

  /** The slot of `name` in `v`, made on first use for a function that had none. */
  slotFor(v: Version, name: string): number | undefined {
    let slot = v.slotOf.get(name);
    const fn = v.exports[name];
    if (slot === undefined && typeof fn === 'function') {
      slot = this.table.length;
      this.table.grow(1);
      this.table.set(slot, fn as (...a: unknown[]) => unknown);
      v.slotOf.set(name, slot);
      v.slotName.set(slot, name);
    }
    return slot;
  }

  /** The function name behind a slot of `old` or of a version retired before it. */
  nameOfSlot(old: Version, slot: number): string | undefined {
    return old.slotName.get(slot) ?? this.forwarded.get(slot);
  }

  /**
   * At commit: function pointers that survive in state no transform walked
   * still hold old slots, so each retired slot now calls the new version's
   * function of the same name, and traps (see describeCrash) if there is none.
   */
  retire(old: Version, next: Version): void {
    const table = this.table;
    for (let i = old.tableBase; i < old.tableBase + old.tableSize; i++) table.set(i, null);
    for (const [slot, name] of old.slotName) this.forwarded.set(slot, name);
    for (const [slot, name] of this.forwarded) {
      const target = this.slotFor(next, name);
      if (target !== undefined && target !== slot) table.set(slot, table.get(target));
      else if (target === undefined) {
        table.set(slot, null);
        this.forwarded.delete(slot);
        this.orphaned.set(slot, `${name} (version ${old.number})`);
      }
    }
    this.retired.push({ from: old.tableBase, to: old.tableBase + old.tableSize, version: old.number, build: old.meta.buildId });
  }

  /** For a crash report: a null table slot may be a retired version's function. */
  describeCrash(e: unknown): string {
    const msg = describeFailure(e);
    if (/null function|signature mismatch|table index/.test(msg) && this.retired.length) {
      const gone = [...this.orphaned.values()];
      const r = this.retired.map((x) => `slots ${x.from}-${x.to - 1} of version ${x.version} (${x.build})`).join(', ');
      return `${msg}\n(a call through a function pointer reached an empty or retired table slot${gone.length ? `; functions that old versions had and the running one lacks: ${gone.join(', ')}` : ''}; retired: ${r}. A function pointer kept across an update calls the new version's function of the same name, so the function must still exist with the same signature)`;
    }
    return msg;
  }
}

/** What went wrong in a version's code, for people. */
export function describeFailure(e: unknown): string {
  if (e instanceof WebAssembly.RuntimeError) return `trap: ${e.message}`;
  if (e instanceof WebAssembly.LinkError) return `link error: ${e.message}`;
  return messageOf(e);
}

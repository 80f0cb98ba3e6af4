// The running program, inside its worker: one runtime instance, one memory,
// one table, and the versions that take turns on them. An update is a
// transaction: unwind the old version at its update point (Asyncify), load
// the new one beside it, let it migrate state and reach the same point, then
// commit; any failure before commit rewinds the old version as if nothing
// had happened.
import { KitsuneError, messageOf } from './errors.js';
import { parseDylink } from './wasm-sections.js';
import type { KitsuneMeta } from './metadata.js';
import { REQUESTED, UPDATING, SharedState, Ctl } from './shared-state.js';
import { Wasi, ExitSignal, now, Errno } from './wasi.js';
import type { KitsuneEvent, UpdateMessage, UpdateResult, UpdateStage, UpdateTrace } from './protocol.js';
import { layoutOf, currentFrames, wasmFrames, readAddressMap, BEFORE_CAP } from './inspect.js';

const ASYNCIFY_NORMAL = 0, ASYNCIFY_UNWINDING = 1, ASYNCIFY_REWINDING = 2;

/** Imports that versions take from the runtime's tracking wrappers instead. */
const TRACKED = ['malloc', 'calloc', 'realloc', 'free', 'aligned_alloc', 'posix_memalign', 'strdup', 'strndup'];
/** libc calls that run program code from inside the runtime: no unwinding there. */
const CALLBACK_CALLS = ['qsort', 'qsort_r', 'bsearch', 'tsearch', 'tfind', 'tdelete', 'twalk', 'lsearch', 'lfind', 'scandir', 'nftw', 'ftw'];

type Exports = Record<string, WebAssembly.ExportValue> & {
  asyncify_start_unwind(p: number): void; asyncify_stop_unwind(): void;
  asyncify_start_rewind(p: number): void; asyncify_stop_rewind(): void; asyncify_get_state(): number;
};
type RuntimeExports = Record<string, WebAssembly.ExportValue> & {
  __stack_pointer: WebAssembly.Global; __kitsune_state: WebAssembly.Global;
  malloc(n: number): number; free(p: number): void; aligned_alloc(a: number, n: number): number;
  exit(code: number): void; fflush(f: number): number;
  __kitsune_track_begin(): void; __kitsune_track_commit(): number; __kitsune_track_rollback(): number; __kitsune_track_failed(): number;
  __kitsune_scan_refs(from: number, to: number, lo: number, hi: number, first: number): number; __kitsune_heap_top(): number;
  __kitsune_heap_adopt(from: number, to: number): number;
  __kitsune_xf_begin(lo: number, hi: number): void; __kitsune_xf_insert(old: number, neu: number, deep: number): number;
  __kitsune_xf_commit(): number; __kitsune_xf_rollback(): number; __kitsune_xf_failed(): number; __kitsune_xf_release(budget: number): number;
  __kitsune_xf_map_base(): number; __kitsune_xf_map_capacity(): number; __heap_base: WebAssembly.Global;
};

interface Version {
  meta: KitsuneMeta;
  number: number;
  exports: Exports;
  sp: WebAssembly.Global;
  dataBase: number;
  dataSize: number;
  stackBase: number;
  stackSize: number;
  tableBase: number;
  tableSize: number;
  /** Locals noted through MIGRATE_LOCAL, by key. */
  locals: Map<string, { addr: number; size: number }>;
  /** Function names of its table slots, both ways: function pointers move by name. */
  slotName: Map<number, string>;
  slotOf: Map<string, number>;
}

/** An old version's static data, freed once nothing points into it. */
interface Retired { lo: number; hi: number; version: number; lastScan: number; reported: boolean }

interface Transaction {
  msg: UpdateMessage;
  old: Version;
  next?: Version;
  point: string;
  stage: UpdateStage;
  savedSp: number;
  savedRuntimeSp: number;
  unwoundAt: number;
  loadMillis: number;
  migrateMillis: number;
  migrated: string[];
  snapshot?: Uint8Array;
  /** With `inspect`: what the update did, filled in as it goes. */
  trace?: UpdateTrace;
}

export interface ProgramHost {
  post(event: KitsuneEvent): void;
  write(fd: 1 | 2, bytes: Uint8Array): void;
  signalUpdate(path: string | null): void;
  nextUpdate(id: number): Promise<UpdateMessage>;
}

export class Program {
  private rt!: RuntimeExports;
  private table!: WebAssembly.Table;
  private wasi: Wasi;
  private current!: Version;
  private tx: Transaction | undefined;
  private versions = 0;
  private argv = { argc: 0, ptr: 0 };
  private runtimeSpBase = 0;
  private callbackDepth = 0;
  private nextVersionPath: string | null = null;
  private retired: { from: number; to: number; version: number; build: string }[] = [];
  /** Slots of retired versions, by the function name they forward to in the current version. */
  private forwarded = new Map<number, string>();
  /** Retired slots whose function the current version lacks: a call there traps. */
  private orphaned = new Map<number, string>();
  private pendingData: Retired[] = [];
  /** Old blocks that the last migration moved, not yet freed (see idle()). */
  private garbage = false;
  private garbageOf = 0;
  private hasUpdated = false;

  constructor(
    private readonly memory: WebAssembly.Memory,
    private readonly shared: SharedState,
    private readonly host: ProgramHost,
    private readonly args: string[],
    env: Record<string, string>,
    private readonly stackSize: number,
    isTTY: { stdin: boolean; stdout: boolean; stderr: boolean },
    /** Report layouts and update traces (StartOptions.inspect). */
    private readonly inspect = false,
  ) {
    this.wasi = new Wasi({ args, env, shared, write: (fd, b) => host.write(fd, b), isTTY });
    this.wasi.bind(memory);
  }

  private get i32() { return new Int32Array(this.memory.buffer); }
  private get u8() { return new Uint8Array(this.memory.buffer); }
  private stateIndex() { return (this.rt.__kitsune_state.value as number) >> 2; }

  startRuntime(runtime: WebAssembly.Module, tableMin: number): number {
    this.table = new WebAssembly.Table({ initial: tableMin, element: 'anyfunc' });
    const instance = new WebAssembly.Instance(runtime, {
      env: { memory: this.memory, __indirect_function_table: this.table },
      wasi_snapshot_preview1: this.wasi.imports() as WebAssembly.ModuleImports,
    });
    this.rt = instance.exports as RuntimeExports;
    (this.rt._initialize as (() => void) | undefined)?.();
    this.runtimeSpBase = this.rt.__stack_pointer.value;
    // argv lives in the heap for the whole process: every version's main gets it.
    const enc = new TextEncoder();
    const ptrs = this.rt.malloc(4 * (this.args.length + 1));
    const dv = () => new DataView(this.memory.buffer);
    this.args.forEach((a, i) => {
      const b = enc.encode(a + '\0');
      const p = this.rt.malloc(b.length);
      this.u8.set(b, p);
      dv().setUint32(ptrs + 4 * i, p, true);
    });
    dv().setUint32(ptrs + 4 * this.args.length, 0, true);
    this.argv = { argc: this.args.length, ptr: ptrs };
    return this.rt.__kitsune_state.value as number;
  }

  // ---- loading a version ---------------------------------------------------

  private cstring(p: number): string {
    const u8 = this.u8;
    let e = p;
    while (u8[e]) e++;
    return new TextDecoder().decode(u8.slice(p, e));
  }

  private allocate(size: number, align: number, what: string): number {
    const p = this.rt.aligned_alloc(Math.max(align, 16), Math.ceil(Math.max(size, 1) / 16) * 16);
    if (!p) throw new KitsuneError('E_RUNTIME', `out of memory allocating ${size} bytes for ${what}`);
    this.u8.fill(0, p, p + size);
    return p;
  }

  private load(module: WebAssembly.Module, bytesMeta: KitsuneMeta, dylinkBytes: Uint8Array | null): Version {
    const number = ++this.versions;
    const dylink = dylinkBytes ? parseDylink(dylinkBytes) : undefined;
    if (!dylink) throw new KitsuneError('E_MODULE', `version ${bytesMeta.buildId} has no dylink.0 section: it is not a position-independent side module`);
    const outside = bytesMeta.variables.find((x) => x.offset !== undefined && x.offset + x.size > dylink.memorySize);
    if (outside) throw new KitsuneError('E_FORMAT', `version ${bytesMeta.buildId}: variable \`${outside.key}\` lies at ${outside.offset}+${outside.size} bytes, outside its ${dylink.memorySize} bytes of static data; the kitsune section does not describe this module`);
    // 16 bytes of slack: the allocator's pointers to the next chunk's header
    // then never fall inside the data, where the reclaim scan would take them
    // for references to it.
    const dataBase = this.allocate(dylink.memorySize + 16, 2 ** dylink.memoryAlign, 'the version\'s static data');
    const stackBase = this.allocate(this.stackSize, 16, 'the version\'s stack');
    const tableBase = this.table.length;
    if (dylink.tableSize) this.table.grow(dylink.tableSize);
    const sp = new WebAssembly.Global({ value: 'i32', mutable: true }, stackBase + this.stackSize);
    const version: Version = {
      meta: bytesMeta, number, exports: undefined as unknown as Exports, sp, dataBase, dataSize: dylink.memorySize,
      stackBase, stackSize: this.stackSize, tableBase, tableSize: dylink.tableSize, locals: new Map(),
      slotName: new Map(), slotOf: new Map(),
    };
    // The elem segment fills the version's slots from __table_base in this order.
    bytesMeta.tableFunctions.forEach((name, i) => {
      if (i >= dylink.tableSize) return;
      version.slotName.set(tableBase + i, name);
      if (!version.slotOf.has(name)) version.slotOf.set(name, tableBase + i);
    });
    try {
      const gotMem = new Map<string, WebAssembly.Global>();
      const gotFunc = new Map<string, WebAssembly.Global>();
      const missing: string[] = [];
      const hostFns = this.hostFunctions(version);
      const env: Record<string, WebAssembly.ImportValue> = {};
      const rt = this.rt as Record<string, WebAssembly.ExportValue>;
      for (const imp of WebAssembly.Module.imports(module)) {
        if (imp.module === 'env') {
          const n = imp.name;
          if (n === 'memory') env[n] = this.memory;
          else if (n === '__indirect_function_table') env[n] = this.table;
          else if (n === '__stack_pointer') env[n] = sp;
          else if (n === '__memory_base') env[n] = new WebAssembly.Global({ value: 'i32', mutable: false }, dataBase);
          else if (n === '__table_base') env[n] = new WebAssembly.Global({ value: 'i32', mutable: false }, tableBase);
          else if (n in hostFns) env[n] = hostFns[n];
          else if (TRACKED.includes(n)) env[n] = rt[`__kitsune_${n}`] as WebAssembly.ImportValue;
          else if (CALLBACK_CALLS.includes(n) && typeof rt[n] === 'function') env[n] = this.guardCallbacks(rt[n] as (...a: number[]) => number);
          else if (rt[n] !== undefined) env[n] = rt[n] as WebAssembly.ImportValue;
          else missing.push(`${n} (${imp.kind})`);
        } else if (imp.module === 'GOT.mem') {
          const g = new WebAssembly.Global({ value: 'i32', mutable: true }, 0);
          gotMem.set(imp.name, g);
        } else if (imp.module === 'GOT.func') {
          gotFunc.set(imp.name, new WebAssembly.Global({ value: 'i32', mutable: true }, 0));
        } else {
          missing.push(`${imp.module}.${imp.name}`);
        }
      }
      if (missing.length) {
        throw new KitsuneError('E_LINK', `version ${bytesMeta.buildId} imports ${missing.length} symbol(s) that neither the runtime (wasi-libc) nor the host provides:`, missing);
      }
      const instance = new WebAssembly.Instance(module, {
        env, 'GOT.mem': Object.fromEntries(gotMem), 'GOT.func': Object.fromEntries(gotFunc),
      });
      const ex = instance.exports as Exports;
      version.exports = ex;
      // Resolve the GOT now that the version's own exports exist.
      for (const [name, g] of gotMem) {
        const own = ex[name];
        const theirs = rt[name];
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
      if (missing.length) throw new KitsuneError('E_LINK', `version ${bytesMeta.buildId} needs symbols nobody defines:`, missing);
      for (const f of ['asyncify_start_unwind', 'asyncify_stop_unwind', 'asyncify_start_rewind', 'asyncify_get_state']) {
        if (typeof ex[f] !== 'function') throw new KitsuneError('E_MODULE', `version ${bytesMeta.buildId} has no ${f} export: it was not built with kitsune build (Asyncify)`);
      }
      (ex.__wasm_apply_data_relocs as (() => void) | undefined)?.();
      (ex.__wasm_call_ctors as (() => void) | undefined)?.();
    } catch (e) {
      // Nothing of a version that failed to load may stay behind: a rollback never sees it.
      this.rt.free(dataBase);
      this.rt.free(stackBase);
      for (let i = tableBase; i < this.table.length; i++) this.table.set(i, null);
      throw e;
    }
    return version;
  }

  private guardCallbacks(fn: (...a: number[]) => number) {
    return (...args: number[]) => {
      this.callbackDepth++;
      try { return fn(...args); } finally { this.callbackDepth--; }
    };
  }

  // ---- the C API, as host functions bound to one version --------------------

  private hostFunctions(v: Version): Record<string, (...a: number[]) => number | void> {
    return {
      __kitsune_update_point: (p: number) => this.updatePoint(v, p),
      kitsune_is_updating: () => (this.tx?.next === v ? 1 : 0),
      kitsune_is_updating_from: (p: number) => (this.tx?.next === v && this.tx.point === this.cstring(p) ? 1 : 0),
      kitsune_has_updated: () => (this.hasUpdated ? 1 : 0),
      kitsune_signal_update: () => this.host.signalUpdate(this.nextVersionPath),
      kitsune_clear_request: () => { Atomics.and(this.i32, this.stateIndex(), ~REQUESTED); },
      kitsune_set_next_version: (p: number) => { this.nextVersionPath = this.cstring(p); },
      kitsune_do_automigrate: () => this.timedMigration(() => this.automigrate(v)),
      __kitsune_migrate_var: (name: number, func: number, file: number, addr: number, size: number) =>
        this.timedMigration(() => this.migrateVar(v, this.cstring(name), func ? this.cstring(func) : '', file ? this.cstring(file) : '', addr, size)),
      __kitsune_xf_fail: (what: number, where: number) => {
        throw new KitsuneError('E_MIGRATE', `${this.cstring(what)}${where ? ` (old address 0x${where.toString(16)})` : ''}`);
      },
      __kitsune_xf_fn: (slot: number, where: number) => this.remapFunction(v, slot, this.cstring(where)),
      __kitsune_xf_data: (p: number) => this.remapData(v, p),
      sleep: (sec: number) => {
        // Cut short, sleep() returns the seconds left, as on Linux.
        const start = performance.now();
        this.idle(sec * 1000);
        return this.shared.sleep(sec * 1000) ? 0 : Math.max(1, Math.ceil(sec - (performance.now() - start) / 1000));
      },
      usleep: (us: number) => { this.idle(us / 1000); return this.shared.sleep(us / 1000) ? 0 : this.fail(Errno.INTR); },
      nanosleep: (req: number, rem: number) => {
        const dv = new DataView(this.memory.buffer);
        const ms = Number(dv.getBigInt64(req, true)) * 1000 + dv.getInt32(req + 8, true) / 1e6;
        const start = performance.now();
        this.idle(ms);
        if (this.shared.sleep(ms)) return 0;
        if (rem) {
          const left = Math.max(0, ms - (performance.now() - start));
          new DataView(this.memory.buffer).setBigInt64(rem, BigInt(Math.floor(left / 1000)), true);
          new DataView(this.memory.buffer).setInt32(rem + 8, Math.floor((left % 1000) * 1e6), true);
        }
        return this.fail(Errno.INTR);
      },
      // The POSIX surface wasi-libc lacks (sockets, signals, terminal): wasm-driver/posix.ts.
      ...this.wasi.posix.functions({ rt: this.rt, table: this.table, current: () => this.current }, v),
    };
  }

  /** Sets errno (Linux's EINTR is 4; wasi-libc uses WASI numbers) and returns -1. */
  private fail(errno: number): number {
    const addr = (this.rt.errno as WebAssembly.Global).value as number;
    new DataView(this.memory.buffer).setInt32(addr, errno, true);
    return -1;
  }

  private timedMigration(f: () => number | void): number {
    const t = now();
    const tx = this.tx;
    const stage = tx?.stage;
    const r = f() ?? 0;
    // Back in the new main once the migration call returns; a failure keeps 'migrate'.
    if (tx) { tx.migrateMillis += now() - t; if (stage) tx.stage = stage; }
    return r;
  }

  private automigrate(v: Version): void {
    const tx = this.tx;
    if (!tx || tx.next !== v) return;
    tx.stage = 'migrate';
    for (const nv of v.meta.variables) {
      if (nv.manual || nv.kind === 'local' || nv.offset === undefined) continue;
      this.migrateOne(tx, v, nv.key, v.dataBase + nv.offset, nv.size);
    }
  }

  /** Moves one variable into `to`: by the generated migration code when the version has an entry for it, else as bytes. */
  private migrateOne(tx: Transaction, v: Version, key: string, to: number, size: number): boolean {
    const entry = v.meta.xf?.entries.find((e) => e.key === key);
    if (entry) {
      const from = entry.from === null ? 0 : this.oldAddress(tx, entry.from);
      if (from === undefined) return false;
      (v.exports.__kitsune_xf_var as (i: number, to: number, from: number) => number)(entry.index, to, from);
      if (this.rt.__kitsune_xf_failed()) throw new KitsuneError('E_MIGRATE', `out of memory in the runtime while migrating \`${key}\``);
      tx.migrated.push(key);
      return true;
    }
    const ov = tx.old.meta.variables.find((x) => x.key === key);
    const from = this.oldAddress(tx, key);
    if (from === undefined) return false;
    if (!ov) {
      // A MIGRATE_LOCAL local of a function without E_NOTELOCALS: no type known, only its size.
      const old = tx.old.locals.get(key)!;
      if (old.size !== size) throw new KitsuneError('E_MIGRATE', `local \`${key}\` changed size from ${old.size} to ${size} bytes and nothing migrates it (mark its function E_NOTELOCALS so that its type is known, and write a rule)`);
      this.u8.copyWithin(to, from, from + size);
      tx.migrated.push(key);
      return true;
    }
    const nv = v.meta.variables.find((x) => x.key === key) ?? { ...ov, size };
    if (ov.signature !== nv.signature || ov.size !== size) {
      throw new KitsuneError('E_MIGRATE', `variable \`${key}\` (${nv.file}:${nv.line}) changed type from \`${ov.typeName}\` to \`${nv.typeName}\` and nothing migrates it (build the new version --from the old one to generate its transformation)`);
    }
    // Migration writes only the new version's variables: the old ones stay intact for a rollback.
    this.u8.copyWithin(to, from, from + size);
    tx.migrated.push(key);
    return true;
  }

  private oldAddress(tx: Transaction, key: string): number | undefined {
    const ov = tx.old.meta.variables.find((x) => x.key === key);
    if (ov?.offset !== undefined) return tx.old.dataBase + ov.offset;
    return tx.old.locals.get(key)?.addr;
  }

  private migrateVar(v: Version, name: string, func: string, file: string, addr: number, size: number): number {
    const key = file && func ? `${file}/${func}#${name}` : file ? `${file}/${name}` : func ? `${func}#${name}` : name;
    // Note a local in the running version, so that the next update finds it.
    if (func && !file) {
      if (this.inspect && v.locals.get(key)?.addr !== addr) this.host.post({ type: 'local', version: v.number, key, addr, size });
      v.locals.set(key, { addr, size });
    }
    const tx = this.tx;
    if (!tx || tx.next !== v) return 0;
    tx.stage = 'migrate';
    return this.migrateOne(tx, v, key, addr, size) ? 1 : 0;
  }

  /**
   * Where the old version's globals move: before any transform runs, each old
   * variable's address maps to its new one, so pointers to globals follow
   * them by key, renames included.
   */
  private beginMigration(tx: Transaction, next: Version): void {
    const old = tx.old;
    this.rt.__kitsune_xf_begin(old.dataBase, old.dataBase + old.dataSize);
    const entries = new Map((next.meta.xf?.entries ?? []).map((e) => [e.key, e]));
    const olds = new Map(old.meta.variables.map((x) => [x.key, x]));
    for (const nv of next.meta.variables) {
      if (nv.offset === undefined) continue;
      const e = entries.get(nv.key);
      const ov = olds.get(e ? e.from ?? '' : nv.key);
      if (ov?.offset !== undefined && ov.size > 0) this.rt.__kitsune_xf_insert(old.dataBase + ov.offset, next.dataBase + nv.offset, 0);
    }
  }

  /** A function pointer of the old version: the new version's function of the same name. */
  private remapFunction(next: Version, slot: number, where: string): number {
    const old = this.tx?.old;
    const name = old?.slotName.get(slot) ?? this.forwarded.get(slot);
    if (!slot || name === undefined) return slot; // null, or a runtime (libc) function: those never move
    const n = this.slotFor(next, name);
    if (n === undefined) throw new KitsuneError('E_MIGRATE', `${where}: a function pointer to \`${name}\`, which the new version does not define; keep the function or write a rule that replaces the pointer`);
    return n;
  }

  private slotFor(v: Version, name: string): number | undefined {
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

  /**
   * A pointer into the old version's static data, from an object being
   * transformed: into a variable, it follows the variable by key; into a
   * string literal, it moves to the identical literal of the new version if
   * there is one. Otherwise it stays, and the old data is kept (see idle()).
   */
  private remapData(next: Version, p: number): number {
    const tx = this.tx;
    if (!tx) return p;
    const old = tx.old;
    const off = p - old.dataBase;
    const ov = old.meta.variables.find((x) => x.offset !== undefined && off >= x.offset && off < x.offset + Math.max(x.size, 1));
    if (ov) {
      const e = next.meta.xf?.entries.find((x) => x.from === ov.key);
      const nv = next.meta.variables.find((x) => x.key === (e?.key ?? ov.key));
      const delta = off - ov.offset!;
      if (nv?.offset !== undefined && (delta === 0 || (nv.signature === ov.signature && delta < nv.size))) return next.dataBase + nv.offset + delta;
      return p;
    }
    const u8 = this.u8;
    const end = u8.indexOf(0, p);
    if (end < 0 || end >= old.dataBase + old.dataSize) return p;
    const text = u8.subarray(p, end + 1);
    const lo = next.dataBase, hi = next.dataBase + next.dataSize;
    for (let i = u8.indexOf(text[0]!, lo); i >= 0 && i + text.length <= hi; i = u8.indexOf(text[0]!, i + 1)) {
      let k = 1;
      while (k < text.length && u8[i + k] === text[k]) k++;
      if (k === text.length) return i;
    }
    return p;
  }

  /**
   * The program is about to wait: a good moment, off any update's pause, to
   * check whether an old version's static data is still pointed into and
   * free it if not. Retried at most once a second while something does.
   */
  private idle(ms: number): void {
    if (ms <= 0 || this.tx) return;
    if (this.garbage) {
      const t = now();
      this.garbage = this.rt.__kitsune_xf_release(ms >= 5 ? 1 << 30 : 100_000) !== 0;
      if (!this.garbage) this.host.post({ type: 'reclaim', what: 'moved-objects', version: this.garbageOf, bytes: 0, freed: true, millis: now() - t });
    }
    if (!this.pendingData.length) return;
    const t = now();
    this.reclaim(this.pendingData.filter((r) => t - r.lastScan >= 1000), this.current);
  }

  private reclaim(blocks: Retired[], running: Version): void {
    for (const r of blocks) {
      const t = now();
      r.lastScan = t;
      const { refs, first } = this.referencesInto(r.lo, r.hi, running);
      const millis = now() - t;
      if (!refs) {
        this.rt.free(r.lo);
        this.pendingData.splice(this.pendingData.indexOf(r), 1);
        this.host.post({ type: 'reclaim', what: 'static-data', version: r.version, bytes: r.hi - r.lo, freed: true, millis });
      } else if (!r.reported) {
        r.reported = true;
        this.host.post({ type: 'reclaim', what: 'static-data', version: r.version, bytes: r.hi - r.lo, freed: false, millis, reason: `${refs} word(s) of live memory still point into version ${r.version}'s static data (the first at 0x${first.toString(16)}), e.g. a string literal or static buffer it owned; kept so no pointer dangles` });
      }
    }
  }

  // ---- update points -------------------------------------------------------

  private updatePoint(v: Version, namePtr: number): void {
    const ex = v.exports;
    if (ex.asyncify_get_state() === ASYNCIFY_REWINDING) {
      // Back in the old version after a rollback: carry on as if no update had been asked for.
      ex.asyncify_stop_rewind();
      return;
    }
    const point = this.cstring(namePtr);
    const tx = this.tx;
    if (tx && tx.next === v) {
      if (point !== tx.point) return;
      this.commit(v);
    }
    if (v !== this.current) return;
    const i32 = this.i32, idx = this.stateIndex();
    const state = Atomics.load(i32, idx);
    if (!(state & REQUESTED)) return;
    const id = Atomics.load(this.shared.ctl, Ctl.PendingUpdate);
    if (this.callbackDepth > 0 || this.rt.__stack_pointer.value !== this.runtimeSpBase) {
      this.host.post({ type: 'update-deferred', id, point, reason: 'reached inside a library callback (qsort, bsearch...), which cannot be unwound; waiting for the next update point' });
      return;
    }
    // Claim the request; the host may have withdrawn it meanwhile.
    if (Atomics.compareExchange(i32, idx, state, state & ~REQUESTED) !== state) return;
    const dataAddr = v.stackBase;
    const bufferEnd = v.sp.value - 256;
    const dv = new DataView(this.memory.buffer);
    dv.setUint32(dataAddr, dataAddr + 8, true);
    dv.setUint32(dataAddr + 4, bufferEnd, true);
    // Taken before the unwind starts, so the update's own timings leave it out.
    const trace: UpdateTrace | undefined = this.inspect ? {
      unwound: currentFrames(), savedBytes: 0, resumed: [], addressMap: [], addressMapTruncated: false, ...this.memoryCopy('before'),
    } : undefined;
    this.tx = {
      msg: undefined as unknown as UpdateMessage, old: v, point, stage: 'unwind', savedSp: v.sp.value,
      savedRuntimeSp: this.rt.__stack_pointer.value, unwoundAt: now(), loadMillis: 0, migrateMillis: 0, migrated: [],
      ...(trace ? { trace } : {}),
    };
    ex.asyncify_start_unwind(dataAddr);
  }

  /** With `inspect`: the memory up to the heap's top, unless it is too big to copy at every update. */
  private memoryCopy<K extends 'before' | 'after'>(key: K): { [k in K]?: Uint8Array } {
    const top = this.rt.__kitsune_heap_top();
    return (top <= BEFORE_CAP ? { [key]: this.u8.slice(0, top) } : {}) as { [k in K]?: Uint8Array };
  }

  // ---- the main loop ---------------------------------------------------------

  async run(module: WebAssembly.Module, meta: KitsuneMeta, dylink: Uint8Array | null): Promise<number> {
    this.current = this.load(module, meta, dylink);
    this.host.post({
      type: 'started', version: meta.buildId, program: meta.program,
      ...(this.inspect ? { layout: layoutOf(this.current), heapBase: this.rt.__heap_base.value as number } : {}),
    });
    let v = this.current;
    for (;;) {
      let threw: unknown;
      let returned: number | undefined;
      try {
        returned = this.callMain(v);
      } catch (e) {
        threw = e;
      }
      const tx = this.tx;
      if (threw === undefined && v.exports.asyncify_get_state() === ASYNCIFY_UNWINDING) {
        v.exports.asyncify_stop_unwind();
        v = await this.beginUpdate(tx!);
        continue;
      }
      if (tx && tx.next === v) {
        // The new version failed, or its main ended, before it committed.
        const reason = threw !== undefined ? describeFailure(threw) : `its main returned ${returned} before reaching update point "${tx.point}"`;
        if (tx.trace && threw instanceof Error) tx.trace.resumed = wasmFrames(threw.stack);
        v = this.rollback(tx, reason);
        continue;
      }
      if (threw instanceof ExitSignal) return threw.code;
      if (threw !== undefined) throw threw;
      // main returned: exit as C does, flushing stdio and running atexit handlers.
      try { this.rt.exit(returned ?? 0); } catch (e) { if (e instanceof ExitSignal) return e.code; throw e; }
      return returned ?? 0;
    }
  }

  private callMain(v: Version): number {
    const ex = v.exports as Record<string, unknown>;
    if (typeof ex.__main_argc_argv === 'function') return (ex.__main_argc_argv as (a: number, b: number) => number)(this.argv.argc, this.argv.ptr);
    if (typeof ex.__main_void === 'function') return (ex.__main_void as () => number)();
    throw new KitsuneError('E_LINK', `version ${v.meta.buildId} has no main function`);
  }

  private async beginUpdate(tx: Transaction): Promise<Version> {
    const old = tx.old;
    const dv = new DataView(this.memory.buffer);
    const used = dv.getUint32(old.stackBase, true), end = dv.getUint32(old.stackBase + 4, true);
    if (used > end) {
      // Asyncify wrote past its buffer into the live stack: nothing safe remains to rewind.
      throw new KitsuneError('E_STACK_DEPTH', `the stack at update point "${tx.point}" was too deep to save (${used - old.stackBase} bytes needed, ${end - old.stackBase} available); raise the stack size (--stack-size)`);
    }
    const unwindMillis = now() - tx.unwoundAt;
    if (tx.trace) tx.trace.savedBytes = used - (old.stackBase + 8);
    // Unwinding skipped the epilogues: put both stack pointers back.
    old.sp.value = tx.savedSp;
    this.rt.__stack_pointer.value = tx.savedRuntimeSp;
    tx.msg = await this.host.nextUpdate(Atomics.load(this.shared.ctl, Ctl.PendingUpdate));
    (tx as Transaction & { unwindMillis: number }).unwindMillis = unwindMillis;
    if (tx.msg.snapshot) tx.snapshot = this.u8.slice(0, this.rt.__kitsune_heap_top());
    const t = now();
    try {
      tx.stage = 'link';
      this.rt.__kitsune_track_begin();
      const dylinkSection = WebAssembly.Module.customSections(tx.msg.module, 'dylink.0')[0];
      tx.next = this.load(tx.msg.module, tx.msg.meta, dylinkSection ? new Uint8Array(dylinkSection) : null);
      tx.loadMillis = now() - t;
      this.beginMigration(tx, tx.next);
      Atomics.or(this.i32, this.stateIndex(), UPDATING);
      tx.stage = 'init';
      const pre = tx.next.exports._kitsune_prestart_xform;
      if (typeof pre === 'function') pre();
      tx.stage = 'main';
      return tx.next;
    } catch (e) {
      tx.loadMillis = now() - t;
      return this.rollback(tx, describeFailure(e));
    }
  }

  private commit(next: Version): void {
    const tx = this.tx!;
    tx.stage = 'commit';
    if (tx.trace) tx.trace.resumed = currentFrames();
    const commitStart = now();
    const hook = next.exports._kitsune_mainupdate_xform;
    if (typeof hook === 'function') hook();
    if (this.rt.__kitsune_track_failed()) throw new KitsuneError('E_RUNTIME', 'out of memory while recording the new version\'s allocations');
    this.rt.__kitsune_track_commit();
    if (tx.trace) Object.assign(tx.trace, readAddressMap(this.memory, this.rt.__kitsune_xf_map_base(), this.rt.__kitsune_xf_map_capacity()));
    const movedObjects = this.rt.__kitsune_xf_commit();
    const old = tx.old;
    this.garbage = movedObjects > 0;
    this.garbageOf = old.number;
    // The old stack is dead now; clear it so that stale words there do not count as references.
    this.u8.fill(0, old.stackBase, old.stackBase + old.stackSize);
    this.rt.free(old.stackBase);
    // The old static data may still be pointed into from state no transform
    // walked (a string literal in an unchanged struct): checked when the
    // program next waits, not here, so the pause does not grow with the heap.
    this.pendingData.push({ lo: old.dataBase, hi: old.dataBase + old.dataSize, version: old.number, lastScan: 0, reported: false });
    this.forwardSlots(old, next);
    // A program that never waits never gives idle() its chance: bound what piles up.
    if (this.pendingData.length > 8) this.reclaim(this.pendingData.slice(0, -8), next);
    Atomics.and(this.i32, this.stateIndex(), ~UPDATING);
    this.current = next;
    this.tx = undefined;
    this.hasUpdated = true;
    const t = now();
    const unwind = (tx as Transaction & { unwindMillis?: number }).unwindMillis ?? 0;
    this.host.post({
      type: 'update', result: {
        id: tx.msg.id, outcome: 'committed', from: old.meta.buildId, to: next.meta.buildId, point: tx.point,
        timings: { wait: tx.unwoundAt - tx.msg.requestedAt, unwind, load: tx.loadMillis, migrate: tx.migrateMillis, untilCommit: t - tx.unwoundAt, pause: t - tx.unwoundAt },
        migrated: tx.migrated, movedObjects, snapshot: !!tx.snapshot,
        ...(tx.trace ? { layout: layoutOf(next), trace: { ...tx.trace, commitMillis: t - commitStart, ...this.memoryCopy('after') } } : {}),
      },
    });
  }

  /**
   * Function pointers that survive in state no transform walked still hold
   * the old version's slots: each retired slot now calls the new version's
   * function of the same name, and traps (see describeCrash) if there is none.
   */
  private forwardSlots(old: Version, next: Version): void {
    for (let i = old.tableBase; i < old.tableBase + old.tableSize; i++) this.table.set(i, null);
    for (const [slot, name] of old.slotName) this.forwarded.set(slot, name);
    for (const [slot, name] of this.forwarded) {
      const target = this.slotFor(next, name);
      if (target !== undefined && target !== slot) {
        this.table.set(slot, this.table.get(target));
      } else if (target === undefined) {
        this.table.set(slot, null);
        this.forwarded.delete(slot);
        this.orphaned.set(slot, `${name} (version ${old.number})`);
      }
    }
    this.retired.push({ from: old.tableBase, to: old.tableBase + old.tableSize, version: old.number, build: old.meta.buildId });
  }

  /**
   * Live words that point into [lo, hi): everything up to the heap's top but
   * the dead parts of the stacks and the block itself.
   */
  private referencesInto(lo: number, hi: number, next: Version): { refs: number; first: number } {
    const rtLow = (this.rt.__stack_low as WebAssembly.Global | undefined)?.value as number | undefined ?? 0;
    const skip = [
      [rtLow, this.rt.__stack_pointer.value],
      [lo, hi],
      [next.stackBase, next.sp.value],
    ].sort((a, b) => a[0] - b[0]);
    const firstPtr = this.rt.malloc(4);
    let refs = 0, first = 0, at = 0;
    const top = this.rt.__kitsune_heap_top();
    for (const [from, to] of [...skip, [top, top]]) {
      if (from > at) {
        const n = this.rt.__kitsune_scan_refs(at, from, lo, hi, firstPtr);
        if (n && !refs) first = new DataView(this.memory.buffer).getUint32(firstPtr, true);
        refs += n;
      }
      at = Math.max(at, to);
    }
    this.rt.free(firstPtr);
    return { refs, first };
  }

  private rollback(tx: Transaction, reason: string): Version {
    const stage = tx.stage;
    const old = tx.old;
    let freed = 0, restored = 0;
    // Undo in-place transforms first: they wrote into old objects.
    try { restored = this.rt.__kitsune_xf_rollback(); } catch { /* reported by the failure itself */ }
    try { freed = this.rt.__kitsune_track_rollback(); } catch { /* the allocator itself may be what failed */ }
    if (tx.next) {
      this.rt.free(tx.next.dataBase);
      this.rt.free(tx.next.stackBase);
      for (let i = tx.next.tableBase; i < tx.next.tableBase + tx.next.tableSize; i++) this.table.set(i, null);
    }
    if (tx.snapshot) {
      this.u8.set(tx.snapshot, 0);
      // The memory the failed update grew is not in the snapshot's heap: give it back to the allocator.
      try { this.rt.__kitsune_heap_adopt(tx.snapshot.length, this.memory.buffer.byteLength); } catch { /* it stays unused, as before */ }
    }
    old.sp.value = tx.savedSp;
    this.rt.__stack_pointer.value = tx.savedRuntimeSp;
    Atomics.and(this.i32, this.stateIndex(), ~UPDATING);
    this.tx = undefined;
    const t = now();
    this.host.post({
      type: 'update', result: {
        id: tx.msg?.id ?? -1, outcome: 'rolled-back', from: old.meta.buildId, to: tx.msg?.meta.buildId, point: tx.point, stage, reason,
        timings: { wait: tx.msg ? tx.unwoundAt - tx.msg.requestedAt : undefined, load: tx.loadMillis, migrate: tx.migrateMillis, pause: t - tx.unwoundAt },
        freedAllocations: freed, restoredObjects: restored, snapshot: !!tx.snapshot,
        ...(tx.trace ? { layout: layoutOf(old), trace: tx.trace } : {}),
      },
    });
    old.exports.asyncify_start_rewind(old.stackBase);
    return old;
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

function describeFailure(e: unknown): string {
  if (e instanceof ExitSignal) return `the new version called exit(${e.code}) before reaching the update point`;
  if (e instanceof WebAssembly.RuntimeError) return `trap: ${e.message}`;
  if (e instanceof WebAssembly.LinkError) return `link error: ${e.message}`;
  return messageOf(e);
}

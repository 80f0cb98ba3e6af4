// The running program, inside its worker: one memory, one table, the
// persistent runtime instantiated once, and the versions that take turns on
// them. This file puts the parts together and runs main; what an update does
// is update.ts.
import { ExitSignal, KitsuneError } from '../../format/errors.js';
import type { KitsuneMeta } from '../../format/metadata.js';
import type { DylinkInfo } from '../../format/wasm-sections.js';
import { StateWord } from '../common/state-word.js';
import { Ctl, type SharedState } from '../common/shared-state.js';
import type { KitsuneEvent, UpdateFailedMessage, UpdateMessage, UpdateStage } from '../common/protocol.js';
import { CApi } from './c-api.js';
import { E } from '../common/errno.js';
import { Linker, type HostFunctions } from './linker.js';
import { ProgramMemory } from './memory.js';
import { Migration } from './migration.js';
import { Posix } from './posix.js';
import { Reclaim } from './reclaim.js';
import { instantiateRuntime, lineBufferStdout } from './runtime.js';
import { Updater } from './update.js';
import { Threads } from './threads.js';
import { layoutOf } from './inspect.js';
import type { Checkpoint } from './checkpoint.js';
import type { Version } from './version.js';

export interface ProgramHost {
  post(event: KitsuneEvent): void;
  write(fd: 1 | 2, bytes: Uint8Array): void;
  selfUpdate(path: string | null): Promise<UpdateMessage | UpdateFailedMessage>;
  nextUpdate(id: number): Promise<UpdateMessage>;
  checkpoint(id: number, cp: Checkpoint): void;
  stage(id: number, stage: UpdateStage): void;
}

export interface ProgramOptions {
  memory: WebAssembly.Memory;
  shared: SharedState;
  host: ProgramHost;
  args: string[];
  env: Record<string, string>;
  stackSize: number;
  isTTY: { stdin: boolean; stdout: boolean; stderr: boolean };
  dirs: string[];
  runtime: WebAssembly.Module;
  tableMin: number;
  /** Line-buffer stdout (the host shows output as it comes). */
  lineBuffered?: boolean;
  /** Report layouts and update traces (StartOptions.inspect). */
  inspect?: boolean;
  /** In a fresh worker: the record of the stopped one (checkpoint.ts), whose old version this one puts back. */
  resume?: Checkpoint;
}

/**
 * The runtime's constant tables (compiler/build-runtime.ts writes their size
 * in its `kitsune.runtime` section): they hold no pointers, so the reclaim
 * scan skips them (a libm constant looked like a pointer once).
 */
function runtimeReadOnly(runtime: WebAssembly.Module, mem: ProgramMemory): [number, number] {
  const layout = WebAssembly.Module.customSections(runtime, 'kitsune.runtime')[0];
  const base = (mem.rt.__global_base as WebAssembly.Global | undefined)?.value as number | undefined;
  if (!layout || base === undefined) return [0, 0];
  const bytes = Number((JSON.parse(new TextDecoder().decode(layout)) as { rodataBytes?: unknown }).rodataBytes);
  return Number.isInteger(bytes) && bytes > 0 ? [base, base + bytes] : [0, 0];
}

export class Program {
  private readonly mem: ProgramMemory;
  private readonly posix: Posix;
  private readonly linker: Linker;
  private readonly updater: Updater;
  private readonly cApi: CApi;
  private readonly reclaim: Reclaim;
  private readonly threads: Threads;
  private readonly argv: { argc: number; ptr: number };
  /** The address of __kitsune_state, which the host needs to raise requests. */
  readonly stateAddress: number;

  constructor(private readonly o: ProgramOptions) {
    const mem = this.mem = new ProgramMemory(o.memory);
    this.linker = new Linker(mem, o.tableMin, o.stackSize);
    let updater: Updater | undefined;
    const running = () => updater?.current as Version;
    this.posix = new Posix({
      args: o.args, env: o.env, mem, shared: o.shared, isTTY: o.isTTY, dirs: o.dirs, write: o.host.write,
      table: () => this.linker.table, identityOf: (slot) => this.linker.identityOf(slot), current: running, updating: () => state.updating,
      requested: () => state.requested && !updater?.request.pending,
      idle: (ms) => { if (!updater?.busy) reclaim.idle(ms); },
    });
    const cp = o.resume;
    mem.rt = instantiateRuntime(o.runtime, o.memory, this.linker.table, this.posix.wasiImports(), !!cp);
    if (cp) {
      mem.rt.__stack_pointer.value = cp.runtimeSp;
      this.posix.restore(cp.posix);
      // Sockets the stopped new version opened live on the host: only the old version's stay.
      o.shared.call({ op: 'sock.keep', fds: cp.posix.fds.flatMap(([, r]) => (r.kind === 'socket' ? [r.fd] : [])) });
    } else {
      this.posix.runtimeReady();
      if (o.lineBuffered) lineBufferStdout(mem.rt, o.memory);
    }
    this.stateAddress = mem.rt.__kitsune_state.value as number;
    const state = new StateWord(o.memory, this.stateAddress);
    const runtimeSpBase = mem.rt.__stack_pointer.value as number;
    this.argv = cp ? cp.argv : this.writeArgv(o.args);
    const reclaim = this.reclaim = new Reclaim(mem, o.host.post, () => (mem.rt.__stack_low as WebAssembly.Global | undefined)?.value as number | undefined ?? 0, runtimeReadOnly(o.runtime, mem));
    const migration = new Migration(mem, this.linker);
    // Frames Asyncify did not instrument below the running call: neither an update nor a thread switch can unwind there.
    const cannotUnwind = () => {
      if (this.posix.signals.inHandler) return 'inside a signal handler';
      if (this.linker.callbackDepth > 0 || mem.rt.__stack_pointer.value !== runtimeSpBase) return 'inside a library callback (qsort, bsearch...)';
      return undefined;
    };
    const threads = this.threads = new Threads({ mem, shared: o.shared, table: () => this.linker.table, cannotSwitch: cannotUnwind, requestSeq: () => this.posix.waits.requestSeq, requested: () => state.requested, identityOf: (slot) => this.linker.identityOf(slot), readiness: (fd) => this.posix.fds.get(fd)?.readiness() });
    this.posix.waits.parker = threads;
    this.updater = updater = new Updater({
      mem, state, linker: this.linker, migration, reclaim,
      host: { post: o.host.post, nextUpdate: o.host.nextUpdate, selfUpdate: o.host.selfUpdate, checkpoint: o.host.checkpoint, stage: o.host.stage, pendingId: () => Atomics.load(o.shared.ctl, Ctl.PendingUpdate) },
      hostFunctions: (v) => this.hostFunctions(v), cannotUnwind, inspect: !!o.inspect, process: this.posix, argv: this.argv, threads,
    });
    if (cp) reclaim.restore(cp.reclaim);
    this.cApi = new CApi({
      mem, state, updater, migration, slotFor: (v, name) => this.linker.slotFor(v, name),
      ...(o.inspect ? { noteLocal: (v: Version, key: string, addr: number, size: number) => o.host.post({ type: 'local', version: v.number, key, addr, size }) } : {}),
    });
  }

  /** argv lives in the heap for the whole process: every version's main gets it. */
  private writeArgv(args: string[]): { argc: number; ptr: number } {
    const ptrs = this.mem.rt.malloc(4 * (args.length + 1));
    args.forEach((a, i) => this.mem.dv.setUint32(ptrs + 4 * i, this.mem.strdup(a), true));
    this.mem.dv.setUint32(ptrs + 4 * args.length, 0, true);
    return { argc: args.length, ptr: ptrs };
  }

  /**
   * The host's calls a version imports: kitsune.h's, then the POSIX surface
   * wasi-libc lacks, then the threads' (which wrap some of those). Chained
   * by prototype, not copied: the linker only looks names up, and copying
   * some 150 functions three times at each load made garbage on the pause.
   */
  private hostFunctions(v: Version): HostFunctions {
    const chain = (below: HostFunctions, own: HostFunctions): HostFunctions => Object.assign(Object.create(below) as HostFunctions, own);
    const base = chain(this.posix.functions(), this.cApi.functions(v));
    return chain(base, this.threads.functions(v, chain(base, { read: (fd, buf, len) => this.read(fd, buf, len) })));
  }

  /** read(), for a threaded program: a host call (not libc's), so that a thread waiting in it lets the others run. */
  private read(fd: number, buf: number, len: number): number {
    const f = this.posix.fds.get(fd);
    if (!f) return this.mem.fail(E.BADF);
    const r = f.readv([{ ptr: buf, len }]);
    return r < 0 ? this.mem.fail(-r) : r;
  }

  /** Runs the first version, and whatever versions updates bring, until the program ends; its exit code. */
  async run(module: WebAssembly.Module, meta: KitsuneMeta, dylink: DylinkInfo, frames: Uint32Array): Promise<number> {
    const v = this.updater.current = this.linker.load(module, meta, dylink, frames, (x) => this.hostFunctions(x), false);
    this.o.host.post({
      type: 'started', version: meta.buildId, program: meta.program,
      ...(this.o.inspect ? { layout: layoutOf(v), heapBase: (this.mem.rt.__heap_base as WebAssembly.Global).value as number } : {}),
    });
    return this.loop(v);
  }

  /**
   * In a fresh worker: the old version `module` instantiated again where the
   * stopped worker had it, the update undone and reported as `result`, and
   * the program run on from the old version's update point.
   */
  async resume(module: WebAssembly.Module, meta: KitsuneMeta, dylink: DylinkInfo, frames: Uint32Array, result: Parameters<Updater['resumeStopped']>[2]): Promise<number> {
    const cp = this.o.resume!;
    const v = this.linker.reload(cp.linker, module, meta, dylink, frames, cp.version, (x) => this.hostFunctions(x));
    return this.loop(this.updater.resumeStopped(cp, v, result));
  }

  private async loop(v: Version): Promise<number> {
    for (;;) {
      let outcome: { threw: unknown } | { returned: number };
      try {
        const main = v;
        outcome = { returned: this.threads.run(v, () => this.callMain(main)) };
      } catch (e) {
        outcome = { threw: e };
      }
      const next = await this.updater.settle(v, outcome);
      if (next) { v = next; continue; }
      if ('threw' in outcome) {
        if (outcome.threw instanceof ExitSignal) return outcome.threw.code;
        throw outcome.threw;
      }
      // main returned: exit as C does, flushing stdio and running atexit handlers.
      try { this.mem.rt.exit(outcome.returned); } catch (e) { if (e instanceof ExitSignal) return e.code; throw e; }
      return outcome.returned;
    }
  }

  private callMain(v: Version): number {
    const ex = v.exports as Record<string, unknown>;
    if (typeof ex.__main_argc_argv === 'function') return (ex.__main_argc_argv as (a: number, b: number) => number)(this.argv.argc, this.argv.ptr);
    if (typeof ex.__main_void === 'function') return (ex.__main_void as () => number)();
    throw new KitsuneError('E_LINK', `version ${v.meta.buildId} has no main function`);
  }

  describeCrash(e: unknown): string { return this.linker.describeCrash(e) + this.reclaim.crashHint(); }

  /** After a crash: what the program printed but libc still held is not lost. */
  flushStdio(): void {
    try { this.mem.rt?.fflush(0); } catch { /* libc itself may be what broke */ }
  }
}

// The host side of a running program: starts it in a worker, carries its
// output and input, and drives updates. The next version is read, checked and
// compiled here, while the old one keeps running, so the program's pause holds
// only what must happen inside it.
import { KitsuneError, messageOf } from '../../format/errors.js';
import { throwIfAborted, untilAborted, abortError } from '../../format/abort.js';
import type { AssetsOption } from '../../format/assets.js';
import type { KitsuneMeta } from '../../format/metadata.js';
import { checkCompatible } from '../../format/compat.js';
import { importLimits } from '../../format/wasm-sections.js';
import { SharedState, Ctl } from '../common/shared-state.js';
import { StateWord } from '../common/state-word.js';
import { isNode, nodeBuiltin } from '../../format/platform.js';
import { now } from '../common/clock.js';
import { signalNumber } from '../common/signal-numbers.js';
import type { FromWorker, KitsuneEvent, ResumeMessage, StartMessage, UpdateResult, UpdateStage } from '../common/protocol.js';
import type { DylinkInfo } from '../../format/wasm-sections.js';
import { spawnWorker, loadRuntime, type WorkerHandle, type WorkerOption } from './platform.js';
import { prepareVersion, PrepareError, type VersionSource } from './prepare-version.js';
import { HostServices } from './services.js';
import type { Grants } from './sandbox.js';

export interface StartOptions {
  /** argv[1..]; argv[0] is the module's name. */
  args?: string[];
  /** argv[0]; defaults to the module's path or "program.wasm". */
  argv0?: string;
  env?: Record<string, string>;
  /**
   * Where the program's output goes; defaults to the host's stdout and
   * stderr in Node, the console in a browser. With a `stdout` callback the
   * program's stdout is line-buffered (see `lineBuffered`).
   */
  stdout?: (bytes: Uint8Array) => void;
  stderr?: (bytes: Uint8Array) => void;
  /**
   * Line-buffer the program's stdout, as on a terminal, so that each line
   * reaches `stdout` when it is printed (libc otherwise buffers a stdout that
   * is not a terminal fully, and the lines come when the buffer fills or at
   * exit). Default: true when a `stdout` callback is given.
   */
  lineBuffered?: boolean;
  /** Feed the host's stdin to the program (Node, default true when no `stdout` is given). */
  inheritStdin?: boolean;
  onEvent?: (event: KitsuneEvent) => void;
  /** Each version's stack, in bytes (default 1 MiB). */
  stackSize?: number;
  /** Upper bound of the program's memory, in 64 KiB pages (default 16384: 1 GiB). */
  maxMemoryPages?: number;
  /** The runtime module's bytes; defaults to runtime.wasm from `assets`. */
  runtime?: Uint8Array;
  /**
   * Base URL (or, in Node, folder) of the package's run-time files, where
   * runtime.wasm is read from: by default the package's runtime/ folder,
   * right in Node and when the package is served as it is. A bundled page
   * passes the URL of a copy (`npx kitsune assets DIR`).
   */
  assets?: AssetsOption;
  /**
   * The program's worker: the URL of the `kitsune-wasm/worker` entry (as
   * built by a bundler, or served), or a function that starts it, e.g.
   * `() => new Worker(new URL('./kitsune-worker.js', import.meta.url), { type: 'module' })`.
   * Default: the package's own worker module.
   */
  worker?: WorkerOption;
  /**
   * What isatty() says for fds 0-2, and so whether libc line-buffers stdout.
   * Default in Node without a `stdout` callback: the host's own; else false.
   */
  isTTY?: { stdin: boolean; stdout: boolean; stderr: boolean };
  /** Aborting it while starting rejects with E_ABORTED and ends the worker; once started, end the program with `kill()`. */
  signal?: AbortSignal;
  /**
   * What the program may reach outside its memory: directories (`dirs`) and
   * the network (`net`: true, or an allow-list like ["127.0.0.1:11311"]).
   * Nothing by default; a refused call fails with EACCES and emits a
   * `refused` event naming the missing grant.
   */
  grants?: Grants;
  /** Forward the host process's SIGINT, SIGTERM, SIGHUP, SIGUSR1 and SIGWINCH to the program (Node; the CLI does). */
  forwardSignals?: boolean;
  /**
   * For tools that show what an update does (the playground): the `started`
   * event and each update result carry the version's layout in memory, and
   * each update result a trace (the stack unwound and resumed, the
   * migration's address map, the memory at the update point); `local`
   * events say where MIGRATE_LOCAL found each local. Off by default: it
   * costs a copy of the memory at every update.
   */
  inspect?: boolean;
}

export interface UpdateOptions {
  /** Snapshot the whole memory before the update and restore it on rollback. */
  snapshot?: boolean;
  /** The update's deadline: reading the next version and reaching an update point must happen within this many ms (default: wait). */
  timeoutMs?: number;
  /**
   * Withdraws the update, as `timeoutMs` does, if the program has not yet
   * reached an update point: the result is then `refused` (stage `wait`, or
   * the stage it was checking), and the old version runs on. Once the old
   * version has unwound, the update finishes (commit or rollback) regardless.
   */
  signal?: AbortSignal;
}

export type { VersionSource };

/**
 * How long a new version may take, once the old stack is unwound, to reach
 * the update point the old one left from, when the update gives no deadline
 * of its own: then it is stopped and the old version resumes (restartFrom).
 */
export const DEFAULT_UPDATE_DEADLINE_MS = 10_000;

export class KitsuneProcess {
  /** Resolves with the exit code when the program ends. */
  readonly exited: Promise<number>;
  private meta: KitsuneMeta;
  private nextId = 1;
  private pending = new Map<number, (r: UpdateResult) => void>();
  /** The program's own updates under way, by id: the version it is moving to. */
  private selfPending = new Map<number, KitsuneMeta>();
  private inFlight: Promise<UpdateResult> | undefined;
  private state: StateWord | undefined;
  private done = false;
  private listeners = new Set<(e: KitsuneEvent) => void>();
  private stopStdin: (() => void) | undefined;
  private services!: HostServices;
  private resolveExit!: (code: number) => void;

  private constructor(
    private worker: WorkerHandle,
    /** The program's memory, shared with its worker: tools may read its state from here (never write). */
    readonly memory: WebAssembly.Memory,
    private readonly shared: SharedState,
    meta: KitsuneMeta,
    private readonly options: StartOptions,
    exited: Promise<number>,
  ) {
    this.meta = meta;
    this.exited = exited;
  }

  /** Starts `version` (a path in Node, or the module's bytes). */
  static async start(version: VersionSource, options: StartOptions = {}): Promise<KitsuneProcess> {
    const { signal } = options;
    const what = 'starting the program';
    throwIfAborted(signal, what);
    requireSharedMemory();
    const name = typeof version === 'string' ? version : options.argv0 ?? 'program.wasm';
    const runtimeBytes = options.runtime ?? (await untilAborted(loadRuntime(options.assets), signal, what));
    const [runtime, first] = await untilAborted(Promise.all([
      compileRuntime(runtimeBytes),
      prepareVersion(version, name).catch((e) => { throw e instanceof PrepareError ? e.cause : e; }),
    ]), signal, what);
    const { module, meta, dylink, frames } = first;
    const limits = importLimits(runtimeBytes);
    const maxPages = options.maxMemoryPages ?? 16384;
    const memory = new WebAssembly.Memory({ initial: Math.max(limits.memory?.min ?? 17, 17), maximum: maxPages, shared: true });
    const shared = new SharedState();
    throwIfAborted(signal, what);
    const worker = await spawnWorker(options.worker);
    const out = sinkOf(options.stdout, 1);
    const err = sinkOf(options.stderr, 2);
    let resolveReady!: () => void, resolveExit!: (code: number) => void;
    const ready = new Promise<void>((r) => (resolveReady = r));
    const exited = new Promise<number>((r) => (resolveExit = r));
    const proc = new KitsuneProcess(worker, memory, shared, meta, options, exited);
    proc.resolveExit = resolveExit;
    proc.services = new HostServices(shared, options.grants ?? {}, (e) => proc.emit(e));
    if (options.forwardSignals) proc.services.signals.forwardProcessSignals((n) => proc.killBySignal(n));
    proc.sinks = { out, err, ready: resolveReady };
    proc.attach(worker);
    const isTTY = options.isTTY ?? (isNode && !options.stdout
      ? { stdin: !!process.stdin.isTTY, stdout: !!process.stdout.isTTY, stderr: !!process.stderr.isTTY }
      : { stdin: false, stdout: false, stderr: false });
    proc.startMessage = {
      type: 'start', memory, shared: shared.buffer, runtime, tableMin: limits.table?.min ?? 1, version: module, meta, dylink, frames,
      args: [name, ...(options.args ?? [])], env: options.env ?? {}, stackSize: options.stackSize ?? 1 << 20, isTTY, dirs: options.grants?.dirs ?? [],
      lineBuffered: options.lineBuffered ?? !!options.stdout,
      inspect: !!options.inspect,
    };
    proc.running = { module, meta, dylink, frames };
    worker.postMessage(proc.startMessage);
    if (options.inheritStdin ?? (isNode && !options.stdout)) proc.stopStdin = inheritStdin(proc, (b) => proc.services.terminal.filterInput(b, (n) => proc.signal(n)));
    try {
      await untilAborted(Promise.race([ready, exited]), signal, what);
    } catch (e) {
      await proc.kill();
      throw e;
    }
    return proc;
  }

  private sinks!: { out: Sink; err: Sink; ready: () => void };
  private startMessage!: StartMessage;
  /** The running version, as a fresh worker would be given it. */
  private running!: { module: WebAssembly.Module; meta: KitsuneMeta; dylink: DylinkInfo; frames: Uint32Array };
  /** Updates between the old stack's unwind and their outcome: what a fresh worker needs, their stage, their deadline. */
  private inUpdate = new Map<number, { checkpoint: unknown; stage: UpdateStage; unwoundAt: number; timer?: ReturnType<typeof setTimeout> }>();
  /** The versions updates are moving to, by id, and each one's deadline after the unwind. */
  private toVersion = new Map<number, { version: KitsuneProcess['running']; deadlineMs: number }>();

  /** Listens to `worker`; messages of a worker that was replaced are dropped. */
  private attach(worker: WorkerHandle): void {
    const mine = () => worker === this.worker;
    worker.onMessage((m: FromWorker) => {
      if (!mine()) return;
      // The bytes count against the program's output budget until their stream has taken them.
      if (m.type === 'output') { const n = m.bytes.length; (m.fd === 1 ? this.sinks.out : this.sinks.err)(m.bytes, () => this.shared.releaseOutput(n)); }
      else if (m.type === 'ready') { this.state = new StateWord(this.memory, m.stateAddress); if (!this.scanTimer) this.askForScans(); this.sinks.ready(); }
      else if (m.type === 'event') this.onWorkerEvent(m.event);
      else if (m.type === 'self-update') void this.onSelfUpdate(m.path);
      else if (m.type === 'checkpoint') this.onCheckpoint(m.id, m.checkpoint);
      else if (m.type === 'stage') { const u = this.inUpdate.get(m.id); if (u) u.stage = m.stage; }
      else if (m.type === 'done') {
        // The terminal is restored first, so that a crash report reads well.
        this.finish();
        if (m.error) this.emit({ type: 'crash', message: m.error });
        this.emit({ type: 'exit', code: m.code });
        this.resolveExit(m.code);
      }
    });
    worker.onError((message) => {
      if (!mine()) return;
      this.emit({ type: 'crash', message });
      this.finish();
      this.resolveExit(134);
    });
  }

  /**
   * The old stack of update `id` is unwound and its new version about to
   * run: from now on, a new version that does not reach its update point
   * within the deadline is stopped, with its worker, and the old version
   * resumed in a fresh one (restartFrom).
   */
  private onCheckpoint(id: number, checkpoint: unknown): void {
    const to = this.toVersion.get(id);
    const deadlineMs = to?.deadlineMs ?? DEFAULT_UPDATE_DEADLINE_MS;
    const u: { checkpoint: unknown; stage: UpdateStage; unwoundAt: number; timer?: ReturnType<typeof setTimeout> } = { checkpoint, stage: 'link', unwoundAt: now() };
    u.timer = setTimeout(() => void this.restartFrom(id, deadlineMs), deadlineMs);
    this.inUpdate.set(id, u);
  }

  /** Stops the worker a new version is stuck in, and puts the old version back in a fresh one. */
  private async restartFrom(id: number, deadlineMs: number): Promise<void> {
    const u = this.inUpdate.get(id);
    if (!u || this.done) return;
    this.inUpdate.delete(id);
    const to = this.toVersion.get(id);
    const point = (u.checkpoint as { point?: string }).point ?? 'its update point';
    const reason = `the new version did not reach update point "${point}" within ${deadlineMs} ms (stage ${u.stage}): its worker was stopped, and the old version resumed from "${point}" in a fresh one with its state`;
    this.emit({ type: 'notice', message: reason });
    const stuck = this.worker;
    let fresh: WorkerHandle;
    try {
      fresh = await spawnWorker(this.options.worker);
    } catch (e) {
      this.emit({ type: 'crash', message: `${reason}; but no fresh worker could be started: ${messageOf(e)}` });
      await stuck.terminate();
      this.finish();
      this.resolveExit(134);
      return;
    }
    this.worker = fresh;
    await stuck.terminate();
    // The stopped worker's output messages are dropped (attach): they no longer count against the budget.
    Atomics.store(this.shared.ctl, Ctl.OutPending, 0);
    this.attach(fresh);
    const { module, meta, dylink, frames } = this.running;
    const resume: ResumeMessage = {
      ...this.startMessage, type: 'resume', version: module, meta, dylink, frames, checkpoint: u.checkpoint,
      result: { id, ...(to ? { to: to.version.meta.buildId } : {}), stage: u.stage, reason, pause: now() - u.unwoundAt },
    };
    fresh.postMessage(resume);
  }

  /** Whether the program has put the host's terminal in raw mode: it owns the screen. */
  get terminalRaw(): boolean { return this.services.terminal.isRaw; }

  /**
   * The mode the program has set on its terminal: `raw` when it turned
   * ICANON or ECHO off (it reads keys as typed and echoes itself), `isig`
   * while Ctrl-C means SIGINT. A host that draws its own terminal (a page
   * with xterm.js) follows it; in Node the host's terminal follows by itself.
   */
  get terminalMode(): { raw: boolean; isig: boolean } { return this.services.terminal.mode; }

  /** Size of the program's linear memory, in bytes. */
  memoryBytes(): number { return this.memory.buffer.byteLength; }

  /** The running version's metadata. */
  get version(): KitsuneMeta { return this.meta; }

  on(listener: (e: KitsuneEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  writeStdin(bytes: Uint8Array | string): void {
    this.stdinQueue.push(typeof bytes === 'string' ? new TextEncoder().encode(bytes) : bytes);
    this.drainStdin();
  }

  // The pipe is bounded: what does not fit waits here, never dropped.
  private stdinQueue: Uint8Array[] = [];
  private drainTimer: ReturnType<typeof setTimeout> | undefined;
  private drainStdin(): void {
    while (this.stdinQueue.length && !this.done) {
      const head = this.stdinQueue[0];
      const n = this.shared.writeStdin(head);
      if (n === head.length) { this.stdinQueue.shift(); continue; }
      this.stdinQueue[0] = head.subarray(n);
      // Go on as soon as the program reads (a timer too, in case it never does).
      if (!this.drainTimer) {
        const read = Atomics.load(this.shared.ctl, Ctl.StdinRead);
        const again = () => { if (this.drainTimer) { clearTimeout(this.drainTimer); this.drainTimer = undefined; this.drainStdin(); } };
        this.drainTimer = setTimeout(again, 50);
        const w = (Atomics as unknown as { waitAsync(a: Int32Array, i: number, v: number): { async: boolean; value: Promise<string> | string } }).waitAsync(this.shared.ctl, Ctl.StdinRead, read);
        if (w.async) void (w.value as Promise<string>).then(again); else queueMicrotask(again);
      }
      return;
    }
    if (!this.stdinQueue.length && this.stdinEnded) this.shared.closeStdin();
  }
  private stdinEnded = false;

  closeStdin(): void { this.stdinEnded = true; this.drainStdin(); }

  /**
   * Updates the program to `next`. Resolves when the update committed, rolled
   * back or was refused; never rejects for a bad version.
   */
  update(next: VersionSource, options: UpdateOptions = {}): Promise<UpdateResult> {
    const run = async (): Promise<UpdateResult> => {
      const id = this.nextId++;
      const from = this.meta.buildId;
      const name = typeof next === 'string' ? next : 'the new version';
      // One deadline for the whole update, reading the next version included.
      const deadline = options.timeoutMs === undefined ? undefined : now() + options.timeoutMs;
      const left = () => (deadline === undefined ? undefined : Math.max(0, deadline - now()));
      const refuse = (stage: UpdateStage, e: unknown): UpdateResult => {
        const r: UpdateResult = { id, outcome: 'refused', from, stage, reason: messageOf(e), timings: {}, ...(e instanceof KitsuneError ? { code: e.code } : {}) };
        this.emit({ type: 'update', result: r });
        return r;
      };
      if (this.done || !this.state) return refuse('wait', new KitsuneError('E_EXITED', 'the program has exited'));
      const state = this.state;
      const { signal } = options;
      const what = 'the update';
      let prepared;
      try {
        throwIfAborted(signal, what);
        prepared = await untilAborted(prepareVersion(next, name, (meta) => checkCompatible(this.meta, meta, name), left()), signal, what);
        throwIfAborted(signal, what);
      } catch (e) {
        return e instanceof PrepareError ? refuse(e.stage, e.cause) : refuse('read', e);
      }
      const { module, meta, dylink, frames } = prepared;
      // After the unwind, the rest of the deadline (or the default one) bounds the new version's way to its update point.
      this.toVersion.set(id, { version: { module, meta, dylink, frames }, deadlineMs: deadline === undefined ? DEFAULT_UPDATE_DEADLINE_MS : Math.max(1, left() ?? 0) });
      const result = new Promise<UpdateResult>((resolve) => this.pending.set(id, resolve));
      const requestedAt = now();
      this.worker.postMessage({ type: 'update', id, module, meta, dylink, frames, snapshot: !!options.snapshot, requestedAt });
      Atomics.store(this.shared.ctl, Ctl.PendingUpdate, id);
      this.emit({ type: 'update-requested', id, to: meta.buildId });
      state.request();
      // Like a signal: interrupts sleeps and polls so the program reaches an update point.
      this.shared.bump(Ctl.SignalSeq);
      let timer: ReturnType<typeof setTimeout> | undefined;
      let onAbort: (() => void) | undefined;
      const withdrawn = new Promise<UpdateResult>((resolve) => {
        // Withdraw the request unless the program has already claimed it.
        const withdraw = (why: () => KitsuneError) => {
          if (state.withdraw()) {
            this.pending.delete(id);
            resolve(refuse('wait', why()));
          }
        };
        if (deadline !== undefined) {
          timer = setTimeout(() => withdraw(() => new KitsuneError('E_UPDATE_BUSY', `the program reached no update point within ${options.timeoutMs} ms; it keeps running the old version`)), left());
        }
        if (signal) {
          onAbort = () => withdraw(() => new KitsuneError('E_ABORTED', `${abortError(signal, what).message} before the program reached an update point; it keeps running the old version`));
          signal.addEventListener('abort', onAbort, { once: true });
        }
      });
      const exit = this.exited.then(() => 'exited' as const);
      const first = await Promise.race([result, exit, withdrawn]);
      const r = first === 'exited' ? refuse('wait', new KitsuneError('E_EXITED', 'the program exited before reaching an update point')) : first;
      if (timer) clearTimeout(timer);
      if (onAbort) signal?.removeEventListener('abort', onAbort);
      if (r.outcome === 'committed') this.meta = meta;
      return r;
    };
    // One update at a time, in the order asked.
    const p = (this.inFlight ?? Promise.resolve()).then(run, run);
    this.inFlight = p;
    return p;
  }

  /** Ends the program now. */
  async kill(): Promise<void> {
    this.finish();
    await this.worker.terminate();
  }

  /**
   * Sends a signal (a number, or a name like "SIGINT"): the program's handler
   * runs at its next safe point; without one, the default action applies
   * (most signals end the program with exit code 128 + the signal's number).
   */
  signal(sig: number | string): void {
    const n = signalNumber(sig);
    if (this.done) return;
    this.services.signals.send(n, () => this.killBySignal(n));
  }

  private killBySignal(signo: number): void {
    if (this.done) return;
    const code = 128 + signo;
    this.finish();
    void this.worker.terminate().then(() => {
      this.emit({ type: 'exit', code });
      this.resolveExit(code);
    });
  }

  private scanTimer: ReturnType<typeof setInterval> | undefined;
  /**
   * Old versions' memory is freed by a scan at an update point (worker/reclaim.ts);
   * the SCAN bit, raised now and then, makes the next point check whether one is due.
   */
  private askForScans(): void {
    this.scanTimer = setInterval(() => this.state?.wantScan(), 2000);
    (this.scanTimer as { unref?: () => void }).unref?.();
  }

  private finish() {
    if (this.done) return;
    this.done = true;
    clearInterval(this.scanTimer);
    this.stopStdin?.();
    this.services?.close();
    this.worker.unref();
  }

  private emit(e: KitsuneEvent) {
    this.options.onEvent?.(e);
    for (const l of this.listeners) l(e);
  }

  private onWorkerEvent(e: KitsuneEvent) {
    if (e.type === 'update') {
      const u = this.inUpdate.get(e.result.id);
      if (u) { clearTimeout(u.timer); this.inUpdate.delete(e.result.id); }
      const to = this.toVersion.get(e.result.id);
      this.toVersion.delete(e.result.id);
      if (to && e.result.outcome === 'committed') this.running = to.version;
      const resolve = this.pending.get(e.result.id);
      this.pending.delete(e.result.id);
      // The program's own update: the running version is the one it moved to, once committed.
      const self = this.selfPending.get(e.result.id);
      this.selfPending.delete(e.result.id);
      if (self && e.result.outcome === 'committed') this.meta = self;
      this.emit(e);
      resolve?.(e.result);
      return;
    }
    this.emit(e);
  }

  /**
   * The program asked for its own update (kitsune_signal_update) and waits at
   * its update point: read the version it named now, and answer it either way.
   */
  private async onSelfUpdate(path: string | null): Promise<void> {
    const id = this.nextId++;
    const fail = (stage: UpdateStage, e: unknown) => this.worker.postMessage({
      type: 'update-failed', id, self: true, stage, reason: messageOf(e), ...(e instanceof KitsuneError ? { code: e.code } : {}),
    });
    if (!path) {
      fail('read', new KitsuneError('E_READ', 'kitsune_signal_update() was called, but no next version is known: call kitsune_set_next_version(path) too (before or after), or update from outside with `kitsune update`'));
      return;
    }
    let prepared;
    try {
      // Only under the program's grants (or a version the runner allows), checked again on the open descriptor.
      const real = this.services.sandbox.versionPath(path);
      const opened = (fd: number) => {
        const where = whereIs(fd);
        if (where !== undefined && !this.services.sandbox.fileGranted(where)) this.services.sandbox.versionPath(where);
      };
      prepared = await prepareVersion(real, path, (meta) => checkCompatible(this.meta, meta, path), DEFAULT_UPDATE_DEADLINE_MS, opened);
    } catch (e) {
      fail(e instanceof PrepareError ? e.stage : 'read', e instanceof PrepareError ? e.cause : e);
      return;
    }
    const { module, meta, dylink, frames } = prepared;
    this.selfPending.set(id, meta);
    this.toVersion.set(id, { version: { module, meta, dylink, frames }, deadlineMs: DEFAULT_UPDATE_DEADLINE_MS });
    this.emit({ type: 'update-requested', id, to: meta.buildId });
    this.worker.postMessage({ type: 'update', id, module, meta, dylink, frames, snapshot: false, requestedAt: now(), self: true });
  }
}

/** Where the kernel says an open descriptor is (Linux's /proc), or undefined. */
function whereIs(fd: number): string | undefined {
  const fs = nodeBuiltin<typeof import('node:fs')>('node:fs');
  try { return fs?.readlinkSync(`/proc/self/fd/${fd}`); } catch { return undefined; }
}

/** Where output goes; `taken` is called once the bytes have left the host (the program's output budget). */
type Sink = (bytes: Uint8Array, taken: () => void) => void;

function sinkOf(callback: ((b: Uint8Array) => void) | undefined, fd: 1 | 2): Sink {
  if (callback) return (b, taken) => { try { callback(b); } finally { taken(); } };
  // A stream calls back when the bytes are written (or the write failed): a slow reader holds the program back.
  if (isNode) return (b, taken) => { (fd === 1 ? process.stdout : process.stderr).write(b, () => taken()); };
  const dec = new TextDecoder();
  return (b, taken) => { (fd === 1 ? console.log : console.error)(dec.decode(b)); taken(); };
}

function inheritStdin(proc: KitsuneProcess, filter: (b: Uint8Array) => Uint8Array): () => void {
  const onData = (d: Uint8Array) => proc.writeStdin(filter(new Uint8Array(d)));
  const onEnd = () => proc.closeStdin();
  process.stdin.on('data', onData);
  process.stdin.on('end', onEnd);
  return () => {
    process.stdin.off('data', onData);
    process.stdin.off('end', onEnd);
    process.stdin.pause();
  };
}

async function compileRuntime(bytes: Uint8Array): Promise<WebAssembly.Module> {
  try {
    return await WebAssembly.compile(bytes as Uint8Array<ArrayBuffer>);
  } catch (e) {
    throw new KitsuneError('E_ASSET', `runtime.wasm: not a valid WebAssembly module (${messageOf(e)}); a server that answers a missing file with a page does this: check the \`assets\` URL`);
  }
}

/** Shared memory (SharedArrayBuffer) is what lets the worker block while the page runs on. */
function requireSharedMemory(): void {
  if (isNode) return;
  const g = globalThis as { crossOriginIsolated?: boolean; SharedArrayBuffer?: unknown };
  if (g.crossOriginIsolated === false || typeof g.SharedArrayBuffer !== 'function') {
    throw new KitsuneError('E_NOT_ISOLATED', 'this page is not cross-origin isolated, so it cannot share memory with the program\'s worker (SharedArrayBuffer); serve the page with the headers `Cross-Origin-Opener-Policy: same-origin` and `Cross-Origin-Embedder-Policy: require-corp` (or `credentialless`)');
  }
}

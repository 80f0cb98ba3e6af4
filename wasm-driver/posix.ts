// The POSIX surface wasi-libc lacks, worker side: one descriptor table for
// the process (stdio, sockets), the socket calls, signals and the terminal,
// as host functions that versions import by name (they take precedence over
// the runtime's libc). The table lives in the worker, which lives as long as
// the process: descriptors keep their numbers across updates.
import type { SharedState } from './shared-state.js';
import { Ctl, MAX_FDS, READABLE, WRITABLE, HANGUP, UPDATING } from './shared-state.js';
import { E } from './errno.js';
import { socketCalls } from './socket-calls.js';
import { Signals } from './signals.js';
import { Terminal } from './terminal.js';
import { Files, ROOT_FD, type OpenFile, type OpenDir } from './files.js';

/** What the POSIX layer needs from a loaded version (program.ts's Version). */
export interface VersionLike {
  exports: Record<string, unknown>;
  meta: { tableFunctions?: string[]; buildId: string };
  tableBase: number;
  tableSize: number;
}

/** What it needs from the program, handed over by Program.hostFunctions. */
export interface ProgramContext {
  rt: Record<string, WebAssembly.ExportValue>;
  table: WebAssembly.Table;
  current(): VersionLike;
}

export type FdEntry =
  | { kind: 'stdio' }
  | { kind: 'socket'; nonblock: boolean; family: 4 | 6 }
  | { kind: 'file'; file: OpenFile }
  | { kind: 'dir'; dir: OpenDir; preopen?: string };

export type HostFn = (...a: number[]) => number | void;

export class Posix {
  readonly fds = new Map<number, FdEntry>([[0, { kind: 'stdio' }], [1, { kind: 'stdio' }], [2, { kind: 'stdio' }]]);
  ctx: ProgramContext | undefined;
  readonly signals: Signals;
  readonly terminal: Terminal;
  readonly files: Files;
  private memory!: WebAssembly.Memory;
  private cwdSet = false;

  constructor(readonly shared: SharedState, readonly isTTY: { stdin: boolean; stdout: boolean; stderr: boolean }, dirs: string[] = []) {
    this.signals = new Signals(this);
    this.terminal = new Terminal(this);
    this.files = new Files(shared, dirs);
    // The host's file system, at the host's paths, behind the --dir grant.
    this.fds.set(ROOT_FD, { kind: 'dir', dir: { kind: 'dir', path: '/' }, preopen: '/' });
    shared.onSignals = () => this.signals.deliver();
  }

  /** wasi-libc starts in "/": start the program in the host's working directory instead. */
  private setCwd(): void {
    if (this.cwdSet || !this.ctx) return;
    this.cwdSet = true;
    const g = this.ctx.rt.__wasilibc_cwd as WebAssembly.Global | undefined;
    const malloc = this.ctx.rt.malloc as ((n: number) => number) | undefined;
    if (!g || !malloc) return;
    const b = new TextEncoder().encode(this.files.cwd + '\0');
    const p = malloc(b.length);
    this.u8.set(b, p);
    this.dv.setUint32(g.value as number, p, true);
  }

  bind(memory: WebAssembly.Memory): void { this.memory = memory; }

  get dv() { return new DataView(this.memory.buffer); }
  get u8() { return new Uint8Array(this.memory.buffer); }

  cstring(p: number): string {
    const u8 = this.u8;
    let e = p;
    while (u8[e]) e++;
    return new TextDecoder().decode(u8.slice(p, e));
  }

  /** Sets errno and returns -1, as a libc call does. */
  fail(errno: number): number {
    const g = this.ctx?.rt.errno as WebAssembly.Global | undefined;
    if (g) this.dv.setInt32(g.value as number, errno, true);
    return -1;
  }

  /** The lowest free descriptor. */
  allocFd(): number {
    for (let fd = 3; fd < MAX_FDS; fd++) if (!this.fds.has(fd)) return fd;
    return -1;
  }

  socket(fd: number): (FdEntry & { kind: 'socket' }) | undefined {
    const e = this.fds.get(fd);
    return e?.kind === 'socket' ? e : undefined;
  }

  /** Readiness of a descriptor for poll/select. */
  readiness(fd: number): number {
    const e = this.fds.get(fd);
    if (!e) return -1;
    if (e.kind === 'socket') return Atomics.load(this.shared.ready, fd);
    if (e.kind === 'file' || e.kind === 'dir') return READABLE | WRITABLE;
    if (fd === 0) return (this.shared.stdinAvailable() > 0 ? READABLE : 0) | (this.shared.stdinClosed() ? READABLE | HANGUP : 0);
    return WRITABLE;
  }

  get updating(): boolean {
    const g = this.ctx?.rt.__kitsune_state as WebAssembly.Global | undefined;
    return !!g && (Atomics.load(new Int32Array(this.memory.buffer), (g.value as number) >> 2) & UPDATING) !== 0;
  }

  /**
   * Blocks until `fd` has one of `bits`. 'intr' when a signal handler ran
   * (and the call is not restarted by SA_RESTART) or, for calls an update
   * interrupts (accept, connect), when an update was requested.
   */
  block(fd: number, bits: number, o: { restart: boolean; updateInterrupts: boolean; deadline?: number }): 'ready' | 'intr' | 'timeout' {
    const signalSeq = Atomics.load(this.shared.ctl, Ctl.SignalSeq);
    for (;;) {
      const wake = Atomics.load(this.shared.ctl, Ctl.Wake);
      if (this.readiness(fd) & (bits | HANGUP | 8)) return 'ready';
      if (this.shared.deliver() && !(o.restart && this.signals.lastRestart)) return 'intr';
      if (o.updateInterrupts && Atomics.load(this.shared.ctl, Ctl.SignalSeq) !== signalSeq) return 'intr';
      const left = o.deadline === undefined ? Infinity : o.deadline - performance.now();
      if (left <= 0) return 'timeout';
      Atomics.wait(this.shared.ctl, Ctl.Wake, wake, left === Infinity ? undefined : left);
    }
  }

  /** Host functions for version imports. */
  functions(ctx: ProgramContext, v: VersionLike): Record<string, HostFn> {
    this.ctx = ctx;
    this.setCwd();
    return { ...socketCalls(this), ...this.signals.functions(v), ...this.terminal.functions() };
  }
}

export { E };

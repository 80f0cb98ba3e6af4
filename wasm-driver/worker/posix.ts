// The process's POSIX side in the worker: the descriptor table (stdio,
// sockets, files), signals, the terminal, the waits, and the calls a version
// imports by name ahead of wasi-libc's (sockets, signals, termios, sleeps).
// All of it lives as long as the process: descriptors, dispositions and the
// terminal mode outlive every update.
import type { SharedState } from '../common/shared-state.js';
import { FdTable } from './fd.js';
import { StdinFd, OutputFd } from './fd-stdio.js';
import { DirFd, FileFd } from './fd-file.js';
import { SocketFd } from './fd-socket.js';
import { Pipe, PipeFd, PairFd } from './fd-pipe.js';
import { fdCalls } from './fd-calls.js';
import { SIG } from '../common/signal-numbers.js';
import type { Fd, FdRecord } from './fd.js';
import { Files } from './files.js';
import { Signals, type HostFn } from './signals.js';
import { Terminal } from './terminal.js';
import { Waits } from './waits.js';
import { socketCalls } from './sockets.js';
import { timeCalls } from './time.js';
import { wasiImports } from './wasi.js';
import type { ProgramMemory } from './memory.js';
import type { Version } from './version.js';

/** The process's POSIX state written down (worker restarts: update.ts). */
export interface PosixRecord {
  fds: [number, FdRecord][];
  signals: [number, { index: number; flags: number; ignore: boolean; mask?: number }][];
  /** The signal mask (sigprocmask). */
  mask?: number;
  termios: Uint8Array;
}

/** The preopened "/": the host's file system at the host's paths, behind the --dir grants. */
export const ROOT_FD = 3;

export interface PosixOptions {
  args: string[];
  env: Record<string, string>;
  mem: ProgramMemory;
  shared: SharedState;
  isTTY: { stdin: boolean; stdout: boolean; stderr: boolean };
  /** Directories granted with --dir. */
  dirs: string[];
  write(fd: 1 | 2, bytes: Uint8Array): void;
  table(): WebAssembly.Table;
  identityOf(slot: number): string | undefined;
  current(): Version;
  updating(): boolean;
  /** Whether an update request of the host's waits for an update point: it ends one wait (waits.ts). */
  requested(): boolean;
  /** The program is about to wait this long: reclaim old versions' memory then. */
  idle(ms: number): void;
}

export class Posix {
  readonly fds = new FdTable();
  readonly signals: Signals;
  readonly waits: Waits;
  readonly terminal: Terminal;
  readonly files: Files;

  constructor(private readonly o: PosixOptions) {
    const { mem, shared } = o;
    this.signals = new Signals({ mem, shared, table: o.table, identityOf: o.identityOf, current: o.current, updating: o.updating });
    this.waits = new Waits(shared, this.signals, o.requested);
    this.files = new Files(shared, o.dirs);
    this.terminal = new Terminal({ mem, shared, fds: this.fds, isTTY: o.isTTY });
    this.fds.set(0, new StdinFd(mem, o.isTTY.stdin, shared, this.waits, () => this.terminal.raw));
    this.fds.set(1, new OutputFd(mem, o.isTTY.stdout, 1, o.write, shared, this.waits));
    this.fds.set(2, new OutputFd(mem, o.isTTY.stderr, 2, o.write, shared, this.waits));
    this.fds.set(ROOT_FD, new DirFd(this.files, mem, '/', '/'));
  }

  private saved: { signals: ReturnType<Signals['snapshot']>; mask: number; termios: Uint8Array } | undefined;

  /**
   * An update begins: what the process owns here (descriptors, signal
   * dispositions, the terminal's mode) is kept, and a rollback puts it back.
   */
  begin(): void {
    this.fds.begin();
    this.saved = { signals: this.signals.snapshot(), mask: this.signals.mask, termios: this.terminal.snapshot() };
  }
  commit(): void { this.fds.commit(); this.saved = undefined; }
  rollback(): void {
    this.fds.rollback();
    if (this.saved) { this.signals.restore(this.saved.signals); this.signals.mask = this.saved.mask; this.terminal.restore(this.saved.termios); }
    this.saved = undefined;
  }

  /** What the process owns here, written down for a fresh worker to take over (undefined when a descriptor cannot move). */
  save(): PosixRecord | undefined {
    const fds = this.fds.records();
    return fds && { fds, signals: [...this.signals.snapshot()], mask: this.signals.mask, termios: this.terminal.snapshot() };
  }

  /** In a fresh worker: the descriptors, dispositions and terminal mode of the one that was stopped. */
  restore(r: PosixRecord): void {
    const { mem, shared } = this.o;
    const stdio = [0, 1, 2].map((n) => this.fds.get(n)!);
    for (const [n] of [...this.fds.entries()]) this.fds.delete(n);
    // Numbers that name one description (dup) get one object again, found by what it holds outside the worker.
    const made = new Map<string, Fd>();
    const pipes = new Map<number, Pipe>();
    const pipeEnd = (x: Extract<FdRecord, { kind: 'pipe' }>): PipeFd => {
      let p = pipes.get(x.pipe);
      if (!p) pipes.set(x.pipe, p = new Pipe(x.pipe, x.data));
      return new PipeFd(p, x.end, x.nonblock, this.pipeContext);
    };
    for (const [n, x] of r.fds) {
      const key = x.kind === 'stdio' ? `stdio ${x.fd}` : x.kind === 'socket' ? `socket ${x.fd}` : x.kind === 'file' ? `file ${x.hostFd}`
        : x.kind === 'pipe' ? `pipe ${x.pipe} ${x.end}` : x.kind === 'pair' ? `pair ${x.input.pipe} ${x.output.pipe}` : `dir ${n}`;
      let f = made.get(key);
      if (!f) {
        f = x.kind === 'stdio' ? stdio[x.fd]
          : x.kind === 'socket' ? new SocketFd(x.fd, x.family, x.nonblock, mem, shared, this.waits)
          : x.kind === 'file' ? Object.assign(new FileFd(this.files, mem, x.hostFd, x.path, x.append, x.canRead, x.canWrite), { pos: x.pos })
          : x.kind === 'pipe' ? pipeEnd(x)
          : x.kind === 'pair' ? new PairFd(pipeEnd(x.input), pipeEnd(x.output), x.nonblock)
          : new DirFd(this.files, mem, x.path, x.preopen);
        if ('nonblock' in x) f.nonblock = x.nonblock;
        made.set(key, f);
      }
      this.fds.set(n, f);
    }
    for (const id of pipes.keys()) this.pipes = Math.max(this.pipes, id);
    this.signals.restore(new Map(r.signals));
    this.signals.mask = r.mask ?? 0;
    this.terminal.restore(r.termios);
  }

  /** wasi_snapshot_preview1, for the runtime's libc. */
  wasiImports(): WebAssembly.ModuleImports {
    const { args, env, mem, shared } = this.o;
    return wasiImports({ args, env, mem, shared, fds: this.fds, waits: this.waits });
  }

  /** wasi-libc starts in "/": once the runtime exists, start the program in the host's working directory instead. */
  runtimeReady(): void {
    const g = this.o.mem.rt.__wasilibc_cwd as WebAssembly.Global | undefined;
    if (!g) return;
    const p = this.o.mem.strdup(this.files.cwd);
    this.o.mem.dv.setUint32(g.value as number, p, true);
  }

  /** Pipes made so far: each has a number of its own, for records. */
  private pipes = 0;
  private get pipeContext() {
    return { mem: this.o.mem, waits: this.waits, brokenPipe: () => { this.signals.raise(SIG.PIPE); } };
  }

  private calls: Record<string, HostFn> | undefined;
  /** The POSIX calls versions import by name: the same for every version, so made once (a new set at each load was a tenth of the pause). */
  functions(): Record<string, HostFn> {
    const { mem, shared } = this.o;
    return this.calls ??= {
      ...socketCalls({ mem, shared, fds: this.fds, waits: this.waits }),
      ...fdCalls({ ...this.pipeContext, fds: this.fds, nextPipe: () => ++this.pipes }),
      ...this.signals.functions(),
      ...this.terminal.functions(),
      ...timeCalls(mem, this.waits, this.o.idle),
      sigsuspend: (set) => this.signals.suspend(set, () => { while (this.waits.sleep(3600_000)); }),
    };
  }
}

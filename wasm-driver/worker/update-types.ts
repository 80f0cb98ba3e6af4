// The update transaction's types, stage by stage, and what the protocol
// (update.ts) needs from around it: the host, the program's threads, the
// process's own state. Types only, so that update.ts and the reports it
// posts (update-report.ts) can share them without importing each other.
import type { KitsuneEvent, UpdateFailedMessage, UpdateMessage, UpdateStage, UpdateTrace } from '../common/protocol.js';
import type { StateWord } from '../common/state-word.js';
import type { Checkpoint } from './checkpoint.js';
import type { HostFunctions, Linker } from './linker.js';
import type { ProgramMemory } from './memory.js';
import type { Migration, MigrationScope } from './migration.js';
import type { PosixRecord } from './posix.js';
import type { Reclaim } from './reclaim.js';
import type { SaveBuffer } from './save-buffer.js';
import type { Version } from './version.js';

/** asyncify_get_state(), named as GoogleChromeLabs' asyncify wrapper names it. */
export const enum Asyncify { None = 0, Unwinding = 1, Rewinding = 2 }

/** The old stack is being unwound from update point `point`. */
export interface Unwinding {
  stage: 'unwind';
  old: Version;
  point: string;
  requestId: number;
  /** The program's own request: the host's answer to it, under way. */
  self?: Promise<UpdateMessage | UpdateFailedMessage>;
  /** Where Asyncify saved the old stack: the `{pos, end}` header, then the frames. */
  buffer: SaveBuffer;
  /** Both stack pointers at the unwind: unwinding skips epilogues, so they are put back by hand. */
  sp: number;
  runtimeSp: number;
  unwoundAt: number;
  /** With `inspect`: what the update did, filled in as it goes. */
  trace?: UpdateTrace;
}

/** The old stack is saved; the new version is being instantiated beside the old one. */
export interface Linking extends Omit<Unwinding, 'stage'> {
  stage: 'link';
  msg: UpdateMessage;
  unwindMillis: number;
  snapshot?: Uint8Array;
  linkStart: number;
}

/** The new version runs: its init hook, its migration, its main on the way to its update point. */
export interface Running extends Omit<Linking, 'stage'>, MigrationScope {
  stage: 'init' | 'migrate' | 'main' | 'commit';
  next: Version;
  loadMillis: number;
  migrateMillis: number;
}

export type Transaction = Unwinding | Linking | Running;

export interface UpdaterHost {
  post(event: KitsuneEvent): void;
  /** The update message the host posted with `id` (it arrives while the old stack unwinds). */
  nextUpdate(id: number): Promise<UpdateMessage>;
  /** The id of the update the host requested last. */
  pendingId(): number;
  /** Asks the host for the version the program named for its own request (kitsune_set_next_version), read now. */
  selfUpdate(path: string | null): Promise<UpdateMessage | UpdateFailedMessage>;
  /** Hands the host what a fresh worker needs if this one has to be stopped, before the new version runs (checkpoint.ts). */
  checkpoint(id: number, cp: Checkpoint): void;
  /** The stage the update is in, for the host's report if it has to stop this worker. */
  stage(id: number, stage: UpdateStage): void;
}

/** The program's threads, as an update brings them to their points and the new version relaunches them (threads.ts). */
export interface UpdaterThreads {
  readonly count: number;
  /** The running thread is not the main one. */
  readonly inThread: boolean;
  /** Another thread reached point `name` while an update is requested: it parks there (it may switch out). */
  parkAtPoint(name: string): void;
  /** Main reached point `name` with an update requested: returns once every other thread has parked. */
  gather(name: string): void;
  /** The update is taken: parked threads stay parked until commit or rollback. */
  hold(): void;
  /** In the new version, a relaunched thread reached `name`: it waits there for the commit if it is its old self's point. */
  arrive(name: string): void;
  /** The new main is at its point: relaunches the old threads, returns once all are at theirs (throws when one is not in time). */
  relaunch(next: Version): void;
  commit(): void;
  rollback(old: Version): void;
}

/** What the process owns outside the memory (descriptors, signal dispositions, the terminal: posix.ts), kept across the update. */
export interface UpdaterProcess {
  begin(): void;
  commit(): void;
  rollback(): void;
  /** What a fresh worker needs of it (checkpoint.ts); undefined when something it holds cannot move to another worker. */
  save(): PosixRecord | undefined;
}

export interface UpdaterDeps {
  mem: ProgramMemory;
  state: StateWord;
  linker: Linker;
  migration: Migration;
  reclaim: Reclaim;
  host: UpdaterHost;
  hostFunctions: (v: Version) => HostFunctions;
  /**
   * Why the stack cannot be unwound here, if it cannot: host or libc frames
   * below the update point (a qsort comparator, a signal handler), which
   * Asyncify did not instrument.
   */
  cannotUnwind: () => string | undefined;
  /** Report layouts and traces (StartOptions.inspect). */
  inspect: boolean;
  process: UpdaterProcess;
  argv: { argc: number; ptr: number };
  /** The program's threads (threads.ts): each is brought to an update point, and relaunched by the new version. */
  threads?: UpdaterThreads;
}

// Messages between the host thread (process.ts) and the program's worker
// (worker.ts), and the update result both sides speak of.
import type { KitsuneMeta } from '../../format/metadata.js';
import type { DylinkInfo } from '../../format/wasm-sections.js';
import type { ErrorCode } from '../../format/errors.js';

export type UpdateStage = 'read' | 'validate' | 'compile' | 'wait' | 'unwind' | 'link' | 'init' | 'migrate' | 'main' | 'commit';

export interface UpdateTimings {
  /** From the request until the program reached an update point. */
  wait: number;
  unwind: number;
  /** Instantiating and linking the new version. */
  load: number;
  /** Time inside migration calls (kitsune_do_automigrate, MIGRATE_*). */
  migrate: number;
  /** From the unwind until the new version reached the update point. */
  untilCommit: number;
  /** The program's pause: from the unwind until it runs on again. */
  pause: number;
}

export interface UpdateResult {
  id: number;
  outcome: 'committed' | 'rolled-back' | 'refused';
  from: string;
  to?: string;
  /** The update point the old version left from. */
  point?: string;
  /** Where it failed, when it did. */
  stage?: UpdateStage;
  reason?: string;
  /** The error's code when the update was refused (E_READ, E_EXITED, E_UPDATE_BUSY, ...). */
  code?: ErrorCode;
  timings: Partial<UpdateTimings>;
  migrated?: string[];
  /** Blocks the failed new version had allocated, freed by the rollback. */
  freedAllocations?: number;
  /** Objects the generated migration moved to blocks of their new size (old ones freed at commit). */
  movedObjects?: number;
  /** In-place transforms undone by a rollback. */
  restoredObjects?: number;
  snapshot?: boolean;
  /** With the `inspect` start option: where the running version now sits (the new one when committed). */
  layout?: VersionLayout;
  /** With the `inspect` start option: what the update did to the stack and the heap. */
  trace?: UpdateTrace;
}

/** Where one version sits in the process's shared memory and table. */
export interface VersionLayout {
  /** 1 for the first version, counting up with every version loaded. */
  number: number;
  dataBase: number;
  dataSize: number;
  stackBase: number;
  stackSize: number;
  tableBase: number;
  tableSize: number;
  /** Where each of its variables lives (its cell: linker.ts), by key. */
  variables?: { key: string; addr: number; size: number; shared: boolean }[];
  /** The function identity each table slot it uses holds (function pointers hold slots). */
  functions?: { slot: number; name: string }[];
}

/** One WebAssembly frame of a stack, innermost first in a list. */
export interface WasmFrame {
  /** The function's name (from the name section), or `wasm-function[N]`. */
  function: string;
  /** Byte offset of the call in the module. */
  offset: number;
  /** Whether the frame is the version's own code (else the runtime's: libc). */
  own: boolean;
}

/** What an update did, for people watching it (the `inspect` start option). */
export interface UpdateTrace {
  /** The old version's frames at the update point, innermost first: the stack Asyncify unwound and saved. */
  unwound: WasmFrame[];
  /** Bytes Asyncify saved for them. */
  savedBytes: number;
  /** The new version's frames when it reached the update point (its path back), or where it failed. */
  resumed: WasmFrame[];
  /** Old -> new addresses the migration recorded: globals by key, heap objects transformed (`deep`: moved to a new block). */
  addressMap: { old: number; new: number; deep: boolean }[];
  /** More pairs existed than the cap (20,000) lets through. */
  addressMapTruncated: boolean;
  /** The memory as it was at the update point ([0, heap top), up to 64 MiB), to compare with what came after. */
  before?: Uint8Array;
  /** The memory just after the commit, before the new version went on (committed updates; same bound). */
  after?: Uint8Array;
  /** Time taken by commit() itself, in ms (part of untilCommit). */
  commitMillis?: number;
}

export type KitsuneEvent =
  /** `layout` and `heapBase` (where the allocator's first chunk begins) come with the `inspect` start option. */
  | { type: 'started'; version: string; program: string; layout?: VersionLayout; heapBase?: number }
  /** With `inspect`: a local that MIGRATE_LOCAL noted (its address in the version's stack), once per address. */
  | { type: 'local'; version: number; key: string; addr: number; size: number }
  | { type: 'update-requested'; id: number; to: string }
  | { type: 'update-deferred'; id: number; point: string; reason: string }
  | { type: 'update'; result: UpdateResult }
  | { type: 'exit'; code: number }
  /**
   * Memory of an old version released off the update's pause: its static data
   * or the cell of a variable the new version did not keep (freed, or kept
   * while something points into it), or the objects the migration moved to
   * blocks of their new size.
   */
  | { type: 'reclaim'; what: 'static-data' | 'variable' | 'moved-objects'; version: number; bytes: number; freed: boolean; millis: number; variable?: string; reason?: string }
  /** A call the sandbox refused (EACCES in the program), with the grant that would allow it. */
  | { type: 'refused'; grant: '--net' | '--dir'; what: string; message: string }
  /** Something the program asked for that this host cannot give (sockets in a browser). */
  | { type: 'notice'; message: string }
  | { type: 'crash'; message: string };

export interface StartMessage {
  type: 'start';
  memory: WebAssembly.Memory;
  shared: SharedArrayBuffer;
  runtime: WebAssembly.Module;
  /** The runtime's table import minimum (Node 20 cannot reflect it). */
  tableMin: number;
  version: WebAssembly.Module;
  meta: KitsuneMeta;
  /** The version's dylink.0, parsed once on the host. */
  dylink: DylinkInfo;
  /** What Asyncify saves at most for one frame of each of its functions, by function index. */
  frames: Uint32Array;
  args: string[];
  env: Record<string, string>;
  stackSize: number;
  isTTY: { stdin: boolean; stdout: boolean; stderr: boolean };
  /** Directories granted with --dir (the worker serves files itself). */
  dirs: string[];
  /** Make the program's stdout line-buffered (the host shows output as it comes). */
  lineBuffered?: boolean;
  /** Report layouts and update traces (StartOptions.inspect). */
  inspect?: boolean;
}

export interface UpdateMessage {
  type: 'update';
  id: number;
  module: WebAssembly.Module;
  meta: KitsuneMeta;
  dylink: DylinkInfo;
  frames: Uint32Array;
  snapshot: boolean;
  requestedAt: number;
  /** The answer to the program's own request (kitsune_signal_update), which it is waiting for at its update point. */
  self?: boolean;
}

/** The program's own request could not be carried out: the version it named could not be read, checked or compiled. */
export interface UpdateFailedMessage {
  type: 'update-failed';
  id: number;
  self: true;
  stage: UpdateStage;
  reason: string;
  code?: ErrorCode;
}

/**
 * Starts a fresh worker in place of one the host had to stop (a new version
 * that never reached its update point): the old version, taken back from the
 * stopped worker's checkpoint (worker/checkpoint.ts, opaque here), and the
 * rollback to report.
 */
export interface ResumeMessage extends Omit<StartMessage, 'type'> {
  type: 'resume';
  checkpoint: unknown;
  result: { id: number; to?: string; stage: UpdateStage; reason: string; pause: number };
}

export type ToWorker = StartMessage | ResumeMessage | UpdateMessage | UpdateFailedMessage;

export type FromWorker =
  | { type: 'ready'; stateAddress: number }
  | { type: 'output'; fd: 1 | 2; bytes: Uint8Array }
  | { type: 'event'; event: KitsuneEvent }
  /** The program reached an update point with its own request pending (kitsune_signal_update): it waits there for this version. */
  | { type: 'self-update'; path: string | null }
  /** The old stack is unwound and the new version about to run: what a fresh worker would need (worker/checkpoint.ts). */
  | { type: 'checkpoint'; id: number; checkpoint: unknown }
  /** The stage update `id` has reached, for a report if the worker has to be stopped. */
  | { type: 'stage'; id: number; stage: UpdateStage }
  | { type: 'done'; code: number; error?: string };

/** One end of the channel between the host thread and the worker (a Node MessagePort or a Worker). */
export interface Port {
  postMessage(message: unknown, transfer?: Transferable[]): void;
  onMessage(handler: (message: any) => void): void;
}

// A loaded version of the program, as the worker's parts see it (linker.ts
// makes them).
import type { KitsuneMeta } from '../../format/metadata.js';
import type { DylinkInfo } from '../../format/wasm-sections.js';

/** A version's exports: its own functions and globals, and Asyncify's controls. */
export type VersionExports = Record<string, WebAssembly.ExportValue> & {
  asyncify_start_unwind(p: number): void; asyncify_stop_unwind(): void;
  asyncify_start_rewind(p: number): void; asyncify_stop_rewind(): void; asyncify_get_state(): number;
};

export interface Version {
  meta: KitsuneMeta;
  dylink: DylinkInfo;
  /** What Asyncify saves at most for one frame of each function, by function index. */
  frames: Uint32Array;
  /** 1 for the first version the process ran, counting up. */
  number: number;
  exports: VersionExports;
  /** The version's own __stack_pointer global (each instance has one). */
  sp: WebAssembly.Global;
  dataBase: number;
  dataSize: number;
  stackBase: number;
  stackSize: number;
  tableBase: number;
  tableSize: number;
  /** Locals noted through MIGRATE_LOCAL, by key. */
  locals: Map<string, { addr: number; size: number }>;
  /**
   * Where each of its variables lives, by key: in its own data block, or,
   * for a variable whose type did not change, where the version before kept
   * it (linker.ts: the variable keeps its storage and its address).
   */
  homes: Map<string, Home>;
  /** The table slot of each function identity it defines (one slot per identity for the process's life). */
  slotOf: Map<string, number>;
}

export interface Home { key: string; addr: number; size: number; signature: string; shared: boolean }

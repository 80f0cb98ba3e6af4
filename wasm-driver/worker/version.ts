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
  /** Function names of its table slots, both ways: function pointers move by name. */
  slotName: Map<number, string>;
  slotOf: Map<string, number>;
}

// kitsune-wasm's driver: runs versions of a C program built with `kitsune build`
// and updates them live. Works in Node and in browsers; never loads the compiler.
export { KitsuneProcess, type StartOptions, type UpdateOptions, type VersionSource } from './process.js';
export type { UpdateResult, UpdateStage, UpdateTimings, KitsuneEvent, VersionLayout, UpdateTrace, WasmFrame } from './protocol.js';
export { KitsuneError, type ErrorCode } from './errors.js';
export type { Grants } from './sandbox.js';
export { readMeta, type KitsuneMeta, type KitsuneVariable } from './metadata.js';
export { checkCompatible, planVariables, type VariablePlan } from './compat.js';

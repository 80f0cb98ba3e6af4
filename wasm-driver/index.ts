// kitsune-wasm's driver: runs versions of a C program built with `kitsune build`
// and updates them live. Works in Node and in browsers; never loads the compiler.
export { KitsuneProcess, type StartOptions, type UpdateOptions, type VersionSource } from './host/process.js';
export type { UpdateResult, UpdateStage, UpdateTimings, KitsuneEvent, VersionLayout, UpdateTrace, WasmFrame } from './common/protocol.js';
export { KitsuneError, type ErrorCode } from '../format/errors.js';
export type { Grants } from './host/sandbox.js';
export type { WorkerOption } from './host/platform.js';
export type { AssetsOption } from '../format/assets.js';
export { readMeta, type KitsuneMeta, type KitsuneVariable } from '../format/metadata.js';
export { checkCompatible, planVariables, type VariablePlan } from '../format/compat.js';

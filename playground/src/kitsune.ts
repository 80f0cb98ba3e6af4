// The page's way to kitsune-wasm's driver: from this source tree for now
// (see ../kitsune-assets.ts); the package's `kitsune-wasm` entry later.
export { KitsuneProcess, readMeta, KitsuneError } from '../../wasm-driver/index.js';
export type { KitsuneEvent, KitsuneMeta, KitsuneVariable, UpdateResult, UpdateTrace, VersionLayout, WasmFrame } from '../../wasm-driver/index.js';

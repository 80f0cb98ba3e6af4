// kitsune-wasm's compiler: C versions to updatable Wasm modules, with clang
// and binaryen from npm. Works in Node and in browsers.
export { build, BuildError, type BuildOptions, type BuildResult, type SourceFile } from './build.js';
export { buildRuntime } from './build-runtime.js';
export type { Progress, BuildProgress, BuildPhase } from './progress.js';

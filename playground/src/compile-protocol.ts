// Messages between the page (compiler-client.ts) and the compile worker.
import type { KitsuneMeta } from '../../wasm-driver/index.js';
import type { MigrationPlan } from '../../compiler/xf-gen.js';

export interface BuildRequest {
  sources: { path: string; text: string }[];
  from?: Uint8Array;
  xf?: { path: string; text: string };
  name: string;
  optimize: number;
}

export interface BuildSuccess { wasm: Uint8Array; meta: KitsuneMeta; plan?: MigrationPlan; notes: string[]; diagnostics: string; millis: number }

/** A failed build, as plain data: the error's code and message, clang's diagnostics, the refusal's reasons. */
export interface BuildFailure { code: string; message: string; diagnostics?: string; details?: string[]; file?: string; line?: number; column?: number }

export type ToCompiler =
  | { type: 'warm' }
  | { type: 'build'; id: number; request: BuildRequest };

export type FromCompiler =
  | { type: 'download'; done: number; total: number; cached: boolean }
  | { type: 'phase'; text: string }
  | { type: 'warm'; millis: number; cached: boolean }
  | { type: 'progress'; id: number; text: string }
  | { type: 'built'; id: number; result: BuildSuccess }
  | { type: 'failed'; id: number; error: BuildFailure };

// The options of run, update, inspect and assets (see cli/args.ts; build's,
// which dev shares, are in build-spec.ts), apart from the entry file, which
// runs the command line when imported.
import type { Spec } from './args.js';

export const RUN_SPEC: Spec = { values: { control: 'control', b: 'bench', 'stack-size': 'stackSize' }, flags: { snapshot: 'snapshot' } };

/** Options of `run` that take a value: the word after them is not the module. */
export const RUN_VALUE_OPTIONS = ['--control', '-b', '--stack-size', '--dir'];

export const UPDATE_SPEC: Spec = { values: { timeout: 'timeout' }, flags: { snapshot: 'snapshot' } };

export const INSPECT_SPEC: Spec = { values: {}, flags: { json: 'json', diff: 'diff' } };

export const ASSETS_SPEC: Spec = { values: {}, flags: { 'no-clang': 'noClang' } };

// The options each command takes (see cli/args.ts). In a module of their own
// so that commands in other files (dev.ts) can share them without loading
// the entry file, which runs the command line when imported.
import type { Spec } from './args.js';

export const BUILD_SPEC: Spec = {
  values: { o: 'out', from: 'from', xf: 'xf', I: 'include', D: 'define', name: 'name', O: 'opt' },
  multi: ['include', 'define'],
  flags: {},
};

export const RUN_SPEC: Spec = { values: { control: 'control', b: 'bench', 'stack-size': 'stackSize' }, flags: { snapshot: 'snapshot' } };

/** Options of `run` that take a value: the word after them is not the module. */
export const RUN_VALUE_OPTIONS = ['--control', '-b', '--stack-size', '--dir'];

export const UPDATE_SPEC: Spec = { values: { timeout: 'timeout' }, flags: { snapshot: 'snapshot' } };

export const INSPECT_SPEC: Spec = { values: {}, flags: { json: 'json', diff: 'diff' } };

export const ASSETS_SPEC: Spec = { values: {}, flags: { 'no-clang': 'noClang' } };

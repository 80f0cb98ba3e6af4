// The options of `kitsune build`, shared with `kitsune dev` (which builds the
// same way); apart from the build itself so that reading them loads no compiler.
import type { Spec } from './args.js';

export const BUILD_SPEC: Spec = {
  values: { o: 'out', from: 'from', xf: 'xf', I: 'include', D: 'define', name: 'name', O: 'opt' },
  multi: ['include', 'define'],
  flags: { strict: 'strict' },
};

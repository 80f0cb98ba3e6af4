// Binaryen's Asyncify pass, applied only to the update path: the functions
// that can reach an update point's slow call, and no others.
import { KitsuneError } from '../format/errors.js';
import { createsThreads, THREAD_SWITCH_CALLS } from '../format/threads.js';

export const UPDATE_IMPORT = 'env.__kitsune_update_point';

export interface AsyncifyResult { wasm: Uint8Array; ignoreIndirect: boolean; instrumented: string[]; tableFunctions: string[]; note?: string; threads: boolean }

interface BinaryenModule {
  runPasses(passes: string[]): void;
  emitText(): string;
  emitBinary(): Uint8Array;
  dispose(): void;
  setFeatures(f: number): void;
}
interface Binaryen {
  readBinary(b: Uint8Array): BinaryenModule;
  setDebugInfo(on: boolean): void;
  setPassArgument(key: string, value: string | null): void;
  setOptimizeLevel(n: number): void;
  setShrinkLevel(n: number): void;
  Features: Record<string, number>;
}

const NODE20_FEATURES = ['MVP', 'Atomics', 'MutableGlobals', 'NontrappingFPToInt', 'SIMD128', 'BulkMemory', 'BulkMemoryOpt', 'SignExt', 'ReferenceTypes', 'Multivalue', 'CallIndirectOverlong'];

let binaryenPromise: Promise<Binaryen> | undefined;
const loadBinaryen = () => (binaryenPromise ??= import('binaryen').then((m) => (m as unknown as { default: Binaryen }).default));

function run(b: Binaryen, wasm: Uint8Array, ignoreIndirect: boolean, optimize: number, imports: string) {
  const m = b.readBinary(wasm);
  try {
    // What Node 20 and current browsers run; never newer encodings (compact imports).
    m.setFeatures(NODE20_FEATURES.reduce((f, n) => f | b.Features[n], 0));
    // Names must survive: function pointers are remapped by name.
    b.setDebugInfo(true);
    b.setPassArgument('asyncify-imports', imports);
    b.setPassArgument('asyncify-ignore-indirect', ignoreIndirect ? '' : null);
    b.setOptimizeLevel(Math.min(optimize, 2));
    b.setShrinkLevel(0);
    m.runPasses(['asyncify']);
    const text = m.emitText();
    // A function is instrumented when its body reads the Asyncify state.
    const instrumented: string[] = [];
    for (const chunk of text.split('\n (func ').slice(1)) {
      const name = chunk.slice(0, chunk.search(/[\s(]/)).replace(/^\$/, '');
      if (!name.startsWith('asyncify_') && chunk.includes('__asyncify_state')) instrumented.push(name);
    }
    const tableFunctions: string[] = [];
    for (const elem of text.match(/\(elem [^\n]*/g) ?? []) {
      for (const ref of elem.matchAll(/\$([^\s()]+)/g)) if (ref[1] !== '__table_base' && !/^\d+$/.test(ref[1])) tableFunctions.push(ref[1]);
    }
    // Functions whose address the version takes through the GOT (promote-symbols.ts): pointers reach them too.
    const addressTaken = [...tableFunctions, ...[...text.matchAll(/\(import "GOT\.func" "([^"]+)"/g)].map((m) => m[1])];
    return { wasm: m.emitBinary(), instrumented, tableFunctions, addressTaken };
  } finally {
    m.dispose();
  }
}

/**
 * Instruments the update path (and, for a program with threads, the calls
 * that switch them: format/threads.ts). Indirect calls are left alone when no
 * function reachable through the table can reach an update point; otherwise
 * an update point could be reached through a function pointer from a frame
 * Asyncify did not instrument, so indirect calls are instrumented as well.
 */
export async function asyncify(wasm: Uint8Array, optimize: number, threaded = false): Promise<AsyncifyResult> {
  const b = await loadBinaryen();
  // A program that creates threads switches them at its blocking calls: those are on the path too (wasm-driver/worker/threads.ts).
  // So does a version of a program that does (`threaded`: built --from one): it runs the threads the update relaunches.
  const threads = threaded || createsThreads(wasm);
  // invoke_*: the calls of a function that calls setjmp (runtime/include/setjmp.h) go through the host, and an update point may lie beyond them.
  const imports = [UPDATE_IMPORT, 'env.invoke_*', ...(threads ? THREAD_SWITCH_CALLS.map((n) => `env.${n}`) : [])].join(',');
  try {
    const first = run(b, wasm, true, optimize, imports);
    const viaPointer = first.instrumented.filter((f) => first.addressTaken.includes(f));
    if (!viaPointer.length) return { wasm: first.wasm, ignoreIndirect: true, instrumented: first.instrumented, tableFunctions: first.tableFunctions, threads };
    const second = run(b, wasm, false, optimize, imports);
    return {
      wasm: second.wasm,
      ignoreIndirect: false,
      instrumented: second.instrumented,
      tableFunctions: second.tableFunctions,
      threads,
      note: `update points${threads ? ' or thread switches' : ''} are reachable through function pointers (${viaPointer.join(', ')}), so indirect calls on the update path are instrumented too`,
    };
  } catch (e) {
    throw new KitsuneError('E_BUILD', `the Asyncify pass failed: ${(e as Error).message}`);
  }
}

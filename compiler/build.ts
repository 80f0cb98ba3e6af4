// Builds one version of a program: C sources -> one position-independent
// side module with a `kitsune` section and Asyncify on the update path.
import { runClang, putFile, getFile, loadClang, clangLoaded, type Tree } from './clang.js';
import { progressReporter, type BuildPhase, type Progress } from './progress.js';
import { asyncify } from './asyncify.js';
import { readDwarf, dwarfSectionsFromWasm, typeSignature, typeName, type DwarfInfo, type CType } from './dwarf.js';
import { KitsuneError } from '../format/errors.js';
import { throwIfAborted, untilAborted } from '../format/abort.js';
import { assetsBase, type AssetsOption } from '../format/assets.js';
import { FORMAT_VERSION, computeBuildId, readMeta, withMeta, type KitsuneMeta, type KitsuneVariable } from '../format/metadata.js';
import { checkCompatible } from '../format/compat.js';
import { functionNames, rewriteCustomSections } from '../format/wasm-sections.js';
import { partsOf, transformerName } from '../format/variable-keys.js';
import { runtimeHeader, posixHeaders } from './kitsune-header.js';
import { planMigration, XF_FILE, type MigrationPlan } from './xf-gen.js';
import { parseXf, type XfSpec } from './xf-parser.js';
import { promoteSymbols } from './promote-symbols.js';
import { resolveRelativeIncludes } from './relative-includes.js';

export interface SourceFile { path: string; text: string }

export interface BuildOptions {
  /** The C files, by the path the user knows them by (relative paths read better in diagnostics). */
  sources: SourceFile[];
  /** Headers the sources include, by path. */
  headers?: SourceFile[];
  includeDirs?: string[];
  defines?: string[];
  /** 0..3, 's' or 'z'. */
  optimize?: number | 's' | 'z';
  /** The version this one updates: its state must be able to move here. */
  from?: Uint8Array;
  /** A state transformation spec (.xf, Kitsune's syntax) for the update from `from`. */
  xf?: SourceFile;
  /** Program name; defaults to the one of `from`, else derived from the output name. */
  name?: string;
  /**
   * Keep the errors that clang 16+ made of legacy C (LEGACY_ERRORS) errors.
   * By default they are warnings, as with the compilers such code was written for.
   */
  strict?: boolean;
  /** Called as the build goes: its phase and how far it has come (0..1), for a progress bar. */
  progress?: Progress;
  /** Stops the build at the next step with a KitsuneError E_ABORTED (clang cannot be interrupted mid-compile). */
  signal?: AbortSignal;
  /**
   * Base URL (or, in Node, folder) of the package's run-time files: kitsune.h,
   * kitsune_xf.h, include/ and clang/ (a copy of @yowasp/clang's gen/ files),
   * as `npx kitsune assets DIR` lays them out. Default: the package's own
   * runtime/ folder, and clang imported as the @yowasp/clang dependency.
   */
  assets?: AssetsOption;
}

export interface BuildResult {
  wasm: Uint8Array; meta: KitsuneMeta; diagnostics: string; notes: string[]; millis: number;
  /** How state moves from `from` (absent without one). */
  plan?: MigrationPlan;
  /** The generated migration C, when the update needs one. */
  xfCode?: string;
}

export class BuildError extends KitsuneError {
  constructor(message: string, readonly diagnostics: string) {
    super('E_BUILD', diagnostics ? `${message}\n${diagnostics.trimEnd()}` : message);
    this.name = 'BuildError';
  }
}

// User files live under /kitsune-src in clang's tree, so its diagnostics print the
// user's own relative paths once that prefix is dropped.
const ROOT = '/kitsune-src';
const INCLUDE = '/kitsune/include';
const mount = (p: string) => (p.startsWith('/') ? p : `${ROOT}/${p}`);
const unmount = (text: string) => text.split(`${ROOT}/`).join('');

export const ENTRY_EXPORTS = ['__main_argc_argv', '__main_void', '_kitsune_prestart_xform', '_kitsune_mainupdate_xform', '__kitsune_xf_var', '__wasm_apply_data_relocs', '__wasm_call_ctors'];

/** wasi-libc hides these headers behind flags; Kitsune programs expect them. */
export const EMULATION_DEFINES = ['_WASI_EMULATED_SIGNAL', '_WASI_EMULATED_PROCESS_CLOCKS', '_WASI_EMULATED_GETPID', '_WASI_EMULATED_MMAN'];

/**
 * Diagnostics that gcc 4-13 and clang before 16 gave as warnings and clang 16+
 * (and gcc 14) give as errors: old C compiles with them, and Kitsune's own
 * tests need it. Without `strict` they stay warnings, printed with the rest.
 * (`return-mismatch` is clang 22's name for what older releases called
 * `return-type`.)
 */
export const LEGACY_ERRORS = ['incompatible-function-pointer-types', 'implicit-function-declaration', 'implicit-int', 'int-conversion', 'incompatible-pointer-types', 'return-mismatch', 'return-type'];

export async function build(options: BuildOptions): Promise<BuildResult> {
  const started = Date.now();
  const { signal } = options;
  const aborted = () => throwIfAborted(signal, 'the build');
  aborted();
  if (!options.sources.length) throw new KitsuneError('E_USAGE', 'expected at least one C source file, found none');
  const oldMeta = options.from ? readMeta(options.from, '--from') : undefined;

  const spec: XfSpec | undefined = options.xf ? parseXf(options.xf.text, options.xf.path) : undefined;
  if (spec && !oldMeta) throw new KitsuneError('E_USAGE', `${options.xf!.path}: a .xf spec describes an update, so it needs --from the version it updates`);

  // Weights: typical seconds of each phase (clang's first load dominates).
  const phases: [BuildPhase, number][] = [
    ...(clangLoaded() ? [] : [['loading-clang', 6] as [BuildPhase, number]]),
    ['compiling', 1.5], ...(oldMeta ? [['compiling-migration', 1] as [BuildPhase, number]] : []), ['asyncify', 0.5],
  ];
  const report = progressReporter(options.progress, phases);
  const base = assetsBase(options.assets);
  const clangBase = options.assets === undefined ? undefined : new URL('clang/', base);
  // The headers first: they are small, and a wrong `assets` shows at once.
  const [kitsuneH, xfH, posix] = await untilAborted(Promise.all([runtimeHeader(base, 'kitsune.h'), runtimeHeader(base, 'kitsune_xf.h'), posixHeaders(base)]), signal, 'the build');
  if (!clangLoaded()) {
    report('loading-clang', 0, 'loading clang (about 105 MB of WebAssembly, once per process)');
    let lastPercent = -1;
    await loadClang({
      clangBase, signal,
      onFetch: ({ totalLength, doneLength }) => {
        const percent = Math.floor((100 * doneLength) / Math.max(1, totalLength));
        if (percent === lastPercent) return;
        lastPercent = percent;
        report('loading-clang', doneLength / Math.max(1, totalLength), `loading clang: ${percent}% (${Math.round(doneLength / 1e6)} of ${Math.round(totalLength / 1e6)} MB)`, { done: doneLength, total: totalLength });
      },
    });
    aborted();
  }

  const tree: Tree = {};
  for (const f of resolveRelativeIncludes([...options.sources, ...(options.headers ?? [])], mount)) putFile(tree, mount(f.path), f.text);
  putFile(tree, `${INCLUDE}/kitsune.h`, kitsuneH);
  putFile(tree, `${INCLUDE}/kitsune_xf.h`, xfH);
  for (const [p, text] of Object.entries(posix)) putFile(tree, `${INCLUDE}/${p}`, text);
  const opt = options.optimize ?? 2;
  // Each file goes through clang's front end to LLVM IR (at -O, with no LLVM
  // passes yet), then promote-symbols.ts gives its variables and address-taken
  // functions identities the loader can bind; one more clang call optimizes,
  // generates code and links. See promote-symbols.ts for why.
  // -fno-zero-initialized-in-bss: with --shared-memory, wasm-ld moves .bss
  // after .data but the DWARF addresses of .bss variables keep the object
  // order (checked: a static's DWARF offset was 8 bytes off), and migration
  // finds variables by those addresses. Zeros in .data cost module bytes only.
  // -fkeep-persistent-storage-variables: otherwise the optimizer may fold a
  // static into a constant or shrink it to a flag (a static that only ever
  // holds 0 or 40 became one byte), and the next version would read garbage.
  const frontEnd = (src: string, out: string) => [
    `-O${opt}`, '-Xclang', '-disable-llvm-passes', '-S', '-emit-llvm', '-g', '-fPIC', '-mno-extended-const',
    '-fno-zero-initialized-in-bss', '-fkeep-persistent-storage-variables',
    `-I${INCLUDE}`, ...(options.includeDirs ?? []).map((d) => `-I${mount(d)}`),
    ...EMULATION_DEFINES.map((d) => `-D${d}`), ...(options.defines ?? []).map((d) => `-D${d}`),
    '-fdiagnostics-color=never',
    // __FILE__ (assert's messages) names the user's path, not the tree's mount point.
    `-ffile-prefix-map=${ROOT}/=`,
    ...(options.strict ? [] : LEGACY_ERRORS.map((w) => `-Wno-error=${w}`)),
    src, '-o', out,
  ];
  // --export-all: function pointers move to the new version's function of
  // the same name, which must therefore exist and be found by name.
  // -enable-emscripten-sjlj: setjmp/longjmp without Wasm exceptions, which Asyncify cannot unwind (include/setjmp.h).
  const link = (irs: string[]) => [
    `-O${opt}`, '-g', '-fPIC', '-shared', '-nostartfiles', '-mno-extended-const', '-fdiagnostics-color=never', '-mllvm', '-enable-emscripten-sjlj',
    '-Wl,--no-entry', '-Wl,--experimental-pic', '-Wl,--unresolved-symbols=import-dynamic',
    '-Wl,--shared-memory', '-Wl,--no-check-features', '-Wl,--export-all',
    ...ENTRY_EXPORTS.map((e) => `-Wl,--export-if-defined=${e}`),
    '-o', '/out/version.wasm', ...irs,
  ];
  const names = options.sources.map((s) => s.path).join(' ');
  let diagnostics = '';
  // Within a compiling phase: the clang runs done of those it needs (each file, then the link).
  let phase: BuildPhase = 'compiling', runs = 0, done = 0, doing = '';
  const step = (what: string) => { aborted(); doing = what; report(phase, 0, what); };
  const clang = async (args: string[]) => {
    const r = await runClang(args, tree, clangBase);
    aborted();
    report(phase, ++done / Math.max(1, runs), `${doing} (${done} of ${runs} clang runs)`);
    return r;
  };
  const threadLocal = new Set<string>();
  /** One file to promoted IR in the tree; its diagnostics are kept. */
  const toIr = async (path: string, i: number, what: string): Promise<string> => {
    const out = `/ir/${i}.ll`;
    const r = await clang(frontEnd(mount(path), out));
    diagnostics += unmount(r.diagnostics);
    const ll = getFile(r.files, out);
    if (!r.ok || !ll) throw new BuildError(`could not compile ${what}:`, diagnostics);
    const promoted = promoteSymbols(new TextDecoder().decode(ll), path);
    for (const k of promoted.threadLocal) threadLocal.add(k);
    putFile(tree, out, promoted.ll);
    return out;
  };
  const linkIr = async (irs: string[], what: string): Promise<Uint8Array> => {
    const r = await clang(link(irs));
    diagnostics += unmount(r.diagnostics);
    const wasm = getFile(r.files, '/out/version.wasm');
    if (!r.ok || !wasm) throw new BuildError(`could not link ${what}:`, diagnostics);
    return wasm;
  };
  runs = options.sources.length + 1;
  step(`compiling ${names}`);
  const irs: string[] = [];
  for (const [i, src] of options.sources.entries()) irs.push(await toIr(src.path, i, src.path));
  let linked = await linkIr(irs, names);
  const notes: string[] = [];

  let dwarf = readVersionDwarf(linked, names);
  let variables = variablesOf(dwarf, threadLocal);
  let plan: MigrationPlan | undefined;
  if (oldMeta) {
    // The new types are known only now: plan the migration, then build again with its code.
    plan = planMigration({ types: oldMeta.types as CType[], variables: oldMeta.variables }, { types: dwarf.types, variables }, spec);
    if (plan.problems.length) {
      throw new KitsuneError('E_XF_REFUSED', `this update cannot carry the running state over (${plan.problems.length} reason(s)); nothing was built:`, plan.problems);
    }
    if (plan.code) {
      phase = 'compiling-migration'; runs = 2; done = 0;
      step(`compiling the generated migration (${plan.entries.length} variable(s))`);
      putFile(tree, `${ROOT}/${XF_FILE}`, plan.code);
      const what = `the migration generated from ${options.xf?.path ?? 'the type changes'} (errors in ${XF_FILE} are the generator's; in ${options.xf?.path ?? 'the spec'}, the rules')`;
      const xfIr = await toIr(`${ROOT}/${XF_FILE}`, irs.length, what);
      linked = await linkIr([...irs, xfIr], what);
      dwarf = readVersionDwarf(linked, names);
      variables = variablesOf(dwarf, threadLocal).filter((v) => !v.key.startsWith(`${XF_FILE}/`) && v.file !== XF_FILE);
    }
  }
  const sourceText = options.sources.map((s) => s.text).join('\n');
  const updatePoints = [...new Set([...sourceText.matchAll(/kitsune_update\s*\(\s*"((?:[^"\\]|\\.)*)"\s*\)/g)].map((m) => m[1]))];
  if (!updatePoints.length) notes.push('no update point (kitsune_update("name")) found: this version can start but never be updated');

  // DWARF is read; ship the module without it (names stay for function pointers).
  const stripped = rewriteCustomSections(linked, (n) => n.startsWith('.debug_'));
  report('asyncify', 0, 'instrumenting the update path (Asyncify)');
  const numericOpt = typeof opt === 'number' ? opt : 2;
  const a = await asyncify(stripped, numericOpt, !!oldMeta?.asyncify.threads);
  if (a.note) notes.push(a.note);
  // A hand-written transformer takes its variable over (kitsune_do_automigrate, MIGRATE_*), whatever its type became.
  const defined = new Set(functionNames(a.wasm).values());
  for (const v of variables) {
    const { name, func, file } = partsOf(v.key);
    if (defined.has(transformerName(name, func, file))) v.transformer = true;
  }

  const program = options.name ?? oldMeta?.program ?? 'program';
  const meta: KitsuneMeta = {
    format: FORMAT_VERSION,
    program,
    buildId: await computeBuildId(a.wasm, oldMeta?.buildId ?? ''),
    fromBuildId: oldMeta?.buildId ?? null,
    sources: options.sources.map((s) => s.path.split('/').pop()!),
    updatePoints,
    variables,
    types: dwarf.types,
    tableFunctions: a.tableFunctions,
    asyncify: { ignoreIndirect: a.ignoreIndirect, ...(a.note ? { note: a.note } : {}), ...(a.threads ? { threads: true } : {}) },
    ...(plan?.code ? { xf: { entries: plan.entries, variables: plan.variables, types: plan.types } } : {}),
  };
  if (oldMeta) checkCompatible(oldMeta, meta, 'this build');
  aborted();
  report('done', 1, `built ${names} in ${Date.now() - started} ms`);
  return { wasm: withMeta(a.wasm, meta), meta, diagnostics, notes, millis: Date.now() - started, ...(plan ? { plan } : {}), ...(plan?.code ? { xfCode: plan.code } : {}) };
}

function readVersionDwarf(linked: Uint8Array, names: string): DwarfInfo {
  const sections = dwarfSectionsFromWasm(linked);
  if (!sections) throw new KitsuneError('E_BUILD', `${names}: clang produced no debug information (.debug_info), which kitsune needs for the types of globals; is the source empty, or without a main?`);
  return readDwarf(sections);
}

function variablesOf(dwarf: DwarfInfo, threadLocal: Set<string>): KitsuneVariable[] {
  return dwarf.variables.map((v) => ({
    key: v.key, name: v.name, kind: v.kind, file: v.file, line: v.line,
    ...(v.function ? { function: v.function } : {}),
    ...(v.offset !== undefined ? { offset: v.offset } : {}),
    size: v.size, type: v.type,
    typeName: typeName(dwarf, v.type),
    signature: typeSignature(dwarf, v.type),
    ...(v.annotations?.includes('kitsune:manual') ? { manual: true } : {}),
    ...(v.annotations?.length ? { annotations: v.annotations } : {}),
    ...(threadLocal.has(v.key) ? { threadLocal: true } : {}),
  }));
}

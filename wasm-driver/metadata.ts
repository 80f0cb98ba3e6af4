// The `kitsune` custom section: what a version says about itself. Written by
// the compiler, read by the driver before a version is allowed to run.
import { KitsuneError } from './errors.js';
import { customSection, isWasm, rewriteCustomSections } from './wasm-sections.js';

export const FORMAT_VERSION = 1;
export const SECTION_NAME = 'kitsune';

export type VariableKind = 'global' | 'static' | 'local-static' | 'local';

export interface KitsuneVariable {
  /** Kitsune's key: `var`, `file.c/var`, `file.c/func#var`, `func#var`. */
  key: string;
  name: string;
  kind: VariableKind;
  file: string;
  line: number;
  function?: string;
  /** Offset from the version's __memory_base (absent for locals). */
  offset?: number;
  size: number;
  /** Index into `types`. */
  type: number;
  /** C spelling of the type, for people. */
  typeName: string;
  /** Structural signature: equal signatures mean the bytes carry over as they are. */
  signature: string;
  /** Marked E_MANUAL_MIGRATE: kitsune_do_automigrate leaves it alone. */
  manual?: boolean;
  /** kitsune.h annotations on the declaration (E_PTRARRAY(n) arrives as "kitsune:ptrarray:n"). */
  annotations?: string[];
}

/** A variable that the version's generated migration code moves: entry `index` of `__kitsune_xf_var`. */
export interface XfEntry {
  /** The new variable's key. */
  key: string;
  /** The old variable it comes from: another key after a rename, null for INIT. */
  from: string | null;
  index: number;
}

export interface KitsuneMeta {
  format: number;
  program: string;
  buildId: string;
  fromBuildId: string | null;
  sources: string[];
  updatePoints: string[];
  variables: KitsuneVariable[];
  /** The type graph from DWARF (see compiler/dwarf.ts for its shape). */
  types: unknown[];
  /** Names of the functions this version puts in the table, in slot order. */
  tableFunctions: string[];
  asyncify: { ignoreIndirect: boolean; note?: string };
  /** Present when the version was built --from another with types that change. */
  xf?: {
    entries: XfEntry[];
    /** For people (kitsune inspect --diff): how each variable moves, and which types change how. */
    variables?: { key: string; from: string | null; action: string; oldType?: string; newType?: string }[];
    types?: { old: string; new: string; kind: 'same' | 'shallow' | 'deep'; why: string }[];
  };
}

export function encodeMeta(meta: KitsuneMeta): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(meta));
}

export function withMeta(wasm: Uint8Array, meta: KitsuneMeta): Uint8Array {
  return rewriteCustomSections(wasm, () => false, { [SECTION_NAME]: encodeMeta(meta) });
}

/** Reads and checks the section; `where` names the file in errors. */
export function readMeta(wasm: Uint8Array, where = 'module'): KitsuneMeta {
  if (!isWasm(wasm)) {
    throw new KitsuneError('E_NOT_WASM', `${where}: expected a WebAssembly module, found ${wasm.length} bytes that do not start with \\0asm`);
  }
  const raw = customSection(wasm, SECTION_NAME);
  if (!raw) {
    throw new KitsuneError('E_NOT_KITSUNE', `${where}: expected a kitsune-wasm version (a module with a "kitsune" custom section), found a WebAssembly module without one; build it with \`kitsune build\``);
  }
  let meta: KitsuneMeta;
  try {
    meta = JSON.parse(new TextDecoder().decode(raw));
  } catch (e) {
    throw new KitsuneError('E_FORMAT', `${where}: the "kitsune" section is not valid JSON (${(e as Error).message})`);
  }
  if (meta.format !== FORMAT_VERSION) {
    throw new KitsuneError('E_FORMAT', `${where}: expected kitsune section format ${FORMAT_VERSION}, found ${JSON.stringify(meta.format)}; rebuild it with this version of kitsune-wasm`);
  }
  for (const field of ['program', 'buildId', 'variables', 'updatePoints'] as const) {
    if (meta[field] === undefined) throw new KitsuneError('E_FORMAT', `${where}: the kitsune section has no "${field}"`);
  }
  return meta;
}

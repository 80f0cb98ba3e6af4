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
  /** The version defines a hand-written transformer for it (`_kitsune_transform_...`: GLOBAL_XFORM and friends, or Kitsune's xfgen output). */
  transformer?: boolean;
  /** kitsune.h annotations on the declaration (E_PTRARRAY(n) arrives as "kitsune:ptrarray:n"). */
  annotations?: string[];
  /** Declared `__thread` / `_Thread_local`: each thread has its own value (wasm-driver/worker/thread-locals.ts). */
  threadLocal?: true;
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
  /** threads: the calls that switch threads (format/threads.ts) are instrumented too. */
  asyncify: { ignoreIndirect: boolean; note?: string; threads?: boolean };
  /** A checksum of the rest of the section (see sealMeta): a corrupted section is refused, never half-believed. */
  integrity?: string;
  /** Present when the version was built --from another with types that change. */
  xf?: {
    entries: XfEntry[];
    /** For people (kitsune inspect --diff): how each variable moves, and which types change how. */
    variables?: { key: string; from: string | null; action: string; oldType?: string; newType?: string }[];
    types?: { old: string; new: string; kind: 'same' | 'shallow' | 'deep'; why: string }[];
  };
}

/** FNV-1a, 64 bits, over the section's JSON without its `integrity` field. */
function checksum(meta: KitsuneMeta): string {
  const { integrity: _, ...rest } = meta;
  const text = JSON.stringify(rest);
  let h = 0xcbf29ce484222325n;
  for (let i = 0; i < text.length; i++) h = ((h ^ BigInt(text.charCodeAt(i))) * 0x100000001b3n) & 0xffffffffffffffffn;
  return h.toString(16).padStart(16, '0');
}

export function encodeMeta(meta: KitsuneMeta): Uint8Array {
  return new TextEncoder().encode(JSON.stringify({ ...meta, integrity: checksum(meta) }));
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
  if (typeof meta !== 'object' || meta === null || Array.isArray(meta)) {
    throw new KitsuneError('E_FORMAT', `${where}: expected the "kitsune" section to hold a JSON object, found ${meta === null ? 'null' : Array.isArray(meta) ? 'an array' : typeof meta}`);
  }
  if (meta.format !== FORMAT_VERSION) {
    throw new KitsuneError('E_FORMAT', `${where}: expected kitsune section format ${FORMAT_VERSION}, found ${JSON.stringify(meta.format)}; rebuild it with this version of kitsune-wasm`);
  }
  for (const field of ['program', 'buildId', 'variables', 'updatePoints'] as const) {
    if (meta[field] === undefined) throw new KitsuneError('E_FORMAT', `${where}: the kitsune section has no "${field}"`);
  }
  if (meta.integrity !== undefined && meta.integrity !== checksum(meta)) {
    throw new KitsuneError('E_FORMAT', `${where}: the "kitsune" section does not match its checksum: it was changed or damaged after the build; rebuild it`);
  }
  const bad = (what: string) => { throw new KitsuneError('E_FORMAT', `${where}: the kitsune section's ${what}`); };
  if (typeof meta.program !== 'string' || typeof meta.buildId !== 'string') bad('"program" and "buildId" must be strings');
  if (!Array.isArray(meta.updatePoints) || meta.updatePoints.some((p) => typeof p !== 'string')) bad('"updatePoints" must be a list of names');
  if (!Array.isArray(meta.variables)) bad('"variables" must be a list');
  meta.variables.forEach((v, i) => {
    if (typeof v !== 'object' || v === null || typeof v.key !== 'string' || typeof v.size !== 'number' || v.size < 0
      || (v.offset !== undefined && (typeof v.offset !== 'number' || v.offset < 0)) || typeof v.signature !== 'string') {
      bad(`variable ${i} is malformed: expected {key, size, offset?, signature, ...}, found ${JSON.stringify(v)?.slice(0, 120)}`);
    }
  });
  if (!Array.isArray(meta.tableFunctions) || !Array.isArray(meta.types)) bad('"tableFunctions" and "types" must be lists');
  return meta;
}

/**
 * The build id is a hash of the module as built (without this section) and of
 * the build it came from: a module changed or damaged since, code or data,
 * is refused rather than run as if it were that version.
 */
export async function verifyBuildId(wasm: Uint8Array, meta: KitsuneMeta, where = 'module'): Promise<void> {
  const id = await computeBuildId(rewriteCustomSections(wasm, (n) => n === SECTION_NAME), meta.fromBuildId ?? '');
  if (id !== meta.buildId) {
    throw new KitsuneError('E_FORMAT', `${where}: the module does not match its build id ${meta.buildId} (its bytes hash to ${id}): it was changed or damaged after \`kitsune build\`; rebuild it`);
  }
}

/** A build id: SHA-256 of the module without its kitsune section and of the parent's build id, 12 bytes in hex. */
export async function computeBuildId(module: Uint8Array, from: string): Promise<string> {
  const fromBytes = new TextEncoder().encode(from);
  const data = new Uint8Array(module.length + fromBytes.length);
  data.set(module);
  data.set(fromBytes, module.length);
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', data));
  return Array.from(digest.subarray(0, 12), (b) => b.toString(16).padStart(2, '0')).join('');
}

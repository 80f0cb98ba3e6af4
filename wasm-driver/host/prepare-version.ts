// One path for a version's bytes, at start and at every update: read (a path
// in Node), check its kitsune section, its lineage hash and its shape, and
// compile it, all on the host thread while the program keeps running.
import { KitsuneError, messageOf } from '../../format/errors.js';
import { readMeta, verifyBuildId, type KitsuneMeta } from '../../format/metadata.js';
import { customSection, frameSaveBytes, parseDylink, type DylinkInfo } from '../../format/wasm-sections.js';
import type { UpdateStage } from '../common/protocol.js';
import { readFileWithin } from '../../format/read-file.js';

export interface PreparedVersion {
  module: WebAssembly.Module; meta: KitsuneMeta; dylink: DylinkInfo; bytes: Uint8Array;
  /** What Asyncify saves at most for one frame of each function (format/wasm-sections.ts frameSaveBytes). */
  frames: Uint32Array;
}

/** A version given by path (Node) or as the module's bytes. */
export type VersionSource = Uint8Array | string;

/** A failure while preparing, with the stage it happened in. */
export class PrepareError extends Error {
  constructor(readonly stage: UpdateStage, readonly cause: unknown) { super(messageOf(cause)); }
}

/**
 * `check` runs on the metadata before compiling (an update checks the lineage
 * there); `readTimeoutMs` bounds reading a path (an update's deadline);
 * `opened` may refuse the descriptor a path was opened as (the sandbox).
 */
export async function prepareVersion(source: VersionSource, name: string, check: (meta: KitsuneMeta) => void = () => {}, readTimeoutMs?: number, opened?: (fd: number) => void): Promise<PreparedVersion> {
  let stage: UpdateStage = 'read';
  try {
    const bytes = typeof source === 'string' ? await readFileWithin(source, undefined, readTimeoutMs, opened) : source;
    stage = 'validate';
    const meta = readMeta(bytes, name);
    const dylinkBytes = customSection(bytes, 'dylink.0');
    // Versions load as position-independent side modules: without dylink.0 there is nothing to place.
    if (!dylinkBytes) throw new KitsuneError('E_MODULE', `${name}: expected a position-independent side module (a dylink.0 section), found a module without one; build it with \`kitsune build\``);
    const dylink = parseDylink(dylinkBytes);
    await verifyBuildId(bytes, meta, name);
    check(meta);
    stage = 'compile';
    const module = await compileVersion(bytes, name);
    return { module, meta, dylink, bytes, frames: frameSaveBytes(bytes) };
  } catch (e) {
    throw new PrepareError(stage, e);
  }
}

async function compileVersion(bytes: Uint8Array, name: string): Promise<WebAssembly.Module> {
  try {
    return await WebAssembly.compile(bytes as Uint8Array<ArrayBuffer>);
  } catch (e) {
    throw new KitsuneError('E_COMPILE', `${name}: not a valid WebAssembly module (${messageOf(e)})`);
  }
}

// `kitsune build` from files on disk: reads the sources, the headers they may
// include, and the version they update.
import fs from 'node:fs';
import path from 'node:path';
import { build, type BuildResult, type SourceFile, type Progress } from '../compiler/index.js';
import { KitsuneError } from '../format/errors.js';
import { readFileOrFail, readTextOrFail } from '../format/read-file.js';

const outside = (p: string) => path.relative(process.cwd(), p).startsWith('..');

/** Every header in `dir` and below (two levels), for clang's in-memory tree. */
function headersIn(dir: string, depth = 2): string[] {
  if (!fs.existsSync(dir)) return [];
  const out: string[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isFile() && /\.(h|inc|def)$/.test(e.name)) out.push(p);
    else if (e.isDirectory() && depth > 0 && e.name !== 'node_modules' && !e.name.startsWith('.')) out.push(...headersIn(p, depth - 1));
  }
  return out;
}

/** The program's name: the output's name without a version suffix, else its folder's. */
export function programName(out: string): string {
  const base = path.basename(out).replace(/\.wasm$/, '').replace(/[._-]?v?\d+$/i, '');
  return base || path.basename(path.dirname(path.resolve(out)));
}

/** Progress as lines for a terminal: each phase once, clang's loading every 25%. */
export function progressLines(say: (line: string) => void): Progress {
  let phase = '', quarter = -1;
  return (p) => {
    if (p.phase === 'done') return;
    if (p.phase !== phase) { phase = p.phase; say(p.message); return; }
    if (!p.bytes) return;
    const q = Math.floor((4 * p.bytes.done) / Math.max(1, p.bytes.total));
    if (q > quarter) { quarter = q; if (q > 0) say(p.message); }
  };
}

/** `fromBytes` overrides --from with a version held in memory (kitsune dev). */
/**
 * The files that `#include "..."` names beside each source, and beside those
 * in turn: they may lie outside the folders read whole (a `../common.h`).
 */
function quotedIncludes(sources: string[]): string[] {
  const seen = new Set<string>(), out: string[] = [];
  const visit = (file: string) => {
    let text: string;
    try { text = fs.readFileSync(file, 'utf8'); } catch { return; }
    for (const m of text.matchAll(/^[ \t]*#[ \t]*include[ \t]*"([^"\n]+)"/gm)) {
      const p = path.resolve(path.dirname(file), m[1]!);
      if (seen.has(p) || !fs.existsSync(p) || !fs.statSync(p).isFile()) continue;
      seen.add(p);
      out.push(p);
      visit(p);
    }
  };
  sources.forEach((s) => visit(path.resolve(s)));
  return out;
}

export async function buildFromFiles(sources: string[], values: Record<string, string | string[] | boolean>, say: (line: string) => void, fromBytes?: Uint8Array): Promise<BuildResult> {
  if (!sources.length) throw new KitsuneError('E_USAGE', 'kitsune build: expected at least one SRC.c');
  for (const s of sources) if (!/\.c$/.test(s)) throw new KitsuneError('E_USAGE', `kitsune build: ${s}: expected a C source file (.c)`);
  if (values.xf && !values.from && !fromBytes) throw new KitsuneError('E_USAGE', `kitsune build: --xf ${values.xf}: a spec describes an update, so it needs --from PREV.wasm`);
  const includeDirs = (values.include as string[] | undefined) ?? [];
  const dirs = new Set([...sources.map((s) => path.dirname(s)), ...includeDirs]);
  const climbing = quotedIncludes(sources);
  // Paths relative to the working directory, as the user typed them; all of
  // them absolute when any file lies outside it, so that a relative
  // `#include "../x.h"` between them still names the file it means.
  const absolute = [...dirs, ...climbing].some(outside);
  const display = (p: string) => (absolute || outside(p) ? path.resolve(p) : path.relative(process.cwd(), p));
  const readSource = (p: string): SourceFile => ({ path: display(p), text: readTextOrFail(p) });
  const from = fromBytes ?? (values.from ? readFileOrFail(values.from as string) : undefined);
  const opt = (values.opt as string | undefined) ?? '2';
  if (!/^[0-3sz]$/.test(opt)) throw new KitsuneError('E_USAGE', `kitsune build: -O${opt}: expected -O0, -O1, -O2, -O3, -Os or -Oz`);
  return build({
    sources: sources.map(readSource),
    headers: [...new Set([...[...dirs].flatMap((d) => headersIn(d)).map((p) => path.resolve(p)), ...climbing])].map(readSource),
    includeDirs: includeDirs.map(display),
    defines: (values.define as string[] | undefined) ?? [],
    optimize: /\d/.test(opt) ? Number(opt) : (opt as 's' | 'z'),
    from,
    ...(values.xf ? { xf: readSource(values.xf as string) } : {}),
    strict: !!values.strict,
    name: (values.name as string | undefined) ?? (from ? undefined : programName(values.out as string ?? sources[0])),
    progress: progressLines(say),
  });
}

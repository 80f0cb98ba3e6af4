// Builds the persistent runtime (runtime/runtime.wasm): wasi-libc whole, the
// allocator and stdio, plus runtime/*.c (allocation tracking, migration, the
// POSIX calls wasi-libc lacks), every symbol exported so that any later
// version finds what it imports. Built once, at `npm run build`.
import { runClang, runTool, putFile, getFile, type Tree } from './clang.js';
import { KitsuneError } from '../format/errors.js';
import { sections, Reader, rewriteCustomSections } from '../format/wasm-sections.js';
import { EMULATION_DEFINES } from './build.js';

const LIBC = '/usr/lib/wasm32-wasip1/libc.a';
/**
 * libc's members that runtime C replaces: __tz.c is UTC-only in wasi-libc
 * (runtime/posix_tz.c reads TZ); realpath.c needs readlink for every
 * component (runtime/posix_files.c asks only about symbolic links).
 */
export const REPLACED_LIBC_MEMBERS = ['__tz.c.obj', 'realpath.c.obj'];

/** Pages (64 KiB) the shared memory may grow to; the host picks its own bound below. */
export const RUNTIME_MAX_MEMORY = 65536 * 65536;

/**
 * `sources`: runtime/'s C files and headers by name; `include`: the POSIX
 * overlay (runtime/include/) by relative path, which the runtime's C is
 * compiled against, so that it defines exactly what the overlay declares.
 */
export async function buildRuntime(sources: Record<string, string>, include: Record<string, string> = {}): Promise<Uint8Array> {
  const tree: Tree = {};
  for (const [name, text] of Object.entries(sources)) putFile(tree, `/runtime/${name}`, text);
  for (const [name, text] of Object.entries(include)) putFile(tree, `/runtime/include/${name}`, text);
  // libc's members, but those the runtime replaces: a whole archive cannot
  // leave one out, and a second definition of a symbol would not link.
  const ar = await runTool('ar', ['x', '--output=/libc', LIBC], { libc: {} });
  const members = Object.entries((ar.files.libc ?? {}) as Tree).filter(([n]) => n.endsWith('.obj') || n.endsWith('.o'));
  if (!ar.ok || !members.length) throw new KitsuneError('E_BUILD', `extracting ${LIBC} for the runtime failed:\n${ar.diagnostics}`);
  const missing = REPLACED_LIBC_MEMBERS.filter((m) => !members.some(([n]) => n === m));
  if (missing.length) throw new KitsuneError('E_BUILD', `${LIBC} has no member ${missing.join(', ')}, which the runtime expects to replace; the sysroot changed (see compiler/build-runtime.ts)`);
  const objects: string[] = [];
  for (const [name, bytes] of members) {
    if (REPLACED_LIBC_MEMBERS.includes(name)) continue;
    putFile(tree, `/libc/${name}`, bytes as Uint8Array);
    objects.push(`/libc/${name}`);
  }
  const args = [
    '-O2', '-mexec-model=reactor', '-o', '/runtime.wasm', '-I/runtime/include', ...EMULATION_DEFINES.map((d) => `-D${d}`),
    '-Wall', '-Werror=implicit-function-declaration', '-Wno-unused-function',
    ...Object.keys(sources).filter((n) => n.endsWith('.c')).map((n) => `/runtime/${n}`),
    ...objects,
    '-Wl,--import-memory', '-Wl,--export-memory', '-Wl,--import-table', '-Wl,--growable-table',
    '-Wl,--shared-memory', `-Wl,--max-memory=${RUNTIME_MAX_MEMORY}`, '-Wl,--no-check-features',
    '-Wl,-z,stack-size=262144',
    '-Wl,--whole-archive', '-lwasi-emulated-signal', '-lwasi-emulated-process-clocks', '-lwasi-emulated-getpid', '-lwasi-emulated-mman', '-Wl,--no-whole-archive', '-Wl,--export-all',
  ];
  const r = await runClang(args, tree);
  const wasm = getFile(r.files, '/runtime.wasm');
  if (!r.ok || !wasm) throw new KitsuneError('E_BUILD', `building the runtime failed:\n${r.diagnostics}`);
  const rodata = readOnlyDataBytes(wasm);
  return rodata === undefined ? wasm : rewriteCustomSections(wasm, () => false, { [RUNTIME_SECTION]: new TextEncoder().encode(JSON.stringify({ rodataBytes: rodata })) });
}

/**
 * What the driver should know of the runtime's memory layout: the size of
 * its .rodata, which starts at __global_base. libm's constant tables hold
 * numbers that look like heap addresses, and the scan for references into
 * an old version's data must not take them for pointers.
 */
export const RUNTIME_SECTION = 'kitsune.runtime';

/** The size of the first data segment when the name section calls it .rodata. */
function readOnlyDataBytes(wasm: Uint8Array): number | undefined {
  const all = sections(wasm);
  const names = all.find((s) => s.id === 0 && s.name === 'name');
  const data = all.find((s) => s.id === 11);
  if (!names || !data) return undefined;
  let first: string | undefined;
  const n = new Reader(wasm, names.contentStart, names.end);
  while (n.pos < names.end) {
    const id = n.u8(), size = n.uleb(), end = n.pos + size;
    if (id === 9) {
      for (let i = n.uleb(); i > 0; i--) { const idx = n.uleb(); const name = n.name(); if (idx === 0) first = name; }
    }
    n.pos = end;
  }
  if (first !== '.rodata') return undefined;
  const d = new Reader(wasm, data.contentStart, data.end);
  if (d.uleb() < 1) return undefined;
  const flags = d.uleb();
  if (flags === 0) { while (d.u8() !== 0x0b); } // an active segment's offset expression
  else if (flags === 2) { d.uleb(); while (d.u8() !== 0x0b); }
  return d.uleb();
}

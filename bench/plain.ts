// The baseline: the same C source as a plain WASI command module (clang -O2,
// no kitsune runtime, update points compiled away by a stub kitsune.h), run
// with node:wasi on this thread.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runClang, putFile, getFile, type Tree } from '../compiler/clang.js';

// node:wasi warns that it is experimental, once, in the middle of the tables.
const emitWarning = process.emitWarning;
process.emitWarning = ((w: string | Error, ...rest: unknown[]) => {
  if (!String(w).includes('WASI is an experimental')) (emitWarning as (...a: unknown[]) => void).call(process, w, ...rest);
}) as typeof process.emitWarning;

const stub = fs.readFileSync(new URL('../../bench/programs/plain/kitsune.h', import.meta.url), 'utf8');

export async function buildPlain(source: string, defines: string[] = []): Promise<Uint8Array> {
  const tree: Tree = {};
  putFile(tree, '/src.c', source);
  putFile(tree, '/plain/kitsune.h', stub);
  const r = await runClang(['-O2', '-DPLAIN', '-I/plain', ...defines.map((d) => `-D${d}`), '-o', '/out.wasm', '/src.c'], tree);
  const wasm = getFile(r.files, '/out.wasm');
  if (!r.ok || !wasm) throw new Error(`plain build failed:\n${r.diagnostics}`);
  return wasm;
}

/** Runs a plain module to its end; returns what it printed on stdout. */
export async function runPlain(module: WebAssembly.Module, args: string[]): Promise<string> {
  const file = path.join(os.tmpdir(), `kitsune-bench-${process.pid}.out`);
  const fd = fs.openSync(file, 'w+');
  try {
    const { WASI } = await import('node:wasi'); // after the warning filter above
    const wasi = new WASI({ version: 'preview1', args: ['plain.wasm', ...args], stdout: fd, returnOnExit: true });
    const instance = await WebAssembly.instantiate(module, wasi.getImportObject() as WebAssembly.Imports);
    const code = wasi.start(instance);
    if (code !== 0) throw new Error(`plain run exited with ${code}`);
    return fs.readFileSync(file, 'utf8');
  } finally {
    fs.closeSync(fd);
    fs.rmSync(file, { force: true });
  }
}

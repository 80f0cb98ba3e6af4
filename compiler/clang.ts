// Runs clang and wasm-ld from @yowasp/clang (clang compiled to Wasm, from npm)
// over an in-memory file tree. Loading it fetches about 105 MB of Wasm and
// takes seconds, so it is loaded once per process (or page), reporting the
// bytes fetched to whoever waits for it and printing nothing.
import { KitsuneError, messageOf } from '../format/errors.js';
import { untilAborted } from '../format/abort.js';

export type Tree = { [name: string]: Tree | string | Uint8Array };

type FetchProgress = (e: { totalLength: number; doneLength: number }) => void;
type ClangCommand = (args: string[] | null, files: Tree, options: object) => Promise<Tree> | Tree | undefined;
interface ClangModule { commands: Record<string, ClangCommand> }

let loaded: Promise<ClangModule> | undefined;
let ready = false;
const watchers = new Set<FetchProgress>();

/** Whether clang is loaded in this process: a build then skips the loading phase. */
export function clangLoaded(): boolean { return ready; }

/**
 * Loads clang once. `clangBase` is the URL of a folder holding @yowasp/clang's
 * gen/ files (bundle.js, llvm*.wasm, llvm-resources.tar); without it, the
 * package is imported as a dependency. `onFetch` gets the bytes fetched so far.
 */
export async function loadClang(options: { clangBase?: URL; onFetch?: FetchProgress; signal?: AbortSignal } = {}): Promise<ClangModule> {
  const { onFetch, signal } = options;
  if (onFetch && !ready) watchers.add(onFetch);
  try {
    loaded ??= load(options.clangBase);
    return await untilAborted(loaded, signal, 'the build');
  } finally {
    if (onFetch) watchers.delete(onFetch);
  }
}

async function load(clangBase: URL | undefined): Promise<ClangModule> {
  const from = clangBase ? new URL('bundle.js', clangBase).href : '@yowasp/clang';
  try {
    const clang = (clangBase
      ? await import(/* webpackIgnore: true */ /* @vite-ignore */ from)
      : await import('@yowasp/clang')) as unknown as ClangModule;
    // Fetch clang's files now, with our progress callback: called without
    // one, @yowasp/clang prints "fetched N%" lines on the console, and its
    // first internal `clang -###` run would pass none.
    const fetchProgress: FetchProgress = (e) => { for (const w of watchers) w(e); };
    await clang.commands.clang(null, {}, { fetchProgress });
    ready = true;
    return clang;
  } catch (e) {
    loaded = undefined;
    throw new KitsuneError('E_ASSET', `clang could not be loaded from ${from}: ${messageOf(e)}. ${clangBase
      ? `Its files (bundle.js, llvm.core.wasm, llvm.core2-4.wasm, llvm-resources.tar) must be served there, .wasm as application/wasm; \`npx kitsune assets DIR\` copies them to DIR/clang/`
      : 'In a bundled page, serve a copy of the assets (`npx kitsune assets DIR`) and pass its URL as the `assets` option'}`);
  }
}

export interface RunResult { files: Tree; diagnostics: string; ok: boolean }

/** Runs `clang ARGS` with `files` mapped at `/`. Never throws for a C error: `ok` says. */
export function runClang(args: string[], files: Tree, clangBase?: URL): Promise<RunResult> {
  return runTool('clang', args, files, clangBase);
}

/** Runs one of @yowasp/clang's tools (`clang`, `ar`, `nm`...) the same way. */
export async function runTool(tool: string, args: string[], files: Tree, clangBase?: URL): Promise<RunResult> {
  const clang = await loadClang({ clangBase });
  const chunks: string[] = [];
  const decoder = new TextDecoder();
  const sink = (b: Uint8Array | null) => { if (b) chunks.push(decoder.decode(b, { stream: true })); };
  try {
    const command = clang.commands[tool];
    if (!command) throw new KitsuneError('E_BUILD', `@yowasp/clang has no tool "${tool}"`);
    const out = (await command(args, files, { stdout: sink, stderr: sink })) as Tree;
    return { files: out, diagnostics: chunks.join(''), ok: true };
  } catch (e) {
    const err = e as { code?: number; files?: Tree };
    if (typeof err.code === 'number') return { files: err.files ?? {}, diagnostics: chunks.join(''), ok: false };
    throw new KitsuneError('E_BUILD', `${tool} itself failed: ${messageOf(e)}`);
  }
}

/** Places `content` at absolute `path` inside `tree`. */
export function putFile(tree: Tree, path: string, content: string | Uint8Array): void {
  const parts = path.split('/').filter(Boolean);
  let dir = tree;
  for (const p of parts.slice(0, -1)) dir = (dir[p] ??= {}) as Tree;
  dir[parts[parts.length - 1]] = content;
}

export function getFile(tree: Tree, path: string): Uint8Array | undefined {
  let node: Tree | string | Uint8Array | undefined = tree;
  for (const p of path.split('/').filter(Boolean)) node = (node as Tree | undefined)?.[p];
  return node instanceof Uint8Array ? node : typeof node === 'string' ? new TextEncoder().encode(node) : undefined;
}

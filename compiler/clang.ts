// Runs clang and wasm-ld from @yowasp/clang (clang compiled to Wasm, from npm)
// over an in-memory file tree. The first call loads about 100 MB of Wasm and
// takes seconds, so progress is reported and one process keeps it warm.
import { KitsuneError } from '../wasm-driver/errors.js';

export type Tree = { [name: string]: Tree | string | Uint8Array };
export type Progress = (message: string) => void;

interface ClangModule {
  commands: Record<string, (args: string[], files: Tree, options: object) => Promise<Tree> | Tree | undefined>;
}

let loaded: Promise<ClangModule> | undefined;
let warm = false;

export interface RunResult { files: Tree; diagnostics: string; ok: boolean }

/** Runs `clang ARGS` with `files` mapped at `/`. Never throws for a C error: `ok` says. */
export function runClang(args: string[], files: Tree, progress: Progress = () => {}): Promise<RunResult> {
  return runTool('clang', args, files, progress);
}

/** Runs one of @yowasp/clang's tools (`clang`, `ar`, `nm`...) the same way. */
export async function runTool(tool: string, args: string[], files: Tree, progress: Progress = () => {}): Promise<RunResult> {
  if (!warm) progress('loading clang (about 100 MB of WebAssembly, once per process)...');
  loaded ??= import('@yowasp/clang') as unknown as Promise<ClangModule>;
  const clang = await loaded;
  const chunks: string[] = [];
  const decoder = new TextDecoder();
  const sink = (b: Uint8Array | null) => { if (b) chunks.push(decoder.decode(b, { stream: true })); };
  let lastPercent = -1;
  const options = {
    stdout: sink,
    stderr: sink,
    fetchProgress: ({ totalLength, doneLength }: { totalLength: number; doneLength: number }) => {
      const percent = Math.floor((100 * doneLength) / Math.max(1, totalLength));
      if (percent >= lastPercent + 25) { lastPercent = percent; progress(`loading clang: ${percent}%`); }
    },
  };
  try {
    const command = clang.commands[tool];
    if (!command) throw new KitsuneError('E_BUILD', `@yowasp/clang has no tool "${tool}"`);
    const out = (await command(args, files, options)) as Tree;
    warm = true;
    return { files: out, diagnostics: chunks.join(''), ok: true };
  } catch (e) {
    warm = true;
    const err = e as { code?: number; files?: Tree };
    if (typeof err.code === 'number') return { files: err.files ?? {}, diagnostics: chunks.join(''), ok: false };
    throw new KitsuneError('E_BUILD', `${tool} itself failed: ${(e as Error).message}`);
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

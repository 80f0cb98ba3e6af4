// Shared by the tests: build C with the real toolchain (one warm clang per
// process) and run it under the real driver, capturing its output.
import { build } from 'kitsune-wasm/compiler';
import { KitsuneProcess, type KitsuneEvent, type StartOptions } from 'kitsune-wasm';

export async function buildC(source: string, opts: { from?: Uint8Array; name?: string; file?: string; optimize?: number; defines?: string[]; xf?: string } = {}): Promise<Uint8Array> {
  const r = await build({
    sources: [{ path: opts.file ?? 'prog.c', text: source }], from: opts.from, name: opts.name ?? 'prog', optimize: opts.optimize ?? 1, defines: opts.defines,
    ...(opts.xf !== undefined ? { xf: { path: 'spec.xf', text: opts.xf } } : {}),
  });
  return r.wasm;
}

export interface Running {
  proc: KitsuneProcess;
  out(): string;
  events: KitsuneEvent[];
  /** Resolves when stdout matches `re`, with the match. */
  waitFor(re: RegExp, ms?: number): Promise<RegExpMatchArray>;
}

export async function start(wasm: Uint8Array, args: string[] = [], options: StartOptions = {}): Promise<Running> {
  let text = '';
  const waiters: (() => void)[] = [];
  const events: KitsuneEvent[] = [];
  const dec = new TextDecoder();
  const proc = await KitsuneProcess.start(wasm, {
    args, argv0: 'prog.wasm', ...options,
    stdout: (b) => { text += dec.decode(b); waiters.forEach((w) => w()); },
    stderr: (b) => { text += dec.decode(b); waiters.forEach((w) => w()); },
    onEvent: (e) => events.push(e),
  });
  const waitFor = (re: RegExp, ms = 15000) => new Promise<RegExpMatchArray>((resolve, reject) => {
    const check = () => {
      const m = text.match(re);
      if (m) { waiters.splice(waiters.indexOf(check), 1); clearTimeout(timer); resolve(m); }
    };
    const timer = setTimeout(() => reject(new Error(`timed out waiting for ${re}; output so far:\n${text}`)), ms);
    waiters.push(check);
    check();
  });
  return { proc, out: () => text, events, waitFor };
}

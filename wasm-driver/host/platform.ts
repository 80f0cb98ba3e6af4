// What differs between Node and browsers on the host thread: starting the
// program's worker, finding the runtime. Node-only calls say so plainly in a
// browser.
import { isNode } from '../../format/platform.js';
import { messageOf } from '../../format/errors.js';
import { assetsBase, loadAsset, type AssetsOption } from '../../format/assets.js';
import type { Port } from '../common/protocol.js';

export interface WorkerHandle extends Port {
  terminate(): Promise<void>;
  /** `message` says which worker failed and why, for people. */
  onError(handler: (message: string) => void): void;
  /** Lets the host process exit while the worker is idle. */
  unref(): void;
}

interface NodeWorkerLike {
  postMessage(m: unknown, t?: readonly unknown[]): void;
  on(event: string, h: (x: any) => void): void;
  terminate(): Promise<number>;
  unref(): void;
}

/**
 * The program's worker: the URL of the package's worker entry
 * (`kitsune-wasm/worker`, built or served), or a function that starts it (a
 * Web Worker, or a Node worker thread). Default: the package's worker.js,
 * which is right when the package is used unbundled.
 */
export type WorkerOption = string | URL | (() => Worker | NodeWorkerLike);

export async function spawnWorker(option?: WorkerOption): Promise<WorkerHandle> {
  const url = typeof option === 'function' ? undefined : option === undefined ? new URL('../worker.js', import.meta.url) : option;
  const what = url === undefined ? 'the program\'s worker (made by the `worker` option\'s function)' : `the program's worker ${String(url)}`;
  // A failure before the worker's first message is a failure to load it.
  let heard = false;
  const failed = (reason: string) => (heard ? `${what} failed: ${reason}` : `${what} could not be loaded: ${reason}`);
  let w: Worker | NodeWorkerLike;
  if (typeof option === 'function') w = option();
  else if (isNode) w = new (await import('node:worker_threads')).Worker(url instanceof URL || !/^[a-z]{2,}:/i.test(String(url)) ? url! : new URL(String(url)));
  else w = new Worker(url!, { type: 'module' });
  if ('on' in w && typeof w.on === 'function') {
    const nw = w as NodeWorkerLike;
    return {
      postMessage: (m, t) => nw.postMessage(m, t as never),
      onMessage: (h) => nw.on('message', (m) => { heard = true; h(m); }),
      onError: (h) => nw.on('error', (e) => h(failed(messageOf(e)))),
      terminate: async () => { await nw.terminate(); },
      unref: () => nw.unref(),
    };
  }
  const ww = w as Worker;
  return {
    postMessage: (m, t) => ww.postMessage(m, t ?? []),
    onMessage: (h) => ww.addEventListener('message', (e) => { heard = true; h(e.data); }),
    onError: (h) => ww.addEventListener('error', (e) => {
      e.preventDefault();
      // A script that failed to load gives an event without a message: find out why.
      if (e.message || heard || url === undefined) h(failed(e.message || 'an error without a message (see the browser console)'));
      else void diagnoseScript(new URL(String(url), globalThis.location?.href)).then((why) => h(failed(why)));
    }),
    terminate: async () => ww.terminate(),
    unref: () => {},
  };
}

async function diagnoseScript(url: URL): Promise<string> {
  try {
    const r = await fetch(url);
    if (!r.ok) return `fetching it gave HTTP ${r.status}${r.statusText ? ` ${r.statusText}` : ''}; build the \`kitsune-wasm/worker\` entry and serve it there, or pass its URL as the \`worker\` option`;
    const type = r.headers.get('content-type') ?? '';
    if (!/javascript|ecmascript/i.test(type)) return `it is served as "${type || 'no content type'}", and a module worker needs a JavaScript MIME type (text/javascript)`;
    return 'the script loaded but failed to start (a syntax error, or an import it could not resolve: see the browser console)';
  } catch (e) {
    return `fetching it failed (${messageOf(e)})`;
  }
}

const runtimes = new Map<string, Promise<Uint8Array>>();

/** runtime.wasm from the assets (format/assets.ts): the package's runtime/ folder by default. */
export function loadRuntime(assets?: AssetsOption): Promise<Uint8Array> {
  const base = assetsBase(assets);
  let p = runtimes.get(base.href);
  if (!p) {
    p = loadAsset(base, 'runtime.wasm');
    p.catch(() => runtimes.delete(base.href));
    runtimes.set(base.href, p);
  }
  return p;
}

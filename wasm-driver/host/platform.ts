// What differs between Node and browsers on the host thread: starting the
// program's worker, reading files, finding the runtime. Node-only calls say
// so plainly in a browser.
import { isNode } from '../../format/platform.js';
import type { Port } from '../common/protocol.js';

export interface WorkerHandle extends Port {
  terminate(): Promise<void>;
  onError(handler: (e: Error) => void): void;
  /** Lets the host process exit while the worker is idle. */
  unref(): void;
}

const workerUrl = () => new URL('../worker.js', import.meta.url);

export async function spawnWorker(): Promise<WorkerHandle> {
  if (isNode) {
    const { Worker } = await import('node:worker_threads');
    const w = new Worker(workerUrl());
    return {
      postMessage: (m, t) => w.postMessage(m, t as never),
      onMessage: (h) => w.on('message', h),
      onError: (h) => w.on('error', h),
      terminate: async () => { await w.terminate(); },
      unref: () => w.unref(),
    };
  }
  const w = new Worker(workerUrl(), { type: 'module' });
  return {
    postMessage: (m, t) => w.postMessage(m, t ?? []),
    onMessage: (h) => w.addEventListener('message', (e) => h(e.data)),
    onError: (h) => w.addEventListener('error', (e) => h(new Error(e.message))),
    terminate: async () => w.terminate(),
    unref: () => {},
  };
}

let runtimeBytes: Promise<Uint8Array> | undefined;

/** runtime/runtime.wasm, shipped in the package and built by `npm run build`. */
export function loadRuntime(): Promise<Uint8Array> {
  const url = new URL('../../../runtime/runtime.wasm', import.meta.url);
  runtimeBytes ??= isNode
    ? import('node:fs/promises').then(async (fs) => new Uint8Array(await fs.readFile(url)))
    : fetch(url).then(async (r) => {
        if (!r.ok) throw new Error(`fetching ${url}: HTTP ${r.status}`);
        return new Uint8Array(await r.arrayBuffer());
      });
  return runtimeBytes;
}

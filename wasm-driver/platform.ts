// What differs between Node and browsers: starting the worker, talking to
// it, and reading files. Node-only calls say so plainly in a browser.
import { nodeOnly } from './errors.js';

export const isNode = typeof process !== 'undefined' && !!process.versions?.node;

export interface Port {
  postMessage(message: unknown, transfer?: Transferable[]): void;
  onMessage(handler: (message: any) => void): void;
}

export interface WorkerHandle extends Port {
  terminate(): Promise<void>;
  onError(handler: (e: Error) => void): void;
  /** Lets the host process exit while the worker is idle. */
  unref(): void;
}

const workerUrl = () => new URL('./worker.js', import.meta.url);

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

/** Inside the worker: the channel to the host. */
export async function workerPort(): Promise<Port> {
  if (isNode) {
    const { parentPort } = await import('node:worker_threads');
    if (!parentPort) throw new Error('worker.js must run as a worker');
    return { postMessage: (m, t) => parentPort.postMessage(m, t as never), onMessage: (h) => parentPort.on('message', h) };
  }
  const scope = globalThis as unknown as { postMessage(m: unknown, t?: Transferable[]): void; addEventListener(n: string, h: (e: MessageEvent) => void): void };
  return { postMessage: (m, t) => scope.postMessage(m, t ?? []), onMessage: (h) => scope.addEventListener('message', (e) => h(e.data)) };
}

export async function readFile(path: string): Promise<Uint8Array> {
  if (!isNode) nodeOnly(`reading ${path}`);
  const fs = await import('node:fs/promises');
  return new Uint8Array(await fs.readFile(path));
}

let runtimeBytes: Promise<Uint8Array> | undefined;

/** runtime/runtime.wasm, shipped in the package and built by `npm run build`. */
export function loadRuntime(): Promise<Uint8Array> {
  const url = new URL('../../runtime/runtime.wasm', import.meta.url);
  runtimeBytes ??= isNode
    ? import('node:fs/promises').then(async (fs) => new Uint8Array(await fs.readFile(url)))
    : fetch(url).then(async (r) => {
        if (!r.ok) throw new Error(`fetching ${url}: HTTP ${r.status}`);
        return new Uint8Array(await r.arrayBuffer());
      });
  return runtimeBytes;
}

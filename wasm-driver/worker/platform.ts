// The worker's channel to the host thread: a Node worker thread's parentPort
// or a Web Worker's global scope.
import { isNode } from '../../format/platform.js';
import { KitsuneError } from '../../format/errors.js';
import type { Port } from '../common/protocol.js';

export async function workerPort(): Promise<Port> {
  if (isNode) {
    const { parentPort } = await import('node:worker_threads');
    if (!parentPort) notInWorker();
    return { postMessage: (m, t) => parentPort.postMessage(m, t as never), onMessage: (h) => parentPort.on('message', h) };
  }
  if (typeof (globalThis as { WorkerGlobalScope?: unknown }).WorkerGlobalScope === 'undefined') notInWorker();
  const scope = globalThis as unknown as { postMessage(m: unknown, t?: Transferable[]): void; addEventListener(n: string, h: (e: MessageEvent) => void): void };
  return { postMessage: (m, t) => scope.postMessage(m, t ?? []), onMessage: (h) => scope.addEventListener('message', (e) => h(e.data)) };
}

function notInWorker(): never {
  throw new KitsuneError('E_USAGE', 'kitsune-wasm/worker is the program\'s worker: start it as a worker (give its URL, or a function that starts it, as the `worker` option of KitsuneProcess.start) rather than importing it');
}

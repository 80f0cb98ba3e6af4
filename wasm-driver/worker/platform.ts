// The worker's channel to the host thread: a Node worker thread's parentPort
// or a Web Worker's global scope.
import { isNode } from '../../format/platform.js';
import type { Port } from '../common/protocol.js';

export async function workerPort(): Promise<Port> {
  if (isNode) {
    const { parentPort } = await import('node:worker_threads');
    if (!parentPort) throw new Error('worker.js must run as a worker');
    return { postMessage: (m, t) => parentPort.postMessage(m, t as never), onMessage: (h) => parentPort.on('message', h) };
  }
  const scope = globalThis as unknown as { postMessage(m: unknown, t?: Transferable[]): void; addEventListener(n: string, h: (e: MessageEvent) => void): void };
  return { postMessage: (m, t) => scope.postMessage(m, t ?? []), onMessage: (h) => scope.addEventListener('message', (e) => h(e.data)) };
}

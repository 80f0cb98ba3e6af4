// What differs between Node and browsers: starting the worker, talking to
// it, and reading files. Node-only calls say so plainly in a browser.
import { KitsuneError, messageOf, nodeOnly } from './errors.js';

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

/**
 * Reads a regular file of at most `maxBytes`. Anything else (a FIFO, a
 * device, a directory) is refused before its first byte: it is stat'ed
 * before it is opened, opened with O_NONBLOCK (a FIFO swapped in cannot
 * block the open) and checked again on the open descriptor. With
 * `timeoutMs`, gives up after that long. Errors are E_READ, for people.
 */
export async function readRegularFile(path: string, maxBytes: number, timeoutMs?: number): Promise<Uint8Array> {
  if (!isNode) nodeOnly(`reading ${path}`);
  const work = readRegular(path, maxBytes);
  if (timeoutMs === undefined) return work;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new KitsuneError('E_READ', `${path}: reading it did not finish within the update's deadline of ${timeoutMs} ms`)), Math.max(0, timeoutMs));
  });
  work.catch(() => {});
  try { return await Promise.race([work, late]); } finally { clearTimeout(timer); }
}

async function readRegular(path: string, maxBytes: number): Promise<Uint8Array> {
  const fs = await import('node:fs/promises');
  const { constants: C } = await import('node:fs');
  const kind = (st: import('node:fs').Stats) => st.isDirectory() ? 'a directory' : st.isFIFO() ? 'a FIFO' : st.isSocket() ? 'a socket'
    : st.isCharacterDevice() || st.isBlockDevice() ? 'a device' : 'not a regular file';
  const refuse = (st: import('node:fs').Stats) => new KitsuneError('E_READ', `${path}: expected a regular file, found ${kind(st)}`);
  const tooBig = () => new KitsuneError('E_READ', `${path}: larger than the ${maxBytes >= 1 << 20 ? `${maxBytes / (1 << 20)} MiB` : `${maxBytes} bytes`} a version may have`);
  let before: import('node:fs').Stats;
  try { before = await fs.stat(path); } catch (e) { throw readError(path, e); }
  if (!before.isFile()) throw refuse(before);
  if (before.size > maxBytes) throw tooBig();
  let fh: import('node:fs/promises').FileHandle;
  try { fh = await fs.open(path, C.O_RDONLY | C.O_NONBLOCK | (C.O_NOCTTY ?? 0)); } catch (e) { throw readError(path, e); }
  try {
    const st = await fh.stat();
    if (!st.isFile()) throw refuse(st);
    if (st.ino !== before.ino || st.dev !== before.dev) throw new KitsuneError('E_READ', `${path}: the file was replaced while it was opened; try again`);
    // One byte more than the limit tells a file that grew past it.
    const buf = new Uint8Array(Math.min(st.size, maxBytes) + 1);
    let n = 0;
    for (;;) {
      const { bytesRead } = await fh.read(buf, n, buf.length - n, n);
      if (!bytesRead) break;
      n += bytesRead;
      if (n > maxBytes) throw tooBig();
      if (n === buf.length) break;
    }
    if (n > st.size) throw new KitsuneError('E_READ', `${path}: the file grew while it was read; try again`);
    return buf.subarray(0, n);
  } catch (e) {
    throw e instanceof KitsuneError ? e : readError(path, e);
  } finally {
    await fh.close().catch(() => {});
  }
}

function readError(path: string, e: unknown): KitsuneError {
  const code = (e as { code?: string }).code;
  return new KitsuneError('E_READ', code === 'ENOENT' ? `${path}: no such file` : code === 'EACCES' ? `${path}: permission denied` : `${path}: cannot read it (${messageOf(e)})`);
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

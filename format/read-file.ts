// Reading a file the user named (a source, a spec, a version), in Node: the
// one place that turns the file system's refusals into errors for people.
// Only regular files are read, and only up to a size: a FIFO or a device
// named by mistake (or on purpose) must not hang or swamp the reader. The
// path is stat'ed before it is opened, so a device is never even opened;
// the open is O_NONBLOCK, so a FIFO swapped in meanwhile cannot block it;
// and the open descriptor must be the file that was stat'ed.
import type { Stats } from 'node:fs';
import { KitsuneError, nodeOnly } from './errors.js';
import { nodeBuiltin } from './platform.js';

const DEFAULT_MAX = 256 * 1024 * 1024;

const size = (n: number) => (n % (1 << 20) === 0 ? `${n / (1 << 20)} MiB` : `${n} bytes`);

function kind(st: Stats): string {
  return st.isDirectory() ? 'a directory' : st.isFIFO() ? 'a FIFO' : st.isCharacterDevice() ? 'a character device'
    : st.isBlockDevice() ? 'a block device' : st.isSocket() ? 'a socket' : 'something else';
}

/** Throws unless `st` is a regular file of at most `maxBytes` (and, given `before`, the same file as it). */
function check(path: string, st: Stats, maxBytes: number, before?: Stats): void {
  if (st.isDirectory()) throw new KitsuneError('E_READ', `${path}: expected a file, found a directory`);
  if (!st.isFile()) throw new KitsuneError('E_READ', `${path}: expected a regular file, found ${kind(st)}`);
  // The size itself is not shown: the path may be one the reader should not learn about.
  if (st.size > maxBytes) throw new KitsuneError('E_READ', `${path}: expected at most ${size(maxBytes)}, found a larger file`);
  if (before && (st.ino !== before.ino || st.dev !== before.dev)) throw new KitsuneError('E_READ', `${path}: the file was replaced while it was opened; try again`);
}

function readError(path: string, e: unknown): KitsuneError {
  if (e instanceof KitsuneError) return e;
  const code = (e as { code?: string }).code;
  return new KitsuneError('E_READ', code === 'ENOENT' ? `${path}: no such file` : code === 'EACCES' ? `${path}: permission denied` : `${path}: cannot read it (${(e as Error).message})`);
}

function node(path: string): typeof import('node:fs') {
  const fs = nodeBuiltin<typeof import('node:fs')>('node:fs');
  if (!fs) nodeOnly(`reading ${path}`);
  return fs;
}

const openFlags = (fs: typeof import('node:fs')) => fs.constants.O_RDONLY | fs.constants.O_NONBLOCK | (fs.constants.O_NOCTTY ?? 0);

export function readFileOrFail(path: string, maxBytes = DEFAULT_MAX): Uint8Array {
  const fs = node(path);
  let fd: number | undefined;
  try {
    const before = fs.statSync(path);
    check(path, before, maxBytes);
    fd = fs.openSync(path, openFlags(fs));
    const st = fs.fstatSync(fd);
    check(path, st, maxBytes, before);
    const out = new Uint8Array(st.size);
    let off = 0;
    while (off < out.length) {
      const n = fs.readSync(fd, out, off, out.length - off, off);
      if (n === 0) break;
      off += n;
    }
    return off === out.length ? out : out.subarray(0, off);
  } catch (e) {
    throw readError(path, e);
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

export function readTextOrFail(path: string, maxBytes = DEFAULT_MAX): string {
  return new TextDecoder().decode(readFileOrFail(path, maxBytes));
}

/**
 * readFileOrFail without blocking the thread, and with a deadline: after
 * `timeoutMs` it gives up with an error (the read, if stuck in the file
 * system, finishes unseen and its descriptor is closed then). `opened` may
 * refuse the open descriptor (a sandbox checking where it really is).
 */
export async function readFileWithin(path: string, maxBytes = DEFAULT_MAX, timeoutMs?: number, opened?: (fd: number) => void): Promise<Uint8Array> {
  const work = readAsync(path, maxBytes, opened);
  if (timeoutMs === undefined) return work;
  work.catch(() => {});
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new KitsuneError('E_READ', `${path}: reading it did not finish within the deadline of ${timeoutMs} ms`)), Math.max(0, timeoutMs));
  });
  try { return await Promise.race([work, late]); } finally { clearTimeout(timer); }
}

/** `opened`, given, sees the descriptor before anything is read from it, and may refuse it by throwing. */
async function readAsync(path: string, maxBytes: number, opened?: (fd: number) => void): Promise<Uint8Array> {
  const fs = node(path).promises;
  let fh: import('node:fs/promises').FileHandle | undefined;
  try {
    const before = await fs.stat(path);
    check(path, before, maxBytes);
    fh = await fs.open(path, openFlags(node(path)));
    opened?.(fh.fd);
    const st = await fh.stat();
    check(path, st, maxBytes, before);
    // One byte more than the size tells a file that grew while it was read.
    const buf = new Uint8Array(st.size + 1);
    let n = 0;
    for (;;) {
      const { bytesRead } = await fh.read(buf, n, buf.length - n, n);
      if (!bytesRead) break;
      n += bytesRead;
      if (n === buf.length) throw new KitsuneError('E_READ', `${path}: the file grew while it was read; try again`);
    }
    return buf.subarray(0, n);
  } catch (e) {
    throw readError(path, e);
  } finally {
    await fh?.close().catch(() => {});
  }
}

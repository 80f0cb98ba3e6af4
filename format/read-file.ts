// Reading a file the user named (a source, a spec, a version), in Node: the
// one place that turns the file system's refusals into errors for people.
// Only regular files are read, and only up to a size: a FIFO or a device
// named by mistake (or on purpose) must not hang or swamp the reader.
import { KitsuneError, nodeOnly } from './errors.js';
import { nodeBuiltin } from './platform.js';

const DEFAULT_MAX = 256 * 1024 * 1024;

export function readFileOrFail(path: string, maxBytes = DEFAULT_MAX): Uint8Array {
  const fs = nodeBuiltin<typeof import('node:fs')>('node:fs');
  if (!fs) nodeOnly(`reading ${path}`);
  let fd: number | undefined;
  try {
    // O_NONBLOCK: opening a FIFO with no writer would otherwise wait forever.
    fd = fs.openSync(path, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
    const st = fs.fstatSync(fd);
    if (st.isDirectory()) throw new KitsuneError('E_READ', `${path}: expected a file, found a directory`);
    if (!st.isFile()) throw new KitsuneError('E_READ', `${path}: expected a regular file, found ${st.isFIFO() ? 'a FIFO' : st.isCharacterDevice() ? 'a character device' : st.isBlockDevice() ? 'a block device' : st.isSocket() ? 'a socket' : 'something else'}`);
    if (st.size > maxBytes) throw new KitsuneError('E_READ', `${path}: expected at most ${maxBytes} bytes, found ${st.size}`);
    const out = new Uint8Array(st.size);
    let off = 0;
    while (off < out.length) {
      const n = fs.readSync(fd, out, off, out.length - off, off);
      if (n === 0) break;
      off += n;
    }
    return off === out.length ? out : out.subarray(0, off);
  } catch (e) {
    if (e instanceof KitsuneError) throw e;
    const code = (e as { code?: string }).code;
    throw new KitsuneError('E_READ', code === 'ENOENT' ? `${path}: no such file` : code === 'EACCES' ? `${path}: permission denied` : `${path}: cannot read it (${(e as Error).message})`);
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

export function readTextOrFail(path: string, maxBytes = DEFAULT_MAX): string {
  return new TextDecoder().decode(readFileOrFail(path, maxBytes));
}

// The WASI preview1 structs the runtime's libc passes to the host, read and
// written in one place instead of by offsets inline (layouts from
// wasi_snapshot_preview1's witx, wasm32).

export const FILETYPE = { UNKNOWN: 0, BLOCK_DEVICE: 1, CHARACTER_DEVICE: 2, DIRECTORY: 3, REGULAR_FILE: 4, SOCKET_DGRAM: 5, SOCKET_STREAM: 6, SYMBOLIC_LINK: 7 } as const;
export const FDFLAGS = { APPEND: 1, DSYNC: 2, NONBLOCK: 4, RSYNC: 8, SYNC: 16 } as const;
export const OFLAGS = { CREAT: 1, DIRECTORY: 2, EXCL: 4, TRUNC: 8 } as const;
export const RIGHTS = { FD_READ: 1n << 1n, FD_WRITE: 1n << 6n } as const;
export const EVENTTYPE = { CLOCK: 0, FD_READ: 1, FD_WRITE: 2 } as const;
export const EVENTRWFLAGS_HANGUP = 1;
export const LOOKUPFLAGS_SYMLINK_FOLLOW = 1;
export const SUBCLOCKFLAGS_ABSTIME = 1;

/** One buffer of an iovec array (ciovec and iovec share the layout). */
export interface Iovec { ptr: number; len: number }

export function readIovecs(dv: DataView, iovs: number, n: number): Iovec[] {
  return Array.from({ length: n }, (_, i) => ({ ptr: dv.getUint32(iovs + 8 * i, true), len: dv.getUint32(iovs + 8 * i + 4, true) }));
}

/** Copies `data` into the buffers in turn; returns how many bytes it placed (all of `data`, if they hold it). */
export function scatter(u8: Uint8Array, iovs: Iovec[], data: Uint8Array): number {
  let off = 0;
  for (const x of iovs) {
    if (off >= data.length) break;
    const part = data.subarray(off, off + x.len);
    u8.set(part, x.ptr);
    off += part.length;
  }
  return off;
}

/** fdstat: 24 bytes. */
export interface Fdstat { filetype: number; flags: number; rightsBase: bigint; rightsInheriting: bigint }

export function writeFdstat(dv: DataView, ptr: number, s: Fdstat): void {
  dv.setUint8(ptr, s.filetype);
  dv.setUint16(ptr + 2, s.flags, true);
  dv.setBigUint64(ptr + 8, s.rightsBase, true);
  dv.setBigUint64(ptr + 16, s.rightsInheriting, true);
}

/** filestat: 64 bytes. */
export interface Filestat { dev: bigint; ino: bigint; filetype: number; nlink: bigint; size: bigint; atim: bigint; mtim: bigint; ctim: bigint }

export const EMPTY_FILESTAT: Filestat = { dev: 0n, ino: 0n, filetype: FILETYPE.UNKNOWN, nlink: 0n, size: 0n, atim: 0n, mtim: 0n, ctim: 0n };

export function writeFilestat(dv: DataView, ptr: number, s: Filestat): void {
  new Uint8Array(dv.buffer, ptr, 64).fill(0);
  dv.setBigUint64(ptr, s.dev, true);
  dv.setBigUint64(ptr + 8, s.ino, true);
  dv.setUint8(ptr + 16, s.filetype);
  dv.setBigUint64(ptr + 24, s.nlink, true);
  dv.setBigUint64(ptr + 32, s.size, true);
  dv.setBigUint64(ptr + 40, s.atim, true);
  dv.setBigUint64(ptr + 48, s.mtim, true);
  dv.setBigUint64(ptr + 56, s.ctim, true);
}

/** One dirent (24 bytes) followed by its name. */
export function encodeDirent(next: bigint, ino: bigint, name: Uint8Array, filetype: number): Uint8Array {
  const ent = new Uint8Array(24 + name.length);
  const dv = new DataView(ent.buffer);
  dv.setBigUint64(0, next, true);
  dv.setBigUint64(8, ino, true);
  dv.setUint32(16, name.length, true);
  dv.setUint8(20, filetype);
  ent.set(name, 24);
  return ent;
}

/** A poll_oneoff subscription: 48 bytes. `fd` holds the clock id for clock subscriptions. */
export interface Subscription { userdata: bigint; tag: number; fd: number; timeout: bigint; flags: number }

export function readSubscriptions(dv: DataView, ptr: number, n: number): Subscription[] {
  return Array.from({ length: n }, (_, i) => {
    const p = ptr + 48 * i;
    return { userdata: dv.getBigUint64(p, true), tag: dv.getUint8(p + 8), fd: dv.getUint32(p + 16, true), timeout: dv.getBigUint64(p + 24, true), flags: dv.getUint16(p + 40, true) };
  });
}

/** A poll_oneoff event: 32 bytes. */
export interface PollEvent { userdata: bigint; error: number; type: number; nbytes: bigint; hangup: boolean }

export function writeEvent(dv: DataView, ptr: number, e: PollEvent): void {
  new Uint8Array(dv.buffer, ptr, 32).fill(0);
  dv.setBigUint64(ptr, e.userdata, true);
  dv.setUint16(ptr + 8, e.error, true);
  dv.setUint8(ptr + 10, e.type);
  if (e.type === EVENTTYPE.CLOCK) return;
  dv.setBigUint64(ptr + 16, e.nbytes, true);
  if (e.hangup) dv.setUint16(ptr + 24, EVENTRWFLAGS_HANGUP, true);
}

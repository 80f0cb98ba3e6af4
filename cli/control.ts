// The control endpoint of `kitsune run`: a Unix socket that `kitsune update`
// talks to, one JSON line each way (the protocol is in the README, "The
// control channel"). Whoever can connect can replace the program's code, so
// the socket is the owner's alone: it sits at mode 0600 in a directory of
// the owner's at mode 0700, and kitsune never reuses or deletes a path that
// someone else owns. Node exposes no peer credentials (SO_PEERCRED,
// getpeereid), so the check is the file system's: connect(2) needs write
// permission on the socket and search permission on its directory.
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import fs from 'node:fs';
import type { UpdateResult } from '../wasm-driver/index.js';
import { KitsuneError, messageOf, type ErrorCode } from '../format/errors.js';

/** Bytes of one request line: beyond it, an error and the connection is closed, nothing more is kept. */
export const MAX_REQUEST_BYTES = 64 * 1024;
/** A connection that sends no full line in this time is closed. */
const REQUEST_IDLE_MS = 10_000;
const MAX_REPLY_BYTES = 1024 * 1024;
const MAX_CONNECTIONS = 16;
const LINGER_MS = 1000;
/** setTimeout's limit: a longer timeout would fire at once. */
export const MAX_TIMEOUT_MS = 2 ** 31 - 1;

const uid = (): number | undefined => process.getuid?.();

const kindOf = (st: fs.Stats): string =>
  st.isFile() ? 'a regular file' : st.isDirectory() ? 'a directory' : st.isSymbolicLink() ? 'a symbolic link'
    : st.isFIFO() ? 'a FIFO' : st.isSocket() ? 'a socket' : st.isCharacterDevice() || st.isBlockDevice() ? 'a device' : 'a special file';

const mode = (st: fs.Stats) => `0${(st.mode & 0o7777).toString(8)}`;

/** Why `st` is not a private directory of ours, or null when it is. */
function notPrivate(dir: string, st: fs.Stats): string | null {
  if (st.isSymbolicLink()) return `${dir} is a symbolic link; kitsune does not follow links for its control sockets`;
  if (!st.isDirectory()) return `${dir} is ${kindOf(st)}, not a directory`;
  const me = uid();
  if (me !== undefined && st.uid !== me) return `${dir} belongs to uid ${st.uid}, not to you (uid ${me}): someone else made it, and could see or replace what is put there`;
  if (st.mode & 0o077) return `${dir} has mode ${mode(st)}; a control directory must be the owner's alone (chmod 700 ${dir})`;
  return null;
}

/** Where control sockets go, most preferred first: $XDG_RUNTIME_DIR/kitsune when it is usable, then $TMPDIR/kitsune-UID. */
function controlDirs(): string[] {
  const dirs: string[] = [];
  const xdg = process.env.XDG_RUNTIME_DIR;
  if (xdg && path.isAbsolute(xdg)) {
    try {
      const st = fs.lstatSync(xdg);
      // The runtime directory itself must be ours and closed to others (the XDG spec says 0700).
      if (st.isDirectory() && (uid() === undefined || st.uid === uid()) && !(st.mode & 0o022)) dirs.push(path.join(xdg, 'kitsune'));
    } catch { /* unset in practice */ }
  }
  dirs.push(path.join(os.tmpdir(), `kitsune-${uid() ?? 'user'}`));
  return dirs;
}

/** The private control directory: created at 0700 if absent; refused if someone else owns it or others may enter it. */
export function ensureControlDir(): string {
  if (process.platform === 'win32') throw new KitsuneError('E_CONTROL', 'the control socket needs a Unix system (Linux, macOS, BSD); on Windows, run the program through the JS API');
  const dir = controlDirs()[0];
  const parent = fs.statSync(path.dirname(dir));
  // In a world-writable parent without the sticky bit, anyone could rename our directory away and put theirs in its place.
  if (parent.mode & 0o002 && !(parent.mode & 0o1000)) {
    throw new KitsuneError('E_CONTROL', `${path.dirname(dir)} is writable by everyone and has no sticky bit: a control directory there could be replaced by another user; set TMPDIR to a safer directory`);
  }
  try { fs.mkdirSync(dir, { mode: 0o700 }); } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw new KitsuneError('E_CONTROL', `cannot create the control directory ${dir}: ${messageOf(e)}`);
  }
  const why = notPrivate(dir, fs.lstatSync(dir));
  if (why) throw new KitsuneError('E_CONTROL', `${why}; kitsune will not use it for control sockets. Remove it (it is recreated safely), or choose a path with --control`);
  return dir;
}

/** The default control path of the runner with `pid`, in the first control directory. */
export function defaultControlPath(pid = process.pid): string {
  return path.join(controlDirs()[0], `kitsune-${pid}.sock`);
}

/** TARGET of `kitsune update`: a pid (looked up in each control directory) or a control path. */
export function resolveTarget(target: string): string {
  if (!/^\d+$/.test(target)) return target;
  const candidates = controlDirs().map((d) => path.join(d, `kitsune-${target}.sock`));
  return candidates.find((p) => fs.existsSync(p)) ?? candidates[0];
}

export interface UpdateRequest { next: string; snapshot?: boolean; timeoutMs?: number }

/** A reply that is not an update's result: the request itself was refused. */
export interface ErrorReply { error: ErrorCode; message: string }

const FIELDS = ['next', 'snapshot', 'timeoutMs'];

/** One request line, checked field by field; throws E_REQUEST saying what was expected and found. */
export function parseRequest(line: string): UpdateRequest {
  let req: unknown;
  try { req = JSON.parse(line); } catch (e) {
    throw new KitsuneError('E_REQUEST', `the request is not JSON (${messageOf(e)}); expected one line such as {"next":"/path/to/v2.wasm"}`);
  }
  if (typeof req !== 'object' || req === null || Array.isArray(req)) {
    throw new KitsuneError('E_REQUEST', `expected a JSON object such as {"next":"/path/to/v2.wasm"}, found ${req === null ? 'null' : Array.isArray(req) ? 'an array' : typeof req}`);
  }
  const r = req as Record<string, unknown>;
  const unknown = Object.keys(r).filter((k) => !FIELDS.includes(k));
  if (unknown.length) throw new KitsuneError('E_REQUEST', `unknown field${unknown.length > 1 ? 's' : ''} ${unknown.map((k) => JSON.stringify(k)).join(', ')}; a request has ${FIELDS.join(', ')}`);
  const found = (v: unknown) => (v === null ? 'null' : typeof v === 'string' ? JSON.stringify(v.slice(0, 80)) : Array.isArray(v) ? 'an array' : typeof v === 'object' ? 'an object' : `${typeof v} ${String(v)}`);
  if (typeof r.next !== 'string' || !path.isAbsolute(r.next) || r.next.includes('\0')) {
    throw new KitsuneError('E_REQUEST', `"next": expected the absolute path of the next version, found ${r.next === undefined ? 'nothing' : found(r.next)}`);
  }
  if (r.snapshot !== undefined && typeof r.snapshot !== 'boolean') throw new KitsuneError('E_REQUEST', `"snapshot": expected true or false, found ${found(r.snapshot)}`);
  if (r.timeoutMs !== undefined && !(typeof r.timeoutMs === 'number' && Number.isInteger(r.timeoutMs) && r.timeoutMs > 0 && r.timeoutMs <= MAX_TIMEOUT_MS)) {
    throw new KitsuneError('E_REQUEST', `"timeoutMs": expected a whole number of milliseconds from 1 to ${MAX_TIMEOUT_MS}, found ${found(r.timeoutMs)}`);
  }
  return { next: r.next, snapshot: r.snapshot as boolean | undefined, timeoutMs: r.timeoutMs as number | undefined };
}

/** Whether a live server answers at `p` (false when the socket is stale: nobody listens). */
function isLive(p: string, where: string): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const s = net.connect(p);
    const timer = setTimeout(() => { s.destroy(); resolve(true); }, 2000);
    s.once('connect', () => { clearTimeout(timer); s.destroy(); resolve(true); });
    s.once('error', (e: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      if (e.code === 'ECONNREFUSED' || e.code === 'ENOENT') resolve(false);
      else reject(new KitsuneError('E_CONTROL', `${where}: cannot tell whether a runner listens there (${e.message})`));
    });
  });
}

/** Makes `p` free for our socket: nothing there, or a stale socket of ours (removed). Anything else is an error. */
async function claim(p: string, where: string): Promise<void> {
  const dir = path.dirname(p);
  let parent: fs.Stats;
  try { parent = fs.statSync(dir); } catch (e) {
    throw new KitsuneError('E_CONTROL', `${where}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? `its directory ${dir} does not exist` : messageOf(e)}`);
  }
  if (!parent.isDirectory()) throw new KitsuneError('E_CONTROL', `${where}: ${dir} is not a directory`);
  if (parent.mode & 0o022 && !(parent.mode & 0o1000)) {
    throw new KitsuneError('E_CONTROL', `${where}: its directory ${dir} is writable by others (mode ${mode(parent)}) without the sticky bit, so another user could replace the socket; choose a path in a directory of your own`);
  }
  let st: fs.Stats;
  try { st = fs.lstatSync(p); } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw new KitsuneError('E_CONTROL', `${where}: ${messageOf(e)}`);
  }
  if (!st.isSocket()) throw new KitsuneError('E_CONTROL', `${where}: the path is taken by ${kindOf(st)}; kitsune removes only a stale socket of its own, never anything else: choose another path with --control`);
  const me = uid();
  if (me !== undefined && st.uid !== me) throw new KitsuneError('E_CONTROL', `${where}: the socket there belongs to uid ${st.uid}, not to you (uid ${me}); kitsune neither takes over nor removes another user's socket: choose another path with --control`);
  if (await isLive(p, where)) throw new KitsuneError('E_CONTROL', `${where}: another runner (or some other server) is listening there; stop it or choose another path with --control`);
  fs.unlinkSync(p);
}

export type UpdateHandler = (req: UpdateRequest) => Promise<UpdateResult | ErrorReply>;

/** A listening control socket. close() (also run at process exit) removes it, if it is still ours. */
export class ControlServer {
  private closed = false;
  private readonly onExit = () => this.close();

  private constructor(readonly path: string, private readonly server: net.Server, private readonly ino: number) {
    process.on('exit', this.onExit);
  }

  /** Listens at `p` (or the default path in the private directory) for `kitsune update`. */
  static async listen(p: string | undefined, handle: UpdateHandler): Promise<ControlServer> {
    const where = p === undefined ? `the control socket ${defaultControlPath()}` : `--control ${p}`;
    if (p === undefined) { ensureControlDir(); p = defaultControlPath(); }
    p = path.resolve(p);
    await claim(p, where);
    const server = net.createServer({ allowHalfOpen: true }, (sock) => serveConnection(sock, handle));
    server.maxConnections = MAX_CONNECTIONS;
    // The socket is created by bind() inside listen(): with this umask it is 0600 from its first instant.
    const umask = process.umask(0o177);
    try {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(p, () => { server.off('error', reject); resolve(); });
      });
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      throw new KitsuneError('E_CONTROL', code === 'EADDRINUSE'
        ? `${where}: the path was taken while the runner started; choose another path`
        : `${where}: cannot listen there (${messageOf(e)})`);
    } finally {
      process.umask(umask);
    }
    server.on('error', () => {});
    server.unref();
    const st = fs.lstatSync(p);
    const me = uid();
    if (!st.isSocket() || (me !== undefined && st.uid !== me) || st.mode & 0o077) {
      server.close();
      throw new KitsuneError('E_CONTROL', `${where}: expected our socket at mode 0600 after listening, found ${kindOf(st)} of uid ${st.uid} at mode ${mode(st)}`);
    }
    return new ControlServer(p, server, st.ino);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    process.off('exit', this.onExit);
    this.server.close();
    // Only the socket this runner made: if the path now holds something else, it is not ours to delete.
    try { if (fs.lstatSync(this.path).ino === this.ino) fs.unlinkSync(this.path); } catch { /* gone */ }
  }
}

function serveConnection(sock: net.Socket, handle: UpdateHandler): void {
  const chunks: Buffer[] = [];
  let size = 0, answered = false;
  const reply = (r: UpdateResult | ErrorReply) => {
    answered = true;
    sock.setTimeout(0);
    if (sock.destroyed) return;
    // Half-close with the reply, then read and drop whatever the peer still sends for a moment, so that it
    // can read the reply before the connection goes (a reset would lose it).
    sock.end(JSON.stringify(r) + '\n');
    const linger = setTimeout(() => sock.destroy(), LINGER_MS);
    linger.unref();
    sock.once('close', () => clearTimeout(linger));
  };
  const refuse = (e: unknown) => reply({ error: e instanceof KitsuneError ? e.code : 'E_REQUEST', message: messageOf(e) });
  sock.setTimeout(REQUEST_IDLE_MS, () => { if (!answered) refuse(new KitsuneError('E_REQUEST', `no request line within ${REQUEST_IDLE_MS / 1000} s`)); });
  sock.on('data', (d: Buffer) => {
    if (answered || size < 0) return;
    const nl = d.indexOf(10);
    const take = nl < 0 ? d.length : nl;
    if (size + take > MAX_REQUEST_BYTES) {
      // Nothing more is kept: the bytes already held are dropped and the rest is read and discarded until the close.
      chunks.length = 0;
      refuse(new KitsuneError('E_REQUEST', `the request line is longer than ${MAX_REQUEST_BYTES} bytes; one line of JSON, ending in a newline, is expected`));
      return;
    }
    size += take;
    chunks.push(d.subarray(0, take));
    if (nl < 0) return;
    size = -1;
    let req: UpdateRequest;
    try { req = parseRequest(Buffer.concat(chunks).toString('utf8')); } catch (e) { refuse(e); return; }
    chunks.length = 0;
    sock.setTimeout(0);
    handle(req).then(reply, refuse);
  });
  sock.on('end', () => { if (!answered && size >= 0) refuse(new KitsuneError('E_REQUEST', 'the connection ended before a full request line; one line of JSON, ending in a newline, is expected')); });
  sock.on('error', () => {});
}

/** `kitsune update`'s side: sends one request to the runner at `controlPath` and waits for its reply. */
export function requestUpdate(controlPath: string, req: UpdateRequest): Promise<UpdateResult> {
  const none = () => new KitsuneError('E_NO_PROCESS', `no kitsune runner listens at ${controlPath}; start one with \`kitsune run --control ${controlPath} APP.wasm\` or give its pid`);
  let st: fs.Stats;
  try { st = fs.lstatSync(controlPath); } catch (e) {
    return Promise.reject((e as NodeJS.ErrnoException).code === 'EACCES'
      ? new KitsuneError('E_NO_PROCESS', `${controlPath}: permission denied (it is in another user's private directory)`) : none());
  }
  if (!st.isSocket()) return Promise.reject(new KitsuneError('E_NO_PROCESS', `${controlPath} is ${kindOf(st)}, not a runner's control socket`));
  const me = uid();
  // A socket someone else made could be an impostor collecting requests: talk only to our own runners.
  if (me !== undefined && st.uid !== me) return Promise.reject(new KitsuneError('E_NO_PROCESS', `${controlPath} belongs to uid ${st.uid}, not to you (uid ${me}); kitsune update talks only to your own runners`));
  return new Promise((resolve, reject) => {
    const sock = net.connect(controlPath);
    const chunks: Buffer[] = [];
    let size = 0;
    sock.on('connect', () => sock.write(JSON.stringify(req) + '\n'));
    sock.on('data', (d: Buffer) => {
      size += d.length;
      if (size > MAX_REPLY_BYTES) { sock.destroy(); reject(new KitsuneError('E_NO_PROCESS', `${controlPath}: the reply is longer than ${MAX_REPLY_BYTES} bytes; that is not a kitsune runner`)); return; }
      chunks.push(d);
    });
    sock.on('end', () => {
      let r: (UpdateResult & Partial<ErrorReply>) | undefined;
      try { r = JSON.parse(Buffer.concat(chunks).toString('utf8')); } catch { /* below */ }
      if (!r || typeof r !== 'object') { reject(new KitsuneError('E_NO_PROCESS', `${controlPath}: the runner closed the connection without an answer`)); return; }
      if (r.error) { reject(new KitsuneError('E_REQUEST', `${controlPath}: the runner refused the request: ${r.message}`)); return; }
      resolve(r);
    });
    sock.on('error', (e: NodeJS.ErrnoException) => {
      reject(e.code === 'ENOENT' || e.code === 'ECONNREFUSED' ? none()
        : new KitsuneError('E_NO_PROCESS', e.code === 'EACCES' ? `${controlPath}: permission denied (the socket is not yours to use)` : `${controlPath}: ${e.message}`));
    });
  });
}

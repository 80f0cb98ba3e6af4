// `npm run real -- PATH [--only NAME,...] [--keep DIR]`: three open-source C
// programs that nobody here wrote, each taken at two commits of its own
// history, ported with only update points and Kitsune calls (the edits
// below, a few lines each, printed as a diff), built with `kitsune build`
// (the second --from the first), run under `kitsune run`, driven by clients
// or a terminal, live-updated from the old commit to the new one under that
// load, and checked: the update committed and the clients or the screen
// came through. PATH is a folder with a git clone of each (smallchat/,
// darkhttpd/, kilo/), or one clone. Nothing is fetched and nothing of the
// programs is kept (the work goes to a temporary folder unless --keep).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const cli = fileURLToPath(new URL('../cli/kitsune.js', import.meta.url));
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** One edit of the port: `find` (exactly once in `file`) becomes `replace`. */
interface Edit { file: string; find: string; replace: string }

interface Program {
  name: string;
  /** What kind of program it is, for the table. */
  kind: string;
  /** The clone's folder name, and files whose presence identifies a clone given directly. */
  dir: string; marker: string;
  /** The two commits: the update goes from `from` to `to`. */
  from: string; to: string;
  sources: string[];
  port: Edit[];
  /** Runs v1, drives it, updates to v2, checks; returns what it saw. */
  drive(w: Work): Promise<string>;
}

interface Work { dir: string; v1: string; v2: string; log: (s: string) => void }

// ---- the programs -------------------------------------------------------------

const smallchat: Program = {
  name: 'smallchat', kind: 'chat server (select)', dir: 'smallchat', marker: 'smallchat-server.c',
  // "Fix maxclient updating (issue #39)": freeClient's loop.
  from: '1962b33^', to: '1962b33',
  sources: ['smallchat-server.c', 'chatlib.c'],
  port: [
    { file: 'smallchat-server.c', find: '#include "chatlib.h"\n', replace: '#include "chatlib.h"\n#include <kitsune.h>\n' },
    { file: 'smallchat-server.c', find: '    initChat();\n', replace: '    kitsune_do_automigrate();\n    if (!kitsune_is_updating()) initChat();\n' },
    { file: 'smallchat-server.c', find: '    while(1) {\n        fd_set readfds;', replace: '    while(1) { kitsune_update("loop");\n        fd_set readfds;' },
  ],
  async drive(w) {
    const port = 7711; // the program's own SERVER_PORT
    const runner = startRunner(w, ['--net', w.v1]);
    try {
      await runner.waitFor(/./, 1, 15000).catch(() => undefined);
      const a = await client(port), b = await client(port), c = await client(port);
      for (const x of [a, b, c]) await x.waitFor(/Welcome to Simple Chat/);
      a.send('/nick alice\n'); b.send('/nick bob\n');
      await pause(200);
      a.send('before the update\n');
      await b.waitFor(/alice> before the update/);
      // Load: carol talks every 5 ms through the update; alice must get every line, in order.
      let sent = 0, talking = true;
      const talk = (async () => { while (talking) { c.send(`line ${++sent}\n`); await pause(5); } })();
      await pause(300);
      const r = await update(w, runner);
      await pause(300);
      talking = false;
      await talk;
      // smallchat relays each read() as one message: lines that arrive together (as during the
      // update's pause, or any slow moment on Linux) share one "user:N> " prefix, so count lines alone.
      await a.waitFor(new RegExp(`line ${sent}\\n`));
      const lines = [...a.text().matchAll(/line (\d+)\n/g)].map((m) => Number(m[1]));
      const lost = sent - new Set(lines).size;
      if (lost || lines.some((n, i) => n !== i + 1)) throw new Error(`alice got ${lines.length} of ${sent} lines (${lost} lost or out of order)`);
      // The nicks live in the heap: after the update they are still there, and the connections are the same.
      b.send('after the update\n');
      await a.waitFor(/bob> after the update/);
      a.send('/nick al\n'); await pause(100); a.send('renamed\n');
      await b.waitFor(/al> renamed/);
      for (const x of [a, b, c]) x.end();
      return `${r}; 3 clients kept their connections and nicks, ${sent} lines relayed through the update, none lost`;
    } finally { await runner.stop(); }
  },
};

const darkhttpd: Program = {
  name: 'darkhttpd', kind: 'HTTP server (keep-alive, select)', dir: 'darkhttpd', marker: 'darkhttpd.c',
  // "Add/update a few more common MIME types to the built-in list".
  from: 'd1e9e2d^', to: 'd1e9e2d',
  sources: ['darkhttpd.c'],
  port: [
    { file: 'darkhttpd.c', find: 'int main(int argc, char **argv) {\n', replace: '#include <kitsune.h>\nint main(int argc, char **argv) {\n    kitsune_do_automigrate();\n    if (!kitsune_is_updating()) {\n' },
    { file: 'darkhttpd.c', find: '    if (want_daemon) daemonize_finish();\n', replace: '    if (want_daemon) daemonize_finish();\n    }\n' },
    { file: 'darkhttpd.c', find: '    while (running) httpd_poll();', replace: '    while (running) { kitsune_update("poll"); httpd_poll(); }' },
  ],
  async drive(w) {
    const www = path.join(w.dir, 'www');
    fs.mkdirSync(www, { recursive: true });
    fs.writeFileSync(path.join(www, 'index.html'), '<h1>kept alive</h1>\n');
    const port = 18000 + Math.floor(Math.random() * 2000);
    const runner = startRunner(w, [`--net=127.0.0.1:${port}`, `--dir=${www}`, w.v1, www, '--port', String(port), '--addr', '127.0.0.1']);
    try {
      // Its "listening on" line sits in stdio's buffer (stdout is a pipe, as on Linux): wait for the port instead.
      await listening(port, 20000);
      // Keep-alive connections, each asking again and again through the update.
      const conns = await Promise.all([1, 2, 3, 4].map(() => client(port)));
      let asked = 0, answered = 0, going = true;
      const ask = async (c: Client) => {
        while (going) {
          const before = c.count(/HTTP\/1\.1 200 OK/g);
          c.send('GET /index.html HTTP/1.1\r\nHost: x\r\nConnection: keep-alive\r\n\r\n');
          asked++;
          await c.waitFor(/<h1>kept alive<\/h1>\n/, before + 1);
          answered++;
        }
      };
      const loops = conns.map(ask);
      await pause(500);
      const r = await update(w, runner);
      await pause(500);
      going = false;
      await Promise.all(loops);
      if (answered !== asked) throw new Error(`${asked - answered} of ${asked} requests unanswered`);
      for (const c of conns) c.end();
      return `${r}; 4 keep-alive connections kept, ${answered} requests answered through the update, none lost`;
    } finally { await runner.stop(); }
  },
};

const kilo: Program = {
  name: 'kilo', kind: 'full-screen terminal editor', dir: 'kilo', marker: 'kilo.c',
  // "Fix integer overflow in row allocation. #60", with the follow-up that includes <stdint.h>.
  from: '7709a04^', to: '262d556',
  sources: ['kilo.c'],
  port: [
    { file: 'kilo.c', find: '#include <fcntl.h>\n', replace: '#include <fcntl.h>\n#include <kitsune.h>\n' },
    { file: 'kilo.c', find: '    initEditor();\n', replace: '    kitsune_do_automigrate();\n    if (!kitsune_is_updating()) {\n    initEditor();\n' },
    { file: 'kilo.c', find: '        "HELP: Ctrl-S = save | Ctrl-Q = quit | Ctrl-F = find");\n', replace: '        "HELP: Ctrl-S = save | Ctrl-Q = quit | Ctrl-F = find");\n    }\n' },
    { file: 'kilo.c', find: '    while ((nread = read(fd,&c,1)) == 0);', replace: '    while ((nread = read(fd,&c,1)) == 0) kitsune_update("key");' },
  ],
  async drive(w) {
    if (spawnSync('tmux', ['-V']).status !== 0) throw new Error('kilo needs tmux (apt-get install tmux)');
    const file = path.join(w.dir, 'notes.txt');
    fs.writeFileSync(file, 'first line of the file\n');
    const control = path.join(w.dir, 'kilo.sock');
    const session = `kilo-${process.pid}`;
    const tmux = (...args: string[]) => spawnSync('tmux', args, { encoding: 'utf8' });
    const screen = () => tmux('capture-pane', '-p', '-t', session).stdout;
    const until = async (what: string, ok: (s: string) => boolean) => {
      for (let i = 0; i < 300; i++) { if (ok(screen())) return; await pause(100); }
      throw new Error(`kilo: expected ${what} on the screen; it shows:\n${screen()}`);
    };
    tmux('new-session', '-d', '-s', session, '-x', '90', '-y', '24', `${process.execPath} ${cli} run --control ${control} --dir ${w.dir} ${w.v1} ${file}; sleep 30`);
    try {
      await until('the file', (s) => s.includes('first line of the file') && s.includes('HELP: Ctrl-S'));
      tmux('send-keys', '-t', session, '-l', 'typed before the update ');
      await until('what was typed', (s) => s.includes('typed before the update first line'));
      const r = await updateAt(control, w.v2, w.log);
      tmux('send-keys', '-t', session, '-l', 'and after ');
      await until('the text typed before and after the update', (s) => s.includes('typed before the update and after first line'));
      const shown = screen();
      if (!/ - 1 lines \(modified\)/.test(shown)) throw new Error(`kilo: the status bar lost its state:\n${shown}`);
      tmux('send-keys', '-t', session, 'C-s');
      await until('the save message', (s) => /bytes written on disk/.test(s));
      const saved = fs.readFileSync(file, 'utf8');
      if (!saved.startsWith('typed before the update and after first line')) throw new Error(`kilo saved ${JSON.stringify(saved)}`);
      tmux('send-keys', '-t', session, 'C-q');
      return `${r}; the screen, the cursor and the unsaved edit came through, and the new version saved them`;
    } finally { tmux('kill-session', '-t', session); }
  },
};

const PROGRAMS = [darkhttpd, smallchat, kilo];

// ---- running ------------------------------------------------------------------

interface Runner { proc: ChildProcess; control: string; text(): string; waitFor(re: RegExp, count?: number, ms?: number): Promise<void>; stop(): Promise<void> }

function watcher(text: () => string, onData: (cb: () => void) => void) {
  return (re: RegExp, count = 1, ms = 10000) => new Promise<void>((resolve, reject) => {
    const g = new RegExp(re.source, re.flags.includes('g') ? re.flags : re.flags + 'g');
    const check = () => { if ((text().match(g)?.length ?? 0) >= count) { clearTimeout(t); resolve(); return true; } return false; };
    const t = setTimeout(() => reject(new Error(`timed out waiting for ${re}; got:\n${text().slice(-600)}`)), ms);
    if (!check()) onData(check);
  });
}

function startRunner(w: Work, args: string[]): Runner {
  const control = path.join(w.dir, `run-${Math.random().toString(36).slice(2)}.sock`);
  const proc = spawn(process.execPath, [cli, 'run', '--control', control, ...args], { cwd: w.dir, stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  const subs: (() => boolean | void)[] = [];
  const feed = (b: Buffer) => { out += b.toString(); for (const s of [...subs]) if (s()) subs.splice(subs.indexOf(s), 1); };
  proc.stdout!.on('data', feed); proc.stderr!.on('data', feed);
  return {
    proc, control, text: () => out,
    waitFor: watcher(() => out, (cb) => subs.push(cb)),
    stop: () => new Promise((resolve) => { if (proc.exitCode !== null) return resolve(); proc.on('exit', () => resolve()); proc.kill('SIGTERM'); }),
  };
}

async function update(w: Work, runner: Runner): Promise<string> {
  try { return await updateAt(runner.control, w.v2, w.log); } catch (e) { throw new Error(`${(e as Error).message}\nthe runner printed:\n${runner.text().slice(-1500)}`); }
}

/** `kitsune update`, as a user types it; the outcome line. */
function updateAt(control: string, next: string, log: (s: string) => void): Promise<string> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [cli, 'update', '--timeout', '30000', control, next]);
    let out = '';
    p.stdout.on('data', (b) => { out += b; }); p.stderr.on('data', (b) => { out += b; });
    p.on('exit', (code) => {
      log(`  kitsune update: ${out.trim().split('\n')[0]}`);
      if (code === 0) resolve(out.trim().split('\n')[0]!); else reject(new Error(`kitsune update exited ${code}: ${out.trim()}`));
    });
  });
}

interface Client { send(s: string): void; text(): string; count(re: RegExp): number; waitFor(re: RegExp, count?: number): Promise<void>; end(): void }

/** Resolves once something accepts connections on `port`. */
async function listening(port: number, ms: number): Promise<void> {
  const end = Date.now() + ms;
  for (;;) {
    const ok = await new Promise<boolean>((r) => { const s = net.connect(port, '127.0.0.1', () => { s.destroy(); r(true); }); s.on('error', () => r(false)); });
    if (ok) return;
    if (Date.now() > end) throw new Error(`nothing listened on 127.0.0.1:${port} within ${ms} ms`);
    await pause(200);
  }
}

function client(port: number): Promise<Client> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1');
    let text = '';
    const subs: (() => boolean | void)[] = [];
    s.on('data', (b) => { text += b.toString('latin1'); for (const f of [...subs]) if (f()) subs.splice(subs.indexOf(f), 1); });
    s.on('error', reject);
    s.on('connect', () => resolve({
      send: (x) => { s.write(x); }, text: () => text,
      count: (re) => text.match(re)?.length ?? 0,
      waitFor: watcher(() => text, (cb) => subs.push(cb)),
      end: () => s.end(),
    }));
  });
}

// ---- the port ------------------------------------------------------------------

function applyPort(p: Program, dir: string): string {
  const diff: string[] = [];
  for (const e of p.port) {
    const f = path.join(dir, e.file);
    const text = fs.readFileSync(f, 'utf8');
    const at = text.indexOf(e.find);
    if (at < 0 || text.indexOf(e.find, at + 1) >= 0) throw new Error(`${p.name}: the port's edit of ${e.file} expects ${JSON.stringify(e.find)} exactly once`);
    fs.writeFileSync(f, text.slice(0, at) + e.replace + text.slice(at + e.find.length));
    const line = text.slice(0, at).split('\n').length;
    const before = e.find.replace(/\n$/, '').split('\n'), after = e.replace.replace(/\n$/, '').split('\n');
    diff.push(`@@ ${e.file}:${line}`);
    // The lines the edit keeps are context; the others are the port.
    for (const l of before) if (!after.includes(l)) diff.push(`-${l}`);
    for (const l of after) diff.push(before.includes(l) ? ` ${l}` : `+${l}`);
  }
  return diff.join('\n');
}

const portSize = (diff: string) => diff.split('\n').filter((l) => l.startsWith('+')).length;

function checkout(clone: string, commit: string, into: string): void {
  fs.mkdirSync(into, { recursive: true });
  const gitDir = fs.existsSync(path.join(clone, '.git')) ? ['-C', clone] : ['--git-dir', clone];
  const archive = spawnSync('git', [...gitDir, 'archive', commit], { maxBuffer: 1 << 28 });
  if (archive.status !== 0) throw new Error(`git archive ${commit} in ${clone}: ${archive.stderr.toString().trim()}`);
  const tar = spawnSync('tar', ['-x', '-C', into], { input: archive.stdout });
  if (tar.status !== 0) throw new Error(`tar: ${tar.stderr.toString()}`);
}

function kitsuneBuild(cwd: string, args: string[]): void {
  const r = spawnSync(process.execPath, [cli, 'build', ...args], { cwd, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`kitsune build ${args.join(' ')} failed:\n${(r.stdout + r.stderr).trim()}`);
}

function findClone(root: string, p: Program): string | undefined {
  for (const c of [path.join(root, p.dir), root]) {
    if (!fs.existsSync(c)) continue;
    const has = spawnSync('git', [...(fs.existsSync(path.join(c, '.git')) ? ['-C', c] : ['--git-dir', c]), 'cat-file', '-e', `HEAD:${p.marker}`]);
    if (has.status === 0) return c;
  }
  return undefined;
}

async function main(): Promise<number> {
  const args = process.argv.slice(2);
  const flag = (name: string) => { const i = args.indexOf(name); if (i < 0) return undefined; const v = args[i + 1]; args.splice(i, 2); return v; };
  const only = flag('--only')?.split(',');
  const keep = flag('--keep');
  const root = args[0];
  if (!root) {
    console.error(`usage: npm run real -- PATH [--only ${PROGRAMS.map((p) => p.name).join(',')}] [--keep DIR]\nPATH: a folder with git clones of ${PROGRAMS.map((p) => p.dir).join(', ')} (or one clone)`);
    return 2;
  }
  const work = keep ? path.resolve(keep) : fs.mkdtempSync(path.join(os.tmpdir(), 'kitsune-real-'));
  const rows: string[][] = [];
  let failed = 0;
  for (const p of PROGRAMS) {
    if (only && !only.includes(p.name)) continue;
    const clone = findClone(path.resolve(root), p);
    if (!clone) { rows.push([p.name, p.kind, '-', 'skipped', `no clone of ${p.name} under ${root}`]); continue; }
    const dir = path.join(work, p.name);
    fs.rmSync(dir, { recursive: true, force: true });
    const log = (s: string) => console.log(s);
    console.log(`\n== ${p.name} (${p.kind}): ${p.from} -> ${p.to}`);
    try {
      checkout(clone, p.from, path.join(dir, 'old'));
      checkout(clone, p.to, path.join(dir, 'new'));
      const diff = applyPort(p, path.join(dir, 'old'));
      applyPort(p, path.join(dir, 'new'));
      console.log(`the port (${portSize(diff)} lines added):\n${diff}`);
      const v1 = path.join(dir, 'v1.wasm'), v2 = path.join(dir, 'v2.wasm');
      console.log('building both commits (kitsune build, the second --from the first)...');
      kitsuneBuild(path.join(dir, 'old'), [...p.sources, '-o', v1]);
      kitsuneBuild(path.join(dir, 'new'), [...p.sources, '-o', v2, '--from', v1]);
      const seen = await p.drive({ dir, v1, v2, log });
      console.log(`passed: ${seen}`);
      rows.push([p.name, p.kind, String(portSize(diff)), 'passed', seen]);
    } catch (e) {
      failed++;
      console.log(`FAILED: ${(e as Error).message}`);
      rows.push([p.name, p.kind, '-', 'FAILED', (e as Error).message.split('\n')[0]!]);
    }
  }
  console.log('\nprogram | kind | port (lines) | result | what came through');
  for (const r of rows) console.log(r.join(' | '));
  if (!keep) fs.rmSync(work, { recursive: true, force: true });
  return failed ? 1 : 0;
}

main().then((code) => process.exit(code), (e) => { console.error(`real programs: ${(e as Error).message}`); process.exit(1); });

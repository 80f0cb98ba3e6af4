// The sandbox's flags, shared by `kitsune run` and `kitsune dev`: --dir DIR
// (or --dir=DIR, repeatable) grants a directory, --net any address, and
// --net=HOST:PORT,... an allow-list. Nothing is granted without them.
import fs from 'node:fs';
import path from 'node:path';
import { KitsuneError } from '../format/errors.js';
import type { Grants } from '../wasm-driver/index.js';

/** Takes the grant flags out of `args`; returns the grants and the other arguments. */
export function takeGrants(args: string[], command: string): { grants: Grants; args: string[] } {
  let net: boolean | string[] = false;
  const dirs: string[] = [];
  const rest: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const x = args[i];
    if (x === '--') { rest.push(...args.slice(i)); break; }
    if (x === '--net') { net = true; continue; }
    const m = /^--net=(.*)$/.exec(x);
    if (m) {
      const list = m[1].split(',').filter(Boolean);
      if (!list.length) throw new KitsuneError('E_USAGE', `kitsune ${command}: --net= expects HOST:PORT[,HOST:PORT...]; use --net alone for any address`);
      for (const entry of list) {
        // HOST:PORT, [V6]:PORT, HOST alone or :PORT alone (see wasm-driver/host/sandbox.ts).
        if (!/^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]*)(:\d{1,5})?$/.test(entry) || entry === '') {
          throw new KitsuneError('E_USAGE', `kitsune ${command}: --net=${m[1]}: expected HOST:PORT entries such as 127.0.0.1:11311, [::1]:8080, localhost or :8080; found "${entry}"`);
        }
      }
      if (net !== true) net = [...(net || []), ...list];
      continue;
    }
    if (x === '--dir' || x.startsWith('--dir=')) {
      const d = x === '--dir' ? args[++i] : x.slice(6);
      if (!d) throw new KitsuneError('E_USAGE', `kitsune ${command}: --dir expects a directory`);
      if (!fs.existsSync(d) || !fs.statSync(d).isDirectory()) throw new KitsuneError('E_USAGE', `kitsune ${command}: --dir ${d}: no such directory`);
      dirs.push(path.resolve(d));
      continue;
    }
    rest.push(x);
  }
  return { grants: { net, dirs }, args: rest };
}

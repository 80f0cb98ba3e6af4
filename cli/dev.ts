// `kitsune dev SRC.c...`: runs the program and, on every save, rebuilds it
// --from the running version with the warm compiler and updates it live. A
// build error or a rolled-back update is shown; the program keeps running.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { KitsuneProcess } from '../wasm-driver/index.js';
import { KitsuneError } from '../format/errors.js';
import { parseArgs } from './args.js';
import { BUILD_SPEC } from './build-spec.js';
import { buildFromFiles } from './build-files.js';
import { formatResult } from './format.js';
import { takeGrants } from './grants.js';

const say = (m: string) => process.stderr.write(`\x1b[35mkitsune dev:\x1b[0m ${m}\n`);

export async function cmdDev(args: string[]): Promise<number> {
  const { grants, args: rest } = takeGrants(args, 'dev');
  const a = parseArgs(rest, BUILD_SPEC, 'dev');
  if (!a.positional.length) throw new KitsuneError('E_USAGE', 'kitsune dev: expected SRC.c...');
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'kitsune-dev-'));
  let n = 1;
  let running = await buildFromFiles(a.positional, { ...a.values, strict: !!a.flags.strict, out: path.join(work, 'v1.wasm') }, say);
  say(`built v1 in ${running.millis} ms; running it (edit and save ${a.positional.join(', ')} to update it live)`);
  const proc = await KitsuneProcess.start(running.wasm, {
    args: a.rest, argv0: path.basename(a.positional[0], '.c') + '.wasm', grants, forwardSignals: true,
    onEvent: (e) => {
      if (e.type === 'crash') say(`the program crashed: ${e.message}`);
      else if (e.type === 'refused') say(`sandbox: ${e.message}`);
      else if (e.type === 'notice') say(e.message);
    },
  });
  let busy = false, again = false;
  const rebuild = async () => {
    if (busy) { again = true; return; }
    busy = true;
    try {
      const next = n + 1;
      const t = Date.now();
      try {
        const built = await buildFromFiles(a.positional, { ...a.values, strict: !!a.flags.strict, out: path.join(work, `v${next}.wasm`), from: '' }, say, running.wasm);
        say(`built v${next} in ${Date.now() - t} ms; updating`);
        const r = await proc.update(built.wasm);
        say(formatResult(r));
        if (r.outcome === 'committed') { running = built; n = next; }
      } catch (e) {
        say(`${(e as Error).message}\nv${n} keeps running`);
      }
    } finally {
      busy = false;
      if (again) { again = false; void rebuild(); }
    }
  };
  let timer: ReturnType<typeof setTimeout> | undefined;
  // Watch folders, not files: editors save by writing a new file and renaming it.
  const byDir = new Map<string, Set<string>>();
  for (const f of a.positional) {
    const d = path.dirname(path.resolve(f));
    if (!byDir.has(d)) byDir.set(d, new Set());
    byDir.get(d)!.add(path.basename(f));
  }
  const watchers = [...byDir].map(([d, names]) => fs.watch(d, (_e, name) => {
    if (!name || !(names.has(name.toString()) || /\.h$/.test(name.toString()))) return;
    clearTimeout(timer);
    timer = setTimeout(rebuild, 120);
  }));
  const code = await proc.exited;
  watchers.forEach((w) => w.close());
  clearTimeout(timer);
  fs.rmSync(work, { recursive: true, force: true });
  return code;
}

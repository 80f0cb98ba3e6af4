// A small argument parser: `-o X`, `-oX`, `--from X`, `--from=X`, `-O2`,
// repeated `-I`/`-D`, flags; anything unknown is an error that names it.
import { KitsuneError } from '../format/errors.js';

export interface Spec { values: Record<string, string>; flags: Record<string, string>; multi?: string[] }
export interface Parsed { positional: string[]; values: Record<string, string | string[]>; flags: Record<string, boolean>; rest: string[] }

export function parseArgs(args: string[], spec: Spec, command: string): Parsed {
  const out: Parsed = { positional: [], values: {}, flags: {}, rest: [] };
  const set = (key: string, v: string) => {
    if (spec.multi?.includes(key)) ((out.values[key] ??= []) as string[]).push(v);
    else out.values[key] = v;
  };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === '--') { out.rest = args.slice(i + 1); break; }
    if (!arg.startsWith('-') || arg === '-') { out.positional.push(arg); continue; }
    const m = /^--?([^=]+)(?:=(.*))?$/.exec(arg)!;
    let name = m[1], inline = m[2];
    // Short options glued to their value: -Idir, -DX, -O2, -oout.wasm
    if (!arg.startsWith('--') && !(name in spec.values) && !(name in spec.flags) && name[0] in spec.values) {
      inline = arg.slice(2); name = name[0];
    }
    if (name in spec.flags) { out.flags[spec.flags[name]] = true; continue; }
    if (name in spec.values) {
      const v = inline ?? args[++i];
      if (v === undefined) throw new KitsuneError('E_USAGE', `kitsune ${command}: ${arg} expects a value`);
      set(spec.values[name], v);
      continue;
    }
    throw new KitsuneError('E_USAGE', `kitsune ${command}: unknown option ${arg}`);
  }
  return out;
}

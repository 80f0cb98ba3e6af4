// Kitsune's manual migration API (runtime/kitsune.h: GET_OLD_*/GET_NEW_*,
// kitsune_get_symbol_addr_old/_new, kitsune_get_val, kitsune_lookup_*,
// kitsune_get_xform, NOTE_*), as host functions bound to one version, and the
// hand-written transformers (GLOBAL_XFORM and friends) that MIGRATE_* and
// kitsune_do_automigrate run. Keys are Kitsune's: `var`, `file.c/var`,
// `file.c/func#var`, `func#var`.

import { keyOf, partsOf, transformerName } from '../../format/variable-keys.js';
import type { Version } from './version.js';

export interface ApiContext {
  cstring(p: number): string;
  /** The version being updated from while `v` is the new one; undefined otherwise. */
  oldOf(v: Version): Version | undefined;
  /** The table slot of `v`'s function `name` (a function pointer in `v`). */
  slotFor(v: Version, name: string): number | undefined;
  /** A NUL-terminated copy of `text` in the program's memory, kept for the process's life. */
  keepString(text: string): number;
}

/**
 * Runs `v`'s hand-written transformer for the variable at `addr`, if `v`
 * defines one: its result (1 for a void transformer), else undefined.
 */
export function runTransformer(v: Version, key: string, addr: number): number | undefined {
  const fn = transformerOf(v, key);
  if (!fn) return undefined;
  const r = fn(addr);
  return typeof r === 'number' ? r : 1;
}

/** `v`'s hand-written transformer for the variable `key` (GLOBAL_XFORM...), if it defines one. */
export function transformerOf(v: { exports: Record<string, unknown> }, key: string): ((addr: number) => unknown) | undefined {
  const { name, func, file } = partsOf(key);
  const fn = v.exports[transformerName(name, func, file)];
  return typeof fn === 'function' ? fn as (addr: number) => unknown : undefined;
}

/** Where variable `key` lives in `v` (its cell, linker.ts), or a local noted at run time. */
function addressOf(v: Version, key: string): number | undefined {
  return v.homes.get(key)?.addr ?? v.locals.get(key)?.addr;
}

function keyAt(v: Version, addr: number): string | undefined {
  for (const h of v.homes.values()) if (h.addr === addr) return h.key;
  for (const [k, l] of v.locals) if (l.addr === addr) return k;
  return undefined;
}

export function kitsuneApi(ctx: ApiContext, v: Version): Record<string, (...a: number[]) => number | void> {
  const str = (p: number) => (p ? ctx.cstring(p) : '');
  // dlsym: a global variable, else a function (its table slot).
  const symbol = (ver: Version, name: string): number => {
    const g = ver.meta.variables.find((x) => x.key === name && x.kind === 'global');
    const home = g && ver.homes.get(g.key);
    if (home) return home.addr;
    return typeof ver.exports[name] === 'function' ? ctx.slotFor(ver, name) ?? 0 : 0;
  };
  const symbolAddr = (ver: Version | undefined, name: number, func: number, file: number, ns: number): number => {
    if (!ver || ns) return 0; // no namespaces here: such a key names nothing
    const n = str(name), fn = str(func), f = str(file);
    const a = addressOf(ver, keyOf(n, fn, f));
    if (a !== undefined) return a;
    return !fn && !f ? symbol(ver, n) : 0;
  };
  const keyString = (ver: Version | undefined, addr: number): number => {
    const k = ver && addr ? keyAt(ver, addr) : undefined;
    return k === undefined ? 0 : ctx.keepString(k);
  };
  return {
    kitsune_get_symbol_addr_old: (name, func, file, ns) => symbolAddr(ctx.oldOf(v), name, func, file, ns),
    kitsune_get_symbol_addr_new: (name, func, file, ns) => symbolAddr(v, name, func, file, ns),
    kitsune_get_val: (name) => { const old = ctx.oldOf(v); return old ? symbol(old, str(name)) : 0; },
    kitsune_get_cur_val: (name) => symbol(v, str(name)),
    kitsune_lookup_key_old: (key) => { const old = ctx.oldOf(v); return old ? addressOf(old, str(key)) ?? 0 : 0; },
    kitsune_lookup_key_new: (key) => addressOf(v, str(key)) ?? 0,
    kitsune_lookup_addr_old: (addr) => keyString(ctx.oldOf(v), addr),
    kitsune_lookup_addr_new: (addr) => keyString(v, addr),
    kitsune_get_xform: (name, func, file, ns) => {
      if (!ctx.oldOf(v) || ns) return 0;
      const t = transformerName(str(name), str(func), str(file));
      return typeof v.exports[t] === 'function' ? ctx.slotFor(v, t) ?? 0 : 0;
    },
    __kitsune_note_var: (name, func, file, addr, size) => { v.locals.set(keyOf(str(name), str(func), str(file)), { addr, size }); },
  };
}

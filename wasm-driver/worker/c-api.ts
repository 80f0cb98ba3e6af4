// kitsune.h's calls, host side: the update point's slow path, control
// migration (kitsune_is_updating*), state migration (kitsune_do_automigrate,
// MIGRATE_*), requests from C, and the callbacks of generated migration code.
import { KitsuneError } from '../../format/errors.js';
import type { StateWord } from '../common/state-word.js';
import type { HostFunctions } from './linker.js';
import type { ProgramMemory } from './memory.js';
import type { Migration } from './migration.js';
import type { Updater } from './update.js';
import type { Version } from './version.js';
import { kitsuneApi, runTransformer } from './kitsune-api.js';

export interface CApiContext {
  mem: ProgramMemory;
  state: StateWord;
  updater: Updater;
  migration: Migration;
  /** The table slot of `v`'s function `name`. */
  slotFor(v: Version, name: string): number | undefined;
  /** With `inspect`: a MIGRATE_LOCAL local found at a new address. */
  noteLocal?(v: Version, key: string, addr: number, size: number): void;
}

export class CApi {
  constructor(private readonly c: CApiContext) {}

  functions(v: Version): HostFunctions {
    const { mem, updater, migration, state } = this.c;
    const str = (p: number) => mem.cstring(p);
    return {
      __kitsune_update_point: (p: number) => updater.updatePoint(v, () => str(p)),
      kitsune_is_updating: () => (updater.running(v) ? 1 : 0),
      kitsune_is_updating_from: (p: number) => (updater.running(v)?.point === str(p) ? 1 : 0),
      kitsune_has_updated: () => (updater.hasUpdated ? 1 : 0),
      // The new version asking again before its own commit means nothing.
      kitsune_signal_update: () => { if (!updater.running(v)) updater.request.signal(); },
      kitsune_clear_request: () => updater.request.withdraw(updater.current.meta.buildId),
      kitsune_set_next_version: (p: number) => { updater.request.nextPath = p ? str(p) : null; },
      kitsune_do_automigrate: () => updater.migrating(v, (s) => migration.automigrate(s)),
      __kitsune_migrate_var: (name: number, func: number, file: number, addr: number, size: number) => {
        const n = str(name), f = func ? str(func) : '', fl = file ? str(file) : '';
        const key = fl && f ? `${fl}/${f}#${n}` : fl ? `${fl}/${n}` : f ? `${f}#${n}` : n;
        // Note a local in the running version, so that the next update finds it.
        if (f && !fl) {
          if (v.locals.get(key)?.addr !== addr) this.c.noteLocal?.(v, key, addr, size);
          v.locals.set(key, { addr, size });
        }
        return updater.migrating(v, (s) => {
          // A hand-written transformer (GLOBAL_XFORM...) takes the variable over.
          const hand = runTransformer(v, key, addr);
          if (hand !== undefined) { s.migrated.push(key); return hand; }
          return migration.migrateOne(s, key, addr, size) ? 1 : 0;
        });
      },
      __kitsune_xf_fail: (what: number, where: number) => {
        throw new KitsuneError('E_MIGRATE', `${str(what)}${where ? ` (old address 0x${where.toString(16)})` : ''}`);
      },
      __kitsune_xf_fn: (slot: number, where: number) => {
        const r = updater.running(v);
        return r ? migration.remapFunction(r, slot, str(where)) : slot;
      },
      __kitsune_xf_data: (p: number) => {
        const r = updater.running(v);
        return r ? migration.remapData(r, p) : p;
      },
      // Kitsune's manual migration API (GET_OLD_*, kitsune_get_val, NOTE_*...): kitsune-api.ts.
      ...kitsuneApi({
        cstring: str,
        oldOf: (x) => updater.running(x)?.old,
        slotFor: (x, name) => this.c.slotFor(x, name),
        keepString: (text) => mem.strdup(text),
      }, v),
    };
  }
}

// State migration, driver side: what kitsune_do_automigrate and MIGRATE_*
// do in the new version. Each variable moves by its key, as bytes when its
// type is unchanged, else through the transform the compiler generated for
// this update (xf-gen.ts, entry `index` of __kitsune_xf_var). The generated
// code calls back here to move function pointers and pointers into the old
// version's static data. Migration writes only the new version's variables:
// the old ones stay intact for a rollback.
import { KitsuneError } from '../../format/errors.js';
import type { ProgramMemory } from './memory.js';
import type { Linker } from './linker.js';
import type { Version } from './version.js';

/** The update migration runs in: the version being left, the one taking over, and what has moved so far. */
export interface MigrationScope {
  old: Version;
  next: Version;
  migrated: string[];
}

export class Migration {
  constructor(private readonly mem: ProgramMemory, private readonly linker: Linker) {}

  /**
   * Before any transform runs, each old variable's address maps to its new
   * one, so pointers to globals follow them by key, renames included.
   */
  begin(s: MigrationScope): void {
    const rt = this.mem.rt, { old, next } = s;
    rt.__kitsune_xf_begin(old.dataBase, old.dataBase + old.dataSize);
    const entries = new Map((next.meta.xf?.entries ?? []).map((e) => [e.key, e]));
    const olds = new Map(old.meta.variables.map((x) => [x.key, x]));
    for (const nv of next.meta.variables) {
      if (nv.offset === undefined) continue;
      const e = entries.get(nv.key);
      const ov = olds.get(e ? e.from ?? '' : nv.key);
      if (ov?.offset !== undefined && ov.size > 0) rt.__kitsune_xf_insert(old.dataBase + ov.offset, next.dataBase + nv.offset, 0);
    }
  }

  /** kitsune_do_automigrate(): every global and static but those marked E_MANUAL_MIGRATE. */
  automigrate(s: MigrationScope): void {
    const v = s.next;
    for (const nv of v.meta.variables) {
      if (nv.manual || nv.kind === 'local' || nv.offset === undefined) continue;
      this.migrateOne(s, nv.key, v.dataBase + nv.offset, nv.size);
    }
  }

  /** MIGRATE_*(var): one variable, by key, into `to`. False when the old version had no such variable. */
  migrateOne(s: MigrationScope, key: string, to: number, size: number): boolean {
    const { old, next: v } = s;
    const rt = this.mem.rt, u8 = this.mem.u8;
    const entry = v.meta.xf?.entries.find((e) => e.key === key);
    if (entry) {
      const from = entry.from === null ? 0 : this.oldAddress(old, entry.from);
      if (from === undefined) return false;
      (v.exports.__kitsune_xf_var as (i: number, to: number, from: number) => number)(entry.index, to, from);
      if (rt.__kitsune_xf_failed()) throw new KitsuneError('E_MIGRATE', `out of memory in the runtime while migrating \`${key}\``);
      s.migrated.push(key);
      return true;
    }
    const ov = old.meta.variables.find((x) => x.key === key);
    const from = this.oldAddress(old, key);
    if (from === undefined) return false;
    if (!ov) {
      // A MIGRATE_LOCAL local of a function without E_NOTELOCALS: no type known, only its size.
      const local = old.locals.get(key)!;
      if (local.size !== size) throw new KitsuneError('E_MIGRATE', `local \`${key}\` changed size from ${local.size} to ${size} bytes and nothing migrates it (mark its function E_NOTELOCALS so that its type is known, and write a rule)`);
      u8.copyWithin(to, from, from + size);
      s.migrated.push(key);
      return true;
    }
    const nv = v.meta.variables.find((x) => x.key === key) ?? { ...ov, size };
    if (ov.signature !== nv.signature || ov.size !== size) {
      throw new KitsuneError('E_MIGRATE', `variable \`${key}\` (${nv.file}:${nv.line}) changed type from \`${ov.typeName}\` to \`${nv.typeName}\` and nothing migrates it (build the new version --from the old one to generate its transformation)`);
    }
    u8.copyWithin(to, from, from + size);
    s.migrated.push(key);
    return true;
  }

  oldAddress(old: Version, key: string): number | undefined {
    const ov = old.meta.variables.find((x) => x.key === key);
    if (ov?.offset !== undefined) return old.dataBase + ov.offset;
    return old.locals.get(key)?.addr;
  }

  /** A function pointer of the old version: the new version's function of the same name. */
  remapFunction(s: MigrationScope, slot: number, where: string): number {
    const name = this.linker.nameOfSlot(s.old, slot);
    if (!slot || name === undefined) return slot; // null, or a runtime (libc) function: those never move
    const n = this.linker.slotFor(s.next, name);
    if (n === undefined) throw new KitsuneError('E_MIGRATE', `${where}: a function pointer to \`${name}\`, which the new version does not define; keep the function or write a rule that replaces the pointer`);
    return n;
  }

  /**
   * A pointer into the old version's static data, from an object being
   * transformed: into a variable, it follows the variable by key; into a
   * string literal, it moves to the identical literal of the new version if
   * there is one. Otherwise it stays, and the old data is kept (reclaim.ts).
   */
  remapData(s: MigrationScope, p: number): number {
    const { old, next } = s;
    const off = p - old.dataBase;
    const ov = old.meta.variables.find((x) => x.offset !== undefined && off >= x.offset && off < x.offset + Math.max(x.size, 1));
    if (ov) {
      const e = next.meta.xf?.entries.find((x) => x.from === ov.key);
      const nv = next.meta.variables.find((x) => x.key === (e?.key ?? ov.key));
      const delta = off - ov.offset!;
      if (nv?.offset !== undefined && (delta === 0 || (nv.signature === ov.signature && delta < nv.size))) return next.dataBase + nv.offset + delta;
      return p;
    }
    const u8 = this.mem.u8;
    const end = u8.indexOf(0, p);
    if (end < 0 || end >= old.dataBase + old.dataSize) return p;
    const text = u8.subarray(p, end + 1);
    const lo = next.dataBase, hi = next.dataBase + next.dataSize;
    for (let i = u8.indexOf(text[0]!, lo); i >= 0 && i + text.length <= hi; i = u8.indexOf(text[0]!, i + 1)) {
      let k = 1;
      while (k < text.length && u8[i + k] === text[k]) k++;
      if (k === text.length) return i;
    }
    return p;
  }
}

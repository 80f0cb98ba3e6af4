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
import type { Home, Version } from './version.js';
import { runTransformer } from './kitsune-api.js';

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
    const cells = [...old.homes.values()].map((h) => [h.addr, h.addr + Math.max(h.size, 1)]).sort((a, b) => a[0] - b[0]);
    const pairs = rt.malloc(8 * cells.length + 8);
    if (!pairs) throw new KitsuneError('E_MIGRATE', 'out of memory in the runtime for the migration\'s address ranges');
    cells.forEach(([lo, hi], i) => { this.mem.dv.setUint32(pairs + 8 * i, lo, true); this.mem.dv.setUint32(pairs + 8 * i + 4, hi, true); });
    const ok = rt.__kitsune_xf_old_cells(pairs, cells.length);
    rt.free(pairs);
    if (!ok) throw new KitsuneError('E_MIGRATE', 'out of memory in the runtime for the migration\'s address ranges');
    const entries = new Map((next.meta.xf?.entries ?? []).map((e) => [e.key, e]));
    for (const nh of next.homes.values()) {
      const e = entries.get(nh.key);
      const oh = old.homes.get(e ? e.from ?? '' : nh.key);
      // A variable that kept its storage needs no entry: pointers to it are already right.
      if (oh && oh.size > 0 && oh.addr !== nh.addr) rt.__kitsune_xf_insert(oh.addr, nh.addr, 0);
    }
  }

  /** kitsune_do_automigrate(): every global and static but those marked E_MANUAL_MIGRATE. */
  automigrate(s: MigrationScope): void {
    const v = s.next;
    for (const nv of v.meta.variables) {
      const home = v.homes.get(nv.key);
      if (nv.manual || nv.kind === 'local' || !home) continue;
      // A hand-written transformer (GLOBAL_XFORM...) takes the variable over.
      if (runTransformer(v, nv.key, home.addr) !== undefined) { s.migrated.push(nv.key); continue; }
      this.migrateOne(s, nv.key, home.addr, nv.size);
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
    // Where it kept its storage (linker.ts) there is nothing to copy.
    if (from !== to) u8.copyWithin(to, from, from + size);
    s.migrated.push(key);
    return true;
  }

  oldAddress(old: Version, key: string): number | undefined {
    return old.homes.get(key)?.addr ?? old.locals.get(key)?.addr;
  }

  /**
   * A function pointer of the old version. Its slot belongs to the
   * function's identity and already calls the new version's function
   * (linker.ts), so it stays as it is, if the new version has that function.
   */
  remapFunction(s: MigrationScope, slot: number, where: string): number {
    const name = this.linker.identityOf(slot);
    if (!slot || name === undefined || name.startsWith('libc:')) return slot; // null, or a runtime (libc) function: those never move
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
    let oh: Home | undefined;
    for (const h of old.homes.values()) if (p >= h.addr && p < h.addr + Math.max(h.size, 1)) { oh = h; break; }
    if (oh) {
      const e = next.meta.xf?.entries.find((x) => x.from === oh.key);
      const nh = next.homes.get(e?.key ?? oh.key);
      const delta = p - oh.addr;
      if (nh && (delta === 0 || (nh.signature === oh.signature && delta < nh.size))) return nh.addr + delta;
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

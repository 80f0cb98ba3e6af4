// Reader for the DWARF subset that clang emits for wasm32 side modules:
// enough to recover C types (as a graph) and the variables that state
// migration must find (globals, file statics, function-local statics, and
// locals of chosen functions). No npm DWARF reader exists, so this is our own.
// DWARF 4 is clang's default; DWARF 5 forms and unit headers are accepted too.
// Browser-safe: only Uint8Array, DataView and TextDecoder.

import { KitsuneError } from '../format/errors.js';
export type TypeId = number; // index into DwarfInfo.types
export type CType =
  | { kind: 'void' }
  | { kind: 'base'; name: string; size: number; encoding: 'signed' | 'unsigned' | 'signed_char' | 'unsigned_char' | 'float' | 'boolean' }
  | { kind: 'pointer'; to: TypeId; size: number }
  | { kind: 'struct' | 'union'; name: string | null; size: number; fields: CField[]; incomplete?: true; file?: string; line?: number; annotations?: string[] }
  | { kind: 'enum'; name: string | null; size: number; base?: TypeId; values: { name: string; value: number }[] }
  | { kind: 'typedef'; name: string; to: TypeId; annotations?: string[] }
  | { kind: 'array'; of: TypeId; count: number | null }
  | { kind: 'function'; returns: TypeId; params: TypeId[]; variadic: boolean }
  | { kind: 'const' | 'volatile'; to: TypeId };
/** offset is in bytes; for bitfields it is the byte holding the first bit (bitOffset >> 3). bitOffset counts from the start of the struct. */
export interface CField { name: string | null; type: TypeId; offset: number; bitSize?: number; bitOffset?: number; annotations?: string[] }
export interface CVariable {
  key: string;
  name: string; kind: 'global' | 'static' | 'local-static' | 'local';
  file: string;
  line: number; function?: string;
  type: TypeId; size: number;
  offset?: number;
  /** the location expression does more than `[__memory_base +] addr` (e.g. a global shrunk to a bool by the optimizer): its storage may not match its type */
  complexLocation?: true;
  /** a local that is a parameter of its function */
  param?: true;
  /** btf_decl_tag strings: kitsune.h's E_* annotations arrive this way */
  annotations?: string[];
}
export interface DwarfInfo { types: CType[]; variables: CVariable[]; producer?: string }
export interface DwarfSections { info: Uint8Array; abbrev: Uint8Array; str?: Uint8Array; strOffsets?: Uint8Array; addr?: Uint8Array; lineStr?: Uint8Array; line?: Uint8Array }
export interface ReadDwarfOptions { noteLocalsFunctions?: string[] }

export class DwarfError extends KitsuneError {
  constructor(message: string, readonly section?: string, readonly offset?: number) {
    super('E_DWARF', section !== undefined && offset !== undefined ? `${message} (at ${section} offset 0x${offset.toString(16)})` : message);
    this.name = 'DwarfError';
  }
}

// ---------------------------------------------------------------- constants

const TAG = {
  array: 0x01, class: 0x02, enum: 0x04, param: 0x05, lexBlock: 0x0b, member: 0x0d, pointer: 0x0f, reference: 0x10,
  compileUnit: 0x11, struct: 0x13, subroutine: 0x15, typedef: 0x16, union: 0x17, unspecParams: 0x18,
  inlined: 0x1d, subrange: 0x21, base: 0x24, const: 0x26, enumerator: 0x28, subprogram: 0x2e, variable: 0x34,
  volatile: 0x35, restrict: 0x37, unspecType: 0x3b, rvalueRef: 0x42, atomic: 0x47, llvmAnnotation: 0x6000,
} as const;
const AT = {
  location: 0x02, name: 0x03, byteSize: 0x0b, bitOffset: 0x0c, bitSize: 0x0d, stmtList: 0x10, compDir: 0x1b,
  constValue: 0x1c, lowerBound: 0x22, producer: 0x25, upperBound: 0x2f, abstractOrigin: 0x31, count: 0x37,
  memberLocation: 0x38, declFile: 0x3a, declLine: 0x3b, declaration: 0x3c, encoding: 0x3e, external: 0x3f,
  artificial: 0x34, specification: 0x47, type: 0x49, dataBitOffset: 0x6b, strOffsetsBase: 0x72, addrBase: 0x73,
} as const;
const ENCODING: Record<number, Extract<CType, { kind: 'base' }>['encoding']> = {
  0x1: 'unsigned', 0x2: 'boolean', 0x3: 'float', 0x4: 'float', 0x5: 'signed', 0x6: 'signed_char', 0x7: 'unsigned',
  0x8: 'unsigned_char', 0x9: 'float', 0xd: 'signed', 0xe: 'unsigned', 0xf: 'float', 0x10: 'unsigned',
};

// ---------------------------------------------------------------- bytes

const utf8 = new TextDecoder();

class Cursor {
  private readonly dv: DataView;
  constructor(readonly bytes: Uint8Array, readonly section: string, public pos = 0) {
    this.dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  fail(message: string, at = this.pos): never { throw new DwarfError(message, this.section, at); }
  need(n: number, what: string): void {
    if (this.pos + n > this.bytes.length) this.fail(`expected ${what} (${n} byte(s)), found end of section (length ${this.bytes.length})`);
  }
  u8(): number { this.need(1, 'a byte'); return this.bytes[this.pos++]!; }
  u16(): number { this.need(2, 'a 2-byte value'); const v = this.dv.getUint16(this.pos, true); this.pos += 2; return v; }
  u32(): number { this.need(4, 'a 4-byte value'); const v = this.dv.getUint32(this.pos, true); this.pos += 4; return v; }
  // 64-bit values become numbers: exact below 2^53, which covers every offset and size here.
  u64(): number { const lo = this.u32(); return this.u32() * 0x1_0000_0000 + lo; }
  uN(n: number): number {
    switch (n) {
      case 1: return this.u8();
      case 2: return this.u16();
      case 3: { const lo = this.u16(); return lo + this.u8() * 0x10000; }
      case 4: return this.u32();
      case 8: return this.u64();
      default: return this.fail(`expected an address/offset size of 1, 2, 4 or 8, found ${n}`);
    }
  }
  uleb(): number {
    let v = 0, mul = 1, b: number;
    do { b = this.u8(); v += (b & 0x7f) * mul; mul *= 128; } while (b & 0x80);
    return v;
  }
  sleb(): number {
    let v = 0, mul = 1, b: number;
    do { b = this.u8(); v += (b & 0x7f) * mul; mul *= 128; } while (b & 0x80);
    return b & 0x40 ? v - mul : v;
  }
  cstr(): string {
    const end = this.bytes.indexOf(0, this.pos);
    if (end < 0) this.fail('expected a NUL-terminated string, found end of section');
    const s = utf8.decode(this.bytes.subarray(this.pos, end));
    this.pos = end + 1;
    return s;
  }
  take(n: number): Uint8Array { this.need(n, 'a block'); const b = this.bytes.subarray(this.pos, this.pos + n); this.pos += n; return b; }
}

/** .debug_str and .debug_line_str lookups, cached because the same names recur in every unit. */
class StrSection {
  private readonly cache = new Map<number, string>();
  constructor(private readonly bytes: Uint8Array | undefined, private readonly name: string) {}
  at(offset: number, from: Cursor, pos = from.pos): string {
    let s = this.cache.get(offset);
    if (s !== undefined) return s;
    if (!this.bytes) return from.fail(`expected a ${this.name} section for a string reference, found none`, pos);
    if (offset >= this.bytes.length) return from.fail(`expected an offset inside ${this.name} (length ${this.bytes.length}), found 0x${offset.toString(16)}`, pos);
    s = new Cursor(this.bytes, this.name, offset).cstr();
    this.cache.set(offset, s);
    return s;
  }
}

// ---------------------------------------------------------------- units, abbreviations, DIEs

interface AbbrevAttr { at: number; form: number; implicit: number }
interface Abbrev { tag: number; children: boolean; attrs: AbbrevAttr[] }

type Val =
  | { t: 'num'; v: number; w: number } // w: byte width of a fixed-size data form (sign unknown), 0 = udata, -1 = sdata
  | { t: 'str'; v: string }
  | { t: 'strx'; v: number }
  | { t: 'addr'; v: number }
  | { t: 'addrx'; v: number }
  | { t: 'ref'; v: number } // absolute .debug_info offset
  | { t: 'sig'; v: string } // DW_FORM_ref_sig8, as hex
  | { t: 'block'; v: Uint8Array; at: number }
  | { t: 'flag'; v: boolean }
  | { t: 'sec'; v: number }
  | { t: 'other' };

interface Unit {
  offset: number; version: number; offsetSize: number; addrSize: number;
  strOffsetsBase: number; addrBase: number;
  name: string; files: string[]; keyPrefix: string;
}
interface Die { off: number; tag: number; unit: Unit; attrs: Map<number, Val>; children: Die[] }

function readForm(c: Cursor, form: number, u: { version: number; offsetSize: number; addrSize: number; offset: number }, implicit: number, strs: StrSection, lineStrs: StrSection): Val {
  switch (form) {
    case 0x01: return { t: 'addr', v: c.uN(u.addrSize) };
    case 0x03: { const at = c.pos; return { t: 'block', v: c.take(c.u16()), at }; }
    case 0x04: { const at = c.pos; return { t: 'block', v: c.take(c.u32()), at }; }
    case 0x05: return { t: 'num', v: c.u16(), w: 2 };
    case 0x06: return { t: 'num', v: c.u32(), w: 4 };
    case 0x07: return { t: 'num', v: c.u64(), w: 8 };
    case 0x08: return { t: 'str', v: c.cstr() };
    case 0x09: case 0x18: { const n = c.uleb(); const at = c.pos; return { t: 'block', v: c.take(n), at }; }
    case 0x0a: { const at = c.pos; return { t: 'block', v: c.take(c.u8()), at }; }
    case 0x0b: return { t: 'num', v: c.u8(), w: 1 };
    case 0x0c: return { t: 'flag', v: c.u8() !== 0 };
    case 0x0d: return { t: 'num', v: c.sleb(), w: -1 };
    case 0x0e: { const at = c.pos; return { t: 'str', v: strs.at(c.uN(u.offsetSize), c, at) }; }
    case 0x0f: return { t: 'num', v: c.uleb(), w: 0 };
    case 0x10: return { t: 'ref', v: c.uN(u.version <= 2 ? u.addrSize : u.offsetSize) };
    case 0x11: return { t: 'ref', v: u.offset + c.u8() };
    case 0x12: return { t: 'ref', v: u.offset + c.u16() };
    case 0x13: return { t: 'ref', v: u.offset + c.u32() };
    case 0x14: return { t: 'ref', v: u.offset + c.u64() };
    case 0x15: return { t: 'ref', v: u.offset + c.uleb() };
    case 0x16: return readForm(c, c.uleb(), u, implicit, strs, lineStrs);
    case 0x17: return { t: 'sec', v: c.uN(u.offsetSize) };
    case 0x19: return { t: 'flag', v: true };
    case 0x1a: case 0x1f02: return { t: 'strx', v: c.uleb() };
    case 0x1b: case 0x1f01: return { t: 'addrx', v: c.uleb() };
    case 0x1c: c.u32(); return { t: 'other' }; // ref_sup4
    case 0x1d: case 0x1f20: case 0x1f21: c.uN(u.offsetSize); return { t: 'other' }; // strp_sup, GNU_ref_alt, GNU_strp_alt
    case 0x1e: { const at = c.pos; return { t: 'block', v: c.take(16), at }; } // data16
    case 0x1f: { const at = c.pos; return { t: 'str', v: lineStrs.at(c.uN(u.offsetSize), c, at) }; }
    case 0x20: { const b = c.take(8); return { t: 'sig', v: Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('') }; }
    case 0x21: return { t: 'num', v: implicit, w: -1 };
    case 0x22: case 0x23: c.uleb(); return { t: 'other' }; // loclistx, rnglistx
    case 0x24: c.u64(); return { t: 'other' }; // ref_sup8
    case 0x25: case 0x26: case 0x27: case 0x28: return { t: 'strx', v: c.uN(form - 0x24) };
    case 0x29: case 0x2a: case 0x2b: case 0x2c: return { t: 'addrx', v: c.uN(form - 0x28) };
    default:
      return c.fail(`expected a known attribute form (DWARF 2 to 5), found form 0x${form.toString(16)}`);
  }
}

function readAbbrevs(bytes: Uint8Array, offset: number): Map<number, Abbrev> {
  const c = new Cursor(bytes, '.debug_abbrev', offset);
  if (offset >= bytes.length) c.fail(`expected an abbreviation table, found an offset past the end (length ${bytes.length})`);
  const table = new Map<number, Abbrev>();
  for (;;) {
    const code = c.uleb();
    if (code === 0) return table;
    const tag = c.uleb();
    const children = c.u8() !== 0;
    const attrs: AbbrevAttr[] = [];
    for (;;) {
      const at = c.uleb(), form = c.uleb();
      if (at === 0 && form === 0) break;
      attrs.push({ at, form, implicit: form === 0x21 ? c.sleb() : 0 });
    }
    table.set(code, { tag, children, attrs });
  }
}

function basename(path: string): string {
  const i = Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\'));
  return i >= 0 ? path.slice(i + 1) : path;
}
function joinPath(dir: string | undefined, name: string): string {
  if (!dir || name.startsWith('/') || /^[A-Za-z]:[\\/]/.test(name)) return name;
  return dir.endsWith('/') ? dir + name : dir + '/' + name;
}

/** File names of one line-program header, indexed the way DW_AT_decl_file counts (1-based in DWARF <= 4, 0-based in 5). */
function readFileTable(bytes: Uint8Array, offset: number, cuName: string, compDir: string | undefined, strs: StrSection, lineStrs: StrSection): string[] {
  const c = new Cursor(bytes, '.debug_line', offset);
  let unitLength = c.u32(), offsetSize = 4;
  if (unitLength === 0xffffffff) { unitLength = c.u64(); offsetSize = 8; }
  const version = c.u16();
  if (version < 2 || version > 5) c.fail(`expected a line table version from 2 to 5, found ${version}`, c.pos - 2);
  let addrSize = 4;
  if (version >= 5) { addrSize = c.u8(); c.u8(); }
  c.uN(offsetSize); // header_length
  c.u8(); // minimum_instruction_length
  if (version >= 4) c.u8(); // maximum_operations_per_instruction
  c.u8(); c.u8(); c.u8(); // default_is_stmt, line_base, line_range
  const opcodeBase = c.u8();
  c.take(Math.max(0, opcodeBase - 1));
  if (version < 5) {
    const dirs = [compDir ?? ''];
    for (let d = c.cstr(); d !== ''; d = c.cstr()) dirs.push(d);
    const files = [cuName];
    for (let f = c.cstr(); f !== ''; f = c.cstr()) {
      const dir = c.uleb(); c.uleb(); c.uleb();
      files.push(joinPath(dirs[dir], f));
    }
    return files;
  }
  // DWARF 5: self-describing entry formats.
  const u = { version, offsetSize, addrSize, offset: 0 };
  const readEntries = (): { path: string; dir: number }[] => {
    const formats: [number, number][] = [];
    for (let n = c.u8(); n > 0; n--) formats.push([c.uleb(), c.uleb()]);
    const out: { path: string; dir: number }[] = [];
    for (let n = c.uleb(); n > 0; n--) {
      const e = { path: '', dir: 0 };
      for (const [content, form] of formats) {
        const v = readForm(c, form, u, 0, strs, lineStrs);
        if (content === 1 && v.t === 'str') e.path = v.v;
        else if (content === 2 && v.t === 'num') e.dir = v.v;
      }
      out.push(e);
    }
    return out;
  };
  const dirs = readEntries().map((d) => joinPath(compDir, d.path));
  return readEntries().map((f) => joinPath(dirs[f.dir], f.path));
}

// ---------------------------------------------------------------- the reader

class Reader {
  readonly dies = new Map<number, Die>();
  readonly roots: Die[] = [];
  readonly typeUnits = new Map<string, number>(); // ref_sig8 signature -> DIE offset
  private readonly strs: StrSection;
  private readonly lineStrs: StrSection;

  constructor(private readonly s: DwarfSections) {
    this.strs = new StrSection(s.str, '.debug_str');
    this.lineStrs = new StrSection(s.lineStr, '.debug_line_str');
    const abbrevCache = new Map<number, Map<number, Abbrev>>();
    const c = new Cursor(s.info, '.debug_info');
    while (c.pos < s.info.length) {
      const offset = c.pos;
      let length = c.u32(), offsetSize = 4;
      if (length === 0xffffffff) { length = c.u64(); offsetSize = 8; }
      else if (length >= 0xfffffff0) c.fail(`expected a unit length, found reserved value 0x${length.toString(16)}`, offset);
      const end = c.pos + length;
      if (end > s.info.length) c.fail(`expected a unit of ${length} bytes, found only ${s.info.length - c.pos} left in the section`, offset);
      const version = c.u16();
      if (version < 2 || version > 5) c.fail(`expected DWARF version 2 to 5, found ${version}`, c.pos - 2);
      let unitType = 1, addrSize: number, abbrevOffset: number, typeSig: string | undefined, typeOffset = 0;
      if (version >= 5) {
        unitType = c.u8(); addrSize = c.u8(); abbrevOffset = c.uN(offsetSize);
        if (unitType === 4 || unitType === 5) c.take(8); // dwo_id
        else if (unitType === 2 || unitType === 6) {
          typeSig = Array.from(c.take(8), (x) => x.toString(16).padStart(2, '0')).join('');
          typeOffset = c.uN(offsetSize);
        }
      } else { abbrevOffset = c.uN(offsetSize); addrSize = c.u8(); }
      let abbrevs = abbrevCache.get(abbrevOffset);
      if (!abbrevs) { abbrevs = readAbbrevs(s.abbrev, abbrevOffset); abbrevCache.set(abbrevOffset, abbrevs); }
      const unit: Unit = { offset, version, offsetSize, addrSize, strOffsetsBase: version >= 5 ? 8 : 0, addrBase: 8, name: '', files: [], keyPrefix: '' };
      if (typeSig !== undefined) this.typeUnits.set(typeSig, offset + typeOffset);
      const root = this.readDies(c, end, unit, abbrevs);
      c.pos = end;
      if (!root) continue;
      // Bases must be known before any strx/addrx of the unit (even the root's own name) is resolved.
      const sob = root.attrs.get(AT.strOffsetsBase), ab = root.attrs.get(AT.addrBase);
      if (sob?.t === 'sec') unit.strOffsetsBase = sob.v;
      if (ab?.t === 'sec') unit.addrBase = ab.v;
      unit.name = this.str(root, AT.name) ?? '';
      unit.files = [unit.name];
      const stmt = root.attrs.get(AT.stmtList);
      if (s.line && stmt && (stmt.t === 'sec' || stmt.t === 'num'))
        unit.files = readFileTable(s.line, stmt.v, unit.name, this.str(root, AT.compDir), this.strs, this.lineStrs);
      if (root.tag === TAG.compileUnit || root.tag === 0x3c /* partial unit */) this.roots.push(root);
    }
    // Keys of statics use the unit's file name; fall back to the full name when two units share a basename.
    const count = new Map<string, number>();
    for (const r of this.roots) count.set(basename(r.unit.name), (count.get(basename(r.unit.name)) ?? 0) + 1);
    for (const r of this.roots) r.unit.keyPrefix = count.get(basename(r.unit.name))! > 1 ? r.unit.name.replace(/^\/+/, '') : basename(r.unit.name);
  }

  private readDies(c: Cursor, end: number, unit: Unit, abbrevs: Map<number, Abbrev>): Die | undefined {
    let root: Die | undefined;
    const stack: Die[] = [];
    while (c.pos < end) {
      const off = c.pos;
      const code = c.uleb();
      if (code === 0) { stack.pop(); if (stack.length === 0 && root) break; continue; }
      const ab = abbrevs.get(code);
      if (!ab) c.fail(`expected an abbreviation code defined for this unit, found code ${code}`, off);
      const attrs = new Map<number, Val>();
      for (const a of ab.attrs) attrs.set(a.at, readForm(c, a.form, unit, a.implicit, this.strs, this.lineStrs));
      const die: Die = { off, tag: ab.tag, unit, attrs, children: [] };
      this.dies.set(off, die);
      const parent = stack[stack.length - 1];
      if (parent) parent.children.push(die);
      else if (!root) root = die;
      if (ab.children) stack.push(die);
      else if (!parent) break; // a root without children: unit done
    }
    return root;
  }

  str(die: Die, at: number): string | undefined {
    const v = die.attrs.get(at);
    if (!v) return undefined;
    if (v.t === 'str') return v.v;
    if (v.t !== 'strx') return undefined;
    const u = die.unit;
    if (!this.s.strOffsets) throw new DwarfError(`expected a .debug_str_offsets section for DW_FORM_strx, found none`, '.debug_info', die.off);
    const c = new Cursor(this.s.strOffsets, '.debug_str_offsets', u.strOffsetsBase + v.v * u.offsetSize);
    return this.strs.at(c.uN(u.offsetSize), c, c.pos - u.offsetSize);
  }
  num(die: Die, at: number): number | undefined {
    const v = die.attrs.get(at);
    return v?.t === 'num' ? v.v : undefined;
  }
  flag(die: Die, at: number): boolean {
    const v = die.attrs.get(at);
    return v !== undefined && (v.t === 'flag' ? v.v : v.t === 'num' ? v.v !== 0 : false);
  }
  ref(die: Die, at: number): Die | undefined {
    const v = die.attrs.get(at);
    if (!v) return undefined;
    let off: number | undefined;
    if (v.t === 'ref') off = v.v;
    else if (v.t === 'sig') off = this.typeUnits.get(v.v);
    else return undefined;
    const target = off === undefined ? undefined : this.dies.get(off);
    if (!target) throw new DwarfError(`expected attribute 0x${at.toString(16)} to reference a DIE, found ${v.t === 'sig' ? 'unknown type signature ' + v.v : 'offset 0x' + (off ?? 0).toString(16) + ' that starts none'}`, '.debug_info', die.off);
    return target;
  }
  address(u: Unit, index: number, die: Die): number {
    if (!this.s.addr) throw new DwarfError('expected a .debug_addr section for DW_FORM_addrx/DW_OP_addrx, found none', '.debug_info', die.off);
    return new Cursor(this.s.addr, '.debug_addr', u.addrBase + index * u.addrSize).uN(u.addrSize);
  }
  /** The DIE that carries `at`, following DW_AT_specification / DW_AT_abstract_origin (definitions complete declarations). */
  holder(die: Die, at: number): Die | undefined {
    for (let d: Die | undefined = die, n = 0; d && n < 16; n++) {
      if (d.attrs.has(at)) return d;
      d = this.ref(d, AT.specification) ?? this.ref(d, AT.abstractOrigin);
    }
    return undefined;
  }
  inheritedStr(die: Die, at: number): string | undefined { const h = this.holder(die, at); return h && this.str(h, at); }
  declFile(die: Die): string {
    const h = this.holder(die, AT.declFile);
    const i = h && this.num(h, AT.declFile);
    const path = h && i !== undefined ? h.unit.files[i] : undefined;
    return basename(path ?? die.unit.name);
  }
}

// ---------------------------------------------------------------- types

class TypeBuilder {
  readonly types: CType[] = [{ kind: 'void' }];
  private readonly ids = new Map<Die, TypeId>();
  constructor(private readonly r: Reader) {}

  /** TypeId of the type a DIE's DW_AT_type names (void when absent). */
  typeOf(die: Die): TypeId { const t = this.r.ref(die, AT.type); return t ? this.id(t) : 0; }

  id(die: Die): TypeId {
    const known = this.ids.get(die);
    if (known !== undefined) return known;
    const r = this.r;
    switch (die.tag) {
      case TAG.restrict: case TAG.atomic: { const id = this.typeOf(die); this.ids.set(die, id); return id; } // layout-transparent
      case TAG.unspecType: this.ids.set(die, 0); return 0;
    }
    // Reserve the id first: recursive types come back here through pointers.
    const id = this.types.length;
    this.types.push({ kind: 'void' });
    this.ids.set(die, id);
    const size = r.num(die, AT.byteSize);
    const name = r.str(die, AT.name);
    let t: CType;
    switch (die.tag) {
      case TAG.base: {
        const enc = r.num(die, AT.encoding) ?? 0;
        t = { kind: 'base', name: name ?? '?', size: size ?? 0, encoding: ENCODING[enc] ?? 'unsigned' };
        break;
      }
      case TAG.pointer: case TAG.reference: case TAG.rvalueRef:
        t = { kind: 'pointer', to: this.typeOf(die), size: size ?? die.unit.addrSize };
        break;
      case TAG.const: t = { kind: 'const', to: this.typeOf(die) }; break;
      case TAG.volatile: t = { kind: 'volatile', to: this.typeOf(die) }; break;
      case TAG.typedef: {
        const td: Extract<CType, { kind: 'typedef' }> = { kind: 'typedef', name: name ?? '?', to: this.typeOf(die) };
        const notes = annotationsOf(r, die); // E_GENERIC / E_G on a generic typedef
        if (notes.length) td.annotations = notes;
        t = td;
        break;
      }
      case TAG.struct: case TAG.class: case TAG.union: {
        const s: Extract<CType, { kind: 'struct' | 'union' }> = { kind: die.tag === TAG.union ? 'union' : 'struct', name: name ?? null, size: size ?? 0, fields: [] };
        if (r.flag(die, AT.declaration)) s.incomplete = true;
        const notes = annotationsOf(r, die); // E_GENERIC on a generic struct
        if (notes.length) s.annotations = notes;
        if (die.attrs.has(AT.declFile)) { s.file = r.declFile(die); const line = r.num(die, AT.declLine); if (line !== undefined) s.line = line; }
        t = s;
        this.types[id] = t; // visible before members, which may point back here
        for (const m of die.children) if (m.tag === TAG.member) s.fields.push(this.field(m));
        break;
      }
      case TAG.enum: {
        const base = r.ref(die, AT.type);
        const e: Extract<CType, { kind: 'enum' }> = { kind: 'enum', name: name ?? null, size: size ?? 0, values: [] };
        let signed = true;
        if (base) { e.base = this.id(base); const b = this.strip(e.base); signed = b.kind !== 'base' || b.encoding.startsWith('signed'); }
        for (const en of die.children) {
          if (en.tag !== TAG.enumerator) continue;
          const v = en.attrs.get(AT.constValue);
          let value = v?.t === 'num' ? v.v : 0;
          // Fixed-size data forms carry no sign: extend it from the base type.
          if (v?.t === 'num' && signed && v.w > 0 && v.w < 8 && value >= 2 ** (8 * v.w - 1)) value -= 2 ** (8 * v.w);
          if (v?.t === 'num' && signed && v.w === 8 && value >= 2 ** 63) value -= 2 ** 64;
          e.values.push({ name: r.str(en, AT.name) ?? '?', value });
        }
        t = e;
        break;
      }
      case TAG.array: {
        const of = this.typeOf(die);
        const counts = die.children.filter((c) => c.tag === TAG.subrange).map((c) => this.count(c));
        if (counts.length === 0) counts.push(null);
        // int a[2][3] is one DIE with two subranges: array(2) of array(3) of int.
        let inner = of;
        for (let i = counts.length - 1; i >= 1; i--) { this.types.push({ kind: 'array', of: inner, count: counts[i]! }); inner = this.types.length - 1; }
        t = { kind: 'array', of: inner, count: counts[0]! };
        break;
      }
      case TAG.subroutine: {
        const params: TypeId[] = [];
        let variadic = false;
        for (const p of die.children) {
          if (p.tag === TAG.param) params.push(this.typeOf(p));
          else if (p.tag === TAG.unspecParams) variadic = true;
        }
        t = { kind: 'function', returns: this.typeOf(die), params, variadic };
        break;
      }
      default:
        throw new DwarfError(`expected a C type DIE (base, pointer, struct, union, enum, typedef, array, function, const, volatile), found tag 0x${die.tag.toString(16)}`, '.debug_info', die.off);
    }
    this.types[id] = t;
    return id;
  }

  private strip(id: TypeId): CType {
    let t = this.types[id]!;
    for (let n = 0; n < 64 && (t.kind === 'typedef' || t.kind === 'const' || t.kind === 'volatile'); n++) t = this.types[t.to]!;
    return t;
  }

  private count(sub: Die): number | null {
    const r = this.r;
    const count = sub.attrs.get(AT.count);
    if (count) return count.t === 'num' && count.v >= 0 ? count.v : null; // an expression or reference: a VLA
    const ub = sub.attrs.get(AT.upperBound);
    if (ub?.t !== 'num') return null; // absent (flexible) or an expression (VLA)
    let upper = ub.v;
    if (ub.w > 0 && ub.w < 8 && upper === 2 ** (8 * ub.w) - 1) upper = -1; // data form holding -1
    const lower = r.num(sub, AT.lowerBound) ?? 0;
    return upper < lower ? null : upper - lower + 1;
  }

  private field(m: Die): CField {
    const r = this.r;
    const f: CField = { name: r.str(m, AT.name) ?? null, type: this.typeOf(m), offset: 0 };
    const notes = annotationsOf(r, m);
    if (notes.length) f.annotations = notes;
    const loc = m.attrs.get(AT.memberLocation);
    if (loc?.t === 'num') f.offset = loc.v;
    else if (loc?.t === 'block') f.offset = constExpr(loc.v) ?? 0; // DWARF 2: DW_OP_plus_uconst n
    const bitSize = r.num(m, AT.bitSize);
    if (bitSize !== undefined) {
      f.bitSize = bitSize;
      const dbo = r.num(m, AT.dataBitOffset);
      if (dbo !== undefined) f.bitOffset = dbo;
      else {
        // DWARF 2/3: DW_AT_bit_offset counts from the most significant bit of a storage unit at `offset` (little-endian target).
        const storage = r.num(m, AT.byteSize) ?? sizeOf(this.types, f.type);
        const bo = m.attrs.get(AT.bitOffset);
        const bitOffset = bo?.t === 'num' ? (bo.w > 0 && bo.w < 8 && bo.v >= 2 ** (8 * bo.w - 1) ? bo.v - 2 ** (8 * bo.w) : bo.v) : 0;
        f.bitOffset = f.offset * 8 + storage * 8 - bitOffset - bitSize;
      }
      f.offset = Math.floor(f.bitOffset / 8);
    }
    return f;
  }
}

/** Value of a DWARF 2 member location expression (DW_OP_plus_uconst / DW_OP_constu n). */
function constExpr(b: Uint8Array): number | undefined {
  const c = new Cursor(b, 'expression');
  const op = c.u8();
  return op === 0x23 || op === 0x10 ? c.uleb() : undefined;
}

/** The DW_OP_addr (or DW_OP_addrx) operand of a location expression. PIC side modules say `DW_OP_WASM_location global __memory_base, DW_OP_addr X, DW_OP_plus`. */
function exprAddress(r: Reader, die: Die, b: Uint8Array): { addr: number; plain: boolean } | undefined {
  const c = new Cursor(b, 'location expression');
  let addr: number | undefined, plain = true;
  const u = die.unit;
  while (c.pos < b.length) {
    const op = c.u8();
    if (op === 0x03) { if (addr === undefined) addr = c.uN(u.addrSize); else { c.uN(u.addrSize); plain = false; } continue; }
    if (op === 0xa1 || op === 0xfb) { const a = r.address(u, c.uleb(), die); if (addr === undefined) addr = a; else plain = false; continue; }
    if (op === 0xed) { const kind = c.uleb(); if (kind === 3) c.u32(); else c.uleb(); if (kind !== 1 && kind !== 3) plain = false; continue; } // DW_OP_WASM_location
    if (op === 0x22) continue; // DW_OP_plus
    plain = false;
    // Skip the operands of the ops clang may put around an address; stop at anything else.
    if (op >= 0x30 && op <= 0x6f) continue; // lit*, reg*
    else if (op >= 0x70 && op <= 0x8f) c.sleb(); // breg*
    else if (op === 0x08 || op === 0x09 || op === 0x15 || op === 0x94 || op === 0x95) c.u8(); // const1u/s, pick, deref_size
    else if (op === 0x0a || op === 0x0b || op === 0x28 || op === 0x2f) c.u16(); // const2u/s, bra, skip
    else if (op === 0x0c || op === 0x0d) c.u32();
    else if (op === 0x0e || op === 0x0f) c.take(8);
    else if (op === 0x10 || op === 0x23 || op === 0x90 || op === 0x93 || op === 0xa2 || op === 0xa8 || op === 0xa9) c.uleb();
    else if (op === 0x11 || op === 0x91) c.sleb();
    else if (op === 0x92) { c.uleb(); c.sleb(); }
    else if (op === 0x9d) { c.uleb(); c.uleb(); }
    else if (op === 0x9e || op === 0xa3) c.take(c.uleb());
    else if (op === 0x06 || (op >= 0x12 && op <= 0x2f) || op === 0x96 || op === 0x9f) { /* no operand */ }
    else break;
  }
  return addr === undefined ? undefined : { addr, plain };
}

function sizeOf(types: CType[], id: TypeId, depth = 0): number {
  const t = types[id];
  if (!t || depth > 256) return 0;
  switch (t.kind) {
    case 'void': case 'function': return 0;
    case 'base': case 'pointer': case 'struct': case 'union': case 'enum': return t.size;
    case 'typedef': case 'const': case 'volatile': return sizeOf(types, t.to, depth + 1);
    case 'array': return t.count === null ? 0 : t.count * sizeOf(types, t.of, depth + 1);
  }
}

/** Size in bytes of a type (0 for void, functions and arrays of unknown length). */
export function typeSize(info: DwarfInfo, id: TypeId): number { return sizeOf(info.types, id); }

// ---------------------------------------------------------------- merging identical types

function refsOf(t: CType): TypeId[] {
  switch (t.kind) {
    case 'pointer': case 'typedef': case 'const': case 'volatile': return [t.to];
    case 'struct': case 'union': return t.fields.map((f) => f.type);
    case 'enum': return t.base === undefined ? [] : [t.base];
    case 'array': return [t.of];
    case 'function': return [t.returns, ...t.params];
    default: return [];
  }
}
function mapRefs(t: CType, m: (id: TypeId) => TypeId): CType {
  switch (t.kind) {
    case 'pointer': case 'typedef': case 'const': case 'volatile': return { ...t, to: m(t.to) };
    case 'struct': case 'union': return { ...t, fields: t.fields.map((f) => ({ ...f, type: m(f.type) })) };
    case 'enum': return t.base === undefined ? t : { ...t, base: m(t.base) };
    case 'array': return { ...t, of: m(t.of) };
    case 'function': return { ...t, returns: m(t.returns), params: t.params.map(m) };
    default: return t;
  }
}
/** Everything about a type except the types it refers to. */
function label(t: CType): string {
  switch (t.kind) {
    case 'void': case 'const': case 'volatile': return t.kind;
    case 'base': return JSON.stringify([t.kind, t.name, t.size, t.encoding]);
    case 'pointer': return JSON.stringify([t.kind, t.size]);
    case 'typedef': return JSON.stringify([t.kind, t.name, t.annotations ?? []]);
    case 'array': return JSON.stringify([t.kind, t.count]);
    case 'function': return JSON.stringify([t.kind, t.params.length, t.variadic]);
    case 'enum': return JSON.stringify([t.kind, t.name, t.size, t.base !== undefined, t.values]);
    case 'struct': case 'union':
      return JSON.stringify([t.kind, t.name, t.size, t.incomplete ?? false, t.file ?? null, t.line ?? null, t.fields.map((f) => [f.name, f.offset, f.bitSize ?? null, f.bitOffset ?? null]), t.annotations ?? []]);
  }
}

/** Keeps one representative per class: rep(id) is the old id standing for id. */
function compact(types: CType[], vars: CVariable[], rep: (id: TypeId) => TypeId): CType[] {
  const newId = new Map<TypeId, TypeId>();
  types.forEach((_, i) => { if (rep(i) === i) newId.set(i, newId.size); });
  const m = (id: TypeId): TypeId => newId.get(rep(id))!;
  for (const v of vars) v.type = m(v.type);
  return types.filter((_, i) => rep(i) === i).map((t) => mapRefs(t, m));
}

/**
 * Partition refinement (Moore): nodes start in classes by label and are split
 * by the classes of what they refer to until nothing splits. Nodes left in one
 * class are indistinguishable, cycles included.
 */
function refine(labels: string[], refs: TypeId[][]): number[] {
  const classify = (keys: string[]): [number[], number] => {
    const ids = new Map<string, number>();
    return [keys.map((k) => { let c = ids.get(k); if (c === undefined) ids.set(k, (c = ids.size)); return c; }), ids.size];
  };
  let [cls, n] = classify(labels);
  for (;;) {
    const [next, m] = classify(refs.map((r, i) => cls[i] + ':' + r.map((x) => cls[x]).join(',')));
    cls = next;
    if (m === n) return cls;
    n = m;
  }
}

/** Merges structurally identical types (e.g. `int` or a header's struct in every unit). */
function minimize(types: CType[], vars: CVariable[]): CType[] {
  const cls = refine(types.map(label), types.map(refsOf));
  const first = new Map<number, TypeId>();
  cls.forEach((c, i) => { if (!first.has(c)) first.set(c, i); });
  return compact(types, vars, (id) => first.get(cls[id]!)!);
}

/** An opaque `struct foo` in one unit is the `struct foo` another unit defines, when exactly one distinct definition exists. */
function resolveIncomplete(types: CType[], vars: CVariable[]): CType[] {
  const defs = new Map<string, TypeId[]>();
  types.forEach((t, i) => {
    if ((t.kind === 'struct' || t.kind === 'union') && t.name !== null && !t.incomplete) {
      const k = t.kind + ' ' + t.name;
      defs.set(k, [...(defs.get(k) ?? []), i]);
    }
  });
  const alias = new Map<TypeId, TypeId>();
  types.forEach((t, i) => {
    if ((t.kind === 'struct' || t.kind === 'union') && t.incomplete && t.name !== null) {
      const d = defs.get(t.kind + ' ' + t.name);
      if (d?.length === 1) alias.set(i, d[0]!);
    }
  });
  return alias.size ? compact(types, vars, (id) => alias.get(id) ?? id) : types;
}

// ---------------------------------------------------------------- variables and the entry points

/** btf_decl_tag("...") strings on a DIE or the declaration it completes. */
function annotationsOf(r: Reader, die: Die): string[] {
  const out: string[] = [];
  for (let d: Die | undefined = die, n = 0; d && n < 4; d = r.ref(d, AT.specification) ?? r.ref(d, AT.abstractOrigin), n++) {
    for (const c of d.children) {
      if (c.tag === TAG.llvmAnnotation && r.str(c, AT.name) === 'btf_decl_tag') {
        const v = r.str(c, AT.constValue);
        if (v !== undefined && !out.includes(v)) out.push(v);
      }
    }
  }
  return out;
}

export function readDwarf(sections: DwarfSections, options: ReadDwarfOptions = {}): DwarfInfo {
  const r = new Reader(sections);
  const tb = new TypeBuilder(r);
  const noted = new Set(options.noteLocalsFunctions ?? []);
  const variables: CVariable[] = [];
  const seen = new Set<string>();
  let producer: string | undefined;

  const addVar = (die: Die, fn: string | undefined, isParam: boolean): void => {
    const name = r.inheritedStr(die, AT.name);
    if (!name || r.flag(die, AT.artificial)) return; // artificial: compiler-made, e.g. a VLA's bound
    const loc = die.attrs.get(AT.location); // own: an abstract origin's location is not this instance's
    const where = loc?.t === 'block' ? exprAddress(r, die, loc.v) : undefined;
    const typeHolder = r.holder(die, AT.type);
    const type = typeHolder ? tb.typeOf(typeHolder) : 0;
    const lineHolder = r.holder(die, AT.declLine);
    const line = (lineHolder && r.num(lineHolder, AT.declLine)) ?? 0;
    const file = r.declFile(die);
    let v: CVariable;
    if (fn === undefined) {
      if (!where) return; // declaration, optimized out, or constant-folded (DW_AT_const_value)
      const extHolder = r.holder(die, AT.external);
      const ext = extHolder !== undefined && r.flag(extHolder, AT.external);
      v = { key: ext ? name : `${die.unit.keyPrefix}/${name}`, name, kind: ext ? 'global' : 'static', file, line, type, size: 0, offset: where.addr };
    } else if (where) {
      v = { key: `${die.unit.keyPrefix}/${fn}#${name}`, name, kind: 'local-static', file, line, function: fn, type, size: 0, offset: where.addr };
    } else {
      if (!noted.has(fn) || !loc || r.flag(die, AT.declaration)) return;
      v = { key: `${fn}#${name}`, name, kind: 'local', file, line, function: fn, type, size: 0 };
      if (isParam) v.param = true;
    }
    if (where && !where.plain) v.complexLocation = true;
    const notes = annotationsOf(r, die);
    if (notes.length) v.annotations = notes;
    // Inlined copies and abstract/concrete pairs describe the same variable more than once.
    const id = `${v.key}@${v.offset ?? ''}@${v.line}@${typeHolder?.off ?? 0}`;
    if (seen.has(id)) return;
    seen.add(id);
    variables.push(v);
  };

  const walk = (die: Die, fn: string | undefined): void => {
    for (const c of die.children) {
      switch (c.tag) {
        case TAG.variable: addVar(c, fn, false); break;
        case TAG.param: if (fn !== undefined) addVar(c, fn, true); break;
        case TAG.subprogram: case TAG.inlined: {
          const name = r.inheritedStr(c, AT.name) ?? fn;
          if (name && annotationsOf(r, c).includes('kitsune:notelocals')) noted.add(name);
          walk(c, name);
          break;
        }
        case TAG.lexBlock: walk(c, fn); break;
        case TAG.base: case TAG.pointer: case TAG.struct: case TAG.union: case TAG.class: case TAG.enum:
        case TAG.typedef: case TAG.array: case TAG.subroutine: case TAG.const: case TAG.volatile:
          tb.id(c); // every type, also those no variable uses (heap-only structs)
          break;
      }
    }
  };
  for (const root of r.roots) {
    producer ??= r.str(root, AT.producer);
    walk(root, undefined);
  }
  for (const v of variables) v.size = sizeOf(tb.types, v.type);
  let types = minimize(tb.types, variables);
  types = minimize(resolveIncomplete(types, variables), variables);
  const info: DwarfInfo = { types, variables };
  if (producer !== undefined) info.producer = producer;
  return info;
}

/**
 * The .debug_* custom sections of a wasm binary. Parses the section list
 * itself rather than `new WebAssembly.Module` + `customSections`: that would
 * compile all code, and browsers refuse synchronous compiles of more than
 * 4 KB on the main thread. Returned arrays are views into `bytes`.
 */
export function dwarfSectionsFromWasm(bytes: Uint8Array): DwarfSections | null {
  const c = new Cursor(bytes, 'wasm module');
  if (bytes.length < 8 || c.u32() !== 0x6d736100) c.fail('expected the wasm magic number \\0asm, found something else', 0);
  c.u32(); // version
  const found = new Map<string, Uint8Array>();
  while (c.pos < bytes.length) {
    const id = c.u8();
    const size = c.uleb();
    const start = c.pos;
    c.need(size, `a section of ${size} bytes`);
    if (id === 0) {
      const name = utf8.decode(c.take(c.uleb()));
      if (name.startsWith('.debug_') && !found.has(name)) found.set(name, bytes.subarray(c.pos, start + size));
    }
    c.pos = start + size;
  }
  const info = found.get('.debug_info'), abbrev = found.get('.debug_abbrev');
  if (!info) return null;
  if (!abbrev) throw new DwarfError('expected a .debug_abbrev custom section next to .debug_info, found none');
  const s: DwarfSections = { info, abbrev };
  const opt = { str: '.debug_str', strOffsets: '.debug_str_offsets', addr: '.debug_addr', lineStr: '.debug_line_str', line: '.debug_line' } as const;
  for (const [k, name] of Object.entries(opt) as [keyof typeof opt, string][]) { const b = found.get(name); if (b) s[k] = b; }
  return s;
}

// ---------------------------------------------------------------- printing

/** Follows typedefs, which signatures do not see. */
function untypedef(types: CType[], id: TypeId): TypeId {
  for (let n = 0, t = types[id]; t?.kind === 'typedef' && n < 256; n++, t = types[id]) id = t.to;
  return id;
}

/**
 * Classes of types that no signature can tell apart (typedefs transparent,
 * declaration places ignored), by partition refinement as in `minimize`.
 * Printing the quotient graph makes the text canonical: of two bisimilar
 * types, each prints exactly as the other would.
 */
function signatureClasses(types: CType[]): number[] {
  const labels = types.map((t) => {
    if (t.kind === 'struct' || t.kind === 'union') { const { file, line, annotations, ...rest } = t; return label(rest); }
    return t.kind === 'typedef' ? 'typedef' : label(t);
  });
  return refine(labels, types.map((t) => refsOf(t).map((x) => untypedef(types, x))));
}

const sigCaches = new WeakMap<DwarfInfo, { classes: number[]; memo: Map<TypeId, string> }>();

/**
 * Canonical structural text of a type: two types (from any two builds) are the
 * same iff their signatures are equal. Typedefs are transparent; struct, union
 * and enum tags, sizes, field names, offsets and bitfields count. Each struct,
 * union or enum is spelled out where it first occurs and named by its tag after
 * that (so recursion ends and the text stays linear in the size of the type
 * graph); `#2` tells apart a second, different type with the same tag, and
 * `struct #1` names an anonymous one.
 * Examples: 'struct node(8){int v@0;struct node* next@4}',
 * 'struct flags(4){unsigned int a:3@0b;unsigned int b:5@3b}' (bitfields at bits
 * 0 and 3), 'char const*', 'char* const', 'int[2][3]', 'int(int,char**)*'.
 */
export function typeSignature(info: DwarfInfo, id: TypeId): string {
  let cache = sigCaches.get(info);
  if (!cache) sigCaches.set(info, (cache = { classes: signatureClasses(info.types), memo: new Map() }));
  const { classes, memo } = cache;
  const hit = memo.get(id);
  if (hit !== undefined) return hit;
  const named = new Map<number, string>(); // class -> name given at its first spelling
  const tagUses = new Map<string, number>();
  const go = (id: TypeId): string => {
    id = untypedef(info.types, id);
    const t = info.types[id];
    if (!t) throw new DwarfError(`expected a TypeId below ${info.types.length}, found ${id}`);
    switch (t.kind) {
      case 'void': return 'void';
      case 'base': return t.name;
      case 'pointer': return go(t.to) + '*';
      case 'typedef': return go(t.to); // only a typedef cycle gets here
      case 'const': case 'volatile': return go(t.to) + ' ' + t.kind;
      case 'array': {
        let dims = '', e: CType = t, eid = id;
        for (; e.kind === 'array'; e = info.types[eid]!) { dims += `[${e.count ?? ''}]`; eid = untypedef(info.types, e.of); }
        return go(eid) + dims;
      }
      case 'function': return `${go(t.returns)}(${[...t.params.map(go), ...(t.variadic ? ['...'] : [])].join(',')})`;
      case 'struct': case 'union': case 'enum': {
        const c = classes[id]!;
        const seen = named.get(c);
        if (seen !== undefined) return seen;
        const tag = `${t.kind} ${t.name ?? ''}`;
        const n = (tagUses.get(tag) ?? 0) + 1;
        tagUses.set(tag, n);
        const name = t.name !== null && n === 1 ? tag : `${tag}#${n}`;
        named.set(c, name);
        if (t.kind === 'enum') return `${name}(${t.size}){${t.values.map((v) => `${v.name}=${v.value}`).join(',')}}`;
        if (t.incomplete) return `${name}{?}`;
        const body = t.fields.map((f) => `${go(f.type)} ${f.name ?? ''}${f.bitSize !== undefined ? `:${f.bitSize}@${f.bitOffset ?? f.offset * 8}b` : `@${f.offset}`}`);
        return `${name}(${t.size}){${body.join(';')}}`;
      }
    }
  };
  const s = go(id);
  memo.set(id, s);
  return s;
}

/** C-like display name: 'struct node *', 'int[10]', 'const char *', 'int (*)(int, char **)', typedef names as written. */
export function typeName(info: DwarfInfo, id: TypeId): string {
  const T = (x: TypeId): CType => info.types[x] ?? { kind: 'void' };
  const decl = (x: TypeId, inner: string, depth: number): string => {
    const t = T(x);
    if (depth > 200) return '...';
    const wrap = (s: string): string => (s.startsWith('*') ? `(${s})` : s);
    switch (t.kind) {
      case 'pointer': return decl(t.to, '*' + inner, depth + 1);
      case 'const': case 'volatile': {
        const quals: string[] = [];
        let u: CType = t;
        let uid = x;
        while (u.kind === 'const' || u.kind === 'volatile') { if (!quals.includes(u.kind)) quals.push(u.kind); uid = u.to; u = T(uid); }
        // A qualified pointer puts its qualifier after the star: char *const.
        if (u.kind === 'pointer') return decl(u.to, '*' + quals.join(' ') + (inner ? ' ' + inner : ''), depth + 1);
        return quals.join(' ') + ' ' + decl(uid, inner, depth + 1);
      }
      case 'array': return decl(t.of, wrap(inner) + `[${t.count ?? ''}]`, depth + 1);
      case 'function': {
        const ps = t.params.map((p) => typeName(info, p));
        if (t.variadic) ps.push('...');
        return decl(t.returns, wrap(inner) + `(${ps.length ? ps.join(', ') : 'void'})`, depth + 1);
      }
      default: {
        const spec = t.kind === 'void' ? 'void' : t.kind === 'base' || t.kind === 'typedef' ? t.name
          : `${t.kind} ${t.name ?? '<anonymous>'}`;
        return inner === '' ? spec : inner.startsWith('[') ? spec + inner : spec + ' ' + inner;
      }
    }
  };
  return decl(id, '', 0);
}

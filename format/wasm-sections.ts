// Just enough of the Wasm binary format to read and write what kitsune-wasm
// keeps in modules: custom sections, dylink.0, import limits, function names.
import { KitsuneError } from './errors.js';

export interface Section { id: number; name?: string; start: number; end: number; contentStart: number }

export class Reader {
  pos: number;
  constructor(readonly bytes: Uint8Array, pos = 0, readonly end = bytes.length) { this.pos = pos; }
  u8(): number {
    if (this.pos >= this.end) throw new KitsuneError('E_MODULE', `unexpected end of module data at byte ${this.pos}`);
    return this.bytes[this.pos++];
  }
  uleb(): number {
    let result = 0, shift = 0, byte: number;
    do { byte = this.u8(); result += (byte & 0x7f) * 2 ** shift; shift += 7; } while (byte & 0x80);
    return result;
  }
  sleb(): number {
    let result = 0, shift = 0, byte: number;
    do { byte = this.u8(); result += (byte & 0x7f) * 2 ** shift; shift += 7; } while (byte & 0x80);
    if (byte & 0x40) result -= 2 ** shift;
    return result;
  }
  name(): string {
    const n = this.uleb();
    if (this.pos + n > this.end) throw new KitsuneError('E_MODULE', `a name runs past the end of its section at byte ${this.pos}`);
    const s = new TextDecoder().decode(this.bytes.subarray(this.pos, this.pos + n));
    this.pos += n;
    return s;
  }
  limits(): { min: number; max?: number; shared: boolean } {
    const flags = this.u8();
    const min = this.uleb();
    const max = flags & 1 ? this.uleb() : undefined;
    return { min, max, shared: (flags & 2) !== 0 };
  }
}

const MAGIC = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];

export function isWasm(bytes: Uint8Array): boolean {
  return bytes.length >= 8 && MAGIC.every((b, i) => bytes[i] === b);
}

export function sections(bytes: Uint8Array): Section[] {
  if (!isWasm(bytes)) {
    throw new KitsuneError('E_NOT_WASM', `expected a WebAssembly module (bytes 00 61 73 6d 01 00 00 00), found ${hex(bytes.subarray(0, 8))}`);
  }
  const r = new Reader(bytes, 8);
  const out: Section[] = [];
  while (r.pos < bytes.length) {
    const start = r.pos;
    const id = r.u8();
    const size = r.uleb();
    const contentStart = r.pos;
    const end = contentStart + size;
    if (end > bytes.length) throw new KitsuneError('E_MODULE', `section ${id} at byte ${start} claims ${size} bytes, past the end of the module (${bytes.length} bytes)`);
    const s: Section = { id, start, end, contentStart };
    if (id === 0) { s.name = r.name(); s.contentStart = r.pos; }
    out.push(s);
    r.pos = end;
  }
  return out;
}

export function customSection(bytes: Uint8Array, name: string): Uint8Array | undefined {
  const s = sections(bytes).find((x) => x.id === 0 && x.name === name);
  return s && bytes.subarray(s.contentStart, s.end);
}

function uleb(n: number): number[] {
  const out: number[] = [];
  do { let b = n & 0x7f; n = Math.floor(n / 128); if (n) b |= 0x80; out.push(b); } while (n);
  return out;
}

/** A copy of the module without the custom sections `drop` selects, plus `add`. */
export function rewriteCustomSections(bytes: Uint8Array, drop: (name: string) => boolean, add: Record<string, Uint8Array> = {}): Uint8Array {
  const parts: Uint8Array[] = [bytes.subarray(0, 8)];
  for (const s of sections(bytes)) {
    if (s.id === 0 && (drop(s.name!) || s.name! in add)) continue;
    parts.push(bytes.subarray(s.start, s.end));
  }
  for (const [name, content] of Object.entries(add)) {
    const nameBytes = new TextEncoder().encode(name);
    const body = [...uleb(nameBytes.length), ...nameBytes];
    parts.push(new Uint8Array([0, ...uleb(body.length + content.length), ...body]), content);
  }
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) { out.set(p, o); o += p.length; }
  return out;
}

export interface DylinkInfo { memorySize: number; memoryAlign: number; tableSize: number; tableAlign: number; needed: string[] }

/** The dylink.0 section of a position-independent side module. */
export function readDylink(bytes: Uint8Array): DylinkInfo | undefined {
  const s = customSection(bytes, 'dylink.0');
  return s && parseDylink(s);
}

/** The content of a dylink.0 section (as WebAssembly.Module.customSections gives it). */
export function parseDylink(s: Uint8Array): DylinkInfo {
  const r = new Reader(s);
  const info: DylinkInfo = { memorySize: 0, memoryAlign: 0, tableSize: 0, tableAlign: 0, needed: [] };
  while (r.pos < s.length) {
    const type = r.u8();
    const len = r.uleb();
    const end = r.pos + len;
    if (type === 1) {
      info.memorySize = r.uleb(); info.memoryAlign = r.uleb();
      info.tableSize = r.uleb(); info.tableAlign = r.uleb();
    } else if (type === 2) {
      const n = r.uleb();
      for (let i = 0; i < n; i++) info.needed.push(r.name());
    }
    r.pos = end;
  }
  return info;
}

export interface ImportLimits { memory?: { min: number; max?: number; shared: boolean }; table?: { min: number; max?: number } }

/** Limits of the imported memory and table (Node 20 has no type reflection). */
export function importLimits(bytes: Uint8Array): ImportLimits {
  const s = sections(bytes).find((x) => x.id === 2);
  const out: ImportLimits = {};
  if (!s) return out;
  const r = new Reader(bytes, s.contentStart, s.end);
  const n = r.uleb();
  for (let i = 0; i < n; i++) {
    r.name(); r.name();
    const kind = r.u8();
    if (kind === 0) r.uleb();
    else if (kind === 1) { r.u8(); out.table = r.limits(); }
    else if (kind === 2) out.memory = r.limits();
    else if (kind === 3) { r.u8(); r.u8(); }
    else if (kind === 4) { r.u8(); r.uleb(); }
    else throw new KitsuneError('E_MODULE', `unknown import kind ${kind} at byte ${r.pos - 1}`);
  }
  return out;
}

/** Function names from the `name` section, by function index. */
export function functionNames(bytes: Uint8Array): Map<number, string> {
  const names = new Map<number, string>();
  const s = customSection(bytes, 'name');
  if (!s) return names;
  const r = new Reader(s);
  while (r.pos < s.length) {
    const kind = r.u8();
    const len = r.uleb();
    const end = r.pos + len;
    if (kind === 1) {
      const n = r.uleb();
      for (let i = 0; i < n; i++) { const idx = r.uleb(); names.set(idx, r.name()); }
    }
    r.pos = end;
  }
  return names;
}

export function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join(' ') || '(nothing)';
}

const VALUE_BYTES: Record<number, number> = { 0x7f: 4, 0x7e: 8, 0x7d: 4, 0x7c: 8, 0x7b: 16, 0x70: 8, 0x6f: 8 };

/**
 * An upper bound, per function index (imports included, as 0), of what
 * Asyncify saves for one frame of that function when it unwinds: every
 * parameter and local at its size, the call index, and slack. The driver
 * sums it over the frames on the stack at an update point to size the save
 * buffer before unwinding: Asyncify checks the buffer's end only when the
 * unwind is over, after writing past it.
 */
export function frameSaveBytes(bytes: Uint8Array): Uint32Array {
  const all = sections(bytes);
  const at = (id: number) => all.find((s) => s.id === id);
  const types: number[] = [];
  const t = at(1);
  if (t) {
    const r = new Reader(bytes, t.contentStart, t.end);
    for (let i = 0, n = r.uleb(); i < n; i++) {
      if (r.u8() !== 0x60) throw new KitsuneError('E_MODULE', `type ${i} is not a function type`);
      let size = 0;
      for (let k = 0, p = r.uleb(); k < p; k++) size += VALUE_BYTES[r.u8()] ?? 16;
      for (let k = 0, q = r.uleb(); k < q; k++) r.u8();
      types.push(size);
    }
  }
  let imported = 0;
  const im = at(2);
  if (im) {
    const r = new Reader(bytes, im.contentStart, im.end);
    for (let i = 0, n = r.uleb(); i < n; i++) {
      r.name(); r.name();
      const kind = r.u8();
      if (kind === 0) { r.uleb(); imported++; }
      else if (kind === 1) { r.u8(); r.limits(); }
      else if (kind === 2) r.limits();
      else if (kind === 3) { r.u8(); r.u8(); }
      else if (kind === 4) { r.u8(); r.uleb(); }
      else throw new KitsuneError('E_MODULE', `unknown import kind ${kind} at byte ${r.pos - 1}`);
    }
  }
  const sigs: number[] = [];
  const fn = at(3);
  if (fn) {
    const r = new Reader(bytes, fn.contentStart, fn.end);
    for (let i = 0, n = r.uleb(); i < n; i++) sigs.push(types[r.uleb()] ?? 0);
  }
  const out = new Uint32Array(imported + sigs.length);
  const code = at(10);
  if (code) {
    const r = new Reader(bytes, code.contentStart, code.end);
    for (let i = 0, n = r.uleb(); i < n; i++) {
      const size = r.uleb(), end = r.pos + size;
      let locals = 0;
      for (let k = 0, d = r.uleb(); k < d; k++) { const count = r.uleb(); locals += count * (VALUE_BYTES[r.u8()] ?? 16); }
      out[imported + i] = 4 + (sigs[i] ?? 0) + locals + 16;
      r.pos = end;
    }
  }
  return out;
}

// Reads a running program's state out of its memory, as the inspector shows
// it: every global, static and migrated local decoded by its DWARF type (from
// the version's `kitsune` section), and the heap objects reachable from them,
// typed by the pointers that lead there. Heap blocks are recognised by
// dlmalloc's chunk headers (the runtime's allocator, see runtime/kitsune_rt.c
// and is_block in kitsune_xf.c): on wasm32 the word before a
// payload is the chunk's head, its size with bit 1 set while in use, and the
// next chunk's head has bit 0 set while this one is.
import { typeName, typeSignature, typeSize, type CType, type DwarfInfo, type TypeId } from '../../compiler/dwarf.js';
import type { KitsuneMeta, VersionLayout } from './kitsune.js';

export interface VersionView {
  meta: KitsuneMeta;
  layout: VersionLayout;
  /** MIGRATE_LOCAL locals by key, as the driver's `local` events placed them. */
  locals: Map<string, { addr: number; size: number }>;
}

export interface MemoryImage { u8: Uint8Array; dv: DataView }

export function memoryImage(bytes: Uint8Array): MemoryImage {
  return { u8: bytes, dv: new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength) };
}

export interface Block { addr: number; size: number }

/** The in-use heap block whose payload starts at `p`, with its usable size. */
export function blockAt(m: MemoryImage, p: number, heapBase: number): Block | undefined {
  if (p < heapBase + 8 || p % 8 || p + 8 > m.u8.length) return undefined;
  const head = m.dv.getUint32(p - 4, true);
  const size = head & ~7;
  if (!(head & 2) || size < 16 || p - 8 + size + 8 > m.u8.length) return undefined;
  const next = m.dv.getUint32(p - 8 + size + 4, true);
  return next & 1 ? { addr: p, size: size - 4 } : undefined;
}

/** The in-use block containing `p` (an interior pointer), looking back at most 64 KiB. */
export function blockContaining(m: MemoryImage, p: number, heapBase: number): Block | undefined {
  const direct = blockAt(m, p, heapBase);
  if (direct) return direct;
  for (let c = p - (p % 8); c > heapBase && p - c < 65536; c -= 8) {
    const b = blockAt(m, c, heapBase);
    if (b && p < b.addr + b.size) return b;
  }
  return undefined;
}

export type Value =
  | { k: 'num'; text: string }
  | { k: 'ptr'; addr: number; text: string; to?: number }
  | { k: 'str'; addr: number; text: string }
  | { k: 'rec'; fields: { name: string; value: Value }[] }
  | { k: 'arr'; items: Value[]; more: number };

/** A pointer from a variable or object (`from` is the field path) to the heap block at `to`. */
export interface Ref { from: string; to: number }

export interface ObjectState {
  addr: number;
  /** Usable bytes of its block. */
  size: number;
  type: TypeId | null;
  typeName: string;
  signature: string;
  count: number;
  items: Value[];
  refs: Ref[];
}

export interface VarState {
  key: string; name: string; kind: string; typeName: string; signature: string;
  addr: number; size: number; value: Value; refs: Ref[];
}

export interface StateImage {
  version: VersionView;
  vars: VarState[];
  objects: Map<number, ObjectState>;
  /** Reachable objects left out past the cap. */
  truncated: number;
}

export interface Resolver {
  /** The function a table slot holds, by name. */
  fnName(slot: number): string | undefined;
  /** `&key` for an address inside some version's static data, if a variable is there. */
  dataName(addr: number): string | undefined;
}

const hex = (n: number) => `0x${n.toString(16)}`;
const MAX_ITEMS = 16;

export function readState(m: MemoryImage, v: VersionView, heapBase: number, resolve: Resolver, maxObjects = 160): StateImage {
  const info: DwarfInfo = { types: v.meta.types as CType[], variables: [] };
  const T = (id: TypeId): CType => info.types[id] ?? { kind: 'void' };
  const strip = (id: TypeId): TypeId => {
    for (let i = 0; i < 64; i++) {
      const t = T(id);
      if (t.kind === 'typedef' || t.kind === 'const' || t.kind === 'volatile') id = t.to; else break;
    }
    return id;
  };
  const objects = new Map<number, ObjectState>();
  const queue: { block: Block; type: TypeId | null; count?: number }[] = [];
  let truncated = 0;
  const inMem = (p: number, n: number) => p >= 0 && p + n <= m.u8.length;

  const cstring = (p: number): string | undefined => {
    if (!p || !inMem(p, 1)) return undefined;
    let s = '';
    for (let i = 0; i < 48; i++) {
      const c = m.u8[p + i];
      if (c === undefined || c === 0) return s;
      if (c < 32 && c !== 9 && c !== 10) return undefined;
      s += c < 127 ? String.fromCharCode(c) : '?';
    }
    return s + '…';
  };

  const enqueue = (p: number, type: TypeId | null, count?: number): number | undefined => {
    const block = blockContaining(m, p, heapBase);
    if (!block) return undefined;
    if (!objects.has(block.addr) && !queue.some((q) => q.block.addr === block.addr)) {
      // A pointer into the middle of a block says nothing of the block's own type.
      queue.push({ block, type: p === block.addr ? type : null, ...(count !== undefined ? { count } : {}) });
    }
    return block.addr;
  };

  const scalar = (t: Extract<CType, { kind: 'base' }>, at: number): string => {
    const { dv } = m;
    switch (t.encoding) {
      case 'float': return t.size === 4 ? String(+dv.getFloat32(at, true).toPrecision(6)) : String(+dv.getFloat64(at, true).toPrecision(10));
      case 'boolean': return dv.getUint8(at) ? 'true' : 'false';
      case 'signed_char': case 'unsigned_char': {
        const c = t.encoding === 'signed_char' ? dv.getInt8(at) : dv.getUint8(at);
        return c >= 32 && c < 127 ? `${c} '${String.fromCharCode(c)}'` : String(c);
      }
      default: {
        const signed = t.encoding === 'signed';
        if (t.size === 1) return String(signed ? dv.getInt8(at) : dv.getUint8(at));
        if (t.size === 2) return String(signed ? dv.getInt16(at, true) : dv.getUint16(at, true));
        if (t.size === 8) return String(signed ? dv.getBigInt64(at, true) : dv.getBigUint64(at, true));
        return String(signed ? dv.getInt32(at, true) : dv.getUint32(at, true));
      }
    }
  };

  const readInt = (id: TypeId, at: number): number | undefined => {
    const t = T(strip(id));
    if (t.kind !== 'base' && t.kind !== 'enum') return undefined;
    const size = t.size;
    return size === 1 ? m.dv.getInt8(at) : size === 2 ? m.dv.getInt16(at, true) : size === 8 ? Number(m.dv.getBigInt64(at, true)) : m.dv.getInt32(at, true);
  };

  /** E_PTRARRAY(n) or E_PTRARRAY(self.field) on a field: how many objects its pointer points to. */
  const ptrCount = (annotations: string[] | undefined, fields: readonly { name: string | null; type: TypeId; offset: number }[], base: number): number | undefined => {
    const a = annotations?.find((x) => x.startsWith('kitsune:ptrarray:'))?.slice('kitsune:ptrarray:'.length);
    if (!a) return undefined;
    if (/^\d+$/.test(a)) return +a;
    const f = fields.find((x) => x.name === a.replace(/^self\./, ''));
    return f ? readInt(f.type, base + f.offset) : undefined;
  };

  const decode = (id: TypeId, at: number, path: string, refs: Ref[], depth: number, count?: number): Value => {
    const sid = strip(id);
    const t = T(sid);
    if (!inMem(at, Math.max(1, typeSize(info, sid)))) return { k: 'num', text: '?' };
    switch (t.kind) {
      case 'base': return { k: 'num', text: scalar(t, at) };
      case 'enum': {
        const n = readInt(sid, at)!;
        return { k: 'num', text: t.values.find((x) => x.value === n)?.name ?? String(n) };
      }
      case 'pointer': {
        const p = m.dv.getUint32(at, true);
        if (!p) return { k: 'ptr', addr: 0, text: 'NULL' };
        const to = strip(t.to), tt = T(to);
        if (tt.kind === 'function') {
          const name = resolve.fnName(p);
          return { k: 'ptr', addr: p, text: name ? `${name}()` : `function #${p}` };
        }
        if (tt.kind === 'base' && tt.size === 1) {
          const s = cstring(p);
          if (s !== undefined) return { k: 'str', addr: p, text: JSON.stringify(s) };
        }
        const global = resolve.dataName(p);
        if (global) return { k: 'ptr', addr: p, text: global };
        const target = enqueue(p, tt.kind === 'void' ? null : to, count);
        if (target !== undefined) { refs.push({ from: path, to: target }); return { k: 'ptr', addr: p, text: `→ ${hex(p)}`, to: target }; }
        return { k: 'ptr', addr: p, text: hex(p) };
      }
      case 'struct': case 'union': {
        if (depth > 6) return { k: 'num', text: '{…}' };
        const fields = t.kind === 'union' ? t.fields.slice(0, 1) : t.fields;
        return {
          k: 'rec', fields: fields.map((f) => {
            const name = f.name ?? '';
            if (f.bitSize !== undefined) {
              const bit = f.bitOffset ?? f.offset * 8;
              let word = 0n;
              for (let i = 0; i < 8 && inMem(at + (bit >> 3) + i, 1); i++) word |= BigInt(m.u8[at + (bit >> 3) + i]!) << BigInt(8 * i);
              return { name, value: { k: 'num', text: String((word >> BigInt(bit & 7)) & ((1n << BigInt(f.bitSize)) - 1n)) } as Value };
            }
            const n = ptrCount(f.annotations, t.fields, at);
            return { name, value: decode(f.type, at + f.offset, path ? `${path}.${name}` : name, refs, depth + 1, n) };
          }),
        };
      }
      case 'array': {
        const elem = typeSize(info, t.of);
        const n = t.count ?? 0;
        const et = T(strip(t.of));
        if (et.kind === 'base' && et.size === 1 && et.encoding !== 'boolean') {
          // A char array holds text, up to its NUL.
          const bytes = m.u8.subarray(at, at + n);
          const end = bytes.indexOf(0);
          const text = new TextDecoder().decode(bytes.subarray(0, end < 0 ? n : end));
          if (!/[\x00-\x08\x0e-\x1f]/.test(text)) return { k: 'str', addr: at, text: JSON.stringify(text) };
        }
        const items: Value[] = [];
        // Every element's pointers count; only the first few are shown.
        for (let i = 0; i < Math.min(n, 256); i++) {
          const v = decode(t.of, at + i * elem, `${path}[${i}]`, refs, depth + 1);
          if (i < MAX_ITEMS) items.push(v);
        }
        return { k: 'arr', items, more: Math.max(0, n - MAX_ITEMS) };
      }
      default: return { k: 'num', text: '' };
    }
  };

  const vars: VarState[] = [];
  for (const x of v.meta.variables) {
    // Each variable lives in a cell of its own (the layout lists where); locals where MIGRATE_LOCAL found them.
    const addr = v.layout.variables?.find((c) => c.key === x.key)?.addr ?? v.locals.get(x.key)?.addr;
    if (addr === undefined) continue;
    const refs: Ref[] = [];
    const n = ptrCount(x.annotations, [], addr);
    const value = decode(x.type, addr, x.name, refs, 0, n);
    vars.push({ key: x.key, name: x.name, kind: x.kind, typeName: x.typeName, signature: x.signature, addr, size: x.size, value, refs });
  }

  // MIGRATE_LOCAL locals of functions not marked E_NOTELOCALS: the driver knows their address and size, DWARF was not asked for their type.
  for (const [key, l] of v.locals) {
    if (vars.some((x) => x.key === key) || !inMem(l.addr, l.size)) continue;
    const text = l.size === 4 ? String(m.dv.getInt32(l.addr, true)) : l.size === 8 ? String(m.dv.getBigInt64(l.addr, true))
      : Array.from(m.u8.subarray(l.addr, l.addr + Math.min(l.size, 16)), (b) => b.toString(16).padStart(2, '0')).join(' ');
    vars.push({ key, name: key.split('#').pop()!, kind: 'local', typeName: `${l.size} bytes (untyped: its function is not E_NOTELOCALS)`, signature: `bytes${l.size}`, addr: l.addr, size: l.size, value: { k: 'num', text }, refs: [] });
  }

  while (queue.length) {
    const q = queue.shift()!;
    if (objects.has(q.block.addr)) continue;
    if (objects.size >= maxObjects) { truncated++; continue; }
    const refs: Ref[] = [];
    const items: Value[] = [];
    let type = q.type;
    const elem = type === null ? 0 : typeSize(info, type);
    if (type !== null && elem === 0) type = null;
    const count = type === null ? 1 : Math.max(1, Math.min(q.count ?? Math.floor(q.block.size / elem), Math.floor(q.block.size / elem)));
    const obj: ObjectState = {
      addr: q.block.addr, size: q.block.size, type, count, items, refs,
      typeName: type === null ? `${q.block.size} bytes` : typeName(info, type),
      signature: type === null ? '' : typeSignature(info, type),
    };
    objects.set(obj.addr, obj);
    if (type === null) continue;
    for (let i = 0; i < Math.min(count, 256); i++) {
      const val = decode(type, obj.addr + i * elem, count > 1 ? `[${i}]` : '', refs, 0);
      if (i < MAX_ITEMS) items.push(val);
    }
  }
  return { version: v, vars, objects, truncated };
}

/** One line for a value, for tables and boxes. */
export function show(v: Value, budget = 90): string {
  let s: string;
  switch (v.k) {
    case 'num': case 'ptr': case 'str': s = v.text; break;
    case 'rec': s = `{ ${v.fields.map((f) => `${f.name}: ${show(f.value, 30)}`).join(', ')} }`; break;
    case 'arr': s = `[${v.items.map((x) => show(x, 24)).join(', ')}${v.more ? `, … ${v.more} more` : ''}]`; break;
  }
  return s.length > budget ? `${s.slice(0, budget - 1)}…` : s;
}

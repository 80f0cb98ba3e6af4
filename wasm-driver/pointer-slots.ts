// Where a value of a type holds addresses, from the types in a version's
// `kitsune` section: its data pointers and function pointers by byte offset,
// through struct fields and arrays by value (never through a pointer). A
// variable whose type did not change is copied as bytes; these are the words
// in it that still name the old version (its functions, its globals, its
// string literals) and must follow them to the new one.

/** The shape of compiler/dwarf.ts's CType that this needs (the driver does not import the compiler). */
type TypeLike =
  | { kind: 'pointer'; to: number; size: number }
  | { kind: 'struct'; size: number; fields: { type: number; offset: number; bitSize?: number }[]; incomplete?: true }
  | { kind: 'array'; of: number; count: number | null }
  | { kind: 'typedef' | 'const' | 'volatile'; to: number }
  | { kind: string };

export interface PointerSlot { offset: number; fn: boolean }

const MAX_SLOTS = 1 << 16;

function strip(types: unknown[], id: number): TypeLike | undefined {
  let t = types[id] as TypeLike | undefined;
  for (let n = 0; n < 64 && t && (t.kind === 'typedef' || t.kind === 'const' || t.kind === 'volatile'); n++) t = types[(t as { to: number }).to] as TypeLike | undefined;
  return t;
}

function sizeOf(types: unknown[], id: number, depth = 0): number {
  const t = strip(types, id);
  if (!t || depth > 64) return 0;
  if (t.kind === 'array') { const a = t as { of: number; count: number | null }; return a.count === null ? 0 : a.count * sizeOf(types, a.of, depth + 1); }
  return (t as { size?: number }).size ?? 0;
}

/**
 * The pointer-sized words of a value of type `id` that hold addresses.
 * Unions are left out: which member is live is not known. Undefined when
 * there are more than MAX_SLOTS (a huge array of pointers: left as bytes).
 */
export function pointerSlots(types: unknown[], id: number): PointerSlot[] | undefined {
  const out: PointerSlot[] = [];
  const walk = (tid: number, base: number, depth: number): boolean => {
    if (depth > 64) return true;
    const t = strip(types, tid);
    if (!t) return true;
    switch (t.kind) {
      case 'pointer': {
        const p = t as { to: number; size: number };
        if (p.size !== 4) return true;
        out.push({ offset: base, fn: strip(types, p.to)?.kind === 'function' });
        return out.length <= MAX_SLOTS;
      }
      case 'struct': {
        const s = t as { fields: { type: number; offset: number; bitSize?: number }[]; incomplete?: true };
        if (s.incomplete) return true;
        for (const f of s.fields) if (f.bitSize === undefined && !walk(f.type, base + f.offset, depth + 1)) return false;
        return true;
      }
      case 'array': {
        const a = t as { of: number; count: number | null };
        if (!a.count) return true;
        const before = out.length;
        if (!walk(a.of, base, depth + 1)) return false;
        const each = out.slice(before);
        if (!each.length) return true;
        const stride = sizeOf(types, a.of);
        if (each.length * a.count > MAX_SLOTS) return false;
        for (let i = 1; i < a.count; i++) for (const s of each) out.push({ offset: s.offset + i * stride, fn: s.fn });
        return true;
      }
      default: return true;
    }
  };
  return walk(id, 0, 0) ? out : undefined;
}

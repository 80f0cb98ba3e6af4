// The model behind the state-transformation property test: random struct
// evolutions over random heaps, the two C versions that build and walk them,
// and the oracle (what the new version must print) computed here in
// TypeScript. Pure: no compiler, no driver (see harness.ts for those).
//
// One *case* is one struct type `struct objK` with its own evolution, heap and
// global roots; several cases go into one pair of programs (a *batch*), so a
// single pair of builds checks many evolutions.
import fc from 'fast-check';

export type Scalar = 'int' | 'short' | 'char' | 'long long' | 'unsigned' | 'float' | 'double';
export const SCALARS: readonly Scalar[] = ['int', 'short', 'char', 'long long', 'unsigned', 'float', 'double'];

/** A field of `struct objK`: a scalar, a `struct objK *`, or padding (a char array that is never printed). */
export type Field =
  | { name: string; kind: 'scalar'; type: Scalar }
  | { name: string; kind: 'ptr' }
  | { name: string; kind: 'pad'; bytes: number };

/** A scalar value: `long long` as bigint, every other type as a number (floats already rounded to float). */
export type Value = number | bigint;

export interface HeapObject {
  /** Old scalar field name -> value. */
  vals: Record<string, Value>;
  /** Old pointer field name -> index of the target object, or null. */
  ptrs: Record<string, number | null>;
}

export interface StructCase {
  /** Old struct's fields, in declaration order. */
  old: Field[];
  /** New struct's fields, in declaration order; a field carries the value of the old field of the same name. */
  neu: Field[];
  /** Whether the generator was asked to keep the size (a shallow, in-place transform). */
  sameSize: boolean;
  objects: HeapObject[];
  /** Each root global `struct objK *rK_j`: an object index or null. */
  roots: (number | null)[];
}

// ------------------------------------------------------------------ C layout (wasm32)

const SIZE: Record<Scalar, number> = { char: 1, short: 2, int: 4, unsigned: 4, float: 4, 'long long': 8, double: 8 };
const fieldSize = (f: Field) => (f.kind === 'ptr' ? 4 : f.kind === 'pad' ? f.bytes : SIZE[f.type]);
const fieldAlign = (f: Field) => (f.kind === 'pad' ? 1 : fieldSize(f));
const isFloat = (t: Scalar) => t === 'float' || t === 'double';

/** The unpadded end, the alignment and the size of a struct with these fields. */
export function layout(fields: Field[]): { end: number; align: number; size: number } {
  let end = 0, align = 1;
  for (const f of fields) {
    const a = fieldAlign(f);
    end = Math.ceil(end / a) * a + fieldSize(f);
    align = Math.max(align, a);
  }
  return { end, align, size: Math.ceil(end / align) * align };
}

/** Pads the smaller struct at its end with a char array until both have the same size. */
function equalizeSizes(old: Field[], neu: Field[]): void {
  for (let i = 0; i < 8; i++) {
    const a = layout(old), b = layout(neu);
    if (a.size === b.size) return;
    const [small, lay, prefix] = a.size < b.size ? [old, a, 'opad'] : [neu, b, 'npad'];
    small.push({ name: `${prefix}${i}`, kind: 'pad', bytes: Math.max(a.size, b.size) - lay.end });
  }
  throw new Error('could not equalize struct sizes');
}

// ------------------------------------------------------------------ C conversions, exactly

const f32 = new Float32Array(1), u32 = new Uint32Array(f32.buffer);
const f64 = new Float64Array(1), u64 = new BigUint64Array(f64.buffer);
const floatBits = (v: number) => { f32[0] = v; return u32[0]!; };
const doubleBits = (v: number) => { f64[0] = v; return u64[0]!; };

/** A bigint rounded to the nearest float (ties to even), exactly as a C (float) cast of a long long. */
function bigintToFloat(v: bigint): number {
  const neg = v < 0n;
  let a = neg ? -v : v;
  const bits = a.toString(2).length;
  if (bits > 24) {
    const shift = BigInt(bits - 24);
    let q = a >> shift;
    const r = a & ((1n << shift) - 1n), half = 1n << (shift - 1n);
    if (r > half || (r === half && (q & 1n) === 1n)) q += 1n;
    a = q << shift;
  }
  const x = Number(a); // exact: at most 25 significant bits
  return Math.fround(neg ? -x : x);
}

const INT_BITS: Partial<Record<Scalar, number>> = { char: 8, short: 16, int: 32, unsigned: 32, 'long long': 64 };

/** The value C's `(to)value` gives for a `from` value (conversions the generator only asks for where C defines them). */
export function convert(from: Scalar, to: Scalar, v: Value): Value {
  if (to === 'float') return typeof v === 'bigint' ? bigintToFloat(v) : Math.fround(v);
  if (to === 'double') return typeof v === 'bigint' ? Number(v) : v; // Number(bigint) rounds to nearest, ties to even
  const i = typeof v === 'bigint' ? v : BigInt(isFloat(from) ? Math.trunc(v) : v);
  const bits = INT_BITS[to]!;
  const w = to === 'unsigned' ? BigInt.asUintN(bits, i) : BigInt.asIntN(bits, i);
  return to === 'long long' ? w : Number(w);
}

/** How the dump prints a value: integers in decimal, floating point as its bits in hex (exact). */
export function show(t: Scalar, v: Value): string {
  if (t === 'float') return floatBits(v as number).toString(16).padStart(8, '0');
  if (t === 'double') return doubleBits(v as number).toString(16).padStart(16, '0');
  return v.toString();
}

// ------------------------------------------------------------------ arbitraries

const RANGE: Record<Exclude<Scalar, 'float' | 'double'>, [number, number]> = {
  char: [-128, 127], short: [-32768, 32767], int: [-2147483648, 2147483647], unsigned: [0, 4294967295], 'long long': [-9223372036854775808, 9223372036854775807],
};

/** Values of an old field of type `t` that C can convert to `to` (float to an integer type is defined only in range). */
function valueArb(t: Scalar, to: Scalar | undefined): fc.Arbitrary<Value> {
  if (isFloat(t)) {
    const base = t === 'float' ? fc.float({ noNaN: true, noDefaultInfinity: true }) : fc.double({ noNaN: true, noDefaultInfinity: true });
    if (!to || isFloat(to)) return base;
    // In range of the integer type: trunc(v) must fit, so min-1 < v < max+1.
    const [lo, hi] = RANGE[to as keyof typeof RANGE];
    const lim = to === 'long long' ? 9.2e18 : Math.max(-lo, hi) + 1;
    const inRange = (v: number) => v > lo - 1 && v < hi + 1;
    const round = (v: number) => (t === 'float' ? Math.fround(v) : v);
    return fc.oneof(
      fc.integer({ min: Math.max(lo, -1000), max: Math.min(hi, 1000) }),
      fc.double({ min: lo === 0 ? -0.999 : -lim, max: lim, noNaN: true }).map(round),
      fc.double({ min: -4, max: 4, noNaN: true }).map(round),
    ).filter(inRange);
  }
  if (t === 'long long') return fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n });
  const [lo, hi] = RANGE[t];
  return fc.integer({ min: lo, max: hi });
}

export interface CaseOptions { maxObjects?: number }

/** One random struct evolution with its heap and roots. */
export function caseArb(opts: CaseOptions = {}): fc.Arbitrary<StructCase> {
  const maxObjects = opts.maxObjects ?? 200;
  const scalarT = fc.constantFrom(...SCALARS);
  const fate = fc.oneof(
    fc.constant({ keep: true, retype: undefined as Scalar | undefined }),
    fc.constant({ keep: false, retype: undefined as Scalar | undefined }),
    scalarT.map((t) => ({ keep: true, retype: t as Scalar | undefined })),
  );
  return fc.record({
    scalars: fc.array(fc.record({ type: scalarT, fate }), { minLength: 1, maxLength: 6 }),
    // Pointer fields, each kept (mostly) or removed; unbiased count, so that heaps are well connected.
    ptrs: fc.noBias(fc.integer({ min: 1, max: 3 })).chain((k) => fc.array(fc.oneof({ weight: 5, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) }), { minLength: k, maxLength: k })),
    added: fc.array(fc.oneof(scalarT, fc.constant('ptr' as const)), { maxLength: 3 }),
    sameSize: fc.boolean(),
    oldOrderKeys: fc.array(fc.integer(), { minLength: 9, maxLength: 9 }),
    newOrderKeys: fc.array(fc.integer(), { minLength: 12, maxLength: 12 }),
  }).chain((e) => {
    const sortBy = <T>(xs: T[], keys: number[]) => xs.map((x, i) => ({ x, k: keys[i]!, i })).sort((a, b) => a.k - b.k || a.i - b.i).map((y) => y.x);
    const oldScalars: Field[] = e.scalars.map((s, i) => ({ name: `s${i}`, kind: 'scalar', type: s.type }));
    const oldPtrs: Field[] = e.ptrs.map((_, i) => ({ name: `p${i}`, kind: 'ptr' }));
    const old = sortBy([...oldScalars, ...oldPtrs], e.oldOrderKeys);
    const kept: Field[] = [
      ...e.scalars.flatMap((s, i): Field[] => (s.fate.keep ? [{ name: `s${i}`, kind: 'scalar', type: s.fate.retype ?? s.type }] : [])),
      ...e.ptrs.flatMap((k, i): Field[] => (k ? [{ name: `p${i}`, kind: 'ptr' }] : [])),
    ];
    const added: Field[] = e.added.map((a, i) => (a === 'ptr' ? { name: `q${i}`, kind: 'ptr' } : { name: `n${i}`, kind: 'scalar', type: a }));
    let neu = sortBy([...kept, ...added], e.newOrderKeys);
    if (!neu.length) neu = [{ name: 'n9', kind: 'scalar', type: 'int' }];
    if (e.sameSize) equalizeSizes(old, neu);
    const target = new Map(neu.flatMap((f) => (f.kind === 'scalar' ? [[f.name, f.type] as const] : [])));
    return fc.integer({ min: 1, max: maxObjects }).chain((n) => {
      // Targets mostly uniform (fast-check's bias toward small numbers would point nearly every edge at the first objects).
      const pick = fc.oneof({ weight: 3, arbitrary: fc.noBias(fc.nat(n - 1)) }, { weight: 1, arbitrary: fc.nat(n - 1) });
      const index = fc.option(pick, { freq: 8 });
      const vals = fc.record(Object.fromEntries(oldScalars.map((f) => [f.name, valueArb((f as { type: Scalar }).type, target.get(f.name))])) as Record<string, fc.Arbitrary<Value>>);
      const ptrs = fc.record(Object.fromEntries(oldPtrs.map((f) => [f.name, index])) as Record<string, fc.Arbitrary<number | null>>);
      return fc.record({
        objects: fc.array(fc.record({ vals, ptrs }), { minLength: n, maxLength: n }),
        roots: fc.array(fc.option(pick, { freq: 6 }), { minLength: 1, maxLength: 3 }),
      }).map(({ objects, roots }): StructCase => ({ old, neu, sameSize: e.sameSize, objects, roots }));
    });
  });
}

// ------------------------------------------------------------------ C sources

const cType = (f: Field, k: number) => (f.kind === 'ptr' ? `struct obj${k} *` : f.kind === 'pad' ? 'char ' : `${f.type} `);
const decl = (f: Field, k: number) => `${cType(f, k)}${f.name}${f.kind === 'pad' ? `[${f.bytes}]` : ''};`;
const structDef = (fields: Field[], k: number) => `struct obj${k} { ${fields.map((f) => decl(f, k)).join(' ')} };`;
const rootNames = (c: StructCase, k: number) => c.roots.map((_, j) => `r${k}_${j}`);

function literal(t: Scalar, v: Value): string {
  switch (t) {
    case 'float': return `0x${floatBits(v as number).toString(16)}u`;
    case 'double': return `0x${doubleBits(v as number).toString(16)}ull`;
    case 'long long': return v === -(2n ** 63n) ? '(-9223372036854775807LL-1)' : `${v}LL`;
    case 'int': return v === -2147483648 ? '(-2147483647-1)' : `${v}`;
    case 'unsigned': return `${v}u`;
    default: return `${v}`;
  }
}
const tableType = (t: Scalar) => (t === 'float' ? 'unsigned' : t === 'double' ? 'unsigned long long' : t);

const PRELUDE = ['#include <kitsune.h>', '#include <stdio.h>', '#include <stdlib.h>', '#include <string.h>', '#include <unistd.h>', ''];

/** The old version: builds every case's heap from constant tables, then waits at its update point. */
export function emitOld(cases: StructCase[]): string {
  const out = [...PRELUDE];
  cases.forEach((c, k) => {
    const n = c.objects.length;
    out.push(structDef(c.old, k), `struct obj${k} *${rootNames(c, k).join(', *')};`);
    for (const f of c.old) {
      if (f.kind === 'scalar') out.push(`static const ${tableType(f.type)} t${k}_${f.name}[${n}] = {${c.objects.map((o) => literal(f.type, o.vals[f.name]!)).join(',')}};`);
      if (f.kind === 'ptr') out.push(`static const short t${k}_${f.name}[${n}] = {${c.objects.map((o) => o.ptrs[f.name] ?? -1).join(',')}};`);
    }
    out.push(`static void build${k}(void) {`,
      `  struct obj${k} **t = malloc(${n} * sizeof *t);`,
      `  for (int i = 0; i < ${n}; i++) t[i] = calloc(1, sizeof(struct obj${k}));`,
      `  for (int i = 0; i < ${n}; i++) {`);
    for (const f of c.old) {
      if (f.kind === 'scalar') out.push(isFloat(f.type) ? `    memcpy(&t[i]->${f.name}, &t${k}_${f.name}[i], ${SIZE[f.type]});` : `    t[i]->${f.name} = t${k}_${f.name}[i];`);
      if (f.kind === 'ptr') out.push(`    t[i]->${f.name} = t${k}_${f.name}[i] < 0 ? 0 : t[t${k}_${f.name}[i]];`);
    }
    out.push('  }', ...c.roots.map((r, j) => `  r${k}_${j} = ${r === null ? '0' : `t[${r}]`};`), '  free(t);', '}', '');
  });
  out.push('int main(void) {',
    '  if (!kitsune_is_updating()) {', ...cases.map((_, k) => `    build${k}();`), '    printf("@@READY\\n"); fflush(stdout);',
    '  } else kitsune_do_automigrate();',
    '  for (;;) { kitsune_update("loop"); usleep(1000); }', '}');
  return out.join('\n') + '\n';
}

const KIND: Record<Scalar, string> = { char: 'c', short: 's', int: 'i', unsigned: 'u', 'long long': 'l', float: 'f', double: 'd' };

/**
 * The new version: after the update, walks every case's heap from its roots
 * and prints the canonical dump. One walker driven by a descriptor per struct
 * type (field offsets and kinds), so the program stays small to compile.
 */
export function emitNew(cases: StructCase[]): string {
  const total = cases.reduce((a, c) => a + c.objects.length, 0);
  let cap = 16;
  while (cap < 4 * total) cap *= 2;
  const maxN = Math.max(...cases.map((c) => c.objects.length));
  const out = [...PRELUDE, '#include <stddef.h>',
    `#define CAP ${cap}`,
    '/* Visited set: an open-addressing table from address to discovery number. */',
    'static void **seen_key; static int *seen_id;',
    'static int *seen_slot(void *p) {',
    '  unsigned h = ((unsigned)(unsigned long)p * 2654435761u) & (CAP - 1);',
    '  while (seen_key[h] && seen_key[h] != p) h = (h + 1) & (CAP - 1);',
    '  if (!seen_key[h]) { seen_key[h] = p; seen_id[h] = -1; }',
    '  return &seen_id[h];',
    '}',
    'static int id_of(void *p) { return p ? *seen_slot(p) : -1; }',
    'struct desc { int n, nroots; void **roots[3]; int nptr; int ptr[8]; int nscal; int scal[12]; const char *kind; };',
    'static void *ptr_at(void *x, int off) { void *p; memcpy(&p, (char *)x + off, sizeof p); return p; }',
    `static void *order[${maxN + 1}], *stk[${maxN + 1}]; static int at[${maxN + 1}];`,
    '/* Depth-first from each root in turn; pointer fields in declaration order. */',
    'static void dump(int k, const struct desc *d) {',
    '  int count = 0, sp = 0;',
    '  for (int r = 0; r < d->nroots; r++) {',
    '    void *root = *d->roots[r];',
    '    if (!root || id_of(root) >= 0) continue;',
    '    if (count >= d->n) { printf("T%d too many objects\\n", k); return; }',
    '    *seen_slot(root) = count; order[count++] = root; stk[sp] = root; at[sp++] = 0;',
    '    while (sp) {',
    '      void *x = stk[sp - 1]; int i = at[sp - 1]++;',
    '      if (i >= d->nptr) { sp--; continue; }',
    '      void *c = ptr_at(x, d->ptr[i]);',
    '      if (!c || id_of(c) >= 0) continue;',
    '      if (count >= d->n) { printf("T%d too many objects\\n", k); return; }',
    '      *seen_slot(c) = count; order[count++] = c; stk[sp] = c; at[sp++] = 0;',
    '    }',
    '  }',
    '  printf("T%d R", k);',
    '  for (int r = 0; r < d->nroots; r++) printf(" %d", id_of(*d->roots[r]));',
    '  printf("\\n");',
    '  for (int j = 0; j < count; j++) {',
    '    char *x = order[j];',
    '    printf("T%d #%d", k, j);',
    '    for (int f = 0; f < d->nscal; f++) {',
    '      char *v = x + d->scal[f];',
    '      switch (d->kind[f]) {',
    '      case \'c\': { char a; memcpy(&a, v, 1); printf(" %d", a); break; }',
    '      case \'s\': { short a; memcpy(&a, v, 2); printf(" %d", a); break; }',
    '      case \'i\': { int a; memcpy(&a, v, 4); printf(" %d", a); break; }',
    '      case \'u\': { unsigned a; memcpy(&a, v, 4); printf(" %u", a); break; }',
    '      case \'l\': { long long a; memcpy(&a, v, 8); printf(" %lld", a); break; }',
    '      case \'f\': { unsigned a; memcpy(&a, v, 4); printf(" %08x", a); break; }',
    '      case \'d\': { unsigned long long a; memcpy(&a, v, 8); printf(" %016llx", a); break; }',
    '      }',
    '    }',
    '    printf(" |");',
    '    for (int i = 0; i < d->nptr; i++) printf(" %d", id_of(ptr_at(x, d->ptr[i])));',
    '    printf("\\n");',
    '  }',
    '}',
    'static int dumped;', ''];
  cases.forEach((c, k) => {
    const ptrs = c.neu.filter((f) => f.kind === 'ptr');
    const scal = c.neu.filter((f): f is Field & { kind: 'scalar' } => f.kind === 'scalar');
    const off = (f: Field) => `offsetof(struct obj${k}, ${f.name})`;
    out.push(structDef(c.neu, k), `struct obj${k} *${rootNames(c, k).join(', *')};`,
      `static const struct desc d${k} = { ${c.objects.length}, ${c.roots.length}, { ${rootNames(c, k).map((r) => `(void **)&${r}`).join(', ')} }, ` +
      `${ptrs.length}, { ${ptrs.map(off).join(', ') || '0'} }, ${scal.length}, { ${scal.map(off).join(', ') || '0'} }, "${scal.map((f) => KIND[f.type]).join('')}" };`);
  });
  out.push('', 'int main(void) {',
    '  if (kitsune_is_updating()) kitsune_do_automigrate();',
    '  for (;;) {', '    kitsune_update("loop");',
    '    if (!dumped) {',
    '      dumped = 1;',
    '      seen_key = calloc(CAP, sizeof *seen_key); seen_id = calloc(CAP, sizeof *seen_id);',
    ...cases.map((_, k) => `      dump(${k}, &d${k});`),
    '      printf("@@DONE\\n"); fflush(stdout);',
    '    }',
    '    usleep(1000);', '  }', '}');
  return out.join('\n') + '\n';
}

// ------------------------------------------------------------------ the oracle

/** What dump{k} in the new version must print for case k: the heap migrated in TypeScript. */
export function oracle(c: StructCase, k: number): string {
  const oldType = new Map(c.old.flatMap((f) => (f.kind === 'scalar' ? [[f.name, f.type] as const] : [])));
  const oldPtr = new Set(c.old.filter((f) => f.kind === 'ptr').map((f) => f.name));
  const ptrs = c.neu.filter((f) => f.kind === 'ptr');
  const scal = c.neu.filter((f): f is Field & { kind: 'scalar' } => f.kind === 'scalar');
  // The new pointer fields of object i: the old field of the same name, or null.
  const edge = (i: number, name: string) => (oldPtr.has(name) ? c.objects[i]!.ptrs[name] ?? null : null);
  const id = new Map<number, number>();
  const order: number[] = [];
  const visit = (i: number) => {
    id.set(i, order.length);
    order.push(i);
    for (const f of ptrs) {
      const t = edge(i, f.name);
      if (t !== null && !id.has(t)) visit(t);
    }
  };
  for (const r of c.roots) if (r !== null && !id.has(r)) visit(r);
  const lines = [`T${k} R${c.roots.map((r) => ` ${r === null ? -1 : id.get(r)}`).join('')}`];
  order.forEach((i, j) => {
    const vals = scal.map((f) => {
      const from = oldType.get(f.name);
      const v = from === undefined ? (f.type === 'long long' ? 0n : 0) : convert(from, f.type, c.objects[i]!.vals[f.name]!);
      return ` ${show(f.type, v)}`;
    });
    const ps = ptrs.map((f) => { const t = edge(i, f.name); return ` ${t === null ? -1 : id.get(t)}`; });
    lines.push(`T${k} #${j}${vals.join('')} |${ps.join('')}`);
  });
  return lines.join('\n');
}

/** A short description of a case, for reports. */
export function describe(c: StructCase): string {
  const fs = (fields: Field[]) => fields.map((f) => (f.kind === 'ptr' ? `*${f.name}` : f.kind === 'pad' ? `${f.name}[${f.bytes}]` : `${f.type} ${f.name}`)).join('; ');
  const a = layout(c.old).size, b = layout(c.neu).size;
  return `{ ${fs(c.old)} } (${a} B) -> { ${fs(c.neu)} } (${b} B, ${a === b ? 'same size' : 'new size'}), ${c.objects.length} object(s), roots [${c.roots.map((r) => r ?? 'null').join(', ')}]`;
}

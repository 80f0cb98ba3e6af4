// Reads the DWARF of real clang output (two builds of a two-file program:
// -O0 with DWARF 4, -O2 with DWARF 5) and checks types, variables and
// offsets against the compiled code itself.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { commands } from '@yowasp/clang';
import {
  readDwarf, dwarfSectionsFromWasm, typeSignature, typeName, typeSize, DwarfError,
  type DwarfInfo, type CVariable, type CType, type TypeId,
} from '../compiler/dwarf.js';

const header = `#include <stdbool.h>
extern int counter;
struct pt { int x, y; };
typedef struct pt point_t;
`;
const aC = (nodeFields: string) => `#include <stddef.h>
#include "h.h"
int counter = 3;
static double ratio = 1.5;
struct node { int v; ${nodeFields} struct node *next; };
struct node *head;
struct inner { char c; short s; };
struct outer { struct inner in; long long ll; float f; double d; unsigned u; bool b; } out;
union val { int i; float f; char bytes[4]; } uv;
enum color { RED, GREEN = 5, BLUE = -1 } col;
typedef unsigned long long u64;
u64 big;
int grid[2][3];
struct msg { int len; char data[]; } *msgp;
int (*handler)(int, char **);
const volatile int cvi = 9;
const char *name;
char *const pc = 0;
struct seg { point_t from; struct pt to; } seg;
volatile void *vvp;
void *opaque;
struct flags { unsigned a : 3; unsigned b : 5; int c; } fl;
struct ma { struct mb *b; int x; } ma_v;
struct mb { struct ma *a; } mb_v;
point_t origin;
unsigned layout[] = { sizeof(struct outer), offsetof(struct outer, ll), offsetof(struct outer, d),
  sizeof(struct msg), offsetof(struct msg, data), sizeof(union val), sizeof(struct node) };
int *addr_of_counter(void) { return &counter; }
double *addr_of_ratio(void) { return &ratio; }
int tick(int by) {
  static int calls = 7;
  int local = by * 2;
  { int nested = local + 1; calls += nested; }
  ratio += calls;
  return calls;
}
`;
const bC = `#include "h.h"
struct pt shared_pt;
static int hidden = 11;
int *addr_of_hidden(void) { return &hidden; }
int bump(void) { static int calls; hidden++; return ++calls + counter + hidden; }
`;

async function build(opt: string[], nodeFields: string): Promise<Uint8Array> {
  // Load the toolchain quietly (clang's first, internal run would print download progress).
  await commands['wasm-ld'](['--version'], {}, { stdout: () => {}, stderr: () => {}, fetchProgress: () => {} } as Parameters<typeof commands.clang>[2]);
  let log = '';
  const sink = (b: Uint8Array | null) => { if (b) log += new TextDecoder().decode(b); };
  const out = await commands.clang(
    [...opt, '-fPIC', '-shared', '-nostartfiles', '-Wl,--no-entry', '-Wl,--experimental-pic',
      '-Wl,--unresolved-symbols=import-dynamic', '-mno-extended-const', '-Wl,--export-all', '-o', '/v.wasm', '/a.c', '/b.c'],
    { 'h.h': header, 'a.c': aC(nodeFields), 'b.c': bC },
    { stdout: sink, stderr: sink, fetchProgress: () => {} } as Parameters<typeof commands.clang>[2],
  ) as Record<string, unknown> | undefined;
  const wasm = out?.['v.wasm'];
  if (!(wasm instanceof Uint8Array)) throw new Error('clang failed:\n' + log);
  return wasm;
}

// uvu runs tests as CommonJS under tsx: no top-level await, so build in a hook.
let v1Wasm: Uint8Array, v2Wasm: Uint8Array, v1: DwarfInfo, v2: DwarfInfo;
test.before(async () => {
  v1Wasm = await build(['-O0', '-g'], '');
  v2Wasm = await build(['-O2', '-gdwarf-5'], 'int weight;');
  v1 = readDwarf(dwarfSectionsFromWasm(v1Wasm)!, { noteLocalsFunctions: ['tick'] });
  v2 = readDwarf(dwarfSectionsFromWasm(v2Wasm)!, { noteLocalsFunctions: ['tick'] });
});

const byKey = (info: DwarfInfo, key: string): CVariable => {
  const v = info.variables.find((x) => x.key === key);
  if (!v) throw new Error(`no variable ${key}; have ${info.variables.map((x) => x.key).join(', ')}`);
  return v;
};
/** The type behind typedefs and qualifiers. */
const bare = (info: DwarfInfo, id: TypeId): CType => {
  let t = info.types[id]!;
  while (t.kind === 'typedef' || t.kind === 'const' || t.kind === 'volatile') t = info.types[t.to]!;
  return t;
};
const asStruct = (info: DwarfInfo, id: TypeId) => {
  const t = bare(info, id);
  if (t.kind !== 'struct' && t.kind !== 'union') throw new Error(`type ${id} is a ${t.kind}`);
  return t;
};
const struct = (info: DwarfInfo, key: string) => asStruct(info, byKey(info, key).type);
const pointee = (info: DwarfInfo, key: string): TypeId => {
  const t = bare(info, byKey(info, key).type);
  if (t.kind !== 'pointer') throw new Error(`${key} is a ${t.kind}`);
  return t.to;
};

test('keys and kinds of globals, statics, local statics and noted locals', () => {
  const expect: [string, CVariable['kind'], string][] = [
    ['counter', 'global', 'a.c'], ['a.c/ratio', 'static', 'a.c'], ['a.c/tick#calls', 'local-static', 'a.c'],
    ['tick#local', 'local', 'a.c'], ['tick#nested', 'local', 'a.c'], ['tick#by', 'local', 'a.c'],
    ['b.c/hidden', 'static', 'b.c'], ['b.c/bump#calls', 'local-static', 'b.c'], ['shared_pt', 'global', 'b.c'],
  ];
  for (const [key, kind, file] of expect) {
    const v = byKey(v1, key);
    assert.is(v.kind, kind, key);
    assert.is(v.file, file, key);
    assert.is(v.offset === undefined, kind === 'local', key);
  }
  assert.is(byKey(v1, 'tick#by').param, true);
  assert.is(byKey(v1, 'a.c/tick#calls').function, 'tick');
  assert.is(byKey(v1, 'counter').line, 3);
  assert.is(byKey(v1, 'tick#nested').line, aC('').split('\n').findIndex((l) => l.includes('int nested')) + 1);
  // Locals are only collected for noted functions; extern declarations are not variables.
  assert.not.ok(v1.variables.some((v) => v.kind === 'local' && v.function !== 'tick'));
  assert.is(v1.variables.filter((v) => v.name === 'counter').length, 1);
  assert.match(v1.producer ?? '', /clang/);
  // -O2 with DWARF 5 (strx, addrx, loclists): the same globals and statics.
  for (const key of ['counter', 'a.c/ratio', 'a.c/tick#calls', 'b.c/hidden', 'b.c/bump#calls', 'head', 'out', 'fl'])
    assert.is(byKey(v2, key).kind, byKey(v1, key).kind, key);
  const keys = v1.variables.map((v) => v.key);
  assert.is(new Set(keys).size, keys.length, 'keys are unique');
});

test('offsets are __memory_base-relative addresses of the real data', async () => {
  for (const wasm of [v1Wasm, v2Wasm]) {
    const info = wasm === v1Wasm ? v1 : v2;
    const base = 1024;
    const memory = new WebAssembly.Memory({ initial: 4 });
    const module = new WebAssembly.Module(wasm as Uint8Array<ArrayBuffer>);
    const env: Record<string, WebAssembly.ImportValue> = {
      memory,
      __memory_base: new WebAssembly.Global({ value: 'i32', mutable: false }, base),
      __table_base: new WebAssembly.Global({ value: 'i32', mutable: false }, 0),
      __stack_pointer: new WebAssembly.Global({ value: 'i32', mutable: true }, 4 * 65536),
      __indirect_function_table: new WebAssembly.Table({ initial: 16, element: 'anyfunc' }),
    };
    const inst = await WebAssembly.instantiate(module, { env });
    const ex = inst.exports as Record<string, (() => number) | undefined>;
    ex.__wasm_apply_data_relocs?.();
    ex.__wasm_call_ctors?.();
    const dv = new DataView(memory.buffer);
    const at = (key: string) => base + byKey(info, key).offset!;
    assert.is(ex.addr_of_counter!(), at('counter'));
    assert.is(ex.addr_of_ratio!(), at('a.c/ratio'));
    assert.is(ex.addr_of_hidden!(), at('b.c/hidden'));
    assert.is(dv.getInt32(at('counter'), true), 3);
    assert.is(dv.getFloat64(at('a.c/ratio'), true), 1.5);
    assert.is(dv.getInt32(at('b.c/hidden'), true), 11);
    assert.is(dv.getInt32(at('a.c/tick#calls'), true), 7);
    assert.is(dv.getInt32(at('cvi'), true), 9);
    // The compiler's own sizeof/offsetof against DWARF's.
    const layout = Array.from({ length: 7 }, (_, i) => dv.getUint32(at('layout') + 4 * i, true));
    const outer = struct(info, 'out');
    const msg = asStruct(info, pointee(info, 'msgp'));
    const node = asStruct(info, pointee(info, 'head'));
    assert.equal(layout, [
      outer.size, outer.fields.find((f) => f.name === 'll')!.offset, outer.fields.find((f) => f.name === 'd')!.offset,
      msg.size, msg.fields.find((f) => f.name === 'data')!.offset, struct(info, 'uv').size, node.size,
    ]);
    assert.is(byKey(info, 'layout').size, 28);
  }
});

test('types: bases, pointers, structs, unions, enums, arrays, functions, qualifiers, bitfields', () => {
  const name = (key: string) => typeName(v1, byKey(v1, key).type);
  assert.is(name('head'), 'struct node *');
  assert.is(name('grid'), 'int[2][3]');
  assert.is(name('handler'), 'int (*)(int, char **)');
  assert.is(name('name'), 'const char *');
  assert.is(name('vvp'), 'volatile void *');
  assert.is(name('cvi'), 'const volatile int');
  assert.is(name('big'), 'u64');
  assert.is(name('origin'), 'point_t');
  assert.is(name('out'), 'struct outer');

  const outer = struct(v1, 'out');
  assert.equal(outer.fields.map((f) => [f.name, f.offset, typeName(v1, f.type)]), [
    ['in', 0, 'struct inner'], ['ll', 8, 'long long'], ['f', 16, 'float'], ['d', 24, 'double'], ['u', 32, 'unsigned int'], ['b', 36, '_Bool'],
  ]);
  assert.is(outer.size, 40);
  assert.is(byKey(v1, 'out').size, 40);
  const inner = bare(v1, outer.fields[0]!.type);
  assert.equal(inner.kind === 'struct' && inner.fields.map((f) => f.offset), [0, 2]);
  const enc = (id: TypeId) => { const t = bare(v1, id); return t.kind === 'base' ? [t.encoding, t.size] : t.kind; };
  assert.equal(outer.fields.map((f) => enc(f.type)), ['struct', ['signed', 8], ['float', 4], ['float', 8], ['unsigned', 4], ['boolean', 1]]);

  const uv = struct(v1, 'uv');
  assert.is(uv.kind, 'union');
  assert.equal(uv.fields.map((f) => f.offset), [0, 0, 0]);
  assert.is(uv.size, 4);

  const col = bare(v1, byKey(v1, 'col').type);
  assert.equal(col.kind === 'enum' && col.values, [{ name: 'RED', value: 0 }, { name: 'GREEN', value: 5 }, { name: 'BLUE', value: -1 }]);

  const grid = bare(v1, byKey(v1, 'grid').type);
  assert.ok(grid.kind === 'array' && grid.count === 2);
  const row = grid.kind === 'array' ? bare(v1, grid.of) : grid;
  assert.ok(row.kind === 'array' && row.count === 3 && typeName(v1, row.of) === 'int');
  assert.is(byKey(v1, 'grid').size, 24);

  const msg = asStruct(v1, pointee(v1, 'msgp'));
  assert.is(msg.size, 4);
  const data = bare(v1, msg.fields[1]!.type);
  assert.ok(data.kind === 'array' && data.count === null && typeName(v1, data.of) === 'char', 'flexible array member');

  const fn = bare(v1, pointee(v1, 'handler'));
  assert.ok(fn.kind === 'function' && fn.params.length === 2 && !fn.variadic);
  assert.is(v1.types[pointee(v1, 'opaque')]!.kind, 'void');
  assert.is(typeSize(v1, byKey(v1, 'opaque').type), 4);

  const fl = struct(v1, 'fl');
  assert.equal(fl.fields.map((f) => [f.name, f.offset, f.bitSize, f.bitOffset]), [['a', 0, 3, 0], ['b', 0, 5, 3], ['c', 4, undefined, undefined]]);

  // Deduplicated: struct pt from both units and through the typedef is one type; one `int`.
  assert.is(bare(v1, byKey(v1, 'origin').type), bare(v1, byKey(v1, 'shared_pt').type));
  assert.is(v1.types.filter((t) => t.kind === 'base' && t.name === 'int').length, 1);
  assert.is(typeSize(v1, byKey(v1, 'shared_pt').type), 8);
});

test('signatures: structural, stable across builds, changed by a new field, finite on cycles', () => {
  const sig = (info: DwarfInfo, key: string) => typeSignature(info, byKey(info, key).type);
  assert.is(sig(v1, 'head'), 'struct node(8){int v@0;struct node* next@4}*');
  assert.is(sig(v1, 'fl'), 'struct flags(8){unsigned int a:3@0b;unsigned int b:5@3b;int c@4}');
  assert.is(sig(v1, 'big'), 'unsigned long long'); // typedefs are transparent
  assert.is(sig(v1, 'origin'), sig(v1, 'shared_pt'));
  assert.is(sig(v1, 'name'), 'char const*');
  assert.is(sig(v1, 'pc'), 'char* const');
  assert.is(typeName(v1, byKey(v1, 'pc').type), 'char *const');
  // A struct met twice is spelled out once, then named.
  assert.is(sig(v1, 'seg'), 'struct seg(16){struct pt(8){int x@0;int y@4} from@0;struct pt to@8}');
  assert.is(sig(v1, 'grid'), 'int[2][3]');
  assert.is(sig(v1, 'handler'), 'int(int,char**)*');
  assert.is(sig(v1, 'col'), 'enum color(4){RED=0,GREEN=5,BLUE=-1}');
  // -O0/DWARF 4 and -O2/DWARF 5 builds agree on every unchanged type...
  for (const key of ['counter', 'a.c/ratio', 'out', 'uv', 'col', 'grid', 'msgp', 'handler', 'cvi', 'name', 'vvp', 'fl', 'origin', 'ma_v', 'mb_v', 'big', 'pc', 'seg'])
    assert.is(sig(v2, key), sig(v1, key), key);
  // ...and see the added field.
  assert.is.not(sig(v2, 'head'), sig(v1, 'head'));
  assert.is(sig(v2, 'head'), 'struct node(12){int v@0;int weight@4;struct node* next@8}*');
  // Mutually recursive structs: the text does not depend on what was printed before.
  const fresh = readDwarf(dwarfSectionsFromWasm(v1Wasm)!);
  const mbFirst = sig(fresh, 'mb_v');
  assert.is(sig(fresh, 'ma_v'), sig(v1, 'ma_v'));
  assert.is(mbFirst, sig(v1, 'mb_v'));
  assert.is(sig(v1, 'ma_v'), 'struct ma(8){struct mb(4){struct ma* a@0}* b@0;int x@4}');
});

test('errors and missing debug info', () => {
  const s = dwarfSectionsFromWasm(v1Wasm)!;
  assert.is(dwarfSectionsFromWasm(new Uint8Array([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0])), null);
  try {
    readDwarf({ ...s, info: s.info.subarray(0, 40) });
    assert.unreachable('truncated .debug_info was accepted');
  } catch (e) {
    assert.instance(e, DwarfError);
    assert.is((e as DwarfError).code, 'E_DWARF');
    assert.match((e as Error).message, /expected .* found .*\.debug_info offset 0x/);
  }
  try {
    dwarfSectionsFromWasm(new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]));
    assert.unreachable('not wasm was accepted');
  } catch (e) {
    assert.instance(e, DwarfError);
  }
});

test.run();

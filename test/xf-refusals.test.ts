// Updates that cannot carry the state over are refused at build time, with
// every reason listed: variable or type, field, old type, new type and the
// rule that would fix it. Nothing is built; the running version is untouched.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { build } from 'kitsune-wasm/compiler';

const V1 = `
#include <kitsune.h>
struct pt { int x, y; };
struct node { int v; struct node *next; };
struct holder { int n; void *data; };
struct pt origin;
struct node *list;
struct holder *holder;
int counter;
int main(void) { for (;;) kitsune_update("loop"); }
`;

let v1: Uint8Array;
async function refusal(v2: string, xf?: string): Promise<string> {
  v1 ??= (await build({ sources: [{ path: 'prog.c', text: V1 }], name: 'prog', optimize: 1 })).wasm;
  try {
    await build({ sources: [{ path: 'prog.c', text: v2 }], from: v1, optimize: 1, ...(xf !== undefined ? { xf: { path: 'spec.xf', text: xf } } : {}) });
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error('expected the build to be refused');
}
const v2With = (decls: string) => `#include <kitsune.h>\n${decls}\nint main(void) { for (;;) kitsune_update("loop"); }\n`;

test('a field whose kind changes (struct to int) names variable, field, both types and the rule', async () => {
  const msg = await refusal(v2With(`struct pt { int x; int y; };
struct node { struct pt v; struct node *next; };
struct holder { int n; void *data; };
struct pt origin; struct node *list; struct holder *holder; int counter;`));
  assert.match(msg, /cannot carry the running state over \(1 reason\(s\)\)/);
  assert.match(msg, /variable `list` \(prog\.c:\d+\): struct node\.v: old type `int`, new type `struct pt`: no automatic conversion between these kinds of type; or add a rule such as `struct node\.v -> struct node\.v: \{ \$out = \.\.\.; \}`/);
});

test('a void * in a struct that is transformed must be annotated or ruled', async () => {
  const msg = await refusal(v2With(`struct pt { int x, y; }; struct node { int v; struct node *next; };
struct holder { long long n; void *data; };
struct pt origin; struct node *list; struct holder *holder; int counter;`));
  assert.match(msg, /variable `holder` \(prog\.c:\d+\): struct holder\.data: a `void \*` in a struct that is transformed; what it points to is unknown\. Annotate the field \(E_PTR\(type\), E_OPAQUE or E_IGNORE\) or add a rule `struct holder\.data -> struct holder\.data: \{ \$out = \$in; \}`/);
  // The annotation the message asks for makes the same change build.
  v1 ??= (await build({ sources: [{ path: 'prog.c', text: V1 }], name: 'prog', optimize: 1 })).wasm;
  const ok = await build({ sources: [{ path: 'prog.c', text: v2With(`struct pt { int x, y; }; struct node { int v; struct node *next; };
struct holder { long long n; void *data E_OPAQUE; };
struct pt origin; struct node *list; struct holder *holder; int counter;`) }], from: v1, optimize: 1 });
  assert.ok(ok.plan!.variables.find((v) => v.key === 'holder')!.action === 'transform');
});

test('a pointer to another struct needs a rule; every reason is listed at once', async () => {
  const msg = await refusal(v2With(`struct pt { int x, y; }; struct tree { int v; struct tree *l, *r; };
struct holder { long long n; void *data; };
struct pt origin; struct tree *list; struct holder *holder; int counter;`));
  assert.match(msg, /\(2 reason\(s\)\)/);
  assert.match(msg, /variable `list` \(prog\.c:\d+\): variable `list` \(prog\.c:\d+\) \(what it points to\): old type `struct node`, new type `struct tree`: two different structs; a rule `struct node -> struct tree: \{ \.\.\. \}` says how one becomes the other/);
  assert.match(msg, /struct holder\.data: a `void \*`/);
});

test('rules whose paths name nothing, in the old or the new version, are errors with their place in the spec', async () => {
  const msg = await refusal(V1, 'struct nosuch.x -> struct nosuch.x: { $out = 1; }\nstruct pt.z -> struct pt.z\ncount -> counter\nINIT struct pt: { }\n');
  assert.match(msg, /spec\.xf:1:1: `struct nosuch\.x`: struct nosuch names nothing in the old version \(its structs: [^)]*pt[^)]*\)/);
  assert.match(msg, /spec\.xf:2:1: `struct pt\.z`: struct pt has no field `z` in the old version \(its fields: x, y\)/);
  assert.match(msg, /spec\.xf:3:1: `count`: no variable with key `count` in the old version/);
  assert.match(msg, /spec\.xf:4:6: `INIT struct pt`: INIT takes a field/);
});

test('a syntax error in the spec names file, line, column and what was expected', async () => {
  const msg = await refusal(V1, 'counter -> counter: { $out = $in; }\nstruct pt.x => struct pt.x\n');
  assert.match(msg, /^spec\.xf:2:\d+: expected "->"[^\n]*found "=>"/);
});

test('a C error inside a rule body points into the spec, not into generated code', async () => {
  const msg = await refusal(V1, 'counter -> counter: {\n  $out = $in + undefined_thing;\n}\n');
  assert.match(msg, /spec\.xf:2:\d+: error: use of undeclared identifier 'undefined_thing'/);
});

test('an unknown $ form in a body is refused before any C is compiled', async () => {
  const msg = await refusal(V1, 'counter -> counter: { $out = $old; }');
  assert.match(msg, /spec\.xf:1:30: [^\n]*\$old/);
});

// Generics (Kitsune's syntax): what the annotations get wrong is named at the field.
const generic = (decls: string, item: string) => `#include <kitsune.h>
struct item { ${item} };
struct box { void E_T(@a) *a; void E_T(@b) *b; } E_GENERIC(@a, @b);
struct item *last;
${decls}
int main(void) { for (;;) kitsune_update("loop"); }
`;
async function genericRefusal(decls: string): Promise<string> {
  const g1 = (await build({ sources: [{ path: 'gen.c', text: generic(decls, 'int id;') }], name: 'gen', optimize: 1 })).wasm;
  try {
    await build({ sources: [{ path: 'gen.c', text: generic(decls, 'long long id;') }], from: g1, optimize: 1 });
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error('expected the build to be refused');
}

test('generics: an E_T field that no E_G instantiates is refused once a type changes, naming the field and the fix', async () => {
  const msg = await genericRefusal('struct box *loose;');
  assert.match(msg, /variable `loose` \(gen\.c:\d+\): .*struct box\.a: E_T\(@a\) but nothing says what this generic struct holds here; annotate the variable or field that holds it E_G\(\.\.\.\)/);
});

test('generics: too few type arguments, and a parameter that is not one, are refused with the generic\'s parameters', async () => {
  const few = await genericRefusal('struct box E_G(struct item) *one;');
  assert.match(few, /variable `one` .*struct box<@a, @b> takes 2 type argument\(s\), E_G gives 1/);
  const bad = await genericRefusal('struct box E_G(struct item, @z) *odd;');
  assert.match(bad, /variable `odd` \(gen\.c:\d+\): E_G\(struct item, @z\): @z is no type parameter here/);
  const unknown = await genericRefusal('struct box E_G(struct item, struct nothing) *gone;');
  assert.match(unknown, /E_G\(struct item, struct nothing\): struct nothing names no type in the old version/);
});

test('generics: fully instantiated, the same change builds and the plan names each instantiation', async () => {
  const decls = 'struct box E_G(struct item, [opaque]) *full;';
  const g1 = (await build({ sources: [{ path: 'gen.c', text: generic(decls, 'int id;') }], name: 'gen', optimize: 1 })).wasm;
  const r = await build({ sources: [{ path: 'gen.c', text: generic(decls, 'long long id;') }], from: g1, optimize: 1 });
  assert.ok(r.plan!.types.some((t) => t.old === 'struct box<struct item, [opaque]>' && t.kind === 'shallow'), JSON.stringify(r.plan!.types));
  assert.ok(r.plan!.types.some((t) => t.old === 'struct item' && t.kind === 'deep'), JSON.stringify(r.plan!.types));
});

test.run();

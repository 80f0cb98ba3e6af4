// The .xf spec parser (xfgen syntax) and the rewriter of $ forms in rule
// bodies: the AST, locations for mapping errors back to the spec, and an
// exact message for each syntax error.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseXf, rewriteDollars, XfSyntaxError, type XfLoc, type XfPath } from '../compiler/xf-parser.js';
import { KitsuneError } from '../format/errors.js';

/** Runs fn, expects an XfSyntaxError with exactly this message (which starts with file:line:column). */
function throwsXf(fn: () => unknown, message: string): void {
  try {
    fn();
  } catch (e) {
    assert.instance(e, XfSyntaxError);
    assert.instance(e, KitsuneError);
    const err = e as XfSyntaxError;
    assert.is(err.code, 'E_XF_SYNTAX');
    assert.is(err.message, message);
    assert.is(`${err.file}:${err.line}:${err.column}`, message.split(': ')[0]);
    return;
  }
  assert.unreachable(`no error; expected ${message}`);
}

const at = (line: number, column: number, file = 'spec.xf'): XfLoc => ({ file, line, column });
const only = (text: string): XfPath => {
  const spec = parseXf(`${text} -> ${text}`);
  return spec.rules[0].labels[0].from!;
};

// ---- the spec ------------------------------------------------------------------

test('an empty file, or only space and comments, is an empty spec', () => {
  assert.equal(parseXf(''), { file: 'spec.xf', preamble: null, rules: [] });
  assert.equal(parseXf(' \n// nothing\n/* at all */\n', 'x.xf'), { file: 'x.xf', preamble: null, rules: [] });
});

test('a preamble and several rules, with their locations', () => {
  const spec = parseXf([
    '{',
    '#include <string.h>',
    '}',
    'counter -> hits',
    'struct node.value -> struct node.value: { $out = $in * 10; }',
    '  INIT struct node.weight: {',
    '    $out = 1;',
    '  }',
  ].join('\n'), 'demo.xf');
  assert.is(spec.file, 'demo.xf');
  assert.is(spec.preamble, '\n#include <string.h>\n');
  assert.equal(spec.preambleLoc, at(1, 2, 'demo.xf'));
  assert.is(spec.rules.length, 3);
  const [rename, xform, init] = spec.rules;
  assert.equal(rename.loc, at(4, 1, 'demo.xf'));
  assert.is(xform.body, ' $out = $in * 10; ');
  assert.equal(xform.bodyLoc, at(5, 42, 'demo.xf'));
  assert.equal(xform.labels[0].to.loc, at(5, 22, 'demo.xf'));
  assert.is(init.body, '\n    $out = 1;\n  ');
  assert.equal(init.loc, at(6, 3, 'demo.xf'));
  assert.equal(init.bodyLoc, at(6, 29, 'demo.xf'));
});

test('a rename has no body', () => {
  const spec = parseXf('counter -> hits\nstruct s.f -> struct s.g');
  assert.equal(spec.rules, [
    {
      labels: [{
        init: false,
        from: { kind: 'var', key: 'counter', loc: at(1, 1), text: 'counter' },
        to: { kind: 'var', key: 'hits', loc: at(1, 12), text: 'hits' },
        loc: at(1, 1),
      }],
      body: null,
      loc: at(1, 1),
    },
    {
      labels: [{
        init: false,
        from: { kind: 'type', tag: 'struct', name: 's', field: ['f'], loc: at(2, 1), text: 'struct s.f' },
        to: { kind: 'type', tag: 'struct', name: 's', field: ['g'], loc: at(2, 15), text: 'struct s.g' },
        loc: at(2, 1),
      }],
      body: null,
      loc: at(2, 1),
    },
  ]);
});

test('"->" needs no space around it', () => {
  const [rule] = parseXf('a.c/x->a.c/y').rules;
  assert.is(rule.labels[0].from!.text, 'a.c/x');
  assert.is(rule.labels[0].to.text, 'a.c/y');
});

test('INIT has only a target', () => {
  const [rule] = parseXf('INIT   struct node.weight:{$out = 0;}').rules;
  assert.equal(rule.labels, [{
    init: true,
    to: { kind: 'type', tag: 'struct', name: 'node', field: ['weight'], loc: at(1, 8), text: 'struct node.weight' },
    loc: at(1, 1),
  }]);
  assert.is(rule.body, '$out = 0;');
  assert.equal(rule.bodyLoc, at(1, 28));
});

test('several labels share one body', () => {
  const spec = parseXf([
    'struct a.x -> struct a.x, struct b.y -> struct b.y: { $out = $in + 1; }',
    'INIT struct a.n,',
    '  INIT struct b.n: { $out = 0; }',
    'INIT hits, old -> new: { $out = 1; }',
  ].join('\n'));
  assert.is(spec.rules.length, 3);
  const [two, inits, mixed] = spec.rules;
  assert.equal(two.labels.map((l) => [l.init, l.from?.text, l.to.text, l.loc.column]),
    [[false, 'struct a.x', 'struct a.x', 1], [false, 'struct b.y', 'struct b.y', 27]]);
  assert.is(two.body, ' $out = $in + 1; ');
  assert.equal(inits.labels.map((l) => [l.init, l.to.text, l.loc]), [[true, 'struct a.n', at(2, 1)], [true, 'struct b.n', at(3, 3)]]);
  assert.is(inits.body, ' $out = 0; ');
  assert.equal(mixed.labels.map((l) => l.init), [true, false]);
});

test('every form of path', () => {
  assert.equal(only('struct s'), { kind: 'type', tag: 'struct', name: 's', loc: at(1, 1), text: 'struct s' });
  assert.equal(only('union u'), { kind: 'type', tag: 'union', name: 'u', loc: at(1, 1), text: 'union u' });
  assert.equal(only('enum color'), { kind: 'type', tag: 'enum', name: 'color', loc: at(1, 1), text: 'enum color' });
  assert.equal(only('typedef point_t'), { kind: 'type', tag: 'typedef', name: 'point_t', loc: at(1, 1), text: 'typedef point_t' });
  assert.equal(only('union u.i'), { kind: 'type', tag: 'union', name: 'u', field: ['i'], loc: at(1, 1), text: 'union u.i' });
  assert.equal(only('typedef point_t.x'), { kind: 'type', tag: 'typedef', name: 'point_t', field: ['x'], loc: at(1, 1), text: 'typedef point_t.x' });
  assert.equal(only('struct outer.in.c'), { kind: 'type', tag: 'struct', name: 'outer', field: ['in', 'c'], loc: at(1, 1), text: 'struct outer.in.c' });
  assert.equal(only('struct\n  s'), { kind: 'type', tag: 'struct', name: 's', loc: at(1, 1), text: 'struct s' });
  for (const key of ['count', 'main#ticks', 'prog.c/ratio', 'prog.c/main#seen', 'my-file_2.v1.c/_x9', '2nd.c/f#v']) {
    assert.equal(only(key), { kind: 'var', key, loc: at(1, 1), text: key });
  }
  // A word that only starts like a tag is a variable.
  assert.equal(only('structure').kind, 'var');
});

test('comments between rules and labels', () => {
  const spec = parseXf([
    '// a spec',
    '{ int x; } /* the preamble */',
    'a /* old */ -> /* new */ b // renamed',
    '/* several',
    '   lines */ INIT c, // first',
    'INIT d: { }',
  ].join('\n'));
  assert.is(spec.preamble, ' int x; ');
  assert.equal(spec.rules.map((r) => r.labels.map((l) => l.to.text)), [['b'], ['c', 'd']]);
  assert.equal(spec.rules[1].loc, at(5, 13));
});

test('braces inside strings, characters and comments of a body', () => {
  const body = ' char *s = "}{\\"}"; char c = \'}\'; char d = \'\\\'\'; /* } */ // }\n if (1) { $out = \'{\'; } ';
  const [rule] = parseXf(`x -> x: {${body}}\nafter -> after`).rules;
  assert.is(rule.body, body);
  assert.is(parseXf(`{ /* { */ "{" }\n`).preamble, ' /* { */ "{" ');
});

test('the realistic spec parses into what the generator needs', () => {
  const spec = parseXf(`{
#include <string.h>
static int scale(int x) { return x * 10; }
}
struct node.value -> struct node.value: { $out = scale($in); }
INIT struct node.weight: { $out = $base.value + 1; }
counter -> hits
prog.c/main#seen -> prog.c/main#seen: { $out = $in; }
struct list -> struct tree: { $out.root = $xform(struct node *, struct tnode *)($in.head); }
`, 'heap.xf');
  assert.is(spec.preamble, '\n#include <string.h>\nstatic int scale(int x) { return x * 10; }\n');
  assert.equal(spec.rules.map((r) => r.labels.map((l) => (l.init ? `INIT ${l.to.text}` : `${l.from!.text} -> ${l.to.text}`))), [
    ['struct node.value -> struct node.value'],
    ['INIT struct node.weight'],
    ['counter -> hits'],
    ['prog.c/main#seen -> prog.c/main#seen'],
    ['struct list -> struct tree'],
  ]);
  assert.equal(spec.rules.map((r) => r.body === null), [false, false, true, false, false]);
  const seen = spec.rules[3].labels[0].from!;
  assert.equal(seen, { kind: 'var', key: 'prog.c/main#seen', loc: at(8, 1, 'heap.xf'), text: 'prog.c/main#seen' });
  const list = spec.rules[4];
  const c = (f: { name: string; args: string[] | null }) =>
    f.name === 'xform' ? `xf_${f.args!.map((a) => a.replace(/\W+/g, '')).join('_')}` : f.name === 'in' ? '(*in)' : '(*out)';
  assert.is(rewriteDollars(list.body!, list.bodyLoc!, c), ' (*out).root = xf_structnode_structtnode((*in).head); ');
  // Each rewritten body still points at its own spec line.
  assert.equal(spec.rules.filter((r) => r.body).map((r) => r.bodyLoc!.line), [5, 6, 8, 9]);
});

// ---- syntax errors ---------------------------------------------------------------

test('error: missing "->"', () => {
  throwsXf(() => parseXf('\nstruct foo.x => struct foo.x'), 'spec.xf:2:14: expected "->" after struct foo.x, found "=>"');
  throwsXf(() => parseXf('counter'), 'spec.xf:1:8: expected "->" after counter, found the end of the file');
  throwsXf(() => parseXf('a -> : { }'), 'spec.xf:1:6: expected a path after "a ->", found ":"');
});

test('error: INIT without a body', () => {
  throwsXf(() => parseXf('x -> y\n  INIT struct a.n\ncounter -> hits'),
    'spec.xf:2:3: INIT struct a.n has no body: an INIT rule needs ": { C }" after it, found "counter"');
  throwsXf(() => parseXf('a -> b, INIT c'), 'spec.xf:1:9: INIT c has no body: an INIT rule needs ": { C }" after it, found the end of the file');
  throwsXf(() => parseXf('INIT'), 'spec.xf:1:5: expected a path after INIT, found the end of the file');
});

test('error: a body without ":" or ":" without a body', () => {
  throwsXf(() => parseXf('x -> y { }'), 'spec.xf:1:8: expected ":" before the body of x -> y, found "{"');
  throwsXf(() => parseXf('x -> y: z'), 'spec.xf:1:9: expected "{" to start the body after ":", found "z"');
});

test('error: unterminated body, preamble, comment, string: where each began', () => {
  throwsXf(() => parseXf('a -> b\nstruct s.f -> struct s.f: {\n  if (x) { $out = 1; }\n'),
    'spec.xf:2:27: unterminated body: no "}" matches this "{"');
  throwsXf(() => parseXf('\n  {\n#include <x.h>\n'), 'spec.xf:2:3: unterminated preamble: no "}" matches this "{"');
  throwsXf(() => parseXf('a -> b\n  /* never closed\n c -> d'), 'spec.xf:2:3: unterminated comment: no "*/" before the end of the file');
  throwsXf(() => parseXf('a -> b: { /* } '), 'spec.xf:1:11: unterminated comment: no "*/" before the end of the file');
  throwsXf(() => parseXf('a -> b: {\n  puts("}); }\n}'), 'spec.xf:2:8: unterminated string literal: no closing " on its line');
  throwsXf(() => parseXf("a -> b: { char c = '}; }"), "spec.xf:1:20: unterminated character literal: no closing ' on its line");
});

test('error: bad paths', () => {
  throwsXf(() => parseXf('struct -> struct b'), 'spec.xf:1:8: expected a name after "struct", found "->"');
  throwsXf(() => parseXf('x -> y\nINIT union: { }'), 'spec.xf:2:11: expected a name after "union", found ":"');
  throwsXf(() => parseXf('struct s. -> struct s.f'), 'spec.xf:1:10: expected a field name after "struct s.", found a space');
  throwsXf(() => parseXf('struct s.\nf -> struct s.f'), 'spec.xf:1:10: expected a field name after "struct s.", found a line break');
  throwsXf(() => parseXf('enum e.x -> enum e.x'), 'spec.xf:1:7: enum e is an enum: it has no fields');
  throwsXf(() => parseXf('src/a.c/x -> x'),
    'spec.xf:1:1: bad variable key "src/a.c/x": expected var, file.c/var, file.c/func#var or func#var, with a file name without directories');
  throwsXf(() => parseXf('x -> counter.field'),
    'spec.xf:1:6: bad variable key "counter.field": expected var, file.c/var, file.c/func#var or func#var, with a file name without directories');
  throwsXf(() => parseXf('../x -> x'), 'spec.xf:1:1: bad variable key "../x": expected var, file.c/var, file.c/func#var or func#var, with a file name without directories');
});

test('error: a rename mixing types, fields and variables', () => {
  throwsXf(() => parseXf('a -> b\n struct a.x -> counter'),
    'spec.xf:2:2: cannot rename struct a.x (a field) to counter (a variable): a rename pairs a type with a type, a field with a field, or a variable with a variable');
  throwsXf(() => parseXf('hits -> struct s'),
    'spec.xf:1:1: cannot rename hits (a variable) to struct s (a type): a rename pairs a type with a type, a field with a field, or a variable with a variable');
  throwsXf(() => parseXf('struct s -> struct s.f'),
    'spec.xf:1:1: cannot rename struct s (a type) to struct s.f (a field): a rename pairs a type with a type, a field with a field, or a variable with a variable');
  // A type may change its tag: the transform decides what that means.
  assert.is(parseXf('struct list -> union tree: { }').rules.length, 1);
});

test('error: garbage after a rule', () => {
  throwsXf(() => parseXf('a -> b;'), 'spec.xf:1:7: expected a rule (PATH -> PATH or INIT PATH), found ";"');
  throwsXf(() => parseXf('a -> b: { }\n  } '), 'spec.xf:2:3: expected a rule (PATH -> PATH or INIT PATH), found "}"');
  throwsXf(() => parseXf('a -> b: { }\n{ int late; }'),
    'spec.xf:2:1: expected a rule (PATH -> PATH or INIT PATH) (a { C } preamble may only come before the first rule), found "{"');
});

// ---- $ forms ---------------------------------------------------------------------

const show = (f: { name: string; args: string[] | null; loc: XfLoc }) =>
  `[${f.name}${f.args ? `(${f.args.join('|')})` : ''}@${f.loc.line}:${f.loc.column}]`;

test('rewriteDollars replaces each form and gives its location in the spec', () => {
  const [rule] = parseXf('\nstruct s.f -> struct s.f: { $out = $in +\n    $base.g; }').rules;
  assert.equal(rule.bodyLoc, at(2, 28));
  assert.is(rewriteDollars(rule.body!, rule.bodyLoc!, show), ' [out@2:29] = [in@2:36] +\n    [base@3:5].g; ');
});

test('rewriteDollars: forms with arguments, split on top-level commas', () => {
  const loc = at(10, 5, 'x.xf');
  assert.is(rewriteDollars('$xform( struct a ,struct b )($in)', loc, show), '[xform(struct a|struct b)@10:5]([in@10:34])');
  assert.is(rewriteDollars('p = $xform(int (*)(int, char), void (*)(void))(p);', loc, show), 'p = [xform(int (*)(int, char)|void (*)(void))@10:9](p);');
  assert.is(rewriteDollars('sizeof($oldtype(struct s[2]))+sizeof($newtype (typedef t))', loc, show),
    'sizeof([oldtype(struct s[2])@10:12])+sizeof([newtype(typedef t)@10:42])');
  assert.equal(rewriteDollars('$in', loc, (f) => JSON.stringify(f.args)), 'null');
});

test('rewriteDollars leaves literals, comments and identifiers alone', () => {
  const body = ' printf("$in = %d\\n", $in); c = \'$\'; /* $out */ // $bogus\n a$in = b$ + $1; $';
  const loc = at(1, 1);
  assert.is(rewriteDollars(body, loc, show), ' printf("$in = %d\\n", [in@1:23]); c = \'$\'; /* $out */ // $bogus\n a$in = b$ + $1; $');
});

test('rewriteDollars: unknown names', () => {
  throwsXf(() => rewriteDollars(' x = 1;\n   $inn = 2;', at(4, 10), show),
    'spec.xf:5:4: unknown $inn: the known forms are $in, $out, $base, $xform(old, new), $oldtype(type), $newtype(type)');
  throwsXf(() => rewriteDollars('$Out', at(1, 1, 'a.xf'), show),
    'a.xf:1:1: unknown $Out: the known forms are $in, $out, $base, $xform(old, new), $oldtype(type), $newtype(type)');
});

test('rewriteDollars: wrong argument counts and missing parentheses', () => {
  const loc = at(3, 20);
  throwsXf(() => rewriteDollars(' $xform(struct a)(p)', loc, show), 'spec.xf:3:21: $xform takes 2 arguments, found 1: $xform(old type, new type)');
  throwsXf(() => rewriteDollars('$xform(a, b, c)', loc, show), 'spec.xf:3:20: $xform takes 2 arguments, found 3: $xform(old type, new type)');
  throwsXf(() => rewriteDollars('$oldtype()', loc, show), 'spec.xf:3:20: $oldtype takes 1 argument, found 0: $oldtype(type)');
  throwsXf(() => rewriteDollars('$newtype(a, b)', loc, show), 'spec.xf:3:20: $newtype takes 1 argument, found 2: $newtype(type)');
  throwsXf(() => rewriteDollars('$xform(a, )', loc, show), 'spec.xf:3:20: argument 2 of $xform is empty: $xform(old type, new type)');
  throwsXf(() => rewriteDollars('x = $oldtype;', loc, show),
    'spec.xf:3:24: $oldtype needs its argument in parentheses, as in $oldtype(type); found ";"');
  throwsXf(() => rewriteDollars('$xform', loc, show),
    'spec.xf:3:20: $xform needs its 2 arguments in parentheses, as in $xform(old type, new type); found the end of the body');
  throwsXf(() => rewriteDollars('$xform(a, (b)', loc, show), 'spec.xf:3:20: unterminated $xform(: no ")" closes its arguments');
});

test.run();

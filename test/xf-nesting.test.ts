// Deep nesting in a .xf spec (issue 11, item 12): clang runs out of stack on
// a body nested a few thousand blocks deep ("Maximum call stack size
// exceeded"), so the parser stops at 256 with the place and the reason.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseXf, XfSyntaxError } from '../compiler/xf-parser.js';

const nest = (n: number) => '{'.repeat(n) + '}'.repeat(n);

test('256 levels in a body parse; 5,000 end in an XfSyntaxError at the 257th brace', () => {
  const head = 'struct a.x -> struct a.x: ';
  assert.is(parseXf(`${head}${nest(256)}\n`).rules.length, 1);
  try {
    parseXf(`${head}${nest(5000)}\n`, 'deep.xf');
    assert.unreachable('5,000 levels parsed');
  } catch (e) {
    assert.instance(e, XfSyntaxError);
    assert.is((e as XfSyntaxError).code, 'E_XF_SYNTAX');
    assert.is((e as Error).message, `deep.xf:1:${head.length + 257}: this "{" nests the body 257 blocks deep; at most 256 are allowed`);
  }
});

test('the same bound holds in the preamble', () => {
  try {
    parseXf(`${nest(100000)}\ncounter -> hits\n`, 'pre.xf');
    assert.unreachable('100,000 levels parsed');
  } catch (e) {
    assert.instance(e, XfSyntaxError);
    assert.match((e as Error).message, /^pre\.xf:1:257: this "\{" nests the preamble 257 blocks deep/);
  }
});

test.run();

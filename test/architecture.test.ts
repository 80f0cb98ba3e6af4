// The house rules, checked on the sources: no import circles (type-only
// imports count), the compiler and the driver never import each other, the
// host thread never loads worker code nor the worker host code, and format/
// stands on its own.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const FOLDERS = ['format', 'compiler', 'wasm-driver', 'cli', 'bench', 'stress', 'test'];

function sources(): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of fs.readdirSync(path.join(root, d), { withFileTypes: true })) {
      const rel = path.join(d, e.name);
      if (e.isDirectory()) { if (e.name !== 'node_modules' && e.name !== 'artifacts') walk(rel); }
      else if (e.name.endsWith('.ts') && !e.name.endsWith('.d.ts')) out.push(rel);
    }
  };
  FOLDERS.filter((f) => fs.existsSync(path.join(root, f))).forEach(walk);
  return out;
}

/** Relative imports of a file, as repository paths of .ts files (type-only ones and re-exports included). */
function importsOf(file: string): string[] {
  const text = fs.readFileSync(path.join(root, file), 'utf8');
  const out: string[] = [];
  for (const m of text.matchAll(/(?:^|\n)\s*(?:import|export)\s[^'";]*?from\s*['"](\.[^'"]+)['"]|import\(\s*['"](\.[^'"]+)['"]\s*\)/g)) {
    const spec = m[1] ?? m[2];
    const target = path.normalize(path.join(path.dirname(file), spec)).replace(/\.js$/, '.ts');
    out.push(target);
  }
  return out;
}

const graph = new Map(sources().map((f) => [f, importsOf(f)]));

test('no import circles between files', () => {
  // Tarjan's strongly connected components: any component of two or more files is a circle.
  let index = 0;
  const idx = new Map<string, number>(), low = new Map<string, number>(), on = new Set<string>(), stack: string[] = [];
  const circles: string[][] = [];
  const visit = (v: string) => {
    idx.set(v, index); low.set(v, index); index++;
    stack.push(v); on.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!graph.has(w)) continue;
      if (!idx.has(w)) { visit(w); low.set(v, Math.min(low.get(v)!, low.get(w)!)); }
      else if (on.has(w)) low.set(v, Math.min(low.get(v)!, idx.get(w)!));
    }
    if (low.get(v) === idx.get(v)) {
      const c: string[] = [];
      let w: string;
      do { w = stack.pop()!; on.delete(w); c.push(w); } while (w !== v);
      if (c.length > 1) circles.push(c);
    }
  };
  for (const v of graph.keys()) if (!idx.has(v)) visit(v);
  assert.equal(circles, [], `import circles:\n${circles.map((c) => c.join(' -> ')).join('\n')}`);
});

test('every relative import names a file that exists', () => {
  const missing = [...graph].flatMap(([f, deps]) => deps.filter((d) => !fs.existsSync(path.join(root, d))).map((d) => `${f} imports ${d}`));
  assert.equal(missing, []);
});

const rules: [from: string, mustNotImport: string, why: string][] = [
  ['compiler/', 'wasm-driver/', 'the compiler never loads the driver'],
  ['wasm-driver/', 'compiler/', 'a program that only runs versions never loads clang or binaryen'],
  ['wasm-driver/host/', 'wasm-driver/worker/', 'the host thread loads nothing of the worker'],
  ['wasm-driver/worker/', 'wasm-driver/host/', 'the worker loads nothing of the host thread'],
  ['wasm-driver/common/', 'wasm-driver/host/', 'common code serves both threads'],
  ['wasm-driver/common/', 'wasm-driver/worker/', 'common code serves both threads'],
  ['format/', 'wasm-driver/', 'format/ is shared and stands on its own'],
  ['format/', 'compiler/', 'format/ is shared and stands on its own'],
  ['format/', 'cli/', 'format/ is shared and stands on its own'],
];

test('the compiler, the driver, its two threads and format/ import only what they may', () => {
  const broken: string[] = [];
  for (const [f, deps] of graph) {
    for (const [from, not, why] of rules) {
      if (!f.startsWith(from)) continue;
      for (const d of deps) if (d.startsWith(not)) broken.push(`${f} imports ${d}: ${why}`);
    }
  }
  assert.equal(broken, []);
});

test('no module imports the CLI entry file, which runs the command when loaded', () => {
  const users = [...graph].filter(([, deps]) => deps.includes('cli/kitsune.ts')).map(([f]) => f);
  assert.equal(users, []);
});

test.run();

// Parser for Kitsune's `.xf` state-transformation specs, in the syntax of
// Kitsune's xfgen:
//
//   { C preamble }                                  optional, first
//   counter -> hits                                 rename, no body
//   struct node.value -> struct node.value: { C }   transform
//   INIT struct node.weight: { C }                  initialise something new
//   struct a.x -> struct a.x, INIT struct b.n: { C } labels sharing one body
//
// Bodies stay raw C; `rewriteDollars` expands their `$in`, `$out`, ... forms
// for the code generator. Every node carries its location in the spec so that
// errors in generated code can be reported against the spec.
// Browser-safe: no Node imports.
import { KitsuneError } from '../format/errors.js';

/** 1-based; columns count UTF-16 code units, a tab counts one. */
export interface XfLoc { file: string; line: number; column: number }

/**
 * A type (`struct s`, `union u`, `enum e`, `typedef t`), a field of one
 * (`struct s.a.b` gives field ['a', 'b']), or a variable by its migration key
 * (`var`, `file.c/var`, `file.c/func#var`, `func#var`). `text` is the
 * canonical spelling, for messages.
 */
export type XfPath =
  | { kind: 'type'; tag: 'struct' | 'union' | 'enum' | 'typedef'; name: string; field?: string[]; loc: XfLoc; text: string }
  | { kind: 'var'; key: string; loc: XfLoc; text: string };

/** `INIT to` (init: true, no `from`) or `from -> to`. */
export interface XfLabel { init: boolean; from?: XfPath; to: XfPath; loc: XfLoc }

/** One or more labels and the body they share; `body` is null for plain renames. `bodyLoc` is the first character after `{`. */
export interface XfRule { labels: XfLabel[]; body: string | null; bodyLoc?: XfLoc; loc: XfLoc }

/** `preamble` is the C text between the leading braces; `preambleLoc` its first character after `{`. */
export interface XfSpec { file: string; preamble: string | null; preambleLoc?: XfLoc; rules: XfRule[] }

export class XfSyntaxError extends KitsuneError {
  constructor(readonly file: string, readonly line: number, readonly column: number, message: string) {
    super('E_XF_SYNTAX', `${file}:${line}:${column}: ${message}`);
    this.name = 'XfSyntaxError';
  }
}

const fail = (loc: XfLoc, message: string): never => {
  throw new XfSyntaxError(loc.file, loc.line, loc.column, message);
};

// ---- shared C scanning ----------------------------------------------------------

/** Maps offsets in `text` to locations, given where `text` itself starts. */
function locator(text: string, start: XfLoc): (offset: number) => XfLoc {
  const lineStarts = [0];
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) lineStarts.push(i + 1);
  return (offset) => {
    let lo = 0, hi = lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (lineStarts[mid] <= offset) lo = mid; else hi = mid - 1;
    }
    const column = offset - lineStarts[lo] + 1;
    return lo === 0
      ? { file: start.file, line: start.line, column: start.column + column - 1 }
      : { file: start.file, line: start.line + lo, column };
  };
}

/**
 * If a C comment or string/char literal starts at `i`, the index just past
 * it; `i` itself if none does; -1 if it is unterminated. A literal ends at an
 * unescaped newline as in C, so a stray quote is caught on its own line
 * rather than swallowing the rest of the file.
 */
function skipC(text: string, i: number): number {
  const c = text[i];
  if (c === '/' && text[i + 1] === '/') {
    const nl = text.indexOf('\n', i);
    return nl < 0 ? text.length : nl;
  }
  if (c === '/' && text[i + 1] === '*') {
    const end = text.indexOf('*/', i + 2);
    return end < 0 ? -1 : end + 2;
  }
  if (c !== '"' && c !== "'") return i;
  for (let j = i + 1; j < text.length; j++) {
    const d = text[j];
    if (d === c) return j + 1;
    if (d === '\n') return -1;
    if (d === '\\') j += text[j + 1] === '\r' && text[j + 2] === '\n' ? 2 : 1;
  }
  return -1;
}

const unterminated = (text: string, i: number): string =>
  text[i] === '/' ? 'comment: no "*/" before the end of the file'
    : text[i] === '"' ? 'string literal: no closing " on its line'
    : "character literal: no closing ' on its line";

// ---- the spec parser ---------------------------------------------------------

const TAGS = new Set(['struct', 'union', 'enum', 'typedef']);
const IDENT = /[A-Za-z_][A-Za-z0-9_]*/y;
// A '-' may be part of a file name, but not when it begins `->` (`a->b` needs no spaces).
const KEY = /(?:[A-Za-z0-9_.#/]|-(?!>))+/y;
const KEY_SHAPE = /^(?:([A-Za-z0-9_.-]+)\/)?(?:([A-Za-z_]\w*)#)?([A-Za-z_]\w*)$/;
const KEY_FORMS = 'var, file.c/var, file.c/func#var or func#var, with a file name without directories';

class Parser {
  pos = 0;
  private readonly locOf: (offset: number) => XfLoc;

  constructor(private readonly text: string, private readonly file: string) {
    this.locOf = locator(text, { file, line: 1, column: 1 });
  }

  parse(): XfSpec {
    const spec: XfSpec = { file: this.file, preamble: null, rules: [] };
    this.skipSpace();
    if (this.peek('{')) {
      const { text, loc } = this.block('preamble');
      spec.preamble = text;
      spec.preambleLoc = loc;
      this.skipSpace();
    }
    while (this.pos < this.text.length) {
      spec.rules.push(this.rule());
      this.skipSpace();
    }
    return spec;
  }

  private rule(): XfRule {
    const start = this.pos;
    if (!this.atPathStart()) {
      const hint = this.peek('{') ? ' (a { C } preamble may only come before the first rule)' : '';
      this.expected('a rule (PATH -> PATH or INIT PATH)' + hint);
    }
    const labels = [this.label()];
    this.skipSpace();
    while (this.peek(',')) {
      this.pos++;
      this.skipSpace();
      labels.push(this.label());
      this.skipSpace();
    }
    const rule: XfRule = { labels, body: null, loc: this.locOf(start) };
    if (this.peek(':')) {
      this.pos++;
      this.skipSpace();
      if (!this.peek('{')) this.expected('"{" to start the body after ":"');
      const { text, loc } = this.block('body');
      rule.body = text;
      rule.bodyLoc = loc;
      return rule;
    }
    if (this.peek('{')) this.expected(`":" before the body of ${labelText(labels[labels.length - 1])}`);
    const init = labels.find((l) => l.init);
    if (init) fail(init.loc, `${labelText(init)} has no body: an INIT rule needs ": { C }" after it, found ${this.found()}`);
    return rule;
  }

  private label(): XfLabel {
    const start = this.pos;
    const loc = this.locOf(start);
    IDENT.lastIndex = start;
    const word = IDENT.exec(this.text)?.[0];
    if (word === 'INIT' && !/[A-Za-z0-9_.#/-]/.test(this.text[start + 4] ?? '')) {
      this.pos += 4;
      this.skipSpace();
      if (!this.atPathStart()) this.expected('a path after INIT');
      return { init: true, to: this.path(), loc };
    }
    if (!this.atPathStart()) this.expected('a path');
    const from = this.path();
    this.skipSpace();
    if (!this.peek('->')) this.expected(`"->" after ${from.text}`);
    this.pos += 2;
    this.skipSpace();
    if (!this.atPathStart()) this.expected(`a path after "${from.text} ->"`);
    const to = this.path();
    if (pathSort(from) !== pathSort(to)) {
      fail(loc, `cannot rename ${from.text} (${pathSort(from)}) to ${to.text} (${pathSort(to)}): ` +
        'a rename pairs a type with a type, a field with a field, or a variable with a variable');
    }
    return { init: false, from, to, loc };
  }

  private path(): XfPath {
    const start = this.pos;
    const loc = this.locOf(start);
    IDENT.lastIndex = start;
    const word = IDENT.exec(this.text)?.[0];
    if (word && TAGS.has(word) && !/[A-Za-z0-9_.#/-]/.test(this.text[start + word.length] ?? '')) {
      const tag = word as 'struct' | 'union' | 'enum' | 'typedef';
      this.pos += word.length;
      this.skipSpace();
      const name = this.ident(`a name after "${tag}"`);
      let text = `${tag} ${name}`;
      const field: string[] = [];
      // No space around the dots: a path is one word, as in xfgen.
      while (this.peek('.')) {
        if (tag === 'enum') fail(this.locOf(this.pos), `${text} is an enum: it has no fields`);
        this.pos++;
        field.push(this.ident(`a field name after "${text}."`));
        text += `.${field[field.length - 1]}`;
      }
      return field.length ? { kind: 'type', tag, name, field, loc, text } : { kind: 'type', tag, name, loc, text };
    }
    KEY.lastIndex = start;
    const key = KEY.exec(this.text)?.[0] ?? '';
    const shape = KEY_SHAPE.exec(key);
    if (!shape || shape[1] === '.' || shape[1] === '..') fail(loc, `bad variable key "${key}": expected ${KEY_FORMS}`);
    this.pos += key.length;
    return { kind: 'var', key, loc, text: key };
  }

  private ident(what: string): string {
    IDENT.lastIndex = this.pos;
    const m = IDENT.exec(this.text);
    if (!m) return this.expected(what);
    this.pos += m[0].length;
    return m[0];
  }

  /** A balanced `{ ... }` at pos, C literals and comments skipped; returns the text inside. */
  private block(what: 'body' | 'preamble'): { text: string; loc: XfLoc } {
    const open = this.pos;
    let depth = 0;
    for (let i = open; i < this.text.length;) {
      const c = this.text[i];
      const next = skipC(this.text, i);
      if (next < 0) fail(this.locOf(i), `unterminated ${unterminated(this.text, i)}`);
      if (next !== i) { i = next; continue; }
      if (c === '{') depth++;
      else if (c === '}' && --depth === 0) {
        this.pos = i + 1;
        return { text: this.text.slice(open + 1, i), loc: this.locOf(open + 1) };
      }
      i++;
    }
    return fail(this.locOf(open), `unterminated ${what}: no "}" matches this "{"`);
  }

  /** Whitespace and comments. */
  private skipSpace(): void {
    for (;;) {
      while (this.pos < this.text.length && /\s/.test(this.text[this.pos])) this.pos++;
      if (!this.peek('//') && !this.peek('/*')) return;
      const next = skipC(this.text, this.pos);
      if (next < 0) fail(this.locOf(this.pos), `unterminated ${unterminated(this.text, this.pos)}`);
      this.pos = next;
    }
  }

  private peek(s: string): boolean {
    return this.text.startsWith(s, this.pos);
  }

  private atPathStart(): boolean {
    return /[A-Za-z0-9_.]/.test(this.text[this.pos] ?? '');
  }

  private expected(what: string): never {
    return fail(this.locOf(this.pos), `expected ${what}, found ${this.found()}`);
  }

  /** The token at pos, quoted, for "found ..." in messages. */
  private found(): string {
    if (this.pos >= this.text.length) return 'the end of the file';
    const c = this.text[this.pos];
    if (c === '\n' || c === '\r') return 'a line break';
    if (/\s/.test(c)) return c === '\t' ? 'a tab' : 'a space';
    const m = /[A-Za-z0-9_][\w.#/-]*|[-=<>!&|+*%^~?:;]+|[^]/uy;
    m.lastIndex = this.pos;
    return JSON.stringify(m.exec(this.text)![0].slice(0, 40));
  }
}

const pathSort = (p: XfPath): string => (p.kind === 'var' ? 'a variable' : p.field ? 'a field' : 'a type');
const labelText = (l: XfLabel): string => (l.init ? `INIT ${l.to.text}` : `${l.from!.text} -> ${l.to.text}`);

/** Parses a whole `.xf` spec; throws XfSyntaxError (E_XF_SYNTAX) at the first error. */
export function parseXf(text: string, file = 'spec.xf'): XfSpec {
  return new Parser(text, file).parse();
}

// ---- $ forms in bodies -------------------------------------------------------

/** `$in` is { name: 'in', args: null }; `$xform(struct a, struct b)` is { name: 'xform', args: ['struct a', 'struct b'] }. `loc` is the `$`. */
export type DollarForm = { name: string; args: string[] | null; loc: XfLoc };

// Forms with a number take that many arguments in parentheses; the others none.
const FORMS: Record<string, number | null> = { in: null, out: null, base: null, xform: 2, oldtype: 1, newtype: 1 };
const FORM_USAGE: Record<string, string> = { xform: '$xform(old type, new type)', oldtype: '$oldtype(type)', newtype: '$newtype(type)' };
const KNOWN = '$in, $out, $base, $xform(old, new), $oldtype(type), $newtype(type)';

/**
 * Replaces every `$name` / `$name(args)` form in a rule body with
 * `replace(form)`, leaving C literals and comments alone. A `$` inside an
 * identifier (clang allows `a$b`) is not a form. Arguments are kept as
 * written (trimmed), not rewritten themselves; the replacement is not rescanned.
 */
export function rewriteDollars(body: string, bodyLoc: XfLoc, replace: (f: DollarForm) => string): string {
  const locOf = locator(body, bodyLoc);
  let out = '';
  let copied = 0;
  for (let i = 0; i < body.length;) {
    const next = skipC(body, i);
    if (next < 0) fail(locOf(i), `unterminated ${unterminated(body, i)}`);
    if (next !== i) { i = next; continue; }
    if (body[i] !== '$' || /[A-Za-z0-9_$]/.test(body[i - 1] ?? '')) { i++; continue; }
    IDENT.lastIndex = i + 1;
    const name = IDENT.exec(body)?.[0];
    if (!name) { i++; continue; }
    const loc = locOf(i);
    if (!Object.hasOwn(FORMS, name)) fail(loc, `unknown $${name}: the known forms are ${KNOWN}`);
    let end = i + 1 + name.length;
    let args: string[] | null = null;
    const arity = FORMS[name];
    if (arity !== null) {
      let p = end;
      while (p < body.length && /\s/.test(body[p])) p++;
      if (body[p] !== '(') {
        const s = p < body.length ? JSON.stringify(body[p]) : 'the end of the body';
        fail(loc, `$${name} needs ${arity === 1 ? 'its argument' : `its ${arity} arguments`} in parentheses, as in ${FORM_USAGE[name]}; found ${s}`);
      }
      ({ args, end } = splitArgs(body, p, name, loc, locOf));
      if (args.length !== arity) {
        fail(loc, `$${name} takes ${arity} argument${arity === 1 ? '' : 's'}, found ${args.length}: ${FORM_USAGE[name]}`);
      }
      const empty = args.indexOf('');
      if (empty >= 0) fail(loc, `argument ${empty + 1} of $${name} is empty: ${FORM_USAGE[name]}`);
    }
    out += body.slice(copied, i) + replace({ name, args, loc });
    copied = i = end;
  }
  return out + body.slice(copied);
}

/** The arguments of the parenthesised list at `open`, split on top-level commas; `end` is just past its ")". */
function splitArgs(body: string, open: number, name: string, loc: XfLoc, locOf: (o: number) => XfLoc): { args: string[]; end: number } {
  const args: string[] = [];
  let depth = 0;
  let from = open + 1;
  for (let i = open; i < body.length;) {
    const next = skipC(body, i);
    if (next < 0) fail(locOf(i), `unterminated ${unterminated(body, i)}`);
    if (next !== i) { i = next; continue; }
    const c = body[i];
    if (c === '(' || c === '[' || c === '{') depth++;
    else if (c === ')' || c === ']' || c === '}') {
      if (--depth === 0) {
        if (c !== ')') fail(locOf(i), `unbalanced "${c}" in the arguments of $${name}`);
        const last = body.slice(from, i).trim();
        // `$f()` has no arguments rather than one empty one.
        if (last || args.length) args.push(last);
        return { args, end: i + 1 };
      }
    } else if (c === ',' && depth === 1) {
      args.push(body.slice(from, i).trim());
      from = i + 1;
    }
    i++;
  }
  return fail(loc, `unterminated $${name}(: no ")" closes its arguments`);
}

// Type-directed state transformation, as Kitsune's xfgen: from the old and
// the new version's type graphs (DWARF) and an optional .xf spec, decide how
// each variable moves, refuse what cannot move (listing every reason), and
// generate the C that moves the rest, heap included. The C is compiled into
// the new version and runs inside it during the update (runtime/kitsune_xf.h).
import { typeSignature, typeName, typeSize, type CType, type CField, type DwarfInfo, type TypeId } from './dwarf.js';
import { rewriteDollars, type XfSpec, type XfPath, type XfRule, type XfLoc } from './xf-parser.js';
import type { KitsuneVariable, XfEntry } from '../format/metadata.js';
import { KitsuneError } from '../format/errors.js';

/** One version's types and variables, as the `kitsune` section carries them. */
export interface XfSide { types: CType[]; variables: KitsuneVariable[] }

type Rec = Extract<CType, { kind: 'struct' | 'union' }>;

export type TransformKind = 'same' | 'shallow' | 'deep';

export interface TypeDiff { old: string; new: string; kind: TransformKind; why: string }

export interface VariableMove {
  key: string;
  /** The old variable it comes from (differs from `key` after a rename). */
  from: string | null;
  action: 'copy' | 'transform' | 'rule' | 'init' | 'new' | 'dropped';
  oldType?: string;
  newType?: string;
}


export interface MigrationPlan {
  variables: VariableMove[];
  types: TypeDiff[];
  /** Why the update cannot be carried out; empty when it can. */
  problems: string[];
  /** Generated C, when anything needs more than a byte copy. */
  code: string | null;
  entries: XfEntry[];
}

export const XF_FILE = '__kitsune_xf.c';

// ------------------------------------------------------------------ one side's types

const MAX_DEPTH = 64;

class Graph {
  readonly info: DwarfInfo;
  private readonly names = new Map<TypeId, string>();
  constructor(readonly side: 'o' | 'n', readonly types: CType[], readonly variables: KitsuneVariable[]) {
    this.info = { types, variables: [] };
    const tags = new Map<string, number>();
    types.forEach((t, i) => {
      if ((t.kind === 'struct' || t.kind === 'union') && !t.incomplete) {
        const base = t.name ?? `anon${i}`;
        const n = (tags.get(t.kind + base) ?? 0) + 1;
        tags.set(t.kind + base, n);
        this.names.set(i, `_kx_${side}_${base}${n > 1 || t.name === null ? `_${i}` : ''}`);
      }
    });
  }
  get version(): string { return this.side === 'o' ? 'old' : 'new'; }

  strip(id: TypeId): TypeId {
    for (let n = 0; n < MAX_DEPTH; n++) {
      const t = this.types[id];
      if (!t || (t.kind !== 'typedef' && t.kind !== 'const' && t.kind !== 'volatile')) return id;
      id = t.to;
    }
    return id;
  }
  t(id: TypeId): CType { return this.types[id] ?? { kind: 'void' }; }
  sig(id: TypeId): string { return typeSignature(this.info, id); }
  name(id: TypeId): string { return typeName(this.info, id); }

  size(id: TypeId): number { return typeSize(this.info, id); }
  align(id: TypeId, depth = 0): number {
    const t = this.t(id);
    if (depth > MAX_DEPTH) return 1;
    switch (t.kind) {
      case 'base': return Math.min(Math.max(t.size, 1), 16);
      case 'pointer': case 'enum': return Math.max(t.size, 1);
      case 'typedef': case 'const': case 'volatile': return this.align(t.to, depth + 1);
      case 'array': return this.align(t.of, depth + 1);
      case 'struct': case 'union': return t.fields.reduce((a, f) => Math.max(a, this.align(f.type, depth + 1)), 1);
      default: return 1;
    }
  }

  /** The struct, union, enum or typedef a spec path names (no field). */
  findNamed(tag: string, name: string): TypeId | undefined {
    let found: TypeId | undefined;
    this.types.forEach((t, i) => {
      if (found !== undefined) return;
      if (tag === 'typedef' ? t.kind === 'typedef' && t.name === name : t.kind === tag && (t as { name: string | null }).name === name && !(t as { incomplete?: true }).incomplete) found = i;
    });
    if (found === undefined && tag !== 'typedef') {
      this.types.forEach((t, i) => { if (found === undefined && t.kind === tag && (t as { name: string | null }).name === name) found = i; });
    }
    return found;
  }
  findBase(name: string): TypeId | undefined {
    const norm = (s: string) => s.replace(/\s+/g, ' ').trim().replace(/^unsigned$/, 'unsigned int').replace(/^signed$/, 'int');
    const i = this.types.findIndex((t) => (t.kind === 'base' || t.kind === 'typedef') && norm(t.name) === norm(name));
    return i < 0 ? undefined : i;
  }
  pointerTo(id: TypeId): TypeId {
    const s = this.strip(id);
    const i = this.types.findIndex((t) => t.kind === 'pointer' && this.strip(t.to) === s);
    if (i >= 0) return i;
    this.types.push({ kind: 'pointer', to: id, size: 4 });
    return this.types.length - 1;
  }
  /** Through typedefs, qualifiers, pointers and arrays: the type at the bottom. */
  stripAll(id: TypeId): TypeId {
    for (let n = 0; n < MAX_DEPTH; n++) {
      id = this.strip(id);
      const t = this.types[id];
      if (t?.kind === 'pointer') id = t.to;
      else if (t?.kind === 'array') id = t.of;
      else return id;
    }
    return id;
  }
  /** `void *` (`void **`...) with its void replaced by `by`: what an E_T field points to. */
  replaceVoid(id: TypeId, by: TypeId, depth = 0): TypeId | undefined {
    const t = this.t(this.strip(id));
    if (t.kind !== 'pointer' || depth > MAX_DEPTH) return undefined;
    const to = this.t(this.strip(t.to));
    if (to.kind === 'void') return this.pointerTo(by);
    const inner = this.replaceVoid(t.to, by, depth + 1);
    return inner === undefined ? undefined : this.pointerTo(inner);
  }
  tagsOf(kind: string): string[] {
    return [...new Set(this.types.flatMap((t) => (t.kind === kind && (t as { name: string | null }).name ? [(t as { name: string }).name] : [])))];
  }

  /** C declarator for `inner` of type `id`, with this side's struct names. Qualifiers are dropped: migration writes everything. */
  decl(id: TypeId, inner = '', depth = 0): string {
    const t = this.t(id);
    const wrap = (s: string) => (s.startsWith('*') ? `(${s})` : s);
    const spec = (s: string) => (inner ? `${s} ${inner}` : s);
    if (depth > MAX_DEPTH) return spec('char');
    switch (t.kind) {
      case 'void': return spec('void');
      case 'base': return spec(t.name === '_Bool' ? '_Bool' : t.name);
      case 'enum': return spec(`${t.values.some((v) => v.value < 0) ? '' : 'u'}int${Math.max(t.size, 1) * 8}_t`);
      case 'typedef': case 'const': case 'volatile': return this.decl(t.to, inner, depth + 1);
      case 'pointer': return this.decl(t.to, '*' + inner, depth + 1);
      case 'array': return this.decl(t.of, wrap(inner) + `[${t.count ?? ''}]`, depth + 1);
      case 'function': {
        const ps = t.params.map((p) => this.decl(p, '', depth + 1));
        if (t.variadic) ps.push('...');
        return this.decl(t.returns, wrap(inner) + `(${ps.length ? ps.join(', ') : 'void'})`, depth + 1);
      }
      case 'struct': case 'union': {
        const n = this.names.get(id) ?? this.names.get(this.complete(id)) ?? `_kx_${this.side}_opaque_${t.name ?? id}`;
        return spec(`${t.kind} ${n}`);
      }
    }
  }
  /** A complete definition standing for an incomplete struct, if there is one. */
  complete(id: TypeId): TypeId {
    const t = this.t(id);
    if ((t.kind === 'struct' || t.kind === 'union') && t.incomplete && t.name) return this.findNamed(t.kind, t.name) ?? id;
    return id;
  }

  /** Parses a C type as written in a spec (`struct node *`, `counter_t`, `unsigned int`). */
  parseType(text: string): TypeId | string {
    const m = /^\s*(?:const\s+)?(?:(struct|union|enum)\s+([A-Za-z_]\w*)|([A-Za-z_][\w ]*?))\s*((?:\*\s*(?:const\s*)?)*)$/.exec(text);
    if (!m) return `expected a C type such as \`struct node *\` or a typedef name, found \`${text}\``;
    let id = m[1] ? this.findNamed(m[1], m[2]!) : this.findBase(m[3]!);
    if (id === undefined) return `${m[1] ? `${m[1]} ${m[2]}` : m[3]} names no type in the ${this.version} version`;
    for (let i = 0; i < (m[4]!.match(/\*/g) ?? []).length; i++) id = this.pointerTo(id);
    return id;
  }

  /** Declarations of the given structs and unions with their exact layout, dependencies first. */
  declarations(ids: Set<TypeId>): string[] {
    const out: string[] = [];
    for (const id of ids) {
      const t = this.t(id);
      if (t.kind === 'struct' || t.kind === 'union') out.push(`${this.decl(id)};`);
    }
    const done = new Set<TypeId>();
    const visit = (id: TypeId, depth: number): void => {
      id = this.complete(this.strip(id));
      const t = this.t(id);
      if (t.kind === 'array') return visit(t.of, depth + 1);
      if ((t.kind !== 'struct' && t.kind !== 'union') || t.incomplete || done.has(id) || depth > MAX_DEPTH) return;
      done.add(id);
      for (const f of t.fields) visit(f.type, depth + 1); // members by value first
      out.push(...this.definition(id));
    };
    for (const id of ids) visit(id, 0);
    return out;
  }

  private definition(id: TypeId): string[] {
    const t = this.t(id) as Extract<CType, { kind: 'struct' | 'union' }>;
    const name = this.decl(id);
    let align = this.align(id);
    while (align > 1 && t.size % align) align /= 2;
    const body: string[] = [];
    const asserts: string[] = [`_Static_assert(sizeof(${name}) == ${t.size}, "layout of ${this.version} ${t.kind} ${t.name ?? '(anonymous)'}");`];
    let pads = 0;
    const fieldName = (f: CField, i: number) => f.name ?? `_kx_anon${i}`;
    if (t.kind === 'union') {
      t.fields.forEach((f, i) => { if (f.bitSize === undefined) body.push(`  ${this.decl(f.type, fieldName(f, i))};`); });
      body.push(`  char _kx_size[${t.size}];`);
    } else {
      let bit = 0;
      const padTo = (target: number) => {
        while (bit < target && bit % 8) { const k = Math.min(target - bit, 8 - (bit % 8)); body.push(`  unsigned char : ${k};`); bit += k; }
        if (target - bit >= 8) { body.push(`  char _kx_pad${pads++}[${Math.floor((target - bit) / 8)}];`); bit += Math.floor((target - bit) / 8) * 8; }
        while (bit < target) { const k = Math.min(target - bit, 8); body.push(`  unsigned char : ${k};`); bit += k; }
      };
      const fields = [...t.fields].map((f, i) => ({ f, i })).sort((a, b) => (a.f.bitOffset ?? a.f.offset * 8) - (b.f.bitOffset ?? b.f.offset * 8));
      for (const { f, i } of fields) {
        const at = f.bitOffset ?? f.offset * 8;
        if (at < bit) { body.push(`  /* ${fieldName(f, i)} overlaps the previous member: left out */`); continue; }
        padTo(at);
        if (f.bitSize !== undefined) {
          if (f.bitSize === 0) continue;
          body.push(`  ${this.decl(f.type, fieldName(f, i))} : ${f.bitSize};`);
          bit += f.bitSize;
        } else {
          body.push(`  ${this.decl(f.type, fieldName(f, i))};`);
          bit += this.size(f.type) * 8;
          asserts.push(`_Static_assert(__builtin_offsetof(${name}, ${fieldName(f, i)}) == ${f.offset}, "offset of ${t.name ?? ''}.${fieldName(f, i)}");`);
        }
      }
      const last = t.fields[t.fields.length - 1];
      const flexible = last && this.t(this.strip(last.type)).kind === 'array' && (this.t(this.strip(last.type)) as { count: number | null }).count === null;
      if (!flexible) padTo(t.size * 8);
    }
    return [`${name.replace(/^(struct|union) /, `$1 __attribute__((packed, aligned(${align}))) `)} {`, ...body, '};', ...asserts];
  }
}

// ------------------------------------------------------------------ rules from the spec

interface FieldRule { oldField: string | null; body: string | null; bodyLoc?: XfLoc; init: boolean; text: string }

class Rules {
  /** `${old}:${new}` stripped type ids -> a type rule (body null: a rename). */
  readonly types = new Map<string, { body: string | null; bodyLoc?: XfLoc; text: string }>();
  /** `${old}:${new}:${newField}` -> how that field of the new struct is made. */
  readonly fields = new Map<string, FieldRule>();
  /** renamed or transformed variables: new key -> rule */
  readonly vars = new Map<string, { from: string | null; body: string | null; bodyLoc?: XfLoc; text: string }>();
  readonly problems: string[] = [];
  readonly file: string;
  readonly preamble: { text: string; loc?: XfLoc } | null;

  constructor(readonly spec: XfSpec | undefined, private readonly o: Graph, private readonly n: Graph) {
    this.file = spec?.file ?? 'spec.xf';
    this.preamble = spec?.preamble != null ? { text: spec.preamble, ...(spec.preambleLoc ? { loc: spec.preambleLoc } : {}) } : null;
    for (const rule of spec?.rules ?? []) for (const label of rule.labels) this.add(rule, label.init, label.from, label.to);
  }

  private where(p: XfPath): string { return `${p.loc.file}:${p.loc.line}:${p.loc.column}`; }

  private resolveType(g: Graph, p: Extract<XfPath, { kind: 'type' }>): TypeId | undefined {
    const id = g.findNamed(p.tag, p.name);
    if (id === undefined) {
      const known = g.tagsOf(p.tag);
      this.problems.push(`${this.where(p)}: \`${p.text}\`: ${p.tag} ${p.name} names nothing in the ${g.version} version${known.length ? ` (its ${p.tag}s: ${known.slice(0, 12).join(', ')})` : ''}`);
      return undefined;
    }
    const s = g.complete(g.strip(id));
    if (p.field) {
      if (p.field.length > 1) { this.problems.push(`${this.where(p)}: \`${p.text}\`: nested field paths are not supported; write the rule for the inner struct`); return undefined; }
      const t = g.t(s);
      if ((t.kind !== 'struct' && t.kind !== 'union') || !t.fields.some((f) => f.name === p.field![0])) {
        const fields = t.kind === 'struct' || t.kind === 'union' ? t.fields.map((f) => f.name).filter(Boolean).join(', ') : '';
        this.problems.push(`${this.where(p)}: \`${p.text}\`: ${p.tag} ${p.name} has no field \`${p.field[0]}\` in the ${g.version} version${fields ? ` (its fields: ${fields})` : ''}`);
        return undefined;
      }
    }
    return s;
  }

  private hasVar(g: Graph, key: string, p: XfPath): boolean {
    if (g.variables.some((v) => v.key === key)) return true;
    this.problems.push(`${this.where(p)}: \`${p.text}\`: no variable with key \`${key}\` in the ${g.version} version (keys: \`var\`, \`file.c/var\`, \`file.c/func#var\`, \`func#var\`)`);
    return false;
  }

  private add(rule: XfRule, init: boolean, from: XfPath | undefined, to: XfPath): void {
    const body = rule.body;
    const bodyLoc = rule.bodyLoc;
    const text = init ? `INIT ${to.text}` : `${from!.text} -> ${to.text}`;
    if (to.kind === 'var') {
      if (!this.hasVar(this.n, to.key, to)) return;
      if (from && from.kind === 'var' && !this.hasVar(this.o, from.key, from)) return;
      this.vars.set(to.key, { from: init ? null : (from as Extract<XfPath, { kind: 'var' }>).key, body, ...(bodyLoc ? { bodyLoc } : {}), text });
      return;
    }
    const nid = this.resolveType(this.n, to);
    if (init) {
      if (!to.field) { this.problems.push(`${this.where(to)}: \`${text}\`: INIT takes a field (\`INIT struct s.f\`) or a variable, not a whole type`); return; }
      if (nid === undefined) return;
      // An INIT field applies whatever old struct the new one comes from.
      this.fields.set(`*:${nid}:${to.field[0]}`, { oldField: null, body, ...(bodyLoc ? { bodyLoc } : {}), init: true, text });
      return;
    }
    if (from!.kind !== 'type') return;
    const oid = this.resolveType(this.o, from!);
    if (oid === undefined || nid === undefined) return;
    if (to.field && from!.field) {
      this.fields.set(`${oid}:${nid}:${to.field[0]}`, { oldField: from!.field[0]!, body, ...(bodyLoc ? { bodyLoc } : {}), init: false, text });
    } else if (!to.field && !from!.field) {
      this.types.set(`${oid}:${nid}`, { body, ...(bodyLoc ? { bodyLoc } : {}), text });
    } else {
      this.problems.push(`${this.where(from!)}: \`${text}\`: a rule maps a field to a field or a type to a type, not one to the other`);
    }
  }

  field(o: TypeId, n: TypeId, name: string): FieldRule | undefined {
    return this.fields.get(`${o}:${n}:${name}`) ?? this.fields.get(`*:${n}:${name}`);
  }
  /** Old fields that a rule renames: they are not matched by name. */
  renamedFrom(o: TypeId, n: TypeId): Set<string> {
    const s = new Set<string>();
    for (const [k, r] of this.fields) if (k.startsWith(`${o}:${n}:`) && r.oldField && r.oldField !== k.split(':')[2]) s.add(r.oldField);
    return s;
  }
}

// ------------------------------------------------------------------ pairs of types

type PairKind = 'identity' | 'cast' | 'enum' | 'pointer' | 'fnptr' | 'voidptr' | 'struct' | 'array' | 'raw' | 'rule' | 'bad';

interface Pair {
  idx: number;
  o: TypeId; n: TypeId;
  kind: PairKind;
  children: Pair[];
  sigDiff: boolean;
  localRule: boolean;
  needs: boolean;
  /** How to reach it, for messages: `variable \`list\` → struct node.next`. */
  where: string;
  /** The type arguments of a generic struct (E_GENERIC) reached here: what its E_T fields point to. */
  args?: TypeArg[];
  bad?: string;
  /** Why it cannot be transformed, reported only if it must be (a wrong number of type arguments...). */
  issues?: string[];
  /** Pointers whose targets nothing says (an E_T that no E_G instantiates): reported when any type changes, since such a target may be one. */
  blind?: string[];
}

/**
 * A type argument of a generic (Kitsune's E_G): a type in both versions,
 * itself perhaps a generic's instantiation (`struct list<int, [opaque]>`), or
 * `[opaque]` (the pointer is copied, what it points to never looked at).
 */
type TypeArg = { opaque: true } | { opaque?: false; o: TypeId; n: TypeId; args?: TypeArg[] };
type TypeEnv = Map<string, TypeArg>;

function argsKey(args: TypeArg[] | undefined): string {
  return args ? `<${args.map((a) => (a.opaque ? 'opaque' : `${a.o}:${a.n}${argsKey(a.args)}`)).join(',')}>` : '';
}

/** Splits a type-argument list at its top-level commas (not inside <>, (), []). */
export function splitTypeArgs(text: string): string[] {
  const out: string[] = [];
  let depth = 0, start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '<' || c === '(' || c === '[') depth++;
    else if (c === '>' || c === ')' || c === ']') depth--;
    else if (c === ',' && depth === 0) { out.push(text.slice(start, i).trim()); start = i + 1; }
  }
  const last = text.slice(start).trim();
  if (last || out.length) out.push(last);
  return out;
}

/** The type parameters an E_GENERIC annotation declares (`@t0,@t1`, or the old single `T`). */
function genericParams(notes: string[] | undefined): string[] | undefined {
  const text = annotation(notes, 'generic');
  return text === undefined ? undefined : splitTypeArgs(text);
}

const ANNOT = 'kitsune:';
function annotation(list: string[] | undefined, name: string): string | undefined {
  for (const a of list ?? []) {
    if (a === ANNOT + name) return '';
    if (a.startsWith(`${ANNOT}${name}:`)) return a.slice(ANNOT.length + name.length + 1);
  }
  return undefined;
}

class Planner {
  readonly pairs = new Map<string, Pair>();
  readonly problems: string[] = [];
  /** Annotations that leave a generic's contents unknown: refused only when some type changes. */
  readonly blind: string[] = [];

  constructor(readonly o: Graph, readonly n: Graph, readonly rules: Rules) {}

  pair(oId: TypeId, nId: TypeId, where: string, given?: TypeArg[]): Pair {
    // A generic typedef (E_GENERIC on a typedef) passes its own E_G on, in its parameters' terms.
    const arg = given && this.throughTypedefs(oId, given, where);
    const o = this.o.complete(this.o.strip(oId)), n = this.n.complete(this.n.strip(nId));
    let key = `${o}:${n}${argsKey(arg)}`;
    const deep = key.length > 4096;
    if (deep) key = `${o}:${n}`;
    const found = this.pairs.get(key);
    if (found) return found;
    const ot = this.o.t(o), nt = this.n.t(n);
    const p: Pair = { idx: this.pairs.size, o, n, kind: 'identity', children: [], sigDiff: this.o.sig(o) !== this.n.sig(n), localRule: false, needs: false, where, ...(arg && !deep ? { args: arg } : {}) };
    if (deep) p.issues = [`${where}: the generic instantiation nests without end (an E_G that grows at each level)`];
    this.pairs.set(key, p);
    const rule = this.rules.types.get(`${o}:${n}`);
    if (rule?.body != null) { p.kind = 'rule'; p.localRule = true; return p; }
    const scalar = (t: CType) => t.kind === 'base' || t.kind === 'enum';
    if (ot.kind === 'void' && nt.kind === 'void') p.kind = 'identity';
    else if (scalar(ot) && scalar(nt)) p.kind = !p.sigDiff ? 'identity' : ot.kind === 'enum' && nt.kind === 'enum' ? 'enum' : 'cast';
    else if (ot.kind === 'pointer' && nt.kind === 'pointer') {
      const op = this.o.t(this.o.strip(ot.to)), np = this.n.t(this.n.strip(nt.to));
      if (op.kind === 'function' && np.kind === 'function') p.kind = 'fnptr';
      else if (op.kind === 'void' || np.kind === 'void') p.kind = op.kind === np.kind ? 'voidptr' : 'bad';
      else { p.kind = 'pointer'; p.children.push(this.pair(ot.to, nt.to, `${where} (what it points to)`, arg)); }
      if (p.kind === 'bad') p.bad = 'a pointer to void and a typed pointer';
    } else if (ot.kind === 'array' && nt.kind === 'array') {
      p.kind = 'array';
      p.children.push(this.pair(ot.of, nt.of, `${where}[]`, arg));
      // Both of unknown length: a flexible array member, sized by its struct's E_ARRAY(n).
      if ((ot.count === null) !== (nt.count === null) && p.sigDiff) { p.kind = 'bad'; p.bad = 'an array of known length and one of unknown length'; }
    } else if (ot.kind === 'union' && nt.kind === 'union') p.kind = p.sigDiff ? 'raw' : 'identity';
    else if (ot.kind === 'struct' && nt.kind === 'struct') {
      if (ot.name !== nt.name && !rule && p.sigDiff) {
        p.kind = 'bad';
        p.bad = `two different structs; a rule \`struct ${ot.name ?? '?'} -> struct ${nt.name ?? '?'}: { ... }\` says how one becomes the other`;
      } else {
        p.kind = 'struct';
        this.structChildren(p, ot, nt);
      }
    } else if (ot.kind === 'function' || nt.kind === 'function') p.kind = 'identity';
    else { p.kind = 'bad'; p.bad = 'no automatic conversion between these kinds of type'; }
    return p;
  }

  private structChildren(p: Pair, ot: Rec, nt: Rec): void {
    const renamed = this.rules.renamedFrom(p.o, p.n);
    const env = this.bind(genericParams(ot.annotations) ?? genericParams(nt.annotations), p.args, `struct ${nt.name ?? '(anonymous)'}`, p);
    for (const nf of nt.fields) {
      if (!nf.name) continue;
      const r = this.rules.field(p.o, p.n, nf.name);
      if (r) p.localRule = true;
      if (r?.body != null) continue;
      const ofName = r?.oldField ?? (renamed.has(nf.name) ? null : nf.name);
      const of = ofName ? ot.fields.find((f) => f.name === ofName) : undefined;
      if (!of || annotation(nf.annotations, 'ignore') !== undefined) continue;
      if (annotation(of.annotations, 'opaque') !== undefined || annotation(nf.annotations, 'opaque') !== undefined) continue;
      const where = `struct ${nt.name ?? '(anonymous)'}.${nf.name}`;
      const param = annotation(of.annotations, 't') ?? annotation(nf.annotations, 't');
      if (param !== undefined) {
        // A void * (void **...) holding one of the generic struct's type arguments.
        const a = env.get(param.trim()) ?? env.get('*');
        if (a && !a.opaque) {
          const to = [this.o.replaceVoid(of.type, a.o), this.n.replaceVoid(nf.type, a.n)];
          if (to[0] !== undefined && to[1] !== undefined) { p.children.push(this.pair(to[0], to[1], where, a.args)); continue; }
          (p.issues ??= []).push(`${where}: E_T(${param}) on a field that is not a pointer to void (void *, void **...)`);
        } else if (!a) {
          const name = nt.name ?? '(anonymous)';
          (p.blind ??= []).push(`${where}: E_T(${param}) but nothing says what this generic struct holds here; annotate the variable or field that holds it E_G(...), e.g. \`struct ${name} E_G(int) *${nf.name === 'next' ? 'head' : 'list'}\``);
        }
        p.children.push(this.pair(of.type, nf.type, where)); // [opaque]: the pointer itself, copied
        continue;
      }
      const g = this.siteArgs(of.annotations ?? nf.annotations, of.type, env, where);
      if (g) { p.children.push(this.pair(of.type, nf.type, where, g)); continue; }
      const ptrTo = annotation(of.annotations, 'ptr');
      if (ptrTo !== undefined) {
        const to = [this.o.parseType(ptrTo), this.n.parseType(annotation(nf.annotations, 'ptr') ?? ptrTo)];
        if (typeof to[0] === 'number' && typeof to[1] === 'number') p.children.push(this.pair(this.o.pointerTo(to[0]), this.n.pointerTo(to[1]), where));
        else this.problems.push(`${where}: E_PTR(${ptrTo}): ${[to[0], to[1]].find((x) => typeof x === 'string')}`);
        continue;
      }
      // A field that reaches the same generic struct (a list's `next`) holds the same arguments.
      p.children.push(this.pair(of.type, nf.type, where, p.args && this.o.complete(this.o.stripAll(of.type)) === p.o ? p.args : undefined));
    }
  }

  /** A generic's parameters bound to the arguments it is instantiated with here. */
  private bind(params: string[] | undefined, args: TypeArg[] | undefined, what: string, p: Pair): TypeEnv {
    const env: TypeEnv = new Map();
    if (!args) return env;
    if (!params) {
      // A struct without E_GENERIC: its E_T fields, whatever they name, take a single argument.
      if (args.length === 1) env.set('*', args[0]!);
      else (p.blind ??= []).push(`${p.where}: ${what} is instantiated with ${args.length} type arguments but declares no parameters (E_GENERIC(@t0, ...))`);
      return env;
    }
    if (params.length !== args.length) {
      (p.blind ??= []).push(`${p.where}: ${what}<${params.join(', ')}> takes ${params.length} type argument(s), E_G gives ${args.length}`);
      return env;
    }
    params.forEach((name, i) => env.set(name, args[i]!));
    return env;
  }

  /** Follows typedefs from `id`; each generic one rebinds the arguments through its own E_G. */
  private throughTypedefs(id: TypeId, args: TypeArg[], where: string): TypeArg[] {
    for (let n = 0; n < MAX_DEPTH; n++) {
      const t = this.o.t(id);
      if (t.kind !== 'typedef' && t.kind !== 'const' && t.kind !== 'volatile') break;
      if (t.kind === 'typedef') {
        const params = genericParams(t.annotations);
        const inner = annotation(t.annotations, 'g');
        if (params && inner !== undefined) {
          const env: TypeEnv = new Map();
          if (params.length === args.length) params.forEach((name, i) => env.set(name, args[i]!));
          else this.blind.push(`${where}: typedef ${t.name}<${params.join(', ')}> takes ${params.length} type argument(s), E_G gives ${args.length}`);
          args = this.resolveArgs(splitTypeArgs(inner), env, where) ?? args;
        }
      }
      id = t.to;
    }
    return args;
  }

  /**
   * The type arguments an E_G on a variable or field gives (resolved in the
   * enclosing generic's `env`). The older spelling E_G(struct gnode, struct
   * item) names the generic first: one argument more than it has parameters.
   */
  siteArgs(notes: string[] | undefined, siteType: TypeId, env: TypeEnv, where: string): TypeArg[] | undefined {
    const text = annotation(notes, 'g');
    if (text === undefined) return undefined;
    let list = splitTypeArgs(text);
    const params = this.paramsReached(siteType);
    if (list.length === (params?.length ?? 1) + 1) list = list.slice(1);
    return this.resolveArgs(list, env, where);
  }

  /** The parameters of the first generic typedef or struct that `id` reaches through pointers, arrays and typedefs. */
  private paramsReached(id: TypeId): string[] | undefined {
    for (let n = 0; n < MAX_DEPTH; n++) {
      const t = this.o.t(id);
      if (t.kind === 'typedef' && genericParams(t.annotations)) return genericParams(t.annotations);
      if (t.kind === 'typedef' || t.kind === 'const' || t.kind === 'volatile' || t.kind === 'pointer') id = t.to;
      else if (t.kind === 'array') id = t.of;
      else if (t.kind === 'struct' || t.kind === 'union') {
        const c = this.o.t(this.o.complete(id));
        return genericParams((c as Rec).annotations);
      } else return undefined;
    }
    return undefined;
  }

  private resolveArgs(list: string[], env: TypeEnv, where: string): TypeArg[] | undefined {
    const out: TypeArg[] = [];
    for (const text of list) {
      const a = this.resolveArg(text, env);
      // What the generic holds is then unknown: a problem once anything changes (see planMigration).
      if (typeof a === 'string') { this.blind.push(`${where}: E_G(${list.join(', ')}): ${a}`); return undefined; }
      out.push(a);
    }
    return out;
  }

  /** `[opaque]`, a parameter (`@t0`), or a C type with optional arguments: `struct list<int, @t1> *`. */
  private resolveArg(text: string, env: TypeEnv): TypeArg | string {
    text = text.trim();
    if (/^\[\s*opaque\s*\]$/.test(text)) return { opaque: true };
    if (env.has(text)) return env.get(text)!;
    if (text.startsWith('@')) return `${text} is no type parameter here${env.size ? ` (the parameters: ${[...env.keys()].filter((k) => k !== '*').join(', ')})` : ''}`;
    const m = /^([^<]*?)\s*(?:<(.*)>)?\s*((?:\*\s*)*)$/.exec(text);
    if (!m) return `expected a type argument (a C type, \`struct list<int>\`, \`[opaque]\` or a parameter such as @t0), found \`${text}\``;
    const base = `${m[1]!}${m[3] ?? ''}`;
    const o = this.o.parseType(base), n = this.n.parseType(base);
    // clang leaves types that nothing in the program uses out of the debug information.
    const unused = ' (a type that no variable, field or function uses is not in the debug information)';
    if (typeof o === 'string') return o + (/names no type/.test(o) ? unused : '');
    if (typeof n === 'string') return n + (/names no type/.test(n) ? unused : '');
    if (m[2] === undefined) return { o, n };
    const inner: TypeArg[] = [];
    for (const t of splitTypeArgs(m[2])) {
      const a = this.resolveArg(t, env);
      if (typeof a === 'string') return a;
      inner.push(a);
    }
    return { o, n, args: inner };
  }

  /** Least fixpoint: a pair needs work if it or anything it reaches changed. */
  propagate(): void {
    for (const p of this.pairs.values()) p.needs = p.sigDiff || p.localRule;
    for (let changed = true; changed;) {
      changed = false;
      for (const p of this.pairs.values()) {
        if (!p.needs && p.children.some((c) => c.needs)) { p.needs = true; changed = true; }
      }
    }
  }

  describe(p: Pair): TypeDiff {
    const sameSize = this.o.size(p.o) === this.n.size(p.n);
    const spell = (g: Graph, args: TypeArg[] | undefined): string => (args ? `<${args.map((a) => (a.opaque ? '[opaque]' : g.name(g === this.o ? a.o : a.n) + spell(g, a.args))).join(', ')}>` : '');
    return {
      old: this.o.name(p.o) + spell(this.o, p.args), new: this.n.name(p.n) + spell(this.n, p.args),
      kind: !p.needs ? 'same' : sameSize ? 'shallow' : 'deep',
      why: !p.needs ? 'unchanged' : p.kind === 'rule' ? 'a spec rule' : p.sigDiff ? (sameSize ? 'layout or field types changed (same size): transformed in place' : `size ${this.o.size(p.o)} -> ${this.n.size(p.n)} bytes: moved to a new block`) : 'reaches a changed type through its pointers or fields',
    };
  }
}

// ------------------------------------------------------------------ the generated C

const RESET = '@@kx-line-reset@@';
/** Spec text in generated C: diagnostics point into the spec file, at the body's own line and column. */
function specChunk(text: string, loc: XfLoc | undefined, file: string): string {
  const at = loc ?? { file, line: 1, column: 1 };
  return `#line ${at.line} ${JSON.stringify(at.file)}\n${' '.repeat(Math.max(0, at.column - 1))}${text}\n${RESET}`;
}
/** Joins the lines, pointing diagnostics back into the generated file after each spec chunk. */
function finish(lines: string[]): string {
  const all = lines.join('\n').split('\n');
  return all.map((l, i) => (l === RESET ? `#line ${i + 2} "${XF_FILE}"` : l)).join('\n') + '\n';
}

const cString = (s: string) => JSON.stringify(s);

class Generator {
  private readonly used: Pair[] = [];
  private readonly emitted = new Set<number>();
  private readonly fns: string[] = [];

  constructor(private readonly pl: Planner, private readonly rules: Rules, private readonly o: Graph, private readonly n: Graph) {}

  fn(p: Pair): string {
    if (!this.emitted.has(p.idx)) { this.emitted.add(p.idx); this.used.push(p); }
    return `_kx_v${p.idx}`;
  }

  /** The statement that makes new value `out` from old value `inp` of pair p. */
  stmt(p: Pair, out: string, inp: string, where: string, opts: { bit?: boolean; count?: string } = {}): string {
    // Function pointers in a walked object always move by name: the check that the function still exists belongs to the update, not to the first call.
    if (p.kind === 'fnptr') return `${out} = (${this.n.decl(p.n)})__kitsune_xf_fn((uintptr_t)(${inp}), ${cString(where)});`;
    if (!p.needs) {
      if (p.kind === 'pointer' || p.kind === 'voidptr') return `${out} = (${this.n.decl(p.n)})kx_keep(${inp});`;
      return opts.bit || p.kind === 'cast' || p.kind === 'identity' && this.isScalar(p) ? `${out} = ${inp};` : `memcpy(&(${out}), &(${inp}), ${this.n.size(p.n)});`;
    }
    switch (p.kind) {
      case 'cast': return `${out} = (${this.n.decl(p.n)})(${inp});`;
      case 'enum': return `${out} = (${this.n.decl(p.n)})${this.fn(p)}_e((int64_t)(${inp}));`;
      case 'voidptr': return `${out} = (${this.n.decl(p.n)})kx_keep(${inp});`;
      case 'pointer': {
        const c = p.children[0]!;
        const on = this.o.t(c.o), nn = this.n.t(c.n);
        if (on.kind === 'void' || nn.kind === 'void') return `${out} = (${this.n.decl(p.n)})kx_keep(${inp});`;
        const what = `${where}: points to ${this.o.name(c.o)} at an address that is not the start of a heap block (inside an array or a struct, or on the stack), so it cannot be moved; annotate the pointer that owns the block (E_PTRARRAY) or write a rule`;
        const flex = flexibleMember(this.o, c.o);
        const nflex = flexibleMember(this.n, c.n);
        if (flex && nflex) {
          // One object whose size depends on its own count field.
          const count = `(size_t)((${inp}) ? (${flex.count.replace(/\bself\./g, `((${this.o.decl(c.o, '*')})(${inp}))->`)}) : 0)`;
          const size = (g: Graph, id: TypeId, m: { field: CField }) => `(sizeof(${g.decl(id)}) + ${count} * sizeof(${g.decl((g.t(g.strip(m.field.type)) as { of: TypeId }).of)}))`;
          return `${out} = (${this.n.decl(p.n)})kx_ptr(${inp}, 1, ${size(this.n, c.n, nflex)}, ${size(this.o, c.o, flex)}, ${this.fn(c)}, ${cString(what)});`;
        }
        return `${out} = (${this.n.decl(p.n)})kx_ptr(${inp}, ${opts.count ?? '1'}, sizeof(${this.n.decl(c.n)}), sizeof(${this.o.decl(c.o)}), ${this.fn(c)}, ${cString(what)});`;
      }
      default: return `${this.fn(p)}(&(${out}), &(${inp}));`;
    }
  }

  private isScalar(p: Pair): boolean {
    const t = this.n.t(p.n);
    return t.kind === 'base' || t.kind === 'enum' || t.kind === 'pointer';
  }

  /** A rule body with Kitsune's `$` forms spelled in C. */
  body(text: string, loc: XfLoc | undefined, inExpr: string | null, outExpr: string | null, baseExpr: string | null): string {
    const at = loc ?? { file: this.rules.file, line: 1, column: 1 };
    return rewriteDollars(text, at, (f) => {
      const place = `${f.loc.file}:${f.loc.line}:${f.loc.column}`;
      switch (f.name) {
        case 'in': if (inExpr) return inExpr; break;
        case 'out': if (outExpr) return outExpr; break;
        case 'base': if (baseExpr) return baseExpr; break;
        case 'oldtype': case 'newtype': {
          const g = f.name === 'oldtype' ? this.o : this.n;
          const id = g.parseType(f.args![0]!);
          if (typeof id === 'string') throw new XfError(`${place}: $${f.name}(${f.args![0]}): ${id}`);
          return g.decl(id);
        }
        case 'xform': {
          const a = this.o.parseType(f.args![0]!), b = this.n.parseType(f.args![1]!);
          if (typeof a === 'string' || typeof b === 'string') throw new XfError(`${place}: $xform(${f.args!.join(', ')}): ${typeof a === 'string' ? a : b}`);
          const p = this.pl.pair(a, b, `$xform at ${place}`);
          this.pl.propagate();
          if (p.kind === 'bad') throw new XfError(`${place}: $xform(${f.args!.join(', ')}): ${p.bad}`);
          const helper = `_kx_x${p.idx}`;
          if (!this.fns.includes(helper)) this.fns.push(helper);
          if (!this.emitted.has(p.idx)) { this.emitted.add(p.idx); this.used.push(p); }
          return `((void (*)(${this.n.decl(p.n, '*')}, ${this.o.decl(p.o, '*')}))${helper})`;
        }
      }
      throw new XfError(`${place}: $${f.name} has no meaning here (${inExpr ? '' : '$in is not available in INIT rules; '}${baseExpr ? '' : '$base only in field rules'})`);
    });
  }

  private pairFunction(p: Pair): string[] {
    const head = `static void ${this.fn(p)}(void *out_, const void *in_) {`;
    const decls = [`  ${this.n.decl(p.n, '*out')} = out_;`, `  ${this.o.decl(p.o, '*in')} = (void *)in_;`];
    const lines: string[] = [];
    const ot = this.o.t(p.o), nt = this.n.t(p.n);
    const k = p.needs ? p.kind : 'identity';
    switch (k) {
      case 'rule': {
        const r = this.rules.types.get(`${p.o}:${p.n}`)!;
        const b = this.body(r.body!, r.bodyLoc, '(*in)', '(*out)', null);
        return [head, ...decls, `  { /* ${r.text} */`, specChunk(b, r.bodyLoc, this.rules.file), '  }', '}'];
      }
      case 'struct': {
        const o = ot as Rec, n = nt as Rec;
        const renamed = this.rules.renamedFrom(p.o, p.n);
        let child = 0;
        for (const nf of n.fields) {
          if (!nf.name) continue;
          const where = `struct ${n.name ?? '(anonymous)'}.${nf.name}`;
          const r = this.rules.field(p.o, p.n, nf.name);
          if (r?.body != null) {
            const of = r.oldField ? o.fields.find((f) => f.name === r.oldField) : undefined;
            const b = this.body(r.body, r.bodyLoc, of ? `(in->${of.name})` : null, `(out->${nf.name})`, '(*in)');
            lines.push(`  { /* ${r.text} */`, specChunk(b, r.bodyLoc, this.rules.file), '  }');
            continue;
          }
          const ofName = r?.oldField ?? (renamed.has(nf.name) ? null : nf.name);
          const of = ofName ? o.fields.find((f) => f.name === ofName) : undefined;
          if (!of || annotation(nf.annotations, 'ignore') !== undefined) continue; // new or ignored: stays zero
          if (annotation(of.annotations, 'opaque') !== undefined || annotation(nf.annotations, 'opaque') !== undefined) {
            lines.push(`  memcpy(&out->${nf.name}, &in->${of.name}, ${Math.min(this.o.size(of.type), this.n.size(nf.type))}); /* E_OPAQUE */`);
            continue;
          }
          const c = p.children[child++]!;
          const flex = flexibleCount(this.o, of) ?? flexibleCount(this.n, nf);
          if (flex !== undefined) {
            // A flexible array member: as many elements as E_ARRAY says the old object holds.
            if (c.needs) lines.push(`  for (size_t i = 0; i < (size_t)(${flex.replace(/\bself\./g, 'in->')}); i++) ${this.stmt(c.children[0]!, `out->${nf.name}[i]`, `in->${of.name}[i]`, where)}`);
            else lines.push(`  memcpy(out->${nf.name}, in->${of.name}, (size_t)(${flex.replace(/\bself\./g, 'in->')}) * sizeof in->${of.name}[0]);`);
            continue;
          }
          const count = annotation(of.annotations, 'ptrarray') ?? annotation(nf.annotations, 'ptrarray');
          // An E_T field is declared void *; the pair knows what it points to.
          const outExpr = this.n.complete(this.n.strip(nf.type)) === c.n ? `out->${nf.name}` : `(*(${this.n.decl(c.n, '*')})&out->${nf.name})`;
          const inExpr = this.o.complete(this.o.strip(of.type)) === c.o ? `in->${of.name}` : `(*(${this.o.decl(c.o, '*')})&in->${of.name})`;
          lines.push(`  ${this.stmt(c, outExpr, inExpr, where, { bit: nf.bitSize !== undefined || of.bitSize !== undefined, ...(count !== undefined ? { count: `(size_t)(${count.replace(/\bself\./g, 'in->')})` } : {}) })}`);
        }
        break;
      }
      case 'array': {
        const c = p.children[0]!;
        const count = Math.min((ot as { count: number | null }).count ?? 0, (nt as { count: number | null }).count ?? 0);
        lines.push(`  for (size_t i = 0; i < ${count}; i++) ${this.stmt(c, '(*out)[i]', '(*in)[i]', p.where)}`);
        break;
      }
      case 'raw': lines.push(`  memcpy(out, in, ${Math.min(this.o.size(p.o), this.n.size(p.n))});`); break;
      case 'enum': return this.enumFunction(p);
      default: lines.push(`  ${this.stmt({ ...p, needs: p.kind === 'identity' ? false : p.needs }, '(*out)', '(*in)', p.where)}`);
    }
    return [head, ...decls, ...lines, '}'];
  }

  private enumFunction(p: Pair): string[] {
    const ot = this.o.t(p.o) as Extract<CType, { kind: 'enum' }>, nt = this.n.t(p.n) as Extract<CType, { kind: 'enum' }>;
    const cases = ot.values.flatMap((v) => {
      const nv = nt.values.find((x) => x.name === v.name);
      return nv && nv.value !== v.value ? [`  case ${v.value}: return ${nv.value};`] : [];
    });
    const seen = new Set<string>();
    const unique = cases.filter((c) => { const k = c.split(':')[0]!; if (seen.has(k)) return false; seen.add(k); return true; });
    return [
      `/* enum ${ot.name ?? ''}: enumerators keep their names, not their numbers */`,
      `static int64_t ${this.fn(p)}_e(int64_t v) {`, '  switch (v) {', ...unique, '  default: return v;', '  }', '}',
      `static void ${this.fn(p)}(void *out_, const void *in_) {`,
      `  ${this.n.decl(p.n, '*out')} = out_;`, `  ${this.o.decl(p.o, '*in')} = (void *)in_;`,
      `  *out = (${this.n.decl(p.n)})${this.fn(p)}_e((int64_t)*in);`, '}',
    ];
  }

  generate(entries: { entry: XfEntry; kind: 'pair' | 'rule' | 'init'; pair?: Pair; ov?: KitsuneVariable; nv: KitsuneVariable; rule?: { body: string | null; bodyLoc?: XfLoc; text: string } }[]): string {
    // Entry bodies first: they may name more pairs ($xform).
    const cases: string[] = [];
    for (const x of entries) {
      const size = x.nv.size;
      cases.push(`  case ${x.entry.index}: /* ${x.entry.from ?? 'INIT'} -> ${x.entry.key} */`);
      if (x.kind === 'pair') {
        cases.push(`    memset(to, 0, ${size});`, `    ${this.stmt(x.pair!, `(*(${this.n.decl(x.nv.type, '*')})to)`, `(*(${this.o.decl(x.ov!.type, '*')})from)`, `variable \`${x.nv.key}\``)}`, '    break;');
      } else {
        const r = x.rule!;
        const b = this.body(r.body!, r.bodyLoc, x.ov ? `(*(${this.o.decl(x.ov.type, '*')})from)` : null, `(*(${this.n.decl(x.nv.type, '*')})to)`, null);
        cases.push(`    memset(to, 0, ${size});`, `    { /* ${r.text} */`, specChunk(b, r.bodyLoc, this.rules.file), '    }', '    break;');
      }
    }
    const preamble = this.rules.preamble ? this.body(this.rules.preamble.text, this.rules.preamble.loc, null, null, null) : null;
    // Pair functions and $xform helpers; emitting one may name more.
    const bodies: string[] = [], xhelpers: string[] = [];
    for (let i = 0, j = 0; i < this.used.length || j < this.fns.length;) {
      if (i < this.used.length) { bodies.push(...this.pairFunction(this.used[i++]!)); continue; }
      const h = this.fns[j++]!;
      const p = [...this.pl.pairs.values()].find((q) => q.idx === Number(h.slice(5)))!;
      xhelpers.push(`static void ${h}(void *out, void *in) { ${this.stmt(p, `(*(${this.n.decl(p.n, '*')})out)`, `(*(${this.o.decl(p.o, '*')})in)`, p.where)} }`);
    }

    // Types that the code names, with their exact layouts.
    const oIds = new Set<TypeId>(), nIds = new Set<TypeId>();
    for (const p of this.used) { oIds.add(p.o); nIds.add(p.n); for (const c of p.children) { oIds.add(c.o); nIds.add(c.n); } }
    for (const x of entries) { if (x.ov) oIds.add(this.o.strip(x.ov.type)); nIds.add(this.n.strip(x.nv.type)); }
    const reach = (g: Graph, ids: Set<TypeId>) => {
      const out = new Set<TypeId>();
      const go = (id: TypeId, d: number): void => {
        id = g.complete(id);
        if (out.has(id) || d > MAX_DEPTH) return;
        out.add(id);
        const t = g.t(id);
        switch (t.kind) {
          case 'pointer': case 'typedef': case 'const': case 'volatile': go(t.to, d + 1); break;
          case 'array': go(t.of, d + 1); break;
          case 'struct': case 'union': t.fields.forEach((f) => go(f.type, d + 1)); break;
          case 'function': go(t.returns, d + 1); t.params.forEach((x) => go(x, d + 1)); break;
        }
      };
      ids.forEach((id) => go(id, 0));
      return out;
    };

    return finish([
      '/* Generated by kitsune-wasm (compiler/xf-gen.ts): migration of state from the old version. Do not edit. */',
      '#include <kitsune_xf.h>', '', '/* The old version\'s types, with their exact layout. */',
      ...this.o.declarations(reach(this.o, oIds)), '', '/* The new version\'s types. */',
      ...this.n.declarations(reach(this.n, nIds)), '',
      ...this.used.map((p) => `static void ${this.fn(p)}(void *out_, const void *in_);${p.needs && p.kind === 'enum' ? ` static int64_t ${this.fn(p)}_e(int64_t v);` : ''}`),
      ...this.fns.map((h) => `static void ${h}(void *out, void *in);`), '',
      ...(preamble !== null ? ['/* The spec\'s preamble. */', specChunk(preamble, this.rules.preamble!.loc, this.rules.file)] : []),
      ...bodies, ...xhelpers, '',
      'int __kitsune_xf_var(int index, void *to, const void *from) {',
      '  switch (index) {', ...cases, '  default: return 0;', '  }',
      '  kx_drain();', '  return 1;', '}',
    ]);
  }
}

/** A rule body that uses a `$` form where it has no meaning, or names a type that does not exist. */
export class XfError extends KitsuneError {
  constructor(message: string) { super('E_XF_RULE', message); this.name = 'XfError'; }
}

/** The E_ARRAY(n) count of a flexible array member field, if it is one. */
function flexibleCount(g: Graph, f: CField): string | undefined {
  const t = g.t(g.strip(f.type));
  return t.kind === 'array' && t.count === null ? annotation(f.annotations, 'array') : undefined;
}

/** A struct's flexible array member with its E_ARRAY count. */
function flexibleMember(g: Graph, id: TypeId): { field: CField; count: string } | undefined {
  const t = g.t(id);
  if (t.kind !== 'struct' || !t.fields.length) return undefined;
  const field = t.fields[t.fields.length - 1]!;
  const count = flexibleCount(g, field);
  return count === undefined ? undefined : { field, count };
}

// ------------------------------------------------------------------ the plan

/**
 * How state moves from `oldSide` to `newSide`. `code` is null when every
 * variable is copied byte for byte (the common, fast case).
 */
export function planMigration(oldSide: XfSide, newSide: XfSide, spec?: XfSpec): MigrationPlan {
  const o = new Graph('o', [...oldSide.types], oldSide.variables);
  const n = new Graph('n', [...newSide.types], newSide.variables);
  const rules = new Rules(spec, o, n);
  const pl = new Planner(o, n, rules);
  const problems = [...rules.problems];
  const olds = new Map(oldSide.variables.map((v) => [v.key, v]));
  const renamedAway = new Set([...rules.vars.values()].flatMap((r) => (r.from ? [r.from] : [])));
  const moves: VariableMove[] = [];
  type Pending = Parameters<Generator['generate']>[0][number];
  const pending: Pending[] = [];

  for (const nv of newSide.variables) {
    const r = rules.vars.get(nv.key);
    const fromKey = r ? r.from : renamedAway.has(nv.key) ? null : olds.has(nv.key) ? nv.key : null;
    const ov = fromKey ? olds.get(fromKey) : undefined;
    const base = { key: nv.key, from: fromKey, newType: nv.typeName, ...(ov ? { oldType: ov.typeName } : {}) };
    if (r?.body != null) {
      moves.push({ ...base, action: r.from ? 'rule' : 'init' });
      pending.push({ entry: { key: nv.key, from: r.from, index: pending.length }, kind: r.from ? 'rule' : 'init', nv, ...(ov ? { ov } : {}), rule: r });
      continue;
    }
    if (!ov) { moves.push({ ...base, action: 'new' }); continue; }
    const where = `variable \`${nv.key}\` (${nv.file}:${nv.line})`;
    const p = pl.pair(ov.type, nv.type, where, pl.siteArgs(ov.annotations ?? nv.annotations, ov.type, new Map(), where));
    pending.push({ entry: { key: nv.key, from: fromKey, index: pending.length }, kind: 'pair', pair: p, ov, nv });
    moves.push({ ...base, action: 'copy' }); // settled once the fixpoint is known
  }
  for (const ov of oldSide.variables) {
    if (!renamedAway.has(ov.key) && !newSide.variables.some((v) => v.key === ov.key)) moves.push({ key: ov.key, from: ov.key, action: 'dropped', oldType: ov.typeName });
  }
  problems.push(...pl.problems);

  pl.propagate();
  // Any struct, union or enum whose layout changed, reached from a variable or not (it may hide behind a void *).
  const anyChange = [...pl.pairs.values()].some((p) => p.sigDiff) || n.types.some((t, i) => {
    if ((t.kind !== 'struct' && t.kind !== 'union' && t.kind !== 'enum') || !t.name || (t as { incomplete?: true }).incomplete) return false;
    const old = o.findNamed(t.kind, t.name);
    return old !== undefined && o.sig(old) !== n.sig(i);
  });
  // Keep only entries that do more than a same-key byte copy.
  const needed = pending.filter((x) => x.kind !== 'pair' || x.pair!.needs || x.entry.from !== x.entry.key);
  for (const m of moves) {
    const x = pending.find((y) => y.entry.key === m.key && y.kind === 'pair');
    if (x && m.action === 'copy' && x.pair!.needs) m.action = 'transform';
  }
  // Refusals: what a transform must cross but cannot.
  const seen = new Set<Pair>();
  const check = (p: Pair, root: string): void => {
    if (seen.has(p) || !p.needs) return;
    seen.add(p);
    if (p.kind === 'bad') {
      problems.push(`${root}: ${p.where}: old type \`${o.name(p.o)}\`, new type \`${n.name(p.n)}\`: ${p.bad}; or add a rule such as \`${ruleHint(p, o, n)}\``);
    }
    for (const issue of p.issues ?? []) problems.push(`${root}: ${issue}`);
    if (p.kind === 'struct') {
      // A void * in a struct that is rewritten: where it points cannot be known.
      const ot = o.t(p.o) as Rec, nt = n.t(p.n) as Rec;
      for (const nf of nt.fields) {
        const of = ot.fields.find((f) => f.name === nf.name);
        if (!of || rules.field(p.o, p.n, nf.name ?? '')) continue;
        const ft = o.t(o.strip(of.type));
        const isVoidPtr = ft.kind === 'pointer' && o.t(o.strip(ft.to)).kind === 'void';
        const annotated = ['opaque', 'ignore', 'ptr', 'generic', 't'].some((a) => annotation(of.annotations, a) !== undefined || annotation(nf.annotations, a) !== undefined);
        const fa = o.t(o.strip(of.type));
        if (fa.kind === 'array' && fa.count === null && flexibleCount(o, of) === undefined && flexibleCount(n, nf) === undefined) {
          problems.push(`${root}: struct ${nt.name ?? '(anonymous)'}.${nf.name}: a flexible array member in a struct that is transformed; how many elements it holds is unknown. Annotate it E_ARRAY(self.count) (the field that holds its length)`);
        }
        if (isVoidPtr && !annotated) {
          problems.push(`${root}: struct ${nt.name ?? '(anonymous)'}.${nf.name}: a \`void *\` in a struct that is transformed; what it points to is unknown. Annotate the field (E_PTR(type), E_OPAQUE or E_IGNORE) or add a rule \`struct ${nt.name}.${nf.name} -> struct ${nt.name}.${nf.name}: { $out = $in; }\``);
        }
      }
    }
    p.children.forEach((c) => check(c, root));
  };
  for (const x of needed) if (x.pair) check(x.pair, `variable \`${x.nv.key}\` (${x.nv.file}:${x.nv.line})`);
  // A void * that nothing types may hold any changed type: refuse rather than guess, once anything changes.
  if (anyChange) {
    problems.push(...pl.blind);
    const reported = new Set<string>();
    const blind = (p: Pair, root: string, seenHere: Set<Pair>): void => {
      if (seenHere.has(p)) return;
      seenHere.add(p);
      for (const issue of p.blind ?? []) if (!reported.has(issue)) { reported.add(issue); problems.push(`${root}: ${issue}`); }
      p.children.forEach((c) => blind(c, root, seenHere));
    };
    for (const x of pending) if (x.pair) blind(x.pair, `variable \`${x.nv.key}\` (${x.nv.file}:${x.nv.line})`, new Set());
  }

  needed.forEach((x, i) => { x.entry.index = i; });
  const types = [...pl.pairs.values()].filter((p) => p.needs && (o.t(p.o).kind === 'struct' || o.t(p.o).kind === 'union')).map((p) => pl.describe(p));
  let code: string | null = null;
  if (!problems.length && (needed.length || rules.preamble)) {
    try {
      code = needed.length ? new Generator(pl, rules, o, n).generate(needed) : null;
    } catch (e) {
      if (e instanceof XfError || (e instanceof KitsuneError && e.code === 'E_XF_SYNTAX')) problems.push(e.message);
      else throw e;
    }
  }
  return { variables: moves, types, problems, code, entries: needed.map((x) => x.entry) };
}

function ruleHint(p: Pair, o: Graph, n: Graph): string {
  const m = /^struct (\S+)\.(\S+)/.exec(p.where.replace(/^.*?(struct \S+\.\S+).*$/, '$1'));
  if (m) return `struct ${m[1]}.${m[2]} -> struct ${m[1]}.${m[2]}: { $out = ...; }`;
  const v = /^variable `([^`]+)`/.exec(p.where);
  if (v) return `${v[1]} -> ${v[1]}: { $out = ...; }`;
  return `${o.name(p.o)} -> ${n.name(p.n)}: { ... }`;
}

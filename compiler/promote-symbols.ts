// Gives a version's variables and function pointers identities the loader
// can bind, by rewriting each source file's LLVM IR between clang's front
// end and its optimizer.
//
// In a position-independent side module, clang reaches a file-static or
// hidden variable at __memory_base + offset and takes a static or hidden
// function's address as __table_base + index: places fixed at link time, one
// set per version. A default-visibility symbol is reached through the GOT
// instead (GOT.mem.NAME, GOT.func.NAME), whose entries the loader fills. So
// every variable, and every function whose address is taken, is made a
// default-visibility symbol named by its key (`var`, `file.c/var`,
// `file.c/func#var`, `file.c/func`). The loader then lets a variable whose
// type did not change keep its storage, and its address, across an update
// (pointers to it stay valid), and gives each function identity one table
// slot for the process's life (a function pointer calls the running
// version's function of that identity). Direct calls stay direct: wasm-ld
// resolves them inside the module whatever the visibility.
import { KitsuneError } from '../format/errors.js';

/** An LLVM identifier after `@`: plain or quoted. */
const NAME = String.raw`(?:[-a-zA-Z$._][-a-zA-Z$._0-9]*|"[^"]*")`;
const unquote = (n: string) => (n.startsWith('"') ? n.slice(1, -1) : n);
const quote = (n: string) => `@"${n}"`;

export interface PromotedFile {
  ll: string;
  /** Keys of the functions and variables given new names (file statics). */
  renamed: Map<string, string>;
  /**
   * Keys of the `__thread` / `_Thread_local` variables. Without the atomics
   * feature the Wasm back end lowers them to plain globals (cells like any
   * other, reached through GOT.mem); the driver gives each thread its own
   * values (wasm-driver/worker/thread-locals.ts).
   */
  threadLocal: Set<string>;
}

/** Rewrites the IR of `file` (its base name goes into the keys). */
export function promoteSymbols(ll: string, file: string): PromotedFile {
  const base = file.split('/').pop()!;
  const lines = ll.split('\n');
  const renamed = new Map<string, string>();
  const alwaysInline = new Set<string>();
  for (const m of ll.matchAll(/^attributes (#\d+) = \{([^}]*)\}/gm)) if (/\balwaysinline\b/.test(m[2])) alwaysInline.add(m[1]);

  const defineRe = new RegExp(String.raw`^define\s+([^@]*)@(${NAME})\(.*?\)\s*([^{]*)\{`);
  const globalRe = new RegExp(String.raw`^@(${NAME}) = (.*)$`);
  const functions: { name: string; internal: boolean; inline: boolean }[] = [];
  const threadLocalNames: string[] = [];
  for (const line of lines) {
    const d = defineRe.exec(line);
    if (d) {
      const attrs = d[3].match(/#\d+/g) ?? [];
      functions.push({ name: unquote(d[2]), internal: /\b(internal|private)\b/.test(d[1]), inline: attrs.some((a) => alwaysInline.has(a)) });
      continue;
    }
    const g = globalRe.exec(line);
    if (!g) continue;
    const name = unquote(g[1]);
    const rest = g[2];
    // Variables only: not string literals and other private constants, not aliases or llvm's own lists.
    if (name.startsWith('llvm.') || !/\bglobal\b/.test(rest) || /\b(alias|ifunc)\b/.test(rest)) continue;
    if (/^(internal)\b/.test(rest)) renamed.set(name, variableKey(base, name));
    if (/\bthread_local\b/.test(rest.split(/\bglobal\b/)[0])) threadLocalNames.push(name);
  }

  // A static function needs an identity only when its address is taken: any
  // mention that is not the callee of a direct call.
  const callee = new Map<string, boolean>();
  for (const f of functions) if (f.internal && !f.inline) callee.set(f.name, false);
  if (callee.size) {
    const ref = new RegExp(String.raw`@(${NAME})`, 'g');
    for (const line of lines) {
      if (line.startsWith('define ')) continue;
      for (const m of line.matchAll(ref)) {
        const name = unquote(m[1]);
        if (!callee.has(name) || callee.get(name)) continue;
        const before = line.slice(0, m.index);
        const directCall = /\b(call|invoke)\b[^@]*$/.test(before) && line[m.index! + m[0].length] === '(';
        if (!directCall) callee.set(name, true);
      }
    }
    for (const [name, taken] of callee) if (taken) renamed.set(name, `${base}/${name}`);
  }

  const seen = new Map<string, string>();
  for (const [from, to] of renamed) {
    const other = seen.get(to);
    if (other !== undefined) throw new KitsuneError('E_BUILD', `${file}: \`${from}\` and \`${other}\` would both be known as \`${to}\`; rename one of them`);
    seen.set(to, from);
  }

  const ref = new RegExp(String.raw`@(${NAME})`, 'g');
  const out = lines.map((line) => {
    let l = renamed.size ? line.replace(ref, (all, n: string) => { const to = renamed.get(unquote(n)); return to === undefined ? all : quote(to); }) : line;
    if (l.startsWith('@')) {
      // Variables: default visibility, so that the GOT reaches them.
      const g = globalRe.exec(l);
      if (g && !unquote(g[1]).startsWith('llvm.') && /\bglobal\b/.test(g[2]) && !/\b(alias|ifunc|private)\b/.test(g[2])) {
        l = `@${g[1]} = ${g[2].replace(/^internal\s+/, '').replace(/\b(hidden|dso_local)\s+/g, '')}`;
      }
    } else if (l.startsWith('define ') || l.startsWith('declare ')) {
      const d = /^(define|declare)\s+([^@]*)@(.*)$/.exec(l);
      if (d) {
        const name = unquote(new RegExp(`^(${NAME})`).exec(d[3])?.[1] ?? '');
        let mods = d[2];
        // External functions become preemptible (address taken through GOT.func); renamed statics too.
        if (!/\b(internal|private)\b/.test(mods) || seen.has(name)) mods = mods.replace(/\b(internal|hidden|dso_local)\s+/g, '');
        l = `${d[1]} ${mods}@${d[3]}`;
      }
    }
    return l;
  });
  return { ll: out.join('\n'), renamed, threadLocal: new Set(threadLocalNames.map((n) => renamed.get(n) ?? n)) };
}

/** clang names a function's static `f.var` (duplicates `f.var.1`); a file's static keeps its name. */
function variableKey(base: string, irName: string): string {
  const dot = irName.indexOf('.');
  return dot > 0 ? `${base}/${irName.slice(0, dot)}#${irName.slice(dot + 1)}` : `${base}/${irName}`;
}

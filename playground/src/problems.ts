// What went wrong in a build, placed in the sources: clang's diagnostics
// (file:line:column: error: ...), .xf syntax errors, and the reasons a
// refused update gives (which name a variable with its file:line, struct
// fields and types) linked to the lines they are about.
import type { Problem } from './editor.js';
import type { BuildFailure } from './compile-protocol.js';

export interface Located { file: string; problem: Problem }

/** One reason of a refusal, with the source lines it names. */
export interface Reason { text: string; links: { file: string; line: number; label: string }[] }

export interface Explained {
  title: string;
  located: Located[];
  reasons: Reason[];
  /** Every line a reason names, to light up in the editor. */
  refs: { file: string; line: number }[];
  raw?: string;
}

const DIAG = /^([^\s:][^:\n]*):(\d+):(\d+): (error|warning|note|fatal error): (.*)$/;

export function parseDiagnostics(text: string): Located[] {
  const out: Located[] = [];
  for (const line of text.split('\n')) {
    const m = DIAG.exec(line);
    if (!m) continue;
    const sev = m[4] === 'warning' ? 'warning' : m[4] === 'note' ? 'info' : 'error';
    out.push({ file: m[1]!, problem: { line: +m[2]!, column: +m[3]!, severity: sev, message: m[5]! } });
  }
  return out;
}

/** The line declaring field `field` of `struct name` (or the struct itself) in C source `text`. */
export function findStructField(text: string, tag: string, name: string, field?: string): number | undefined {
  const lines = text.split('\n');
  const start = lines.findIndex((l) => new RegExp(`\\b${tag}\\s+${name}\\s*\\{`).test(l) || new RegExp(`\\b${tag}\\s+${name}\\s*$`).test(l));
  if (start < 0) return undefined;
  if (!field) return start + 1;
  for (let i = start; i < lines.length; i++) {
    if (new RegExp(`[\\s*]${field}\\s*(\\[[^\\]]*\\])?\\s*[;,:]`).test(lines[i]!) || new RegExp(`,\\s*\\**${field}\\s*[;,]`).test(lines[i]!)) return i + 1;
    if (i > start && /^\s*\}/.test(lines[i]!)) break;
  }
  return start + 1;
}

/**
 * Explains a failed build: where each error is, in which tab. `file` is the
 * path the version was built as, `tab` its tab; `sources` the tabs' texts
 * (the spec included) to look struct fields up in.
 */
export function explain(error: BuildFailure, build: { file: string; tab: string; spec?: string }, sources: Record<string, string>): Explained {
  const tabOf = (file: string) => (file === build.file ? build.tab : file === build.spec ? build.spec : file in sources ? file : undefined);
  const located: Located[] = [];
  for (const d of parseDiagnostics(error.diagnostics ?? error.message)) {
    const tab = tabOf(d.file);
    if (tab) located.push({ file: tab, problem: d.problem });
  }
  if (error.file && error.line) {
    const tab = tabOf(error.file);
    if (tab) located.push({ file: tab, problem: { line: error.line, column: error.column ?? 1, severity: 'error', message: error.message.replace(/^[^:]+:\d+:\d+: /, '') } });
  }
  const reasons: Reason[] = (error.details ?? []).map((text) => {
    const links: Reason['links'] = [];
    for (const m of text.matchAll(/`([^`]+)` \(([^():\s]+):(\d+)\)/g)) {
      const tab = tabOf(m[2]!);
      if (tab) links.push({ file: tab, line: +m[3]!, label: `${m[1]} (line ${m[3]})` });
    }
    for (const m of text.matchAll(/\b(struct|union) (\w+)\.(\w+)/g)) {
      const line = findStructField(sources[build.tab] ?? '', m[1]!, m[2]!, m[3]!);
      if (line) links.push({ file: build.tab, line, label: `${m[1]} ${m[2]}.${m[3]} (line ${line})` });
    }
    for (const m of text.matchAll(/^([^\s:]+\.xf):(\d+):(\d+)/g)) {
      const tab = tabOf(m[1]!);
      if (tab) links.push({ file: tab, line: +m[2]!, label: `${m[1]} line ${m[2]}` });
    }
    const seen = new Set<string>();
    return { text, links: links.filter((l) => !seen.has(`${l.file}:${l.line}:${l.label}`) && !!seen.add(`${l.file}:${l.line}:${l.label}`)) };
  });
  // Each reason's first link also marks its line in the editor.
  for (const r of reasons) {
    const l = r.links[0];
    if (l) located.push({ file: l.file, problem: { line: l.line, column: 1, severity: 'error', message: r.text } });
  }
  const title = error.code === 'E_XF_REFUSED' ? 'This update cannot carry the running state over:'
    : error.code === 'E_XF_SYNTAX' ? 'The .xf spec has a syntax error:'
      : error.code === 'E_BUILD' ? 'The build failed:' : `${error.code}:`;
  const raw = located.length || reasons.length ? undefined : error.message;
  const refs = [...located.map((l) => ({ file: l.file, line: l.problem.line })), ...reasons.flatMap((r) => r.links.map((l) => ({ file: l.file, line: l.line })))];
  return { title, located, reasons, refs, ...(raw ? { raw } : {}) };
}

// The toolchain's in-memory file system skips ".." in a path (@yowasp's
// Directory.traverse treats it like "."), so `#include "../common.h"` opens
// the wrong file, or none. Quoted includes that climb are rewritten here, on
// their own line, to the file of the tree they name; the rest is untouched,
// so line numbers in diagnostics stay the user's.

export interface TreeFile { path: string; text: string }

/** `a/b/../c/./d` -> `a/c/d` (a leading "/" kept). */
export function normalizePath(p: string): string {
  const out: string[] = [];
  for (const part of p.split('/')) {
    if (part === '..') out.pop();
    else if (part !== '.' && part !== '') out.push(part);
  }
  return (p.startsWith('/') ? '/' : '') + out.join('/');
}

export function resolveRelativeIncludes(files: TreeFile[], mount: (p: string) => string): TreeFile[] {
  const known = new Set(files.map((f) => normalizePath(mount(f.path))));
  return files.map((f) => {
    const at = normalizePath(mount(f.path));
    const dir = at.slice(0, at.lastIndexOf('/'));
    const text = f.text.replace(/^([ \t]*#[ \t]*include[ \t]*)"([^"\n]*\.\.[^"\n]*)"/gm, (all, head: string, inc: string) => {
      const target = normalizePath(inc.startsWith('/') ? inc : `${dir}/${inc}`);
      return known.has(target) ? `${head}"${target}"` : all;
    });
    return text === f.text ? f : { ...f, text };
  });
}

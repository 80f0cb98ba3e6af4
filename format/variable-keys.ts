// Kitsune's names for a program's variables, which the compiler records and
// the driver looks up: the key (`var`, `file.c/var`, `file.c/func#var`,
// `func#var`) and the name of a hand-written transformer for it.

export function keyOf(name: string, func: string, file: string): string {
  return `${file ? `${file}/` : ''}${func ? `${func}#` : ''}${name}`;
}

/** A key's parts: `file.c/func#var` -> { file, func, name }. */
export function partsOf(key: string): { name: string; func: string; file: string } {
  const slash = key.indexOf('/');
  const file = slash >= 0 ? key.slice(0, slash) : '';
  const rest = slash >= 0 ? key.slice(slash + 1) : key;
  const hash = rest.indexOf('#');
  return hash >= 0 ? { file, func: rest.slice(0, hash), name: rest.slice(hash + 1) } : { file, func: '', name: rest };
}

/** Kitsune's kitsune_get_xform name: `_kitsune_transform_` [file `___file___`] [func `___func___`] name, the file's other characters as `_`. */
export function transformerName(name: string, func: string, file: string): string {
  return `_kitsune_transform_${file ? `${file.replace(/[^A-Za-z0-9]/g, '_')}___file___` : ''}${func ? `${func}___func___` : ''}${name}`;
}

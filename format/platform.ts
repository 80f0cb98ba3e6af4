// Node or a browser: decided here, once. Everything else asks this module
// instead of probing `process` itself.
export const isNode = typeof process !== 'undefined' && !!process.versions?.node;

/**
 * A Node built-in module loaded synchronously (process.getBuiltinModule, Node
 * 20.16+), for code that cannot await: the worker's file calls. Undefined in a
 * browser.
 */
export function nodeBuiltin<T>(name: string): T | undefined {
  if (!isNode) return undefined;
  return (process as unknown as { getBuiltinModule?(n: string): unknown }).getBuiltinModule?.(name) as T | undefined;
}

// Errors carry a stable `code` for programs and a message for people: what
// was expected, what was found, and where.

export type ErrorCode =
  | 'E_NOT_WASM' | 'E_MODULE' | 'E_NOT_KITSUNE' | 'E_FORMAT' | 'E_OTHER_PROGRAM'
  | 'E_TYPE_CHANGED' | 'E_LINK' | 'E_READ' | 'E_COMPILE' | 'E_BUILD'
  | 'E_UPDATE_BUSY' | 'E_NO_PROCESS' | 'E_USAGE' | 'E_NODE_ONLY' | 'E_RUNTIME'
  | 'E_MIGRATE' | 'E_STACK_DEPTH' | 'E_EXITED' | 'E_XF_SYNTAX' | 'E_XF_REFUSED' | 'E_XF_RULE' | 'E_DWARF'
  | 'E_CONTROL' | 'E_REQUEST' | 'E_ASSET' | 'E_ABORTED' | 'E_NOT_ISOLATED' | 'E_SANDBOX';

export class KitsuneError extends Error {
  constructor(readonly code: ErrorCode, message: string, readonly details?: string[]) {
    super(details && details.length ? `${message}\n${details.map((d) => `  - ${d}`).join('\n')}` : message);
    this.name = 'KitsuneError';
  }
}

/** Thrown by a Node-only API when it runs in a browser. */
export function nodeOnly(what: string): never {
  throw new KitsuneError('E_NODE_ONLY', `${what} needs Node.js (it reads files or starts a Node worker); in a browser, pass the module's bytes instead`);
}

export function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/**
 * Not an error: the program called exit() (or a signal's default action ended
 * it). Thrown through the program's stack so that nothing after exit() runs.
 */
export class ExitSignal extends Error {
  constructor(readonly code: number) { super(`exit(${code})`); this.name = 'ExitSignal'; }
}

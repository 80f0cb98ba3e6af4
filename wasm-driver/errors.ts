// Errors carry a stable `code` for programs and a message for people: what
// was expected, what was found, and where.

export type ErrorCode =
  | 'E_NOT_WASM' | 'E_MODULE' | 'E_NOT_KITSUNE' | 'E_FORMAT' | 'E_OTHER_PROGRAM'
  | 'E_TYPE_CHANGED' | 'E_LINK' | 'E_READ' | 'E_COMPILE' | 'E_BUILD'
  | 'E_UPDATE_BUSY' | 'E_NO_PROCESS' | 'E_USAGE' | 'E_NODE_ONLY' | 'E_RUNTIME'
  | 'E_MIGRATE' | 'E_STACK_DEPTH' | 'E_EXITED' | 'E_XF_SYNTAX' | 'E_XF_REFUSED'
  | 'E_ASSET' | 'E_ABORTED' | 'E_NOT_ISOLATED';

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

/** Throws E_ABORTED when `signal` has been aborted; `what` says what stopped ("the build"). */
export function throwIfAborted(signal: AbortSignal | undefined, what: string): void {
  if (signal?.aborted) throw abortError(signal, what);
}

export function abortError(signal: AbortSignal, what: string): KitsuneError {
  const r = signal.reason;
  const why = r === undefined || (r instanceof Error && r.name === 'AbortError') ? '' : `: ${messageOf(r)}`;
  return new KitsuneError('E_ABORTED', `${what} was aborted${why}`);
}

/** `promise`, or E_ABORTED as soon as `signal` aborts (the work itself goes on in the background). */
export function untilAborted<T>(promise: Promise<T>, signal: AbortSignal | undefined, what: string): Promise<T> {
  if (!signal) return promise;
  throwIfAborted(signal, what);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(abortError(signal, what));
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (v) => { signal.removeEventListener('abort', onAbort); resolve(v); },
      (e) => { signal.removeEventListener('abort', onAbort); reject(e); },
    );
  });
}

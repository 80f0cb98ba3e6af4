// AbortSignal for long work (a build, starting a program, an update): what
// was stopped, and why when the signal says, as a KitsuneError E_ABORTED.
import { KitsuneError, messageOf } from './errors.js';

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

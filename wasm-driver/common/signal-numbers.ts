// Linux's signal numbers, as the runtime's <signal.h> overlay defines them.
import { KitsuneError } from '../../format/errors.js';

export const SIG = { HUP: 1, INT: 2, QUIT: 3, ABRT: 6, KILL: 9, USR1: 10, SEGV: 11, USR2: 12, PIPE: 13, ALRM: 14, TERM: 15, CHLD: 17, CONT: 18, STOP: 19, TSTP: 20, URG: 23, WINCH: 28 } as const;

export const SIGNAMES: Record<string, number> = Object.fromEntries(Object.entries(SIG).map(([k, v]) => [`SIG${k}`, v]));

/** Signals whose default action is to do nothing. */
export const DEFAULT_IGNORED: ReadonlySet<number> = new Set<number>([SIG.CHLD, SIG.CONT, SIG.URG, SIG.WINCH]);

/** A signal given by number or by name ("SIGINT", "int"). */
export function signalNumber(sig: number | string): number {
  const upper = typeof sig === 'string' ? sig.toUpperCase() : '';
  const n = typeof sig === 'number' ? sig : SIGNAMES[upper.startsWith('SIG') ? upper : `SIG${upper}`];
  if (!n || n < 1 || n > 31) throw new KitsuneError('E_USAGE', `expected a signal number (1-31) or name such as SIGINT, found ${JSON.stringify(sig)}`);
  return n;
}

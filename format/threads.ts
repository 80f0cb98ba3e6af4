// The calls at which a thread of a multi-threaded program may switch out
// (wasm-driver/worker/threads.ts). Asyncify must instrument the functions
// that can reach them (compiler/asyncify.ts), so both sides read this list.
import { Reader, sections } from './wasm-sections.js';

/** A version that imports one of these creates threads. */
export const THREAD_CREATE_CALLS = ['pthread_create', 'kitsune_pthread_create'];

/** Imports that may switch the calling thread out. */
export const THREAD_SWITCH_CALLS = [
  'sleep', 'usleep', 'nanosleep', 'pause', 'accept', 'accept4', 'recv', 'recvfrom', 'read',
  'pthread_join', 'pthread_mutex_lock', 'pthread_mutex_timedlock', 'pthread_cond_wait', 'pthread_cond_timedwait',
  'pthread_rwlock_rdlock', 'pthread_rwlock_wrlock', 'pthread_rwlock_timedrdlock', 'pthread_rwlock_timedwrlock', 'sched_yield',
  'ktthreads_pthread_cond_wait', 'ktthreads_pthread_cond_timedwait', 'ktthreads_ms_sleep',
  // libc's, which the driver serves itself in a threaded version (threads.ts), so that a wait in it can switch.
  'poll',
];

/** Whether module `bytes` imports a call that creates threads (read from its import section). */
export function createsThreads(bytes: Uint8Array): boolean {
  const s = sections(bytes).find((x) => x.id === 2);
  if (!s) return false;
  const r = new Reader(bytes, s.contentStart, s.end);
  const n = r.uleb();
  for (let i = 0; i < n; i++) {
    const module = r.name(), name = r.name();
    if (module === 'env' && THREAD_CREATE_CALLS.includes(name)) return true;
    const kind = r.u8();
    if (kind === 0) r.uleb();
    else if (kind === 1) { r.u8(); r.limits(); }
    else if (kind === 2) r.limits();
    else if (kind === 3) { r.u8(); r.u8(); }
    else if (kind === 4) { r.u8(); r.uleb(); }
    else return false;
  }
  return false;
}

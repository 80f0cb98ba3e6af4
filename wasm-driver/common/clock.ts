// Wall-clock milliseconds with sub-millisecond precision, the same on both
// threads (performance.now() alone is relative to each thread's start).
export function now(): number {
  return performance.timeOrigin + performance.now();
}

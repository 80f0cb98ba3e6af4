// Build progress for a UI: the phase the build is in and how far the whole
// build has come, as a fraction a progress bar can draw. Nothing is ever
// printed: a library's stdout belongs to the application.

export type BuildPhase = 'loading-clang' | 'compiling' | 'compiling-migration' | 'asyncify' | 'done';

export interface BuildProgress {
  phase: BuildPhase;
  /**
   * 0 to 1 over the whole build, never going back. An estimate from typical
   * phase times, except while loading clang, where it follows the bytes fetched.
   */
  fraction: number;
  /** One line for people, e.g. "loading clang: 40% (42 of 105 MB)". */
  message: string;
  /** While loading clang: the bytes fetched so far and in all. */
  bytes?: { done: number; total: number };
}

export type Progress = (event: BuildProgress) => void;

/**
 * Maps each phase's own progress (0..1) onto the whole build, given the
 * phases this build will go through and their relative weights.
 */
export function progressReporter(progress: Progress | undefined, phases: [BuildPhase, number][]) {
  const total = phases.reduce((s, [, w]) => s + w, 0) || 1;
  const start = new Map<BuildPhase, [number, number]>();
  let at = 0;
  for (const [p, w] of phases) { start.set(p, [at / total, w / total]); at += w; }
  let last = 0;
  return (phase: BuildPhase, within: number, message: string, bytes?: BuildProgress['bytes']): void => {
    if (!progress) return;
    const [from, width] = start.get(phase) ?? [last, 0];
    last = phase === 'done' ? 1 : Math.max(last, Math.min(1, from + width * Math.min(1, Math.max(0, within))));
    progress({ phase, fraction: last, message, ...(bytes ? { bytes } : {}) });
  };
}

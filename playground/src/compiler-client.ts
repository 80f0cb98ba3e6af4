// The page's side of the compile worker: builds as promises, toolchain
// loading as callbacks a progress bar can draw.
import type { BuildFailure, BuildRequest, BuildSuccess, FromCompiler, ToCompiler } from './compile-protocol.js';

export type BuildOutcome = ({ ok: true } & BuildSuccess) | { ok: false; error: BuildFailure };

export interface LoadProgress {
  onPhase(text: string): void;
  onDownload(done: number, total: number, cached: boolean): void;
}

export class Compiler {
  private readonly worker = new Worker(new URL('./compile-worker.js', import.meta.url), { type: 'module' });
  private nextId = 1;
  private readonly pending = new Map<number, { resolve(o: BuildOutcome): void; progress?: (t: string) => void }>();
  private warmed: Promise<{ millis: number; cached: boolean }>;
  private loadProgress: LoadProgress | undefined;

  /** `warm`: load the toolchain at once (a page that cannot run programs need not). */
  constructor(warm: boolean, progress?: LoadProgress) {
    this.loadProgress = progress;
    let warmDone!: (w: { millis: number; cached: boolean }) => void, warmFail!: (e: Error) => void;
    this.warmed = new Promise((resolve, reject) => { warmDone = resolve; warmFail = reject; });
    this.worker.onmessage = (e: MessageEvent<FromCompiler>) => {
      const m = e.data;
      if (m.type === 'phase') this.loadProgress?.onPhase(m.text);
      else if (m.type === 'download') this.loadProgress?.onDownload(m.done, m.total, m.cached);
      else if (m.type === 'warm') warmDone({ millis: m.millis, cached: m.cached });
      else if (m.type === 'progress') this.pending.get(m.id)?.progress?.(m.text);
      else {
        const p = this.pending.get(m.id);
        this.pending.delete(m.id);
        p?.resolve(m.type === 'built' ? { ok: true, ...m.result } : { ok: false, error: m.error });
      }
    };
    this.worker.onerror = (e) => {
      const error = { code: 'E_BUILD', message: `the compile worker failed to start or crashed: ${e.message || 'no reason given (is compile-worker.js served?)'}` };
      warmFail(new Error(error.message));
      for (const p of this.pending.values()) p.resolve({ ok: false, error });
      this.pending.clear();
    };
    if (warm) this.send({ type: 'warm' });
  }

  /** Resolves once clang and Binaryen are loaded. */
  ready(): Promise<{ millis: number; cached: boolean }> { return this.warmed; }

  build(request: BuildRequest, progress?: (text: string) => void): Promise<BuildOutcome> {
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.pending.set(id, { resolve, ...(progress ? { progress } : {}) });
      // The old version's bytes are copied, not moved: the page keeps running them.
      this.send({ type: 'build', id, request });
    });
  }

  private send(m: ToCompiler) { this.worker.postMessage(m); }
}

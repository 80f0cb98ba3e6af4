// Kitsune's update requests from C, as in Kitsune: kitsune_signal_update()
// raises one, kitsune_set_next_version() names the version to load (in
// either order), and the very next update point takes it (update.ts);
// kitsune_clear_request() withdraws whatever request nobody has taken yet.
import type { StateWord } from '../common/state-word.js';
import { refused } from './update-report.js';
import type { UpdaterHost } from './update-types.js';

export class SelfRequest {
  /** The request waiting for an update point is the program's own. */
  pending = false;
  /** What kitsune_set_next_version() named, read by the host when the update is taken. */
  nextPath: string | null = null;

  constructor(private readonly state: StateWord, private readonly host: Pick<UpdaterHost, 'post' | 'pendingId'>) {}

  signal(): void {
    this.pending = true;
    this.state.request();
  }

  /** A request the host made is answered at once; `from` is the running version's build id. */
  withdraw(from: string): void {
    if (!this.state.withdraw()) return;
    if (this.take()) return;
    const reason = 'the program withdrew the request (kitsune_clear_request); it keeps running the old version';
    this.host.post({ type: 'update', result: refused(this.host.pendingId(), from, 'wait', reason, 'E_UPDATE_BUSY') });
  }

  /** An update point takes the request: whether it was the program's own. */
  take(): boolean {
    const own = this.pending;
    this.pending = false;
    return own;
  }
}

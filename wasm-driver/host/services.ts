// The host thread's side of the program's POSIX calls: it answers the
// worker's synchronous calls (sockets, the terminal, alarm, sandbox reports)
// and performs the sends the worker queued. Everything here belongs to the
// process and outlives every version.
import type { SharedState, RpcAnswer } from '../common/shared-state.js';
import { E } from '../common/errno.js';
import type { KitsuneEvent } from '../common/protocol.js';
import { Sandbox, type Grants } from './sandbox.js';
import { HostSockets } from './sockets.js';
import { TerminalHost } from './terminal.js';
import { HostSignals } from './signals.js';

export class HostServices {
  readonly sandbox: Sandbox;
  readonly sockets: HostSockets;
  readonly terminal: TerminalHost;
  readonly signals: HostSignals;
  private notices = new Set<string>();

  constructor(private readonly shared: SharedState, grants: Grants, private readonly emit: (e: KitsuneEvent) => void) {
    this.sandbox = new Sandbox(grants, (r) => emit({ type: 'refused', ...r }));
    this.sockets = new HostSockets(shared, this.sandbox, (what) => this.notice(`${what} need Node.js: in a browser the program's socket calls fail with ENOTSUP`));
    this.terminal = new TerminalHost();
    this.signals = new HostSignals(shared);
    // Queued sends go out before any later call is answered, so their order with close() and friends holds.
    void shared.serve((req, data) => { this.sockets.drainOutbox(); return this.handle(req, data); });
    void shared.serveOutbox(() => this.sockets.drainOutbox());
  }

  private notice(message: string) {
    if (this.notices.has(message)) return;
    this.notices.add(message);
    this.emit({ type: 'notice', message });
  }

  private handle(req: Record<string, unknown>, data?: Uint8Array): RpcAnswer | Promise<RpcAnswer> {
    const op = req.op as string;
    if (op.startsWith('sock.') || op.startsWith('dns.')) return this.sockets.handle(req, data);
    if (op.startsWith('term.')) return this.terminal.handle(req);
    if (op === 'sandbox.refused') { this.sandbox.refuse(req as never); return { res: { errno: 0 } }; }
    if (op === 'alarm') return { res: { errno: 0, left: this.signals.alarm(req.sec as number) } };
    return { res: { errno: E.NOSYS } };
  }

  close(): void {
    this.signals.close();
    this.terminal.restore();
    this.sockets.closeAll();
    this.shared.stopServing();
  }
}

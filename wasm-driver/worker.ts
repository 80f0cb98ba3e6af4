// Entry point of the program's worker (a Node worker thread or a Web Worker).
// The program runs here so that its blocking calls can block on Atomics.wait
// while the host thread stays free to serve I/O and update requests.
import { Program } from './program.js';
import { SharedState } from './shared-state.js';
import type { FromWorker, StartMessage, ToWorker, UpdateMessage } from './protocol.js';
import { messageOf } from './errors.js';
import { workerPort } from './platform.js';

const port = await workerPort();
const updates = new Map<number, UpdateMessage>();
const waiting = new Map<number, (m: UpdateMessage) => void>();
const send = (m: FromWorker, transfer?: Transferable[]) => port.postMessage(m, transfer);

port.onMessage((m: ToWorker) => {
  if (m.type === 'start') void start(m);
  else if (m.type === 'update') {
    const w = waiting.get(m.id);
    if (w) { waiting.delete(m.id); w(m); } else updates.set(m.id, m);
  }
});

async function start(m: StartMessage) {
  const shared = new SharedState(m.shared);
  shared.dirs = m.dirs ?? [];
  const program = new Program(m.memory, shared, {
    post: (event) => send({ type: 'event', event }),
    write: (fd, bytes) => send({ type: 'output', fd, bytes }, [bytes.buffer as ArrayBuffer]),
    signalUpdate: (path) => send({ type: 'signal-update', path }),
    nextUpdate: (id) => {
      // Older requests the host withdrew are dropped.
      for (const k of [...updates.keys()]) if (k < id) updates.delete(k);
      const ready = updates.get(id);
      if (ready) { updates.delete(id); return Promise.resolve(ready); }
      return new Promise((resolve) => waiting.set(id, resolve));
    },
  }, m.args, m.env, m.stackSize, m.isTTY, !!m.inspect);
  try {
    const stateAddress = program.startRuntime(m.runtime, m.tableMin);
    send({ type: 'ready', stateAddress });
    const dylink = WebAssembly.Module.customSections(m.version, 'dylink.0')[0];
    const code = await program.run(m.version, m.meta, dylink ? new Uint8Array(dylink) : null);
    send({ type: 'done', code });
  } catch (e) {
    send({ type: 'done', code: 134, error: program.describeCrash(e) || messageOf(e) });
  }
}

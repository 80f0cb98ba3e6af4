// Entry point of the program's worker (a Node worker thread or a Web Worker).
// The program runs here so that its blocking calls can block on Atomics.wait
// while the host thread stays free to serve I/O and update requests.
import { Program } from './worker/program.js';
import { SharedState } from './common/shared-state.js';
import type { FromWorker, ResumeMessage, StartMessage, ToWorker, UpdateFailedMessage, UpdateMessage } from './common/protocol.js';
import type { Checkpoint } from './worker/checkpoint.js';
import { messageOf } from '../format/errors.js';
import { workerPort } from './worker/platform.js';

const port = await workerPort();
const updates = new Map<number, UpdateMessage>();
const waiting = new Map<number, (m: UpdateMessage) => void>();
/** The host's answer to the program's own request, and who waits for it. */
let selfAnswer: UpdateMessage | UpdateFailedMessage | undefined;
let selfWaiting: ((m: UpdateMessage | UpdateFailedMessage) => void) | undefined;
const send = (m: FromWorker, transfer?: Transferable[]) => port.postMessage(m, transfer);

port.onMessage((m: ToWorker) => {
  if (m.type === 'start' || m.type === 'resume') void start(m);
  else if (m.type === 'update-failed' || (m.type === 'update' && m.self)) {
    if (selfWaiting) { const w = selfWaiting; selfWaiting = undefined; w(m); } else selfAnswer = m;
  } else if (m.type === 'update') {
    const w = waiting.get(m.id);
    if (w) { waiting.delete(m.id); w(m); } else updates.set(m.id, m);
  }
});

/** Starts the program, or, in place of a worker the host stopped, puts its old version back (`resume`). */
async function start(m: StartMessage | ResumeMessage) {
  let program: Program | undefined;
  try {
    program = new Program({
      memory: m.memory, shared: new SharedState(m.shared), args: m.args, env: m.env, stackSize: m.stackSize, isTTY: m.isTTY, dirs: m.dirs,
      runtime: m.runtime, tableMin: m.tableMin, inspect: !!m.inspect, lineBuffered: !!m.lineBuffered,
      ...(m.type === 'resume' ? { resume: m.checkpoint as Checkpoint } : {}),
      host: {
        post: (event) => send({ type: 'event', event }),
        write: (fd, bytes) => send({ type: 'output', fd, bytes }, [bytes.buffer as ArrayBuffer]),
        selfUpdate: (path) => {
          selfAnswer = undefined;
          send({ type: 'self-update', path });
          return new Promise((resolve) => {
            if (selfAnswer) { const a = selfAnswer; selfAnswer = undefined; resolve(a); } else selfWaiting = resolve;
          });
        },
        checkpoint: (id, checkpoint) => send({ type: 'checkpoint', id, checkpoint }),
        stage: (id, stage) => send({ type: 'stage', id, stage }),
        nextUpdate: (id) => {
          // Older requests the host withdrew are dropped.
          for (const k of [...updates.keys()]) if (k < id) updates.delete(k);
          const ready = updates.get(id);
          if (ready) { updates.delete(id); return Promise.resolve(ready); }
          return new Promise((resolve) => waiting.set(id, resolve));
        },
      },
    });
    send({ type: 'ready', stateAddress: program.stateAddress });
    const code = m.type === 'resume'
      ? await program.resume(m.version, m.meta, m.dylink, m.frames, m.result)
      : await program.run(m.version, m.meta, m.dylink, m.frames);
    send({ type: 'done', code });
  } catch (e) {
    program?.flushStdio();
    send({ type: 'done', code: 134, error: program?.describeCrash(e) || messageOf(e) });
  }
}

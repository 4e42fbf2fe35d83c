import { Worker } from 'node:worker_threads';

/**
 * Interrupts a config whose code never yields (`while (true) {}` at the top level, or in a getter
 * the validation reads). The load's own timer cannot fire while the main thread is busy, so a
 * worker thread waits instead and, once the limit and a grace have passed without the load
 * settling, ends the running JavaScript through the inspector (`Runtime.terminateExecution`, what
 * `vm`'s timeout does). The import is left unsettled and the due timer then fails the load.
 * Between the limit and the grace the timer normally fires first and disarms the worker, so an
 * await that merely never settles is never interrupted.
 */
export interface LoadWatchdog {
  /** The load settled (or its timer fired): the worker stops waiting and exits. */
  disarm(): void;
}

const WORKER_SOURCE = `
const { workerData } = require('node:worker_threads');
if (Atomics.wait(workerData.flag, 0, 0, workerData.ms) === 'timed-out') {
  const session = new (require('node:inspector').Session)();
  session.connectToMainThread();
  session.post('Runtime.terminateExecution', () => session.disconnect());
}
`;

/** Time between the load's limit and the interruption: the main thread's timer has that long to fire on its own. */
const GRACE_MS = 1_000;

export function armLoadWatchdog(limitMs: number): LoadWatchdog {
  const flag = new Int32Array(new SharedArrayBuffer(4));
  let worker: Worker | undefined;
  try {
    worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { flag, ms: limitMs + GRACE_MS } });
    worker.unref();
    // A worker that cannot start (no inspector in this build) leaves the timer as the only guard.
    worker.on('error', () => undefined);
  } catch {
    worker = undefined;
  }
  return {
    disarm() {
      Atomics.store(flag, 0, 1);
      Atomics.notify(flag, 0);
    },
  };
}

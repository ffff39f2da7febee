// The worker thread that runs the userspace proxy's data path (see userspace-proxy-thread.ts):
// a UserspaceProxy whose tables arrive as messages and whose log lines go back as messages.
// Kept free of anything but the data path so that it bundles small (dist/hale-proxy-worker.mjs).
import { parentPort } from 'node:worker_threads';
import type { ProxyServicePort } from './service-table.ts';
import { UserspaceProxy } from './userspace-proxy.ts';

/** Main thread → worker. */
export type ProxyWorkerRequest = { id: number; op: 'apply'; ports: ProxyServicePort[] } | { id: number; op: 'stop' };

/** Worker → main thread. */
export type ProxyWorkerMessage =
  | { kind: 'done'; id: number; listening: string[]; error?: string }
  | { kind: 'log'; level: 'info' | 'warn'; obj: object; msg: string };

const port = parentPort;
if (!port) throw new Error('userspace-proxy-worker.ts must run on a worker thread');

const post = (message: ProxyWorkerMessage) => port.postMessage(message);
const proxy = new UserspaceProxy({
  logger: {
    info: (obj, msg) => post({ kind: 'log', level: 'info', obj, msg }),
    warn: (obj, msg) => post({ kind: 'log', level: 'warn', obj, msg }),
  },
});

// Requests are handled one at a time, in order, like the main thread's syncs.
let queue: Promise<void> = Promise.resolve();
port.on('message', (request: ProxyWorkerRequest) => {
  queue = queue.then(async () => {
    let error: string | undefined;
    try {
      if (request.op === 'apply') await proxy.apply(request.ports);
      else await proxy.stop();
    } catch (err) {
      error = (err as Error).message;
    }
    post({ kind: 'done', id: request.id, listening: proxy.listening(), error });
    if (request.op === 'stop') port.close();
  });
});

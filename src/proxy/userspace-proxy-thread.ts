// Runs the userspace proxy's data path (UserspaceProxy: the listeners and relays) on a worker
// thread of its own. During a rollout the main event loop is busy with the API server,
// controllers, scheduler and agent, and relaying there stretched the tail latency of proxied
// requests. The control part (informers, service table, host routes) stays on the main
// thread and posts each new table to the worker; the worker's log lines come back as messages.
//
// Where the worker's code comes from: in the esbuild bundle it is the second entry point,
// dist/hale-proxy-worker.mjs beside dist/hale.mjs (package.json "build"); under tsx it is
// userspace-proxy-worker.ts, loaded through tsx registered inside the worker, since a worker
// does not inherit the main thread's loader hooks on Node 20.
import { Worker } from 'node:worker_threads';
import type { ProxyServicePort } from './service-table.ts';
import type { ProxyLogger } from './userspace-proxy.ts';
import type { ProxyWorkerMessage, ProxyWorkerRequest } from './userspace-proxy-worker.ts';

/** The worker's bundle, written beside the main bundle by `npm run build`. */
export const PROXY_WORKER_BUNDLE = 'hale-proxy-worker.mjs';

type RequestBody = { op: 'apply'; ports: ProxyServicePort[] } | { op: 'stop' };

export interface UserspaceProxyThreadOptions {
  logger: ProxyLogger & { error(obj: object, msg: string): void };
}

export class UserspaceProxyThread {
  private worker?: Worker;
  private nextId = 1;
  private readonly pending = new Map<number, { resolve(): void; reject(err: Error): void }>();
  private lastListening: string[] = [];
  private stopped = false;

  constructor(private readonly opts: UserspaceProxyThreadOptions) {}

  /** Posts the table to the worker; resolves once its listeners match (bind failures are logged, as before). */
  async apply(ports: readonly ProxyServicePort[]): Promise<void> {
    if (this.stopped) return;
    await this.request({ op: 'apply', ports: [...ports] });
  }

  /** The addresses listened on after the last completed request ("TCP 10.43.0.5:80"). */
  listening(): string[] {
    return [...this.lastListening];
  }

  /** Closes every listener and relayed connection, then ends the thread. */
  async stop(): Promise<void> {
    this.stopped = true;
    const worker = this.worker;
    if (!worker) return;
    try {
      await this.request({ op: 'stop' });
    } finally {
      this.worker = undefined;
      await worker.terminate();
    }
  }

  private request(body: RequestBody): Promise<void> {
    const worker = this.worker ?? this.startWorker();
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      worker.postMessage({ id, ...body } satisfies ProxyWorkerRequest);
    });
  }

  /** Started on first use, and again after a crash (the next sync then reopens every listener). */
  private startWorker(): Worker {
    const worker = spawnProxyWorker();
    // The agent's lifetime decides when the proxy stops; the thread alone keeps nothing alive.
    worker.unref();
    worker.on('message', (message: ProxyWorkerMessage) => this.onMessage(message));
    worker.on('error', (err) => this.opts.logger.error({ err: err.message }, 'userspace proxy thread failed'));
    worker.on('exit', (code) => {
      if (this.worker === worker) this.worker = undefined;
      for (const p of this.pending.values()) p.reject(new Error(`userspace proxy thread exited with code ${code}`));
      this.pending.clear();
    });
    this.worker = worker;
    return worker;
  }

  private onMessage(message: ProxyWorkerMessage): void {
    if (message.kind === 'log') {
      this.opts.logger[message.level](message.obj, message.msg);
      return;
    }
    this.lastListening = message.listening;
    const waiter = this.pending.get(message.id);
    this.pending.delete(message.id);
    if (message.error) waiter?.reject(new Error(message.error));
    else waiter?.resolve();
  }
}

function spawnProxyWorker(): Worker {
  const here = import.meta.url;
  // Running from the bundle: the worker bundle sits beside it.
  if (!here.endsWith('.ts')) return new Worker(new URL(`./${PROXY_WORKER_BUNDLE}`, here));
  const tsx = import.meta.resolve('tsx/esm/api');
  const entry = new URL('./userspace-proxy-worker.ts', here).href;
  const boot = `import(${JSON.stringify(tsx)}).then(({ register }) => { register(); return import(${JSON.stringify(entry)}); });`;
  return new Worker(boot, { eval: true });
}

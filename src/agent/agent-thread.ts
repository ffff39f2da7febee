// Runs `hale server`'s embedded node agent on a worker thread of its own, so that the
// agent's pod work and the API server's request handling use two cores instead of taking
// turns on one event loop (a burst of pods kept the single loop busy for seconds). The
// agent is the same code as `hale agent`: it reaches the API through the server's Unix
// socket with its own client, and logs to fd 2 itself (agent-worker.ts).
//
// If the thread crashes after the agent started, the server keeps serving, logs the crash
// as an error and starts a new thread after a back-off (1 s doubling to 1 min). A new agent
// re-adopts the running containers, exactly as after a `hale agent` restart, so restarting is
// the self-healing choice; without it the node would go NotReady and its pods be evicted.
//
// Where the worker's code comes from: in the esbuild bundle it is the entry point
// dist/hale-agent-worker.mjs beside dist/hale.mjs (package.json "build"); under tsx it is
// agent-worker.ts, loaded through tsx registered inside the worker, since a worker does not
// inherit the main thread's loader hooks on Node 20.
import { Worker, type WorkerOptions } from 'node:worker_threads';
import type { AgentWorkerData, AgentWorkerMessage, AgentWorkerRequest } from './agent-worker.ts';
import type { RunningNodeAgent } from './run-node-agent.ts';

/** The worker's bundle, written beside the main bundle by `npm run build`. */
export const AGENT_WORKER_BUNDLE = 'hale-agent-worker.mjs';

export interface RestartBackoff {
  initialMs: number;
  maxMs: number;
  /** A thread that ran this long before crashing restarts after initialMs again. */
  resetAfterMs: number;
}

const DEFAULT_RESTART_BACKOFF: RestartBackoff = { initialMs: 1_000, maxMs: 60_000, resetAfterMs: 10 * 60_000 };

export interface NodeAgentThreadOptions {
  workerData: AgentWorkerData;
  /** Where the thread's own troubles go (the agent inside logs by itself). */
  logger: { info(obj: object, msg: string): void; error(obj: object, msg: string): void };
  restartBackoff?: RestartBackoff;
  /** Starts the worker thread; tests pass a small stand-in. */
  spawnWorker?: (data: AgentWorkerData) => Worker;
}

/** Starts the agent's thread; rejects with the agent's own error when it fails to start. */
export async function startNodeAgentThread(opts: NodeAgentThreadOptions): Promise<RunningNodeAgent> {
  const thread = new NodeAgentThread(opts);
  await thread.start();
  return thread;
}

export class NodeAgentThread implements RunningNodeAgent {
  private worker?: Worker;
  private port = 0;
  private stopping = false;
  private restartTimer?: NodeJS.Timeout;
  private restarting?: Promise<void>;
  private consecutiveCrashes = 0;
  private startedAt = 0;
  private readonly backoff: RestartBackoff;

  constructor(private readonly opts: NodeAgentThreadOptions) {
    this.backoff = opts.restartBackoff ?? DEFAULT_RESTART_BACKOFF;
  }

  /** The agent server's port (a restarted agent asked for port 0 may have another one). */
  get agentPort(): number {
    return this.port;
  }

  start(): Promise<void> {
    return this.launch();
  }

  /** Asks the agent to stop (containers keep running), waits for it, then ends the thread. */
  async stop(): Promise<void> {
    this.stopping = true;
    clearTimeout(this.restartTimer);
    await this.restarting;
    const worker = this.worker;
    if (!worker) return;
    this.worker = undefined;
    const error = await new Promise<string | undefined>((resolve) => {
      worker.on('message', (message: AgentWorkerMessage) => {
        if (message.kind === 'stopped') resolve(message.error);
      });
      worker.once('exit', (code) => resolve(code === 0 ? undefined : `node agent thread exited with code ${code} while stopping`));
      worker.postMessage({ op: 'stop' } satisfies AgentWorkerRequest);
    });
    await worker.terminate();
    if (error) throw new Error(error);
  }

  /** Starts a thread and resolves once its agent reported started (rejects when it failed). */
  private launch(): Promise<void> {
    const worker = (this.opts.spawnWorker ?? spawnAgentWorker)(this.opts.workerData);
    return new Promise((resolve, reject) => {
      let started = false;
      let crash: Error | undefined;
      worker.on('message', (message: AgentWorkerMessage) => {
        if (message.kind === 'started') {
          started = true;
          this.worker = worker;
          this.port = message.agentPort;
          this.startedAt = performance.now();
          resolve();
        } else if (message.kind === 'failed') {
          reject(new Error(message.error));
          void worker.terminate();
        }
      });
      worker.on('error', (err) => {
        if (started) crash = err;
        else reject(err);
      });
      worker.on('exit', (code) => {
        if (!started) {
          reject(new Error(`node agent thread exited with code ${code} before the agent started`));
          return;
        }
        if (this.worker !== worker) return; // stopped on purpose
        this.worker = undefined;
        if (performance.now() - this.startedAt >= this.backoff.resetAfterMs) this.consecutiveCrashes = 0;
        this.scheduleRestart({ err: crash, exitCode: code }, 'node agent thread crashed; the API server keeps serving');
      });
    });
  }

  private scheduleRestart(details: object, msg: string): void {
    if (this.stopping) return;
    const delayMs = Math.min(this.backoff.initialMs * 2 ** this.consecutiveCrashes, this.backoff.maxMs);
    this.consecutiveCrashes++;
    this.opts.logger.error({ ...details, restartInMs: delayMs }, `${msg}; restarting the agent (running containers are re-adopted)`);
    this.restartTimer = setTimeout(() => {
      this.restarting = this.relaunch().finally(() => {
        this.restarting = undefined;
      });
    }, delayMs);
  }

  private async relaunch(): Promise<void> {
    try {
      await this.launch();
      this.opts.logger.info({ agentPort: this.port }, 'node agent thread restarted');
    } catch (err) {
      this.scheduleRestart({ err }, 'node agent thread failed to restart');
    }
  }
}

/**
 * The thread's young generation: V8's default lets it grow to 48 MB, a second one beside the
 * main thread's. At 24 MB a server with 100 pods measured ~16 MiB less RSS (203 against 219)
 * at the same CPU; 12 MB saved a few MiB more (193-203) but cost 10-20 % more CPU in scavenges.
 */
const AGENT_YOUNG_GENERATION_MB = 24;

export function agentWorkerOptions(workerData: AgentWorkerData): WorkerOptions {
  return {
    workerData,
    name: 'hale-node-agent', // shows in the inspector
    resourceLimits: { maxYoungGenerationSizeMb: AGENT_YOUNG_GENERATION_MB },
    // Node closes, when a thread ends, every fd the thread opened with fs.open and did not
    // close with fs.close. The agent hands such fds to sockets (attach's stdin FIFO), which
    // close them themselves; their numbers are soon reused by the main thread (SQLite, sockets),
    // and a restarted agent thread would close those.
    trackUnmanagedFds: false,
  };
}

function spawnAgentWorker(workerData: AgentWorkerData): Worker {
  const options = agentWorkerOptions(workerData);
  const here = import.meta.url;
  // Running from the bundle: the worker bundle sits beside it.
  if (!here.endsWith('.ts')) return new Worker(new URL(`./${AGENT_WORKER_BUNDLE}`, here), options);
  const tsx = import.meta.resolve('tsx/esm/api');
  const entry = new URL('./agent-worker.ts', here).href;
  const boot = `import(${JSON.stringify(tsx)}).then(({ register }) => { register(); return import(${JSON.stringify(entry)}); });`;
  return new Worker(boot, { ...options, eval: true });
}

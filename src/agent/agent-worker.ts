// The worker thread that runs `hale server`'s embedded node agent (see agent-thread.ts). It
// builds what cannot cross threads itself (the API client, the logger) from plain options in
// workerData, runs the agent, and answers the main thread's stop request. Everything else
// the agent needs it already reaches on its own: the API (through the server's Unix socket),
// files, processes.
import { parentPort, workerData } from 'node:worker_threads';
import { pino } from 'pino';
import type { ClientConfig } from '../client/kubeconfig.ts';
import { RestClient, type RestClientOptions } from '../client/rest-client.ts';
import { type NodeAgentRunOptions, type RunningNodeAgent, runNodeAgent } from './run-node-agent.ts';

/** What the main thread hands the worker: plain data only (structured clone). */
export interface AgentWorkerData {
  client: { config: ClientConfig; options: RestClientOptions };
  logLevel: string;
  agent: Omit<NodeAgentRunOptions, 'client' | 'logger'>;
}

/** Main thread → worker. */
export type AgentWorkerRequest = { op: 'stop' };

/** Worker → main thread. */
export type AgentWorkerMessage =
  | { kind: 'started'; agentPort: number }
  | { kind: 'failed'; error: string }
  | { kind: 'stopped'; error?: string };

if (!parentPort) throw new Error('agent-worker.ts must run on a worker thread');
const port = parentPort;
const data = workerData as AgentWorkerData;
const post = (message: AgentWorkerMessage) => port.postMessage(message);

// The same lines as the agent would write on the main thread: the server's stderr, component
// "agent"; runNodeAgent adds the node.
const logger = pino({ level: data.logLevel, base: {} }, pino.destination(2)).child({ component: 'agent' });
const client = new RestClient(data.client.config, data.client.options);

const starting: Promise<RunningNodeAgent | undefined> = runNodeAgent({ ...data.agent, client, logger }).then(
  (agent) => {
    post({ kind: 'started', agentPort: agent.agentPort });
    return agent;
  },
  (err: unknown) => {
    client.close();
    post({ kind: 'failed', error: err instanceof Error ? err.message : String(err) });
    return undefined;
  },
);

// The only request is { op: 'stop' }.
port.on('message', (_request: AgentWorkerRequest) => {
  void stop();
});

async function stop(): Promise<void> {
  let error: string | undefined;
  try {
    await (await starting)?.stop();
  } catch (err) {
    error = err instanceof Error ? err.message : String(err);
  }
  client.close();
  post({ kind: 'stopped', error });
  port.close();
}

// Assembles a node agent (Hale's kubelet) from its parts: the process runtime, the agent
// server (logs/exec/attach/port-forward), node registration and heartbeat, probes, hooks,
// volumes and container environment, and the pod workers. The same code runs embedded in
// `hale server` and as `hale agent` on another machine: it only talks to the API.
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { RestClient } from '../client/rest-client.ts';
import { EventRecorder } from '../controllers/framework/event-recorder.ts';
import { startAgent } from './agent.ts';
import { containerEnvResolver } from './env/container-env.ts';
import { expandArgs } from './env/expansion.ts';
import { createHookRunner } from './lifecycle/hooks.ts';
import { startNodeAgent } from './node/node-agent.ts';
import { ProbeManager } from './probes/prober.ts';
import { ProcessRuntime } from './runtime/process/process-runtime.ts';
import { startAgentServer } from './server/agent-server.ts';
import { ConfigObjects } from './volumes/config-objects.ts';
import { NodeVolumeManager } from './volumes/volume-manager.ts';

export interface NodeAgentRunOptions {
  client: RestClient;
  nodeName: string;
  /** The agent's own files: runtime state, container logs, volumes, serving certificate. */
  dataDir: string;
  /** The join token the API server presents to this agent's server. */
  agentToken: string;
  /** Port of the agent server; 0 picks a free one (default 10250, the kubelet's). */
  agentPort?: number;
  /** Address the agent server listens on (default all interfaces). */
  bind?: string;
  logger: Logger;
  /** Loopback range for pod IPs (default: a /24 under 127.0.0.0/8 derived from the data dir). */
  podCidr?: string;
  /** Node lease timing (Hale defaults: renew every 1 s, 4 s duration). */
  leaseDurationSeconds?: number;
  leaseRenewIntervalMs?: number;
}

export interface RunningNodeAgent {
  agentPort: number;
  /** Stops the agent; containers keep running and are re-adopted by the next agent. */
  stop(): Promise<void>;
}

/**
 * Every agent on one host shares the loopback network, so each takes its own /24 of
 * 127.0.0.0/8, chosen from its data dir: agents (and test clusters) side by side never hand
 * out the same pod IP. 127.0.x and 127.255.x are left alone.
 */
export function loopbackPodCidr(dataDir: string): string {
  const digest = createHash('sha256').update(dataDir).digest();
  return `127.${1 + (digest[0] % 254)}.${digest[1]}.0/24`;
}

export async function runNodeAgent(opts: NodeAgentRunOptions): Promise<RunningNodeAgent> {
  const { client, nodeName, dataDir } = opts;
  const logger = opts.logger.child({ node: nodeName });
  const runtime = new ProcessRuntime({
    rootDir: join(dataDir, 'runtime', 'process'),
    logger: logger.child({ component: 'runtime' }),
    podCidr: opts.podCidr || process.env.HALE_POD_CIDR || loopbackPodCidr(dataDir),
  });
  const server = await startAgentServer({
    runtime,
    token: opts.agentToken,
    port: opts.agentPort ?? 10250,
    bind: opts.bind,
    dataDir,
    logger,
  });
  const events = new EventRecorder(client, 'kubelet', logger, nodeName);
  const node = await startNodeAgent(client, {
    nodeName,
    dataDir,
    agentPort: server.port,
    cgroupsEnforced: runtime.features.cgroups,
    cgroupsReason: runtime.features.cgroupsReason,
    logger,
    events,
    ...(opts.leaseDurationSeconds ? { leaseDurationSeconds: opts.leaseDurationSeconds } : {}),
    ...(opts.leaseRenewIntervalMs ? { leaseRenewIntervalMs: opts.leaseRenewIntervalMs } : {}),
  });
  const prober = new ProbeManager({ runtime, events, logger: logger.child({ component: 'prober' }) });
  const objects = new ConfigObjects(client);
  const agent = await startAgent({
    client,
    nodeName,
    runtime,
    prober,
    volumes: new NodeVolumeManager({ client, dataDir, nodeName, logger, objects }),
    hooks: createHookRunner({ runtime, logger }),
    resolveEnv: containerEnvResolver(client, { recorder: events, objects }),
    expandArgs,
    dataDir,
    logger,
    events,
  });
  logger.info({ agentPort: server.port, logs: join(dataDir, 'pods') }, 'node agent started');
  return {
    agentPort: server.port,
    async stop() {
      await agent.stop();
      prober.stop();
      await node.stop();
      await server.stop();
      runtime.close();
    },
  };
}

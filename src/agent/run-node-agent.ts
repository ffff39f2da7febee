// Assembles a node agent (Hale's kubelet) from its parts: the process runtime, the agent
// server (logs/exec/attach/port-forward), node registration and heartbeat, probes, hooks,
// volumes and container environment, and the pod workers. The same code runs embedded in
// `hale server` and as `hale agent` on another machine: it only talks to the API.

import { createHash } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { DEFAULT_CLUSTER_DOMAIN } from '../api/cluster-network.ts';
import type { RestClient } from '../client/rest-client.ts';
import { EventRecorder } from '../controllers/framework/event-recorder.ts';
import { clusterDnsIPFor } from '../dns/cluster-dns-ip.ts';
import type { ProxyMode } from '../proxy/proxy-mode.ts';
import { startServiceProxy } from '../proxy/service-proxy.ts';
import { startAgent } from './agent.ts';
import { podResolvConfSource } from './dns/pod-resolv-conf.ts';
import { containerEnvResolver } from './env/container-env.ts';
import { expandArgs } from './env/expansion.ts';
import { createHookRunner } from './lifecycle/hooks.ts';
import { backgroundClient, DEFAULT_BACKGROUND_LANE, foregroundClient, RequestGate } from './limited-client.ts';
import { ResourceUsageSampler } from './metrics/resource-usage.ts';
import type { NetworkModeSetting } from './network/network-mode.ts';
import { createNodePodNetwork } from './network/node-pod-network.ts';
import { startNodeAgent } from './node/node-agent.ts';
import { EndpointDrain } from './pods/endpoint-drain.ts';
import { ProbeManager } from './probes/prober.ts';
import { ProcessRuntime } from './runtime/process/process-runtime.ts';
import { startAgentServer } from './server/agent-server.ts';
import { spreadSubdirectories } from './spread-subdirectories.ts';
import { ConfigObjects } from './volumes/config-objects.ts';
import { LocalPathCleanup, localVolumeDir } from './volumes/local-path-cleanup.ts';
import { NodeVolumeManager } from './volumes/volume-manager.ts';

/** API requests the agent's pod work may have in flight at once (watches not counted). */
const POD_CLIENT_CONCURRENCY = 16;

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
  /** --network-mode: auto (isolated when root on Linux and `ip` works), isolated, host. */
  networkMode?: NetworkModeSetting;
  /** --cluster-cidr: all pod ranges (isolated mode routes it; default 10.42.0.0/16). */
  clusterCidr?: string;
  /** Node lease timing (Hale defaults: renew every 1 s, 4 s duration). */
  leaseDurationSeconds?: number;
  leaseRenewIntervalMs?: number;
  /**
   * --fencing-timeout: no Lease renewal for this long → the node's pods are killed (default 20 s;
   * 0 = not on silence; an agent replaced by another under its node name always stops its pods).
   */
  fencingTimeoutMs?: number;
  /** --proxy-mode: auto (= userspace, which retries refused backends), userspace, nftables. */
  proxyMode?: ProxyMode;
  /** The cluster's service CIDR, routed to this host's loopback for the proxy. */
  serviceCidr?: string;
  /** --cluster-dns and --cluster-domain: what pods' resolv.conf points at (src/agent/dns/resolv-conf.ts). */
  clusterDns?: string;
  clusterDomain?: string;
  /** --pod-max-pids: the most processes one pod may have (its cgroup's pids.max); unset or < 1: no limit. */
  podPidsLimit?: number;
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

/** Hale's default --fencing-timeout (Kubernetes has no equivalent: its kubelet never fences). */
export const DEFAULT_FENCING_TIMEOUT_MS = 20_000;

/**
 * Self-fencing settings for the node agent: stop every container of the process runtime. Given
 * with a timeout of 0 too, so that an agent replaced under its node name still stops its pods.
 */
function fencingFor(runtime: ProcessRuntime, dataDir: string, timeoutMs: number) {
  const onFence = async () => {
    for (const c of await runtime.listContainers()) if (c.state === 'running') await runtime.stopContainer(c.id, 0).catch(() => undefined);
  };
  return { fencing: { timeoutMs: Math.max(0, timeoutMs), containersDir: join(dataDir, 'runtime', 'process', 'containers'), onFence } };
}

export async function runNodeAgent(opts: NodeAgentRunOptions): Promise<RunningNodeAgent> {
  const { client, nodeName, dataDir } = opts;
  const logger = opts.logger.child({ node: nodeName });
  const podNetwork = await createNodePodNetwork({
    mode: opts.networkMode,
    nodeName,
    dataDir,
    runtimeDir: join(dataDir, 'runtime', 'process'),
    loopbackPodCidr: opts.podCidr || process.env.HALE_POD_CIDR || loopbackPodCidr(dataDir),
    clusterCidr: opts.clusterCidr,
    serviceCidr: opts.serviceCidr,
    logger,
  });
  // Pods' logs and volumes (see spreadSubdirectories). Not awaited: it only makes file creation cheaper.
  await mkdir(join(dataDir, 'pods'), { recursive: true });
  void spreadSubdirectories([join(dataDir, 'pods')]).then((failure) => {
    if (failure) logger.debug({ reason: failure }, 'pod directories are not spread over block groups');
  });
  const runtime = new ProcessRuntime({
    rootDir: join(dataDir, 'runtime', 'process'),
    logger: logger.child({ subsystem: 'runtime' }),
    network: podNetwork.network,
    clusterDomain: opts.clusterDomain ?? DEFAULT_CLUSTER_DOMAIN,
    podPidsLimit: opts.podPidsLimit,
  });
  const sandboxIds = async () => new Set((await runtime.listPodSandboxes()).map((s) => s.id));
  await podNetwork.cleanUpLeftovers(await sandboxIds());
  const usage = new ResourceUsageSampler({ runtime });
  usage.start();
  const server = await startAgentServer({
    runtime,
    token: opts.agentToken,
    port: opts.agentPort ?? 10250,
    bind: opts.bind,
    dataDir,
    logger,
    resourceUsage: () => usage.latest(),
  });
  // Pod work (events, status writes, config objects) shares a bounded set of connections;
  // the node's lease and status keep the unbounded client so that a burst never delays them.
  const podRequests = new RequestGate(POD_CLIENT_CONCURRENCY, DEFAULT_BACKGROUND_LANE);
  const podClient = foregroundClient(client, podRequests);
  // Events go in the gate's background lane, so that a burst of them (three per started
  // container) does not hold back the status writes that show pods Running and Ready.
  const events = new EventRecorder(backgroundClient(client, podRequests), 'kubelet', logger, nodeName);
  const node = await startNodeAgent(client, {
    nodeName,
    dataDir,
    agentPort: server.port,
    cgroupsEnforced: runtime.features.cgroups,
    cgroupsReason: runtime.features.cgroupsReason,
    logger,
    events,
    // A Node deleted while the agent runs comes back with the range the bridge and pods use.
    podCidr: () => podNetwork.podCidr,
    ...(opts.leaseDurationSeconds ? { leaseDurationSeconds: opts.leaseDurationSeconds } : {}),
    ...(opts.leaseRenewIntervalMs ? { leaseRenewIntervalMs: opts.leaseRenewIntervalMs } : {}),
    ...fencingFor(runtime, dataDir, opts.fencingTimeoutMs ?? DEFAULT_FENCING_TIMEOUT_MS),
  });
  podNetwork.followNode(client);
  const prober = new ProbeManager({ runtime, events, logger: logger.child({ subsystem: 'prober' }) });
  const objects = new ConfigObjects(podClient);
  const endpointDrain = new EndpointDrain(client, { logger });
  const agent = await startAgent({
    fence: node.fence,
    endpointDrain,
    client: podClient,
    // Events wait while pods are being started too, not only while status writes are in flight.
    startActivity: () => podRequests.hold(),
    nodeName,
    runtime,
    prober,
    volumes: new NodeVolumeManager({ client: podClient, dataDir, nodeName, logger, objects }),
    hooks: createHookRunner({ runtime, logger }),
    resolveEnv: containerEnvResolver(podClient, { recorder: events, objects }),
    resolvConf: podResolvConfSource({
      dnsIp: opts.clusterDns ?? clusterDnsIPFor(opts.serviceCidr),
      domain: opts.clusterDomain ?? DEFAULT_CLUSTER_DOMAIN,
      warn: (pod, reason, message) => events.warning(pod, reason, message),
    }),
    expandArgs,
    dataDir,
    logger,
    events,
  });
  const localPathCleanup = new LocalPathCleanup(backgroundClient(client, podRequests), localVolumeDir(dataDir), nodeName, logger);
  localPathCleanup.start();
  // The service proxy (Hale's kube-proxy) runs beside the kubelet on every node.
  const proxy = await startServiceProxy({
    client,
    nodeName,
    dataDir,
    mode: opts.proxyMode,
    serviceCidr: opts.serviceCidr,
    logger: logger.child({ subsystem: 'proxy' }),
    events: new EventRecorder(backgroundClient(client, podRequests), 'hale-proxy', logger, nodeName),
  });
  logger.info({ agentPort: server.port, logs: join(dataDir, 'pods') }, 'node agent started');
  return {
    agentPort: server.port,
    async stop() {
      await proxy.stop();
      await localPathCleanup.stop();
      await agent.stop();
      await endpointDrain.stop();
      prober.stop();
      await node.stop();
      await server.stop();
      await usage.stop();
      runtime.close();
      await podNetwork.stop(await sandboxIds());
    },
  };
}

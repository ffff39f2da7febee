// `hale agent`: a node agent on another machine (or another process) joining a cluster.
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { resolve } from 'node:path';
import { pino } from 'pino';
import type { NetworkModeSetting } from '../agent/network/network-mode.ts';
import { runNodeAgent } from '../agent/run-node-agent.ts';
import { RestClient } from '../client/rest-client.ts';
import type { ProxyMode } from '../proxy/proxy-mode.ts';

/** Time limit of the agent's API requests (the client's default is 60 s). */
const AGENT_REQUEST_TIMEOUT_MS = 10_000;

export interface AgentCommandOptions {
  server: string;
  token: string;
  caFile?: string;
  nodeName?: string;
  dataDir: string;
  agentPort: number;
  podCidr?: string;
  clusterCidr?: string;
  networkMode?: NetworkModeSetting;
  logLevel?: string;
  proxyMode?: ProxyMode;
  serviceCidr?: string;
  /** --cluster-dns and --cluster-domain, for pods' resolv.conf. */
  clusterDns?: string;
  clusterDomain?: string;
  /** --pod-max-pids (-1: no limit). */
  podPidsLimit?: number;
  /** Node lease timing and self-fencing (--node-lease-duration, --node-lease-renew-interval, --fencing-timeout). */
  failover?: { leaseDurationSeconds?: number; leaseRenewIntervalMs?: number; fencingTimeoutMs?: number };
}

export async function runAgentCommand(opts: AgentCommandOptions): Promise<() => Promise<void>> {
  const logger = pino({ level: opts.logLevel ?? 'info', base: { component: 'agent' } }, pino.destination(2));
  const caPem = opts.caFile ? readFileSync(opts.caFile, 'utf8') : undefined;
  if (!caPem && opts.server.startsWith('https:')) {
    logger.warn('no --ca-file given: the API server certificate is not verified');
  }
  const client = new RestClient(
    { server: opts.server, caPem, token: opts.token, insecureSkipTLSVerify: !caPem },
    // Short request timeouts: in a partition requests hang, and the agent must notice soon.
    { userAgent: 'hale-agent', requestTimeoutMs: AGENT_REQUEST_TIMEOUT_MS },
  );
  const nodeName = opts.nodeName ?? hostname().toLowerCase();
  const dataDir = resolve(opts.dataDir);
  const agent = await runNodeAgent({
    client,
    nodeName,
    dataDir,
    agentToken: opts.token,
    agentPort: opts.agentPort,
    podCidr: opts.podCidr,
    clusterCidr: opts.clusterCidr,
    networkMode: opts.networkMode,
    proxyMode: opts.proxyMode,
    serviceCidr: opts.serviceCidr,
    clusterDns: opts.clusterDns,
    clusterDomain: opts.clusterDomain,
    podPidsLimit: opts.podPidsLimit,
    ...opts.failover,
    logger,
  });
  process.stdout.write(`Hale agent for node ${nodeName} joined ${opts.server} (agent server on port ${agent.agentPort})\n`);
  process.stdout.write(`Logs: this process's stderr (structured JSON); container logs under ${dataDir}/pods\n`);
  return async () => {
    await agent.stop();
    client.close();
  };
}

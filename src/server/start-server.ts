// Assembles `hale server`: store → API server → bootstrap → controllers, and writes the
// kubeconfig. Everything but the API server talks to it through the client, as remote
// components would.

import { X509Certificate } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { type Logger, pino } from 'pino';
import { startNodeAgentThread } from '../agent/agent-thread.ts';
import type { NetworkModeSetting } from '../agent/network/network-mode.ts';
import type { RunningNodeAgent } from '../agent/run-node-agent.ts';
import { DEFAULT_CLUSTER_DOMAIN } from '../api/cluster-network.ts';
import { builtinResources } from '../api/resources.ts';
import { DEFAULT_TOLERATION_SECONDS, defaultTolerationSecondsAdmission } from '../apiserver/admission/default-toleration-seconds.ts';
import { priorityAdmission } from '../apiserver/admission/priority.ts';
import { serviceAccountAdmission } from '../apiserver/admission/service-account-admission.ts';
import { TokenAuthenticator } from '../apiserver/auth.ts';
import { ensureCredentials } from '../apiserver/credentials.ts';
import { ApiServer } from '../apiserver/server.ts';
import { defaultIssuer } from '../apiserver/service-account-tokens.ts';
import { installServiceAllocation } from '../apiserver/service-allocation/install.ts';
import { advertiseAddress, kubernetesServiceIPFor } from '../apiserver/service-allocation/kubernetes-service.ts';
import { writeKubeconfig } from '../cli/kubeconfig-file.ts';
import { RestClient } from '../client/rest-client.ts';
import type { FailoverOptions } from '../controllers/nodelifecycle/failover-options.ts';
import { clusterDnsIPFor } from '../dns/cluster-dns-ip.ts';
import { DEFAULT_DNS_LISTEN, type RunningClusterDns, startClusterDns } from '../dns/start-cluster-dns.ts';
import type { ProxyMode } from '../proxy/proxy-mode.ts';
import { Compactor } from '../storage/compactor.ts';
import { openStore } from '../storage/open-store.ts';
import type { Store } from '../storage/store.ts';
import { ensureBootstrapRbac, ensureDefaultStorageClass, ensureSystemNamespaces } from './bootstrap.ts';
import { startControllers } from './controllers.ts';

export interface ServerOptions {
  dataDir: string;
  port: number;
  bind: string;
  disableAgent: boolean;
  nodeName?: string;
  datastoreEndpoint?: string;
  agentToken?: string;
  insecureHttp: boolean;
  /** Port of the embedded agent's server (logs/exec/port-forward); 0 = any free port. */
  agentPort?: number;
  /** Loopback range for the embedded agent's pod IPs. */
  podCidr?: string;
  /** --cluster-cidr (node pod ranges) and --network-mode of the embedded agent. */
  clusterCidr?: string;
  networkMode?: NetworkModeSetting;
  logLevel?: string;
  /** --service-cidr and --service-node-port-range (defaults in src/api/cluster-network.ts). */
  serviceCidr?: string;
  serviceNodePortRange?: string;
  /** --proxy-mode of the embedded agent's service proxy. */
  proxyMode?: ProxyMode;
  /** Write startup lines here (default: process.stdout). */
  out?: NodeJS.WritableStream;
  /** Node failover settings (docs/failover.md). */
  failover?: FailoverOptions;
  /** --cluster-dns (kube-dns ClusterIP), --cluster-domain, --cluster-dns-listen, --disable-cluster-dns (docs/services.md). */
  clusterDns?: string;
  clusterDomain?: string;
  clusterDnsListen?: string;
  disableClusterDns?: boolean;
  /** --pod-max-pids of the embedded agent (-1: no limit). */
  podPidsLimit?: number;
}

export interface RunningServer {
  url: string;
  port: number;
  kubeconfigPath: string;
  adminToken: string;
  store: Store;
  api: ApiServer;
  stop(): Promise<void>;
}

/** How often missing system namespaces are recreated (kube-apiserver: every minute). */
const SYSTEM_NAMESPACES_CHECK_MS = 10_000;

export async function startServer(opts: ServerOptions): Promise<RunningServer> {
  const out = opts.out ?? process.stdout;
  const dataDir = resolve(opts.dataDir);
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  // Several components share this process's stderr: each names itself once ("component"),
  // and their parts add "controller" or "subsystem" (pino would repeat a key bound twice).
  const root = pino({ level: opts.logLevel ?? 'info', base: {} }, pino.destination(2));
  const logger = root.child({ component: 'apiserver' });

  const store = await openStore(opts.datastoreEndpoint, dataDir);
  const clusterDomain = opts.clusterDomain ?? DEFAULT_CLUSTER_DOMAIN;
  // In-cluster clients reach the API server as kubernetes.default.svc on the Service's IP.
  const creds = await ensureCredentials(dataDir, [
    'kubernetes',
    'kubernetes.default',
    'kubernetes.default.svc',
    `kubernetes.default.svc.${clusterDomain}`,
    kubernetesServiceIPFor(opts.serviceCidr),
  ]);
  warnIfCertLacksInClusterNames(creds.certPem, logger);
  const authenticator = new TokenAuthenticator();
  authenticator.add(creds.adminToken, { name: 'system:admin', groups: ['system:masters', 'system:authenticated'] });
  const agentToken = opts.agentToken ?? creds.agentToken;
  authenticator.add(agentToken, { name: 'system:hale-agent', groups: ['system:nodes', 'system:authenticated'] });

  const api = new ApiServer({
    store,
    resources: builtinResources,
    authenticator,
    tls: opts.insecureHttp ? undefined : { certPem: creds.certPem, keyPem: creds.keyPem },
    logger,
    agentToken,
    serviceAccounts: { keyPem: creds.serviceAccountKeyPem, issuer: defaultIssuer(clusterDomain) },
  });
  api.resources.createAdmission.push(
    defaultTolerationSecondsAdmission({
      notReadySeconds: opts.failover?.defaultNotReadyTolerationSeconds ?? DEFAULT_TOLERATION_SECONDS,
      unreachableSeconds: opts.failover?.defaultUnreachableTolerationSeconds ?? DEFAULT_TOLERATION_SECONDS,
    }),
  );
  api.resources.createAdmission.push(serviceAccountAdmission(api.registry));
  api.resources.createAdmission.push(priorityAdmission);
  const address = await api.listen(opts.port, opts.bind);
  const scheme = opts.insecureHttp ? 'http' : 'https';
  const host = opts.bind === '0.0.0.0' || opts.bind === '::' ? '127.0.0.1' : opts.bind;
  const url = `${scheme}://${host.includes(':') ? `[${host}]` : host}:${address.port}`;
  // In-process clients skip TLS and TCP through a Unix socket; without it they use `url`.
  const socketPath = await listenForInProcessClients(api, join(dataDir, 'apiserver.sock'), logger);

  await ensureSystemNamespaces(api.registry);
  // As kube-apiserver's system namespaces controller: kube-node-lease may be deleted, and comes back.
  const systemNamespacesTimer = setInterval(
    () =>
      ensureSystemNamespaces(api.registry).catch((err) =>
        logger.warn({ err: err instanceof Error ? err.message : String(err) }, 'could not recreate the system namespaces'),
      ),
    SYSTEM_NAMESPACES_CHECK_MS,
  );
  systemNamespacesTimer.unref();
  await ensureDefaultStorageClass(api.registry);
  await ensureBootstrapRbac(api.registry);
  const serviceAllocation = await installServiceAllocation(api.registry, store, {
    serviceCidr: opts.serviceCidr,
    nodePortRange: opts.serviceNodePortRange,
    apiServer: { address: advertiseAddress(opts.bind), port: address.port },
    logger,
  });
  const compactor = new Compactor(store);
  compactor.start();

  const kubeconfigPath = join(dataDir, 'kubeconfig.yaml');
  writeKubeconfig(kubeconfigPath, url, opts.insecureHttp ? undefined : creds.caPem, creds.adminToken);

  const client = new RestClient(
    { server: url, caPem: opts.insecureHttp ? undefined : creds.caPem, token: creds.adminToken },
    { userAgent: 'hale-controller-manager', socketPath },
  );
  const controllers = await startControllers(client, root.child({ component: 'controller-manager' }), {
    schedulerLogger: root.child({ component: 'scheduler' }),
    nodeLifecycle: opts.failover?.nodeLifecycle,
    podGC: { terminatedPodThreshold: opts.failover?.terminatedPodGcThreshold },
    nodeIpam: { clusterCidr: opts.clusterCidr },
    rootCaPem: creds.caPem,
  });
  const clusterDns = opts.clusterDns ?? clusterDnsIPFor(opts.serviceCidr);
  let dns: RunningClusterDns | undefined;
  if (!opts.disableClusterDns) {
    dns = await startClusterDns({
      client: new RestClient(
        { server: url, caPem: opts.insecureHttp ? undefined : creds.caPem, token: creds.adminToken },
        { userAgent: 'hale-cluster-dns', socketPath },
      ),
      clusterIP: clusterDns,
      domain: clusterDomain,
      listen: opts.clusterDnsListen ?? DEFAULT_DNS_LISTEN,
      allowedCidrs: [opts.clusterCidr, opts.serviceCidr].filter((c): c is string => Boolean(c)),
      nodeName: opts.disableAgent ? undefined : (opts.nodeName ?? hostname().toLowerCase()),
      metricsRegistry: api.metrics.registry,
      logger: root.child({ component: 'cluster-dns' }),
    });
  }
  let agent: RunningNodeAgent | undefined;
  if (!opts.disableAgent) {
    // The agent runs on a worker thread (src/agent/agent-thread.ts): its pod work and the
    // API server's requests then use two cores. It builds its own client and logger from these.
    const nodeName = opts.nodeName ?? hostname().toLowerCase();
    agent = await startNodeAgentThread({
      workerData: {
        client: {
          config: { server: url, caPem: opts.insecureHttp ? undefined : creds.caPem, token: agentToken },
          options: { userAgent: 'hale-agent', socketPath },
        },
        logLevel: opts.logLevel ?? 'info',
        agent: {
          nodeName,
          dataDir: join(dataDir, 'agent'),
          agentToken,
          agentPort: opts.agentPort ?? 0,
          podCidr: opts.podCidr,
          clusterCidr: opts.clusterCidr,
          networkMode: opts.networkMode,
          leaseDurationSeconds: opts.failover?.nodeLeaseDurationSeconds,
          leaseRenewIntervalMs: opts.failover?.nodeLeaseRenewIntervalMs,
          fencingTimeoutMs: opts.failover?.fencingTimeoutMs,
          proxyMode: opts.proxyMode,
          serviceCidr: opts.serviceCidr,
          clusterDns,
          clusterDomain,
          podPidsLimit: opts.podPidsLimit,
        },
      },
      logger: root.child({ component: 'agent', node: nodeName }),
    });
  }
  api.setReady(true);

  out.write(`Hale API server listening on ${url}\n`);
  out.write(`Kubeconfig written to ${kubeconfigPath}\n`);
  out.write(`  export KUBECONFIG=${kubeconfigPath}\n`);
  out.write(
    `Agents join with: hale agent --server ${url} --token $(cat ${join(dataDir, 'agent-token')}) --ca-file ${join(dataDir, 'tls', 'ca.crt')}\n`,
  );
  out.write(`Logs: this process's stderr (structured JSON); container logs under ${join(dataDir, 'agent', 'pods')}\n`);

  return {
    url,
    port: address.port,
    kubeconfigPath,
    adminToken: creds.adminToken,
    store,
    api,
    async stop() {
      clearInterval(systemNamespacesTimer);
      await agent?.stop();
      await dns?.stop();
      await controllers.stop();
      compactor.stop();
      serviceAllocation.stop();
      await api.close();
      await store.close();
    },
  };
}

async function listenForInProcessClients(api: ApiServer, path: string, logger: Logger): Promise<string | undefined> {
  try {
    await api.listenUnixSocket(path);
    return path;
  } catch (err) {
    logger.warn({ err, path }, 'in-process clients use the TCP port: cannot listen on the Unix socket');
    return undefined;
  }
}

/**
 * Serving certificates made before they carried the in-cluster names (kubernetes.default.svc,
 * the kubernetes Service's IP) fail in-cluster clients' verification. The CA's key is not
 * kept, so the certificate cannot be reissued in place: say so once at start.
 */
function warnIfCertLacksInClusterNames(certPem: string, logger: Logger): void {
  if (new X509Certificate(certPem).subjectAltName?.includes('DNS:kubernetes.default.svc')) return;
  logger.warn(
    'the serving certificate lacks the in-cluster names (kubernetes.default.svc, the kubernetes Service IP): pods that verify the API server with their mounted ca.crt will fail; a new data directory gets a certificate with them',
  );
}

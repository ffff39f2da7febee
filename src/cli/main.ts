// The `hale` command.
import { Command } from 'commander';
import { DEFAULT_CLUSTER_DOMAIN } from '../api/cluster-network.ts';
import { DEFAULT_DNS_LISTEN } from '../dns/start-cluster-dns.ts';
import { startServer } from '../server/start-server.ts';
import { runAgentCommand } from './agent-command.ts';
import {
  addAgentFailoverFlags,
  addServerFailoverFlags,
  agentFailoverOptions,
  fencingTimeoutProblem,
  leaseTimingProblem,
  serverFailoverOptions,
} from './failover-flags.ts';
import {
  clusterCidr,
  ipv4Address,
  kubectlStyleFlagError,
  logLevel,
  networkMode,
  podMaxPids,
  port,
  proxyMode,
  serverUrl,
} from './flag-values.ts';

// Set before the commands are added: they inherit it.
const program = new Command('hale')
  .description('A Kubernetes-compatible orchestrator for failover and self-healing')
  .configureOutput({ outputError: (message, write) => write(kubectlStyleFlagError(message)) })
  .showHelpAfterError();

/** Stops on lease timing or a --fencing-timeout the agent cannot work with, warns about a risky one. */
function checkFailoverTiming(failover: ReturnType<typeof agentFailoverOptions>): void {
  const leaseError = leaseTimingProblem(failover);
  if (leaseError) throw new Error(leaseError);
  const { error, warning } = fencingTimeoutProblem(failover);
  if (error) throw new Error(error);
  if (warning) process.stderr.write(`Warning: ${warning}\n`);
}

program
  .command('server')
  .description('run the control plane (API server, controllers) and, unless disabled, a node agent')
  .option('--data-dir <dir>', 'where state, credentials and the kubeconfig live', `${process.env.HOME ?? '.'}/.hale`)
  .option('--port <n>', 'HTTPS port of the API server (0 picks a free one)', port, 6443)
  .option('--bind <addr>', 'address the API server listens on', '0.0.0.0')
  .option('--disable-agent', 'do not run a node agent in this process')
  .option('--node-name <name>', 'name of this node (default: the host name)')
  .option('--datastore-endpoint <url>', 'sqlite://PATH (default), memory://, or etcd://HOST:PORT[,…]')
  .option('--token <token>', 'the secret agents use to join (default: generated, in DATA_DIR/agent-token)')
  .option('--insecure-http', 'serve plain HTTP instead of HTTPS (development only)')
  .option('--agent-port <n>', "port of the embedded agent's server (0 picks a free one)", port, 0)
  .option(
    '--pod-cidr <cidr>',
    'host network mode: loopback range for pod IPs, inside 127.0.0.0/8 (default: a /24 derived from the data dir)',
  )
  .option('--network-mode <mode>', 'pod network: auto (isolated when root on Linux and `ip` works), isolated, host', networkMode, 'auto')
  .option('--cluster-cidr <cidr>', 'pod addresses in isolated mode; each node gets a /24 of it', clusterCidr, '10.42.0.0/16')
  .option('--service-cidr <cidr>', 'range Service ClusterIPs are allocated from', '10.43.0.0/16')
  .option('--service-node-port-range <range>', 'range NodePort and LoadBalancer Services get node ports from', '30000-32767')
  .option('--proxy-mode <mode>', 'service proxy: auto (= userspace, see docs/services.md), userspace, nftables', proxyMode, 'auto')
  .option(
    '--cluster-dns <ip>',
    'ClusterIP of the cluster DNS Service kube-system/kube-dns (default: the 10th address of --service-cidr)',
    ipv4Address,
  )
  .option('--cluster-domain <domain>', 'the domain the cluster DNS serves (Services: NAME.NAMESPACE.svc.DOMAIN)', DEFAULT_CLUSTER_DOMAIN)
  .option(
    '--cluster-dns-listen <ip:port>',
    'where the cluster DNS server listens (port 53 taken → a free port; see docs/services.md)',
    DEFAULT_DNS_LISTEN,
  )
  .option('--disable-cluster-dns', 'do not run the cluster DNS server')
  .option(
    '--pod-max-pids <n>',
    'the most processes one pod may run, its containers and execs together (pids cgroup; -1: no limit)',
    podMaxPids,
    -1,
  )
  .option('--log-level <level>', 'log level: debug, info, warn, error', logLevel, 'info')
  .action(async (opts) => {
    if (!opts.disableAgent) checkFailoverTiming(agentFailoverOptions(opts));
    const server = await startServer({
      serviceCidr: opts.serviceCidr,
      proxyMode: opts.proxyMode,
      serviceNodePortRange: opts.serviceNodePortRange,
      dataDir: opts.dataDir,
      port: opts.port,
      bind: opts.bind,
      disableAgent: Boolean(opts.disableAgent),
      nodeName: opts.nodeName,
      datastoreEndpoint: opts.datastoreEndpoint,
      agentToken: opts.token,
      insecureHttp: Boolean(opts.insecureHttp),
      logLevel: opts.logLevel,
      agentPort: opts.agentPort,
      podCidr: opts.podCidr,
      clusterCidr: opts.clusterCidr,
      networkMode: opts.networkMode,
      failover: serverFailoverOptions(opts),
      clusterDns: opts.clusterDns,
      clusterDomain: opts.clusterDomain,
      clusterDnsListen: opts.clusterDnsListen,
      disableClusterDns: Boolean(opts.disableClusterDns),
      podPidsLimit: opts.podMaxPids,
    });
    const stop = async (signal: string) => {
      process.stdout.write(`received ${signal}, shutting down\n`);
      await server.stop();
      process.exit(0);
    };
    process.once('SIGINT', () => void stop('SIGINT'));
    process.once('SIGTERM', () => void stop('SIGTERM'));
  });

program
  .command('agent')
  .description('run a node agent that joins an existing cluster')
  .requiredOption('--server <url>', 'the API server URL, e.g. https://10.0.0.1:6443', serverUrl)
  .requiredOption('--token <token>', "the cluster's agent join token (DATA_DIR/agent-token on the server)")
  .option('--ca-file <path>', 'the cluster CA certificate (DATA_DIR/tls/ca.crt on the server)')
  .option('--node-name <name>', 'name of this node (default: the host name)')
  .option('--data-dir <dir>', 'where runtime state and container logs live', `${process.env.HOME ?? '.'}/.hale-agent`)
  .option('--agent-port <n>', 'port of the agent server the API server connects to (0 picks a free one)', port, 10250)
  .option('--proxy-mode <mode>', 'service proxy: auto (= userspace, see docs/services.md), userspace, nftables', proxyMode, 'auto')
  .option(
    '--cluster-dns <ip>',
    "the cluster DNS Service's IP written into pods' resolv.conf (default: the 10th address of --service-cidr)",
    ipv4Address,
  )
  .option('--cluster-domain <domain>', "the cluster DNS domain, for pods' search path", DEFAULT_CLUSTER_DOMAIN)
  .option('--service-cidr <cidr>', "the cluster's Service ClusterIP range, routed to this host's loopback", '10.43.0.0/16')
  .option(
    '--pod-cidr <cidr>',
    'host network mode: loopback range for pod IPs, inside 127.0.0.0/8 (default: a /24 derived from the data dir)',
  )
  .option('--network-mode <mode>', 'pod network: auto (isolated when root on Linux and `ip` works), isolated, host', networkMode, 'auto')
  .option('--cluster-cidr <cidr>', 'pod addresses in isolated mode; each node gets a /24 of it', clusterCidr, '10.42.0.0/16')
  .option(
    '--pod-max-pids <n>',
    'the most processes one pod may run, its containers and execs together (pids cgroup; -1: no limit)',
    podMaxPids,
    -1,
  )
  .option('--log-level <level>', 'log level: debug, info, warn, error', logLevel, 'info')
  .action(async (opts) => {
    const failover = agentFailoverOptions(opts);
    checkFailoverTiming(failover);
    const stopAgent = await runAgentCommand({
      server: opts.server,
      token: opts.token,
      caFile: opts.caFile,
      nodeName: opts.nodeName,
      dataDir: opts.dataDir,
      agentPort: opts.agentPort,
      podCidr: opts.podCidr,
      clusterCidr: opts.clusterCidr,
      networkMode: opts.networkMode,
      logLevel: opts.logLevel,
      proxyMode: opts.proxyMode,
      serviceCidr: opts.serviceCidr,
      failover,
      clusterDns: opts.clusterDns,
      clusterDomain: opts.clusterDomain,
      podPidsLimit: opts.podMaxPids,
    });
    const stop = async () => {
      await stopAgent();
      process.exit(0);
    };
    process.once('SIGINT', () => void stop());
    process.once('SIGTERM', () => void stop());
  });

// Failover flags (docs/failover.md), defined in failover-flags.ts.
addServerFailoverFlags(program.commands.find((c) => c.name() === 'server')!);
addAgentFailoverFlags(program.commands.find((c) => c.name() === 'agent')!);

program.parseAsync(process.argv).catch((err) => {
  process.stderr.write(`error: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});

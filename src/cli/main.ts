// The `hale` command.
import { Command, InvalidArgumentError } from 'commander';
import { startServer } from '../server/start-server.ts';
import { runAgentCommand } from './agent-command.ts';

function port(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError('must be a port number from 0 to 65535');
  return n;
}

const program = new Command('hale').description('A Kubernetes-compatible orchestrator for failover and self-healing').showHelpAfterError();

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
  .option('--pod-cidr <cidr>', 'loopback range for pod IPs, inside 127.0.0.0/8 (default: a /24 derived from the data dir)')
  .option('--log-level <level>', 'log level: debug, info, warn, error', 'info')
  .action(async (opts) => {
    const server = await startServer({
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
  .requiredOption('--server <url>', 'the API server URL, e.g. https://10.0.0.1:6443')
  .requiredOption('--token <token>', "the cluster's agent join token (DATA_DIR/agent-token on the server)")
  .option('--ca-file <path>', 'the cluster CA certificate (DATA_DIR/tls/ca.crt on the server)')
  .option('--node-name <name>', 'name of this node (default: the host name)')
  .option('--data-dir <dir>', 'where runtime state and container logs live', `${process.env.HOME ?? '.'}/.hale-agent`)
  .option('--agent-port <n>', 'port of the agent server the API server connects to (0 picks a free one)', port, 10250)
  .option('--pod-cidr <cidr>', 'loopback range for pod IPs, inside 127.0.0.0/8 (default: a /24 derived from the data dir)')
  .option('--log-level <level>', 'log level: debug, info, warn, error', 'info')
  .action(async (opts) => {
    const stopAgent = await runAgentCommand({
      server: opts.server,
      token: opts.token,
      caFile: opts.caFile,
      nodeName: opts.nodeName,
      dataDir: opts.dataDir,
      agentPort: opts.agentPort,
      podCidr: opts.podCidr,
      logLevel: opts.logLevel,
    });
    const stop = async () => {
      await stopAgent();
      process.exit(0);
    };
    process.once('SIGINT', () => void stop());
    process.once('SIGTERM', () => void stop());
  });

program.parseAsync(process.argv).catch((err) => {
  process.stderr.write(`error: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});

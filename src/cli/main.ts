// The `hale` command.
import { Command, InvalidArgumentError } from 'commander';
import { startServer } from '../server/start-server.ts';

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
    });
    const stop = async (signal: string) => {
      process.stdout.write(`received ${signal}, shutting down\n`);
      await server.stop();
      process.exit(0);
    };
    process.once('SIGINT', () => void stop('SIGINT'));
    process.once('SIGTERM', () => void stop('SIGTERM'));
  });

program.parseAsync(process.argv).catch((err) => {
  process.stderr.write(`error: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});

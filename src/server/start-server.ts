// Assembles `hale server`: store → API server → bootstrap → controllers, and writes the
// kubeconfig. Everything but the API server talks to it through the client, as remote
// components would.
import { mkdirSync } from 'node:fs';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { pino } from 'pino';
import { type RunningNodeAgent, runNodeAgent } from '../agent/run-node-agent.ts';
import { builtinResources } from '../api/resources.ts';
import { TokenAuthenticator } from '../apiserver/auth.ts';
import { ensureCredentials } from '../apiserver/credentials.ts';
import { ApiServer } from '../apiserver/server.ts';
import { writeKubeconfig } from '../cli/kubeconfig-file.ts';
import { RestClient } from '../client/rest-client.ts';
import { Compactor } from '../storage/compactor.ts';
import { openStore } from '../storage/open-store.ts';
import type { Store } from '../storage/store.ts';
import { ensureSystemNamespaces } from './bootstrap.ts';
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
  logLevel?: string;
  /** Write startup lines here (default: process.stdout). */
  out?: NodeJS.WritableStream;
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

export async function startServer(opts: ServerOptions): Promise<RunningServer> {
  const out = opts.out ?? process.stdout;
  const dataDir = resolve(opts.dataDir);
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const logger = pino({ level: opts.logLevel ?? 'info', base: { component: 'apiserver' } }, pino.destination(2));

  const store = await openStore(opts.datastoreEndpoint, dataDir);
  const creds = await ensureCredentials(dataDir);
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
  });
  const address = await api.listen(opts.port, opts.bind);
  const scheme = opts.insecureHttp ? 'http' : 'https';
  const host = opts.bind === '0.0.0.0' || opts.bind === '::' ? '127.0.0.1' : opts.bind;
  const url = `${scheme}://${host.includes(':') ? `[${host}]` : host}:${address.port}`;

  await ensureSystemNamespaces(api.registry);
  const compactor = new Compactor(store);
  compactor.start();

  const kubeconfigPath = join(dataDir, 'kubeconfig.yaml');
  writeKubeconfig(kubeconfigPath, url, opts.insecureHttp ? undefined : creds.caPem, creds.adminToken);

  const client = new RestClient(
    { server: url, caPem: opts.insecureHttp ? undefined : creds.caPem, token: creds.adminToken },
    { userAgent: 'hale-controller-manager' },
  );
  const controllers = await startControllers(client, logger.child({ component: 'controller-manager' }));
  let agent: RunningNodeAgent | undefined;
  if (!opts.disableAgent) {
    const agentClient = new RestClient(
      { server: url, caPem: opts.insecureHttp ? undefined : creds.caPem, token: agentToken },
      { userAgent: 'hale-agent' },
    );
    agent = await runNodeAgent({
      client: agentClient,
      nodeName: opts.nodeName ?? hostname().toLowerCase(),
      dataDir: join(dataDir, 'agent'),
      agentToken,
      agentPort: opts.agentPort ?? 0,
      podCidr: opts.podCidr,
      logger: logger.child({ component: 'agent' }),
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
      await agent?.stop();
      await controllers.stop();
      compactor.stop();
      await api.close();
      await store.close();
    },
  };
}

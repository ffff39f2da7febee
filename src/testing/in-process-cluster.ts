// A real API server in this process (memory store, plain HTTP on loopback) and a client for
// it: the cheapest faithful environment for controller, scheduler and agent tests.
import { generateKeyPairSync } from 'node:crypto';
import { type Logger, pino } from 'pino';
import type { KubeObject } from '../api/resource-type.ts';
import { builtinResources } from '../api/resources.ts';
import { TokenAuthenticator } from '../apiserver/auth.ts';
import { ApiServer } from '../apiserver/server.ts';
import { defaultIssuer } from '../apiserver/service-account-tokens.ts';
import { isNotFound } from '../client/api-error.ts';
import type { ResourceDescriptor } from '../client/resource-path.ts';
import { resources } from '../client/resources.ts';
import { RestClient } from '../client/rest-client.ts';
import { ensureSystemNamespaces } from '../server/bootstrap.ts';
import { MemoryStore } from '../storage/memory/memory-store.ts';

export interface InProcessCluster {
  url: string;
  token: string;
  api: ApiServer;
  store: MemoryStore;
  client: RestClient;
  logger: Logger;
  /** GET that returns undefined on 404. */
  tryGet(res: ResourceDescriptor, namespace: string | undefined, name: string): Promise<KubeObject | undefined>;
  createNamespace(name: string): Promise<void>;
  stop(): Promise<void>;
}

export async function startInProcessCluster(): Promise<InProcessCluster> {
  const logger: Logger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
  const token = 'test-token';
  const authenticator = new TokenAuthenticator();
  authenticator.add(token, { name: 'system:admin', groups: ['system:masters'] });
  const store = new MemoryStore();
  // Service account tokens work as in `hale server`, signed with a throwaway key.
  const serviceAccountKey = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' });
  const api = new ApiServer({
    store,
    resources: builtinResources,
    authenticator,
    logger,
    serviceAccounts: { keyPem: String(serviceAccountKey), issuer: defaultIssuer('cluster.local') },
  });
  const address = await api.listen(0, '127.0.0.1');
  await ensureSystemNamespaces(api.registry);
  api.setReady(true);
  const url = `http://127.0.0.1:${address.port}`;
  const client = new RestClient({ server: url, token });
  return {
    url,
    token,
    api,
    store,
    client,
    logger,
    async tryGet(res, namespace, name) {
      try {
        return await client.get(res, namespace, name);
      } catch (err) {
        if (isNotFound(err)) return undefined;
        throw err;
      }
    },
    async createNamespace(name) {
      await client.create(resources.namespaces, undefined, { metadata: { name } });
    },
    async stop() {
      client.close();
      await api.close();
      await store.close();
    },
  };
}

/** Poll until `probe` returns a value other than undefined/false, or fail after `limitMs`. */
export async function eventually<T>(what: string, probe: () => Promise<T | undefined | false>, limitMs = 10_000): Promise<T> {
  const started = Date.now();
  let lastError: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined && value !== false) return value;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() - started > limitMs) {
      throw new Error(`timed out waiting for ${what}${lastError ? ` (last error: ${String(lastError)})` : ''}`);
    }
    await new Promise((r) => setTimeout(r, 20));
  }
}

// Objects every cluster starts with: the system namespaces.
import type { ApiRegistry } from '../apiserver/api-registry.ts';
import { StatusError } from '../apiserver/errors.ts';

export const systemNamespaces = ['default', 'kube-system', 'kube-public', 'kube-node-lease'];

export async function ensureSystemNamespaces(registry: ApiRegistry): Promise<void> {
  const namespaces = registry.lookup('', 'v1', 'namespaces');
  if (!namespaces) throw new Error('the namespaces resource is not registered');
  for (const name of systemNamespaces) {
    try {
      await namespaces.create(undefined, { metadata: { name } });
    } catch (err) {
      if (!(err instanceof StatusError && err.reason === 'AlreadyExists')) throw err;
    }
  }
}

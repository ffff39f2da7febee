// Objects every cluster starts with: the system namespaces, and a default StorageClass.
import type { ApiRegistry } from '../apiserver/api-registry.ts';
import { StatusError } from '../apiserver/errors.ts';
import { localPathStorageClass } from '../controllers/persistentvolume/local-path-volume.ts';

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

/**
 * A cluster without any StorageClass gets `local-path` (Hale's node-local provisioner), marked
 * default, as k3s does: claims then just work. A cluster that has classes is left alone, so a
 * class of the user's own stays the only default.
 */
export async function ensureDefaultStorageClass(registry: ApiRegistry): Promise<void> {
  const classes = registry.lookup('storage.k8s.io', 'v1', 'storageclasses');
  if (!classes) throw new Error('the storageclasses resource is not registered');
  if ((await classes.list({ limit: 1 })).items.length > 0) return;
  try {
    await classes.create(undefined, localPathStorageClass());
  } catch (err) {
    if (!(err instanceof StatusError && err.reason === 'AlreadyExists')) throw err;
  }
}

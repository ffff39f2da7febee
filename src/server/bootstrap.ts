// Objects every cluster starts with: the system namespaces, a default StorageClass and the
// cluster-admin role.
import type { ApiRegistry } from '../apiserver/api-registry.ts';
import { StatusError } from '../apiserver/errors.ts';
import { localPathStorageClass } from '../controllers/persistentvolume/local-path-volume.ts';

export const systemNamespaces = ['default', 'kube-system', 'kube-public', 'kube-node-lease'];

export async function ensureSystemNamespaces(registry: ApiRegistry): Promise<void> {
  const namespaces = registry.lookup('', 'v1', 'namespaces');
  if (!namespaces) throw new Error('the namespaces resource is not registered');
  for (const name of systemNamespaces) {
    if (await namespaces.tryGet(undefined, name)) continue;
    await createUnlessExists(() => namespaces.create(undefined, { metadata: { name } }));
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
  await createUnlessExists(() => classes.create(undefined, localPathStorageClass()));
}

const bootstrapMeta = (name: string) => ({
  name,
  labels: { 'kubernetes.io/bootstrapping': 'rbac-defaults' },
  annotations: { 'rbac.authorization.kubernetes.io/autoupdate': 'true' },
});

/**
 * Kubernetes' `cluster-admin` ClusterRole and its binding to `system:masters` (the admin
 * token's group), recreated at start when missing, as kube-apiserver's bootstrap policy does.
 * Hale does not enforce RBAC; these exist because manifests and users refer to them.
 */
export async function ensureBootstrapRbac(registry: ApiRegistry): Promise<void> {
  const clusterRoles = registry.lookup('rbac.authorization.k8s.io', 'v1', 'clusterroles');
  const bindings = registry.lookup('rbac.authorization.k8s.io', 'v1', 'clusterrolebindings');
  if (!clusterRoles || !bindings) throw new Error('the RBAC resources are not registered');
  await createUnlessExists(() =>
    clusterRoles.create(undefined, {
      metadata: bootstrapMeta('cluster-admin'),
      rules: [
        { apiGroups: ['*'], resources: ['*'], verbs: ['*'] },
        { nonResourceURLs: ['*'], verbs: ['*'] },
      ],
    }),
  );
  await createUnlessExists(() =>
    bindings.create(undefined, {
      metadata: bootstrapMeta('cluster-admin'),
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' },
      subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: 'system:masters' }],
    }),
  );
}

async function createUnlessExists(create: () => Promise<unknown>): Promise<void> {
  try {
    await create();
  } catch (err) {
    if (!(err instanceof StatusError && err.reason === 'AlreadyExists')) throw err;
  }
}

// Kubernetes' NamespaceLifecycle admission: no new content in a missing or terminating
// namespace, and the namespaces the cluster itself lives in may not be deleted.
import type { KubeObject, ResourceType } from '../api/resource-type.ts';
import type { ApiRegistry } from './api-registry.ts';
import { forbidden, notFound, qualifiedResource } from './errors.ts';

/** Kubernetes' immortal namespaces (kube-node-lease is not one of them). */
const IMMORTAL_NAMESPACES = new Set(['default', 'kube-system', 'kube-public']);

export class NamespaceLifecycle {
  constructor(private readonly registry: ApiRegistry) {}

  /** Refuses creating `obj` (of kind `rt`) in `namespace` unless the namespace exists and is not terminating. */
  async admitCreate(rt: ResourceType, namespace: string, obj: KubeObject): Promise<void> {
    const namespaces = this.registry.lookup('', 'v1', 'namespaces');
    if (!namespaces) return;
    const ns = await namespaces.tryGet(undefined, namespace);
    if (!ns) throw notFound('', 'namespaces', namespace);
    if (ns.metadata?.deletionTimestamp || ns.status?.phase === 'Terminating') {
      // Named after the object being created, as admission.NewForbidden does ("Unknown" without a name).
      const name = obj.metadata?.name || obj.metadata?.generateName || 'Unknown';
      throw forbidden(
        `${qualifiedResource(rt.group, rt.plural)} "${name}" is forbidden: unable to create new content in namespace ${namespace} because it is being terminated`,
        {
          name,
          group: rt.group || undefined,
          kind: rt.plural,
          causes: [{ reason: 'NamespaceTerminating', message: `namespace ${namespace} is being terminated`, field: 'metadata.namespace' }],
        },
      );
    }
  }

  /** Refuses deleting default, kube-system and kube-public (dry runs too: admission runs before them). */
  admitDelete(rt: ResourceType, name: string): void {
    if (rt.group !== '' || rt.kind !== 'Namespace' || !IMMORTAL_NAMESPACES.has(name)) return;
    throw forbidden(`namespaces "${name}" is forbidden: this namespace may not be deleted`, { name, kind: 'namespaces' });
  }
}

// Two of Kubernetes' default admission plugins for storage, on create:
// - DefaultStorageClass: a claim that does not name a class (storageClassName unset, not "")
//   gets the default StorageClass, the newest when several are marked default;
// - StorageObjectInUseProtection: claims get the kubernetes.io/pvc-protection finalizer and
//   volumes kubernetes.io/pv-protection, which controllers/persistentvolume/
//   protection-controller.ts removes once nothing uses them.

import { PV_PROTECTION_FINALIZER } from '../../api/kinds/core/persistentvolume.ts';
import { PVC_PROTECTION_FINALIZER } from '../../api/kinds/core/persistentvolumeclaim.ts';
import { isDefaultStorageClass } from '../../api/kinds/storage/storageclass.ts';
import type { KubeObject, ResourceType } from '../../api/resource-type.ts';
import type { ApiRegistry } from '../api-registry.ts';

function addFinalizer(obj: KubeObject, finalizer: string): void {
  obj.metadata ??= {};
  const finalizers: string[] = Array.isArray(obj.metadata.finalizers) ? obj.metadata.finalizers : [];
  if (!finalizers.includes(finalizer)) obj.metadata.finalizers = [...finalizers, finalizer];
}

async function defaultClassName(registry: ApiRegistry): Promise<string | undefined> {
  const classes = registry.lookup('storage.k8s.io', 'v1', 'storageclasses');
  if (!classes) return undefined;
  const defaults = (await classes.list({})).items.filter(isDefaultStorageClass);
  const created = (c: KubeObject) => String(c.metadata?.creationTimestamp ?? '');
  defaults.sort((a, b) => created(b).localeCompare(created(a)) || String(a.metadata?.name).localeCompare(String(b.metadata?.name)));
  return defaults[0]?.metadata?.name;
}

export function storageAdmission(registry: ApiRegistry) {
  return async (rt: ResourceType, obj: KubeObject): Promise<void> => {
    if (rt.group !== '') return;
    if (rt.plural === 'persistentvolumes') addFinalizer(obj, PV_PROTECTION_FINALIZER);
    if (rt.plural !== 'persistentvolumeclaims') return;
    addFinalizer(obj, PVC_PROTECTION_FINALIZER);
    obj.spec ??= {};
    if (obj.spec.storageClassName == null) {
      const name = await defaultClassName(registry);
      if (name) obj.spec.storageClassName = name;
    }
  };
}

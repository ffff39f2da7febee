// Two of Kubernetes' default admission plugins for storage, on create:
// - DefaultStorageClass: a claim that does not name a class (storageClassName unset, not "")
//   gets the default StorageClass, the newest when several are marked default;
// - StorageObjectInUseProtection: claims get the kubernetes.io/pvc-protection finalizer and
//   volumes kubernetes.io/pv-protection, which controllers/persistentvolume/
//   protection-controller.ts removes once nothing uses them.
// And one on update, PersistentVolumeClaimResize (claimResizeAdmission).

import { PV_PROTECTION_FINALIZER } from '../../api/kinds/core/persistentvolume.ts';
import { PVC_PROTECTION_FINALIZER } from '../../api/kinds/core/persistentvolumeclaim.ts';
import { claimClassName } from '../../api/kinds/core/volume-claims.ts';
import { isDefaultStorageClass } from '../../api/kinds/storage/storageclass.ts';
import { parseQuantity } from '../../api/quantity.ts';
import type { KubeObject, ResourceType } from '../../api/resource-type.ts';
import type { ApiRegistry } from '../api-registry.ts';
import { forbidden } from '../errors.ts';
import type { ResourceWriteHooks, WriteHookTransaction } from '../storage/write-hooks.ts';

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

const nothingToUndo: WriteHookTransaction = { commit: async () => {}, revert: async () => {} };

function storageRequest(claim: KubeObject) {
  try {
    return parseQuantity(claim.spec?.resources?.requests?.storage ?? '0');
  } catch {
    return parseQuantity('0');
  }
}

/**
 * PersistentVolumeClaimResize: a claim's storage request may grow only when the claim is bound
 * and its StorageClass sets allowVolumeExpansion. Installed as the claims' write hook, so it
 * runs after validation, where Kubernetes runs validating admission.
 */
export function claimResizeAdmission(registry: ApiRegistry): ResourceWriteHooks {
  const refuse = (claim: KubeObject, why: string) =>
    forbidden(`persistentvolumeclaims "${claim.metadata?.name}" is forbidden: ${why}`, {
      name: claim.metadata?.name,
      kind: 'persistentvolumeclaims',
    });
  const classAllowsExpansion = async (className: string): Promise<boolean> => {
    const classes = registry.lookup('storage.k8s.io', 'v1', 'storageclasses');
    return className !== '' && (await classes?.tryGet(undefined, className))?.allowVolumeExpansion === true;
  };
  return {
    async beforeWrite(old, next) {
      if (!old || storageRequest(next).cmp(storageRequest(old)) <= 0) return nothingToUndo;
      if (old.status?.phase !== 'Bound') throw refuse(next, 'Only bound persistent volume claims can be expanded');
      const className = claimClassName(next);
      if (className !== claimClassName(old) || !(await classAllowsExpansion(className))) {
        throw refuse(
          next,
          'only dynamically provisioned pvc can be resized and the storageclass that provisions the pvc must support resize',
        );
      }
      return nothingToUndo;
    },
    async afterDelete() {},
  };
}

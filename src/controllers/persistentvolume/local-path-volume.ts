// Hale's built-in dynamic provisioner, in the spirit of k3s' local-path: a claim of a class
// whose provisioner is LOCAL_PATH_PROVISIONER gets a hostPath PersistentVolume in a directory
// of the node its first pod was scheduled to, with node affinity to that node. The agent
// publishes where that directory is on its Node; it creates the volume's directory when a pod
// mounts it and removes it when the PV is deleted (agent/volumes/local-path-cleanup.ts).
import path from 'node:path';
import type { KubeObject } from '../../api/resource-type.ts';

export const LOCAL_PATH_PROVISIONER = 'hale.dev/local-path';
/** The default StorageClass `hale server` creates (k3s names its own "local-path" too). */
export const LOCAL_PATH_CLASS = 'local-path';
/** On a Node: the directory its agent keeps local-path volumes in. */
export const LOCAL_VOLUME_DIR_ANNOTATION = 'hale.dev/local-volume-dir';
/** external-provisioner's finalizer: the PV object stays until its storage has been removed. */
export const PROVISIONER_FINALIZER = 'external-provisioner.volume.kubernetes.io/finalizer';
export const PROVISIONED_BY_ANNOTATION = 'pv.kubernetes.io/provisioned-by';

/** The StorageClass `hale server` creates when the cluster has none of that name. */
export function localPathStorageClass(): KubeObject {
  return {
    apiVersion: 'storage.k8s.io/v1',
    kind: 'StorageClass',
    metadata: { name: LOCAL_PATH_CLASS, annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' } },
    provisioner: LOCAL_PATH_PROVISIONER,
    reclaimPolicy: 'Delete',
    // The volume lives on one node: it is made where the first pod that uses it was scheduled.
    volumeBindingMode: 'WaitForFirstConsumer',
  };
}

/** The provisioned volume's name, as Kubernetes names dynamically provisioned volumes. */
export const provisionedVolumeName = (claim: KubeObject): string => `pvc-${claim.metadata?.uid}`;

/** The PV for `claim` on `node`, pre-bound to the claim; undefined when the node does not say where its volumes go. */
export function localPathVolume(claim: KubeObject, storageClass: KubeObject, node: KubeObject): KubeObject | undefined {
  const dir: string | undefined = node.metadata?.annotations?.[LOCAL_VOLUME_DIR_ANNOTATION];
  if (!dir || !path.isAbsolute(dir)) return undefined;
  const meta = claim.metadata ?? {};
  const name = provisionedVolumeName(claim);
  const nodeName: string = node.metadata?.name ?? '';
  const hostname: string | undefined = node.metadata?.labels?.['kubernetes.io/hostname'];
  const nodeTerm = hostname
    ? { matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: [hostname] }] }
    : { matchFields: [{ key: 'metadata.name', operator: 'In', values: [nodeName] }] };
  return {
    apiVersion: 'v1',
    kind: 'PersistentVolume',
    metadata: {
      name,
      annotations: { [PROVISIONED_BY_ANNOTATION]: LOCAL_PATH_PROVISIONER },
      finalizers: [PROVISIONER_FINALIZER],
    },
    spec: {
      capacity: { storage: claim.spec?.resources?.requests?.storage },
      accessModes: claim.spec?.accessModes,
      volumeMode: claim.spec?.volumeMode ?? 'Filesystem',
      persistentVolumeReclaimPolicy: storageClass.reclaimPolicy ?? 'Delete',
      storageClassName: storageClass.metadata?.name,
      // local-path's directory name: the volume, then whose claim it was.
      hostPath: { path: path.join(dir, `${name}_${meta.namespace}_${meta.name}`), type: 'DirectoryOrCreate' },
      nodeAffinity: { required: { nodeSelectorTerms: [nodeTerm] } },
      claimRef: {
        kind: 'PersistentVolumeClaim',
        apiVersion: 'v1',
        namespace: meta.namespace,
        name: meta.name,
        uid: meta.uid,
        resourceVersion: meta.resourceVersion,
      },
    },
  };
}

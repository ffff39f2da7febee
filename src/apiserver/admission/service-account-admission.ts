// Kubernetes' ServiceAccount admission plugin, on pod create: a pod without a service account
// runs as `default`; the service account must exist (for `default`, which the namespace-defaults
// controller creates, the lookup is retried for about a second, as kube-apiserver does); a pod
// without imagePullSecrets gets the account's; and
// unless the pod or its service account opt out with automountServiceAccountToken: false, the
// pod gets the `kube-api-access-*` projected volume (a token, the cluster CA, the namespace)
// mounted read-only at /var/run/secrets/kubernetes.io/serviceaccount in every container.
import { randomInt } from 'node:crypto';
import { DEFAULT_SERVICE_ACCOUNT, ROOT_CA_CONFIG_MAP, ROOT_CA_KEY } from '../../api/kinds/core/serviceaccount.ts';
import type { KubeObject, ResourceType } from '../../api/resource-type.ts';
import type { ApiRegistry } from '../api-registry.ts';
import { forbidden } from '../errors.ts';

export const SERVICE_ACCOUNT_MOUNT_PATH = '/var/run/secrets/kubernetes.io/serviceaccount';
/** The kubelet's token lifetime for these volumes (an hour and a bit, to tell it apart). */
const TOKEN_EXPIRATION_SECONDS = 3607;
const VOLUME_PREFIX = 'kube-api-access-';
const DEFAULT_LOOKUP_ATTEMPTS = 10;
const LOOKUP_RETRY_MS = 150;
/** utilrand.String's alphabet: no vowels, no look-alikes. */
const SUFFIX_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

const randomSuffix = (length: number): string => Array.from({ length }, () => SUFFIX_ALPHABET[randomInt(SUFFIX_ALPHABET.length)]).join('');

/** The projected volume the kubelet fills with a bound token, the CA bundle and the namespace. */
export function apiAccessVolume(name: string): KubeObject {
  return {
    name,
    projected: {
      defaultMode: 0o644,
      sources: [
        { serviceAccountToken: { expirationSeconds: TOKEN_EXPIRATION_SECONDS, path: 'token' } },
        { configMap: { name: ROOT_CA_CONFIG_MAP, items: [{ key: ROOT_CA_KEY, path: ROOT_CA_KEY }] } },
        { downwardAPI: { items: [{ path: 'namespace', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } }] } },
      ],
    },
  };
}

async function findServiceAccount(registry: ApiRegistry, namespace: string, name: string): Promise<KubeObject | undefined> {
  const serviceAccounts = registry.lookup('', 'v1', 'serviceaccounts');
  if (!serviceAccounts) return undefined;
  const attempts = name === DEFAULT_SERVICE_ACCOUNT ? DEFAULT_LOOKUP_ATTEMPTS : 1;
  for (let i = 0; i < attempts; i++) {
    if (i > 0) await new Promise((r) => setTimeout(r, LOOKUP_RETRY_MS));
    const sa = await serviceAccounts.tryGet(namespace, name);
    if (sa) return sa;
  }
  return undefined;
}

function mountIntoContainers(spec: KubeObject, volumeName: string): void {
  for (const list of [spec.initContainers, spec.containers]) {
    for (const container of Array.isArray(list) ? list : []) {
      const mounts: KubeObject[] = Array.isArray(container.volumeMounts) ? container.volumeMounts : [];
      // A container that mounts something of its own there keeps it.
      if (mounts.some((m) => m?.mountPath === SERVICE_ACCOUNT_MOUNT_PATH)) continue;
      container.volumeMounts = [...mounts, { name: volumeName, readOnly: true, mountPath: SERVICE_ACCOUNT_MOUNT_PATH }];
    }
  }
}

export function serviceAccountAdmission(registry: ApiRegistry) {
  return async (rt: ResourceType, pod: KubeObject, namespace?: string): Promise<void> => {
    if (rt.group !== '' || rt.plural !== 'pods' || !namespace) return;
    // Mirror pods (static pods) are the kubelet's and never carry a service account.
    if (pod.metadata?.annotations?.['kubernetes.io/config.mirror']) return;
    pod.spec ??= {};
    const spec = pod.spec;
    const name: string = spec.serviceAccountName || spec.serviceAccount || DEFAULT_SERVICE_ACCOUNT;
    spec.serviceAccountName = name;
    spec.serviceAccount = name;
    const sa = await findServiceAccount(registry, namespace, name);
    if (!sa) {
      // Admission runs before a generateName is turned into a name: Kubernetes then names the prefix.
      const podName: string = pod.metadata?.name || pod.metadata?.generateName || 'Unknown';
      throw forbidden(
        `pods "${podName}" is forbidden: error looking up service account ${namespace}/${name}: serviceaccount "${name}" not found`,
        { name: podName, kind: 'pods' },
      );
    }
    // A pod without pull secrets of its own gets its account's.
    const accountSecrets: KubeObject[] = Array.isArray(sa.imagePullSecrets) ? sa.imagePullSecrets : [];
    const ownSecrets: unknown[] = Array.isArray(spec.imagePullSecrets) ? spec.imagePullSecrets : [];
    if (ownSecrets.length === 0 && accountSecrets.length > 0) spec.imagePullSecrets = accountSecrets.map((s) => ({ name: s?.name }));
    const automount = spec.automountServiceAccountToken ?? sa.automountServiceAccountToken ?? true;
    if (!automount) return;
    const volumes: KubeObject[] = Array.isArray(spec.volumes) ? spec.volumes : [];
    // A pod that already has one (a copy, a restore from `kubectl get -o yaml`) keeps it.
    let volumeName: string | undefined = volumes.find((v) => String(v?.name).startsWith(VOLUME_PREFIX))?.name;
    if (!volumeName) {
      const taken = new Set(volumes.map((v) => v?.name));
      do volumeName = `${VOLUME_PREFIX}${randomSuffix(5)}`;
      while (taken.has(volumeName));
      spec.volumes = [...volumes, apiAccessVolume(volumeName)];
    }
    mountIntoContainers(spec, volumeName);
  };
}

// A StatefulSet pod's identity and storage (Kubernetes' stateful_set_utils): the name
// "<set>-<ordinal>", the labels that carry it, the hostname/subdomain for DNS, and the
// PersistentVolumeClaims "<template>-<set>-<ordinal>" its volumes point at.
import type { KubeObject } from '../../api/resource-type.ts';
import type { GroupVersionKind } from '../controller-ref.ts';
import { CONTROLLER_REVISION_HASH_LABEL } from '../history/controller-revision.ts';
import { podFromTemplate } from '../pod-control.ts';
import { isPodAvailable, isPodReady } from '../pod-utils.ts';

export const STATEFULSET_KIND: GroupVersionKind = { apiVersion: 'apps/v1', kind: 'StatefulSet' };
export const POD_NAME_LABEL = 'statefulset.kubernetes.io/pod-name';
export const POD_INDEX_LABEL = 'apps.kubernetes.io/pod-index';

const ordinalPattern = /^(.*)-([0-9]+)$/;

/** The set name and ordinal a pod's name encodes; ordinal -1 when it encodes none. */
export function parentAndOrdinal(pod: KubeObject): { parent: string; ordinal: number } {
  const match = ordinalPattern.exec(pod.metadata?.name ?? '');
  if (!match) return { parent: '', ordinal: -1 };
  const ordinal = Number(match[2]);
  return Number.isSafeInteger(ordinal) ? { parent: match[1], ordinal } : { parent: '', ordinal: -1 };
}

export function getOrdinal(pod: KubeObject): number {
  return parentAndOrdinal(pod).ordinal;
}

/** The pod's name says it belongs to `set` (what a set may adopt). */
export function isMemberOf(set: KubeObject, pod: KubeObject): boolean {
  return parentAndOrdinal(pod).parent === set.metadata?.name;
}

export function podName(set: KubeObject, ordinal: number): string {
  return `${set.metadata?.name}-${ordinal}`;
}

/** spec.ordinals.start (default 0): the first ordinal of the set. */
export function startOrdinal(set: KubeObject): number {
  return Number(set.spec?.ordinals?.start ?? 0) || 0;
}

export function replicaCount(set: KubeObject): number {
  return Number(set.spec?.replicas ?? 1);
}

/** The ordinal is one the set currently wants ([start, start + replicas)). */
export function podInOrdinalRange(set: KubeObject, pod: KubeObject): boolean {
  const ordinal = getOrdinal(pod);
  const start = startOrdinal(set);
  return ordinal >= start && ordinal < start + replicaCount(set);
}

export function claimName(set: KubeObject, template: KubeObject, ordinal: number): string {
  return `${template.metadata?.name}-${set.metadata?.name}-${ordinal}`;
}

function claimTemplates(set: KubeObject): KubeObject[] {
  return Array.isArray(set.spec?.volumeClaimTemplates) ? set.spec.volumeClaimTemplates : [];
}

/**
 * The claims a pod of `ordinal` uses, keyed by volume (template) name, in template order:
 * the template's labels plus the set selector's matchLabels, its spec, no status.
 */
export function podClaims(set: KubeObject, ordinal: number): Map<string, KubeObject> {
  const claims = new Map<string, KubeObject>();
  for (const template of claimTemplates(set)) {
    const meta = template.metadata ?? {};
    const metadata: Record<string, any> = {
      name: claimName(set, template, ordinal),
      namespace: set.metadata?.namespace,
      labels: { ...(meta.labels ?? {}), ...(set.spec?.selector?.matchLabels ?? {}) },
    };
    if (meta.annotations && Object.keys(meta.annotations).length) metadata.annotations = { ...meta.annotations };
    claims.set(meta.name, {
      apiVersion: 'v1',
      kind: 'PersistentVolumeClaim',
      metadata,
      spec: structuredClone(template.spec ?? {}),
    });
  }
  return claims;
}

/** updateStorage: claim volumes first (in template order), then the template's other volumes. */
function withClaimVolumes(set: KubeObject, pod: KubeObject, ordinal: number): void {
  const claims = podClaims(set, ordinal);
  const volumes: KubeObject[] = [];
  for (const [volumeName, claim] of claims) {
    volumes.push({ name: volumeName, persistentVolumeClaim: { claimName: claim.metadata?.name } });
  }
  for (const volume of pod.spec?.volumes ?? []) if (!claims.has(volume?.name)) volumes.push(volume);
  if (volumes.length) pod.spec.volumes = volumes;
}

/** The labels that carry a pod's identity. */
export function identityLabels(set: KubeObject, ordinal: number): Record<string, string> {
  return { [POD_NAME_LABEL]: podName(set, ordinal), [POD_INDEX_LABEL]: String(ordinal) };
}

/**
 * newStatefulSetPod at a given revision: `set` carries the revision's template. The pod
 * gets its stable name, identity labels, hostname/subdomain and claim volumes.
 */
export function newStatefulSetPod(set: KubeObject, ordinal: number, revisionName: string): KubeObject {
  const name = podName(set, ordinal);
  return podFromTemplate(set.spec?.template ?? {}, set, {
    name,
    ownerKind: STATEFULSET_KIND,
    extraLabels: { ...identityLabels(set, ordinal), [CONTROLLER_REVISION_HASH_LABEL]: revisionName },
    mutate: (pod) => {
      pod.metadata!.namespace = set.metadata?.namespace;
      pod.spec ??= {};
      pod.spec.hostname = name;
      if (set.spec?.serviceName) pod.spec.subdomain = set.spec.serviceName;
      withClaimVolumes(set, pod, ordinal);
    },
  });
}

/** The pod has the name, namespace and identity labels its ordinal calls for. */
export function identityMatches(set: KubeObject, pod: KubeObject): boolean {
  const { parent, ordinal } = parentAndOrdinal(pod);
  if (ordinal < 0 || parent !== set.metadata?.name) return false;
  if (pod.metadata?.namespace !== set.metadata?.namespace) return false;
  const labels = pod.metadata?.labels ?? {};
  return Object.entries(identityLabels(set, ordinal)).every(([k, v]) => labels[k] === v);
}

/** Every claim template has a volume of the same name pointing at the pod's claim. */
export function storageMatches(set: KubeObject, pod: KubeObject): boolean {
  const ordinal = getOrdinal(pod);
  if (ordinal < 0) return false;
  const volumes = new Map<string, KubeObject>((pod.spec?.volumes ?? []).map((v: KubeObject) => [v?.name, v]));
  for (const [volumeName, claim] of podClaims(set, ordinal)) {
    if (volumes.get(volumeName)?.persistentVolumeClaim?.claimName !== claim.metadata?.name) return false;
  }
  return true;
}

export function podRevision(pod: KubeObject): string {
  return pod.metadata?.labels?.[CONTROLLER_REVISION_HASH_LABEL] ?? '';
}

// --- the phases the StatefulSet algorithm asks about ---

/** The API server has the pod (created pods always have a phase; ones only planned do not). */
export const isCreated = (pod: KubeObject): boolean => !!pod.status?.phase;
export const isPending = (pod: KubeObject): boolean => pod.status?.phase === 'Pending';
export const isFailed = (pod: KubeObject): boolean => pod.status?.phase === 'Failed';
export const isSucceeded = (pod: KubeObject): boolean => pod.status?.phase === 'Succeeded';
export const isTerminating = (pod: KubeObject): boolean => !!pod.metadata?.deletionTimestamp;
export const isRunningAndReady = (pod: KubeObject): boolean => pod.status?.phase === 'Running' && isPodReady(pod);

export function isRunningAndAvailable(pod: KubeObject, minReadySeconds: number, now: number): boolean {
  return pod.status?.phase === 'Running' && isPodAvailable(pod, minReadySeconds, now);
}

/** Running, ready and not being deleted. */
export const isHealthy = (pod: KubeObject): boolean => isRunningAndReady(pod) && !isTerminating(pod);

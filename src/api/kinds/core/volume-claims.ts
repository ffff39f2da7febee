// Facts about PersistentVolumeClaims and PersistentVolumes that the scheduler (VolumeBinding),
// the PV controller and storage protection share: which claims a pod uses, a claim's or a
// volume's class, whether a claim is bound or waits for its first consumer, and whether a
// volume's spec suits a claim (Kubernetes' volume binder and pv controller helpers).

import { parseQuantity, type Quantity } from '../../quantity.ts';
import type { KubeObject } from '../../resource-type.ts';
import { type LabelMatcher, labelSelectorFromObject, nothing } from '../../selectors/label-selector.ts';

type Json = Record<string, any>;

/** Set on a WaitForFirstConsumer claim once the scheduler chose the node its volume must suit. */
export const selectedNodeAnnotation = 'volume.kubernetes.io/selected-node';
/** The provisioner of classes whose volumes are only ever created by hand (local volumes). */
export const noProvisioner = 'kubernetes.io/no-provisioner';
/** The PV controller's mark that it finished binding a claim. */
const bindCompletedAnnotation = 'pv.kubernetes.io/bind-completed';
/** The old way of naming a claim's class, still honoured before spec.storageClassName. */
const betaStorageClassAnnotation = 'volume.beta.kubernetes.io/storage-class';

export interface PodClaim {
  name: string;
  /** From a generic ephemeral volume: the ephemeral volume controller creates it for the pod. */
  ephemeral: boolean;
}

/** The claims a pod's volumes use, in volume order; ephemeral volumes name theirs `<pod>-<volume>`. */
export function podClaims(pod: KubeObject): PodClaim[] {
  const volumes: Json[] = Array.isArray(pod.spec?.volumes) ? pod.spec.volumes : [];
  const claims: PodClaim[] = [];
  for (const volume of volumes) {
    if (volume?.persistentVolumeClaim) claims.push({ name: String(volume.persistentVolumeClaim.claimName ?? ''), ephemeral: false });
    else if (volume?.ephemeral) claims.push({ name: `${pod.metadata?.name}-${volume.name}`, ephemeral: true });
  }
  return claims;
}

/** GetPersistentVolumeClaimClass: the beta annotation, else spec.storageClassName; "" means no class. */
export function claimClassName(claim: KubeObject): string {
  return claim.metadata?.annotations?.[betaStorageClassAnnotation] ?? claim.spec?.storageClassName ?? '';
}

/** GetPersistentVolumeClass: the same rule for a volume. */
export function volumeClassName(volume: KubeObject): string {
  return volume.metadata?.annotations?.[betaStorageClassAnnotation] ?? volume.spec?.storageClassName ?? '';
}

/** Bound to a volume and done: Bound phase, or the PV controller's bind-completed mark. */
export function isClaimBound(claim: KubeObject): boolean {
  if (!claim.spec?.volumeName) return false;
  return claim.status?.phase === 'Bound' || claim.metadata?.annotations?.[bindCompletedAnnotation] !== undefined;
}

/**
 * Whether the claim waits for the scheduler: unbound, not pre-bound to a named volume, and its
 * class binds WaitForFirstConsumer. A class that is missing counts as Immediate.
 */
export function waitsForFirstConsumer(claim: KubeObject, storage: { storageClass(name: string): KubeObject | undefined }): boolean {
  if (isClaimBound(claim) || claim.spec?.volumeName) return false;
  const className = claimClassName(claim);
  if (className === '') return false;
  return storage.storageClass(className)?.volumeBindingMode === 'WaitForFirstConsumer';
}

export const claimKey = (claim: KubeObject) => `${claim.metadata?.namespace}/${claim.metadata?.name}`;

/** A claimRef that names this claim (pre-bound by an author without a uid, or bound to it). */
export function volumeIsFor(ref: Json | undefined, claim: KubeObject): boolean {
  if (!ref || ref.name !== claim.metadata?.name || ref.namespace !== claim.metadata?.namespace) return false;
  return !ref.uid || ref.uid === claim.metadata?.uid;
}

function storageOf(value: unknown): Quantity | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  try {
    return parseQuantity(value as string);
  } catch {
    return undefined;
  }
}

/** spec.selector; one the API would not have accepted matches nothing. */
function claimSelector(claim: KubeObject): LabelMatcher | undefined {
  if (!claim.spec?.selector) return undefined;
  try {
    return labelSelectorFromObject(claim.spec.selector);
  } catch {
    return nothing();
  }
}

/**
 * checkVolumeSatisfyClaim: why the volume's spec cannot serve the claim, in the PV controller's
 * words, or undefined when it can: at least the requested storage, the same class and volume
 * mode, and every access mode the claim asks for.
 */
export function volumeMismatch(volume: KubeObject, claim: KubeObject): string | undefined {
  const capacity = storageOf(volume.spec?.capacity?.storage);
  const request = storageOf(claim.spec?.resources?.requests?.storage);
  if (!capacity || !request || capacity.cmp(request) < 0) return 'requested PV is too small';
  if (volumeClassName(volume) !== claimClassName(claim)) return 'storageClassName does not match';
  if ((volume.spec?.volumeMode ?? 'Filesystem') !== (claim.spec?.volumeMode ?? 'Filesystem')) return 'incompatible volumeMode';
  const offered: string[] = Array.isArray(volume.spec?.accessModes) ? volume.spec.accessModes : [];
  const wanted: string[] = Array.isArray(claim.spec?.accessModes) ? claim.spec.accessModes : [];
  if (!wanted.every((mode) => offered.includes(mode))) return 'incompatible accessMode';
  return undefined;
}

/** Whether a volume's spec could serve the claim, wherever it is and whoever holds it: no mismatch, and the claim's selector. */
export function volumeSuitsClaim(volume: KubeObject, claim: KubeObject): boolean {
  if (volumeMismatch(volume, claim)) return false;
  const selector = claimSelector(claim);
  return !selector || selector.matches(volume.metadata?.labels ?? {});
}

/** Smallest first, by spec.capacity.storage. */
export function byCapacity(a: KubeObject, b: KubeObject): number {
  const qa = storageOf(a.spec?.capacity?.storage);
  const qb = storageOf(b.spec?.capacity?.storage);
  if (!qa || !qb) return qa ? -1 : qb ? 1 : 0;
  return qa.cmp(qb);
}

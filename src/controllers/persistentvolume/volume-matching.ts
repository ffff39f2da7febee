// Which PersistentVolume a claim may bind to (the PV controller's findBestMatchForClaim): a
// free volume whose spec suits the claim (api/kinds/core/volume-claims.ts) and, when a node
// was picked for the claim's first pod, whose node affinity admits that node. Of those, one
// pre-bound to the claim comes first, else the smallest wins. Pure functions.
import { byCapacity, volumeIsFor, volumeMismatch, volumeSuitsClaim } from '../../api/kinds/core/volume-claims.ts';
import type { KubeObject } from '../../api/resource-type.ts';
import { volumeAdmitsNode } from '../../scheduler/plugins/volume-binding.ts';

export interface NodeView {
  name: string;
  labels: Record<string, string>;
}

/**
 * A volume this claim may take: pre-bound to this very claim, or unclaimed and Available (as
 * Kubernetes' findMatchingVolume, which waits for a new volume to be made Available rather
 * than race that write); never one being deleted.
 */
export function isFreeFor(pv: KubeObject, claim: KubeObject): boolean {
  if (pv.metadata?.deletionTimestamp) return false;
  const ref = pv.spec?.claimRef;
  if (ref) return volumeIsFor(ref, claim);
  return pv.status?.phase === 'Available';
}

/** Whether the volume could serve the claim (on `node`, when given), ignoring whether it is free. */
export function volumeFitsClaim(pv: KubeObject, claim: KubeObject, node?: NodeView): boolean {
  return volumeSuitsClaim(pv, claim) && (node === undefined || volumeAdmitsNode(pv, node));
}

/** Why a volume the claim names cannot be bound to it (checkVolumeSatisfyClaim), or undefined. */
export function volumeUnfitFor(pv: KubeObject, claim: KubeObject): string | undefined {
  if (pv.metadata?.deletionTimestamp) return `the volume is marked for deletion "${pv.metadata.name}"`;
  return volumeMismatch(pv, claim);
}

/** The volume to bind the claim to: one pre-bound to it, else the smallest free one that fits. */
export function bestVolumeFor(claim: KubeObject, volumes: readonly KubeObject[], node?: NodeView): KubeObject | undefined {
  const candidates = volumes.filter((pv) => isFreeFor(pv, claim) && volumeFitsClaim(pv, claim, node));
  return candidates.find((pv) => pv.spec?.claimRef) ?? candidates.sort(byCapacity)[0];
}

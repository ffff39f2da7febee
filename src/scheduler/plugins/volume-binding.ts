// VolumeBinding: a pod with PersistentVolumeClaims fits a node only if its volumes can be
// there. Missing, deleted or unbound Immediate claims rule out every node at once; a bound
// claim's volume must admit the node (its nodeAffinity); an unbound WaitForFirstConsumer
// claim needs an Available volume that suits it and the node, or a class that can provision
// one there. The texts are kube-scheduler's.
import {
  byCapacity,
  claimClassName,
  isClaimBound,
  noProvisioner,
  type PodClaim,
  podClaims,
  selectedNodeAnnotation,
  volumeIsFor,
  volumeSuitsClaim,
  waitsForFirstConsumer,
} from '../../api/kinds/core/volume-claims.ts';
import type { KubeObject } from '../../api/resource-type.ts';
import { type ClusterView, type FilterPlugin, fail, Rejection, Skip, type StorageView } from '../framework.ts';
import type { NodeInfo } from '../node-info.ts';
import type { PodInfo } from '../pod-info.ts';
import { amountOf } from '../resources.ts';
import { nodeSelectorTermMatches } from './node-affinity.ts';

type Json = Record<string, any>;

const pluginName = 'VolumeBinding';

export const unboundImmediateClaims = 'pod has unbound immediate PersistentVolumeClaims';
export const volumeNodeAffinityConflict = 'node(s) had volume node affinity conflict';
export const noVolumesToBind = "node(s) didn't find available persistent volumes to bind";
export const boundToMissingVolume = 'node(s) unavailable due to one or more pvc(s) bound to non-existent pv(s)';

interface BoundClaim {
  claim: KubeObject;
  /** undefined: the claim names a volume that does not exist. */
  volume: KubeObject | undefined;
}

interface DelayedClaim {
  claim: KubeObject;
  /** The class exists and binds WaitForFirstConsumer (that is what made the claim delayed). */
  storageClass: KubeObject;
  /** The node an earlier scheduling decision chose for it, if any. */
  selectedNode?: string;
  /** A volume whose claimRef already names this claim: only it will do. */
  prebound?: KubeObject;
  /** Available volumes that suit the claim wherever they are, smallest first. */
  candidates: KubeObject[];
}

export interface VolumeBindingState {
  bound: BoundClaim[];
  /** Smallest request first, so the smallest volumes go to the smallest claims. */
  delayed: DelayedClaim[];
}

/** The claim's volume may be used on this node: no required nodeAffinity, or one of its terms matches. */
export function volumeAdmitsNode(volume: KubeObject, node: Pick<NodeInfo, 'name' | 'labels'>): boolean {
  const required = volume.spec?.nodeAffinity?.required;
  if (!required) return true;
  const terms: Json[] = Array.isArray(required.nodeSelectorTerms) ? required.nodeSelectorTerms : [];
  return terms.some((term) => nodeSelectorTermMatches(term, node));
}

const rejectAll = (reason: string) => new Rejection(fail(pluginName, 'UnschedulableAndUnresolvable', reason));

/** Why a claim rules the pod out on every node, if it does (podHasPVCs in kube-scheduler). */
function claimProblem(pod: PodInfo, ref: PodClaim, claim: KubeObject | undefined): string | undefined {
  if (!claim) {
    // Normal right after the pod was created: the ephemeral volume controller has yet to act.
    return ref.ephemeral
      ? `waiting for ephemeral volume controller to create the persistentvolumeclaim "${ref.name}"`
      : `persistentvolumeclaim "${ref.name}" not found`;
  }
  if (claim.status?.phase === 'Lost') {
    return `persistentvolumeclaim "${ref.name}" bound to non-existent persistentvolume "${claim.spec?.volumeName ?? ''}"`;
  }
  if (claim.metadata?.deletionTimestamp) return `persistentvolumeclaim "${ref.name}" is being deleted`;
  if (ref.ephemeral) {
    const owner = (claim.metadata?.ownerReferences ?? []).find((o: Json) => o?.controller);
    if (owner?.uid !== pod.uid) return `PVC ${pod.namespace}/${ref.name} was not created for pod ${pod.key} (pod is not owner)`;
  }
  return undefined;
}

function preboundFits(volume: KubeObject, claim: KubeObject): boolean {
  if (amountOf('storage', volume.spec?.capacity?.storage) < amountOf('storage', claim.spec?.resources?.requests?.storage)) return false;
  return (volume.spec?.volumeMode ?? 'Filesystem') === (claim.spec?.volumeMode ?? 'Filesystem');
}

function delayedClaim(claim: KubeObject, storage: StorageView, volumes: readonly KubeObject[]): DelayedClaim {
  let prebound: KubeObject | undefined;
  const candidates: KubeObject[] = [];
  for (const volume of volumes) {
    if (volume.metadata?.deletionTimestamp) continue;
    const ref = volume.spec?.claimRef;
    if (ref) {
      // Pre-bound by the user (or a controller) to this very claim; other claimRefs are taken.
      // As findMatchingVolume, only its size and volume mode are checked then.
      if (volumeIsFor(ref, claim) && preboundFits(volume, claim)) prebound ??= volume;
      continue;
    }
    if (volume.status?.phase === 'Available' && volumeSuitsClaim(volume, claim)) candidates.push(volume);
  }
  candidates.sort(byCapacity);
  return {
    claim,
    storageClass: storage.storageClass(claimClassName(claim))!,
    selectedNode: claim.metadata?.annotations?.[selectedNodeAnnotation],
    prebound,
    candidates,
  };
}

/** The volume this claim would get on this node (none chosen for another claim of the pod already). */
function matchingVolume(delayed: DelayedClaim, node: NodeInfo, chosen: Set<string>): KubeObject | undefined {
  const { prebound } = delayed;
  if (prebound && !chosen.has(prebound.metadata!.name!)) return volumeAdmitsNode(prebound, node) ? prebound : undefined;
  return delayed.candidates.find((v) => !chosen.has(v.metadata!.name!) && volumeAdmitsNode(v, node));
}

/** A provisioner other than no-provisioner, allowed to create volumes in the node's topology. */
function canProvision(storageClass: KubeObject, node: NodeInfo): boolean {
  const provisioner = storageClass.provisioner;
  if (!provisioner || provisioner === noProvisioner) return false;
  const topologies: Json[] = Array.isArray(storageClass.allowedTopologies) ? storageClass.allowedTopologies : [];
  if (topologies.length === 0) return true;
  return topologies.some((term) =>
    (Array.isArray(term?.matchLabelExpressions) ? term.matchLabelExpressions : []).every((req: Json) => {
      const value = node.labels[req.key];
      return value !== undefined && Array.isArray(req.values) && req.values.includes(value);
    }),
  );
}

/** Unbound delayed claims can all be satisfied on the node, by a matching volume or by provisioning. */
function delayedClaimsFit(delayed: DelayedClaim[], node: NodeInfo): boolean {
  // A claim another decision already sent to a node can only be satisfied there.
  if (delayed.some((d) => d.selectedNode !== undefined && d.selectedNode !== node.name)) return false;
  const chosen = new Set<string>();
  for (const d of delayed) {
    const volume = matchingVolume(d, node, chosen);
    if (volume) chosen.add(volume.metadata!.name!);
    else if (!canProvision(d.storageClass, node)) return false;
  }
  return true;
}

export const volumeBindingFilter: FilterPlugin<VolumeBindingState> = {
  name: pluginName,
  preFilter(pod: PodInfo, cluster: ClusterView) {
    const refs = podClaims(pod.pod);
    if (refs.length === 0) return Skip;
    const claims: KubeObject[] = [];
    for (const ref of refs) {
      const claim = cluster.claim(pod.namespace, ref.name);
      const problem = claimProblem(pod, ref, claim);
      if (problem) return rejectAll(problem);
      claims.push(claim!);
    }
    const state: VolumeBindingState = { bound: [], delayed: [] };
    let volumes: readonly KubeObject[] | undefined;
    for (const claim of claims) {
      if (isClaimBound(claim)) {
        state.bound.push({ claim, volume: cluster.persistentVolume(claim.spec.volumeName) });
      } else if (waitsForFirstConsumer(claim, cluster)) {
        volumes ??= cluster.persistentVolumes();
        state.delayed.push(delayedClaim(claim, cluster, volumes));
      } else {
        // The PV controller binds these on its own; the pod is retried when they change.
        return rejectAll(unboundImmediateClaims);
      }
    }
    state.delayed.sort(
      (a, b) =>
        amountOf('storage', a.claim.spec?.resources?.requests?.storage) - amountOf('storage', b.claim.spec?.resources?.requests?.storage),
    );
    return state;
  },
  filter(_pod, node, state) {
    const reasons: string[] = [];
    // Like checkBoundClaims: stop at the first bound claim that rules the node out.
    const badBound = state.bound.find((b) => !b.volume || !volumeAdmitsNode(b.volume, node));
    if (badBound?.volume) reasons.push(volumeNodeAffinityConflict);
    if (state.delayed.length > 0 && !delayedClaimsFit(state.delayed, node)) reasons.push(noVolumesToBind);
    if (badBound && !badBound.volume) reasons.push(boundToMissingVolume);
    return reasons.length > 0 ? fail(pluginName, 'UnschedulableAndUnresolvable', ...reasons) : undefined;
  },
};

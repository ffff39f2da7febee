// The writes a StatefulSet makes for its pods (Kubernetes' StatefulPodControl): claims are
// created before the pod that mounts them and are never deleted here; pods are created,
// relabelled and deleted with the events `kubectl describe sts` shows
// ("create Pod web-0 in StatefulSet web successful"); claim owner references follow
// spec.persistentVolumeClaimRetentionPolicy so the garbage collector removes claims only
// when the policy says Delete.
import type { KubeObject } from '../../api/resource-type.ts';
import { isAlreadyExists, isConflict, isNotFound } from '../../client/api-error.ts';
import { objectKey } from '../../client/indexer.ts';
import type { Informer } from '../../client/informer.ts';
import { resources } from '../../client/resources.ts';
import type { RestClient } from '../../client/rest-client.ts';
import type { OwnerReference } from '../controller-ref.ts';
import type { EventRecorder } from '../framework/event-recorder.ts';
import type { Expectations } from '../framework/expectations.ts';
import { errorText } from '../pod-control.ts';
import { getOrdinal, identityLabels, podClaims, podInOrdinalRange } from './stateful-pod.ts';

export type StatefulPodClient = Pick<RestClient, 'create' | 'delete' | 'patch'>;

type Verb = 'create' | 'update' | 'delete';
const title = (verb: Verb) => verb[0].toUpperCase() + verb.slice(1);

export class StatefulPodControl {
  constructor(
    private readonly client: StatefulPodClient,
    private readonly recorder: EventRecorder,
    /** Cache of PersistentVolumeClaims. */
    private readonly claims: Informer,
    /** Pod creations and deletions in flight, per set key ("namespace/name"). */
    private readonly expectations?: Expectations,
  ) {}

  /**
   * Creates the pod's missing claims, then the pod. Resolves the created pod, or undefined
   * when a pod of that name already exists (the cache was behind).
   */
  async createPod(set: KubeObject, pod: KubeObject): Promise<KubeObject | undefined> {
    try {
      await this.createMissingClaims(set, pod);
    } catch (err) {
      this.recordPodEvent('create', set, pod, err);
      throw err;
    }
    const key = objectKey(set);
    this.expectations?.expectCreations(key, 1);
    let created: KubeObject;
    try {
      created = await this.client.create(resources.pods, set.metadata?.namespace, pod);
    } catch (err) {
      this.expectations?.creationFailed(key);
      if (isAlreadyExists(err)) return undefined;
      this.recordPodEvent('create', set, pod, err);
      throw err;
    }
    this.recordPodEvent('create', set, pod);
    await this.updateClaimsForRetentionPolicy(set, created);
    return created;
  }

  /** Deletes this incarnation of the pod; a pod already gone is not an error. */
  async deletePod(set: KubeObject, pod: KubeObject): Promise<void> {
    const { namespace, name, uid } = pod.metadata ?? {};
    const key = objectKey(set);
    if (uid) this.expectations?.expectDeletions(key, [uid]);
    try {
      await this.client.delete(resources.pods, namespace, name, uid ? { preconditions: { uid } } : {});
    } catch (err) {
      if (uid) this.expectations?.deletionObserved(key, uid);
      if (isNotFound(err) || isConflict(err)) return;
      this.recordPodEvent('delete', set, pod, err);
      throw err;
    }
    this.recordPodEvent('delete', set, pod);
  }

  /** Restores the identity labels of a pod someone edited (or an adopted pod lacking them). */
  async repairPod(set: KubeObject, pod: KubeObject): Promise<void> {
    const { namespace, name, uid } = pod.metadata ?? {};
    try {
      await this.client.patch(
        resources.pods,
        namespace,
        name,
        { metadata: { uid, labels: identityLabels(set, getOrdinal(pod)) } },
        'strategic',
      );
    } catch (err) {
      if (isNotFound(err) || isConflict(err)) return;
      this.recordPodEvent('update', set, pod, err);
      throw err;
    }
    this.recordPodEvent('update', set, pod);
  }

  /** Creates the claims of the pod that neither the cache nor the server has. */
  async createMissingClaims(set: KubeObject, pod: KubeObject): Promise<void> {
    const namespace = set.metadata?.namespace;
    for (const claim of podClaims(set, getOrdinal(pod)).values()) {
      const name = claim.metadata?.name;
      if (this.claims.get(namespace, name)) continue;
      const wanted = structuredClone(claim);
      // Under whenDeleted=Delete the claim belongs to the set from the start.
      const setRef = retentionWantsSetRef(set, pod) ? [setOwnerRef(set)] : [];
      if (setRef.length) wanted.metadata!.ownerReferences = setRef;
      try {
        await this.client.create(resources.persistentVolumeClaims, namespace, wanted);
        this.recordClaimEvent('create', set, pod, name);
      } catch (err) {
        if (isAlreadyExists(err)) continue;
        this.recordClaimEvent('create', set, pod, name, err);
        throw err;
      }
    }
  }

  /**
   * PodClaimIsStale: a claim of the pod is being deleted, or belongs to an earlier pod of the
   * same name (scaled down under whenScaled=Delete). The pod must wait until it is gone.
   */
  podClaimIsStale(set: KubeObject, pod: KubeObject): boolean {
    const namespace = set.metadata?.namespace;
    for (const claim of podClaims(set, getOrdinal(pod)).values()) {
      const existing = this.claims.get(namespace, claim.metadata?.name);
      if (!existing) continue;
      if (existing.metadata?.deletionTimestamp) return true;
      const podRefs = ownerRefs(existing).filter((ref) => ref.kind === 'Pod' && ref.name === pod.metadata?.name);
      if (podRefs.some((ref) => ref.uid !== pod.metadata?.uid)) return true;
    }
    return false;
  }

  /** True when every existing claim of the pod carries the owner references the policy asks for. */
  claimsMatchRetentionPolicy(set: KubeObject, pod: KubeObject): boolean {
    return this.claimRefChanges(set, pod).length === 0;
  }

  /** Sets the claims' owner references the retention policy asks for. */
  async updateClaimsForRetentionPolicy(set: KubeObject, pod: KubeObject): Promise<void> {
    const namespace = set.metadata?.namespace;
    for (const { claim, refs } of this.claimRefChanges(set, pod)) {
      const { name, uid, resourceVersion } = claim.metadata ?? {};
      try {
        await this.client.patch(
          resources.persistentVolumeClaims,
          namespace,
          name,
          { metadata: { uid, resourceVersion, ownerReferences: refs } },
          'merge',
        );
      } catch (err) {
        if (isNotFound(err) || isConflict(err)) continue; // the next pass sees the fresh claim
        this.recordClaimEvent('update', set, pod, name, err);
        throw err;
      }
    }
  }

  private claimRefChanges(set: KubeObject, pod: KubeObject): { claim: KubeObject; refs: OwnerReference[] }[] {
    const namespace = set.metadata?.namespace;
    const changes: { claim: KubeObject; refs: OwnerReference[] }[] = [];
    for (const template of podClaims(set, getOrdinal(pod)).values()) {
      const claim = this.claims.get(namespace, template.metadata?.name);
      if (!claim || claim.metadata?.deletionTimestamp) continue;
      const refs = wantedClaimRefs(claim, set, pod);
      if (refs) changes.push({ claim, refs });
    }
    return changes;
  }

  private recordPodEvent(verb: Verb, set: KubeObject, pod: KubeObject, err?: unknown): void {
    const podName = pod.metadata?.name;
    const setName = set.metadata?.name;
    if (err === undefined) {
      this.recorder.normal(set, `Successful${title(verb)}`, `${verb} Pod ${podName} in StatefulSet ${setName} successful`);
    } else {
      this.recorder.warning(
        set,
        `Failed${title(verb)}`,
        `${verb} Pod ${podName} in StatefulSet ${setName} failed error: ${errorText(err)}`,
      );
    }
  }

  private recordClaimEvent(verb: Verb, set: KubeObject, pod: KubeObject, claimName: string, err?: unknown): void {
    const podName = pod.metadata?.name;
    const setName = set.metadata?.name;
    if (err === undefined) {
      this.recorder.normal(set, `Successful${title(verb)}`, `${verb} Claim ${claimName} Pod ${podName} in StatefulSet ${setName} success`);
    } else {
      this.recorder.warning(
        set,
        `Failed${title(verb)}`,
        `${verb} Claim ${claimName} for Pod ${podName} in StatefulSet ${setName} failed error: ${errorText(err)}`,
      );
    }
  }
}

function ownerRefs(obj: KubeObject): OwnerReference[] {
  return obj.metadata?.ownerReferences ?? [];
}

function setOwnerRef(set: KubeObject): OwnerReference {
  return { apiVersion: 'apps/v1', kind: 'StatefulSet', name: set.metadata?.name, uid: set.metadata?.uid };
}

function podOwnerRef(pod: KubeObject): OwnerReference {
  return { apiVersion: 'v1', kind: 'Pod', name: pod.metadata?.name, uid: pod.metadata?.uid };
}

function retentionPolicy(set: KubeObject): { whenDeleted: string; whenScaled: string } {
  const policy = set.spec?.persistentVolumeClaimRetentionPolicy ?? {};
  return { whenDeleted: policy.whenDeleted ?? 'Retain', whenScaled: policy.whenScaled ?? 'Retain' };
}

function retentionWantsSetRef(set: KubeObject, pod: KubeObject): boolean {
  const { whenDeleted, whenScaled } = retentionPolicy(set);
  if (whenDeleted !== 'Delete') return false;
  return whenScaled !== 'Delete' || podInOrdinalRange(set, pod);
}

/**
 * updateClaimOwnerRefForSetAndPod: whenDeleted=Delete → the set owns the claim (unless the
 * pod is scaled down under whenScaled=Delete); whenScaled=Delete → a scaled-down pod owns it.
 * Returns the new ownerReferences, or undefined when nothing has to change.
 */
export function wantedClaimRefs(claim: KubeObject, set: KubeObject, pod: KubeObject): OwnerReference[] | undefined {
  const { whenScaled } = retentionPolicy(set);
  const scaledDown = !podInOrdinalRange(set, pod);
  const wantSet = retentionWantsSetRef(set, pod);
  const wantPod = whenScaled === 'Delete' && scaledDown && !!pod.metadata?.uid;
  const setUid = set.metadata?.uid;
  const podUid = pod.metadata?.uid;
  const current = ownerRefs(claim);
  const hasSet = current.some((ref) => ref.uid === setUid);
  const hasPod = !!podUid && current.some((ref) => ref.uid === podUid);
  if (hasSet === wantSet && hasPod === wantPod) return undefined;
  let refs = current.filter((ref) => ref.uid !== setUid && ref.uid !== podUid);
  if (wantSet) refs = [...refs, setOwnerRef(set)];
  if (wantPod) refs = [...refs, podOwnerRef(pod)];
  return refs;
}

// The replica controller (Kubernetes' replica_set.go), serving apps/v1 ReplicaSets and, with
// the same code, core/v1 ReplicationControllers. Each pass over one owner:
//   1. reads the owner and the namespace's pods from the informer caches;
//   2. claims pods: adopts matching orphans, releases owned pods that no longer match;
//   3. if its earlier creations/deletions were all observed (expectations), creates or
//      deletes pods to match spec.replicas — creations in slow-start batches 1, 2, 4, …,
//      deletions of the pods whose loss hurts least (see pod-ranking.ts);
//   4. writes status last, and only when it changed.
// Pod events drive everything: a deleted or failed pod enqueues its owner at once, so the
// replacement is created without waiting for any resync.
import type { Logger } from 'pino';
import type { KubeObject } from '../../api/resource-type.ts';
import { isConflict, isNotFound } from '../../client/api-error.ts';
import { objectKey } from '../../client/indexer.ts';
import type { Informer } from '../../client/informer.ts';
import type { InformerFactory } from '../../client/informer-factory.ts';
import { resources } from '../../client/resources.ts';
import type { RestClient } from '../../client/rest-client.ts';
import { claimObjects, getControllerOf, type OwnerReference, recheckOwner } from '../controller-ref.ts';
import { Controller, type ReconcileResult } from '../framework/controller.ts';
import { EventRecorder } from '../framework/event-recorder.ts';
import { Expectations } from '../framework/expectations.ts';
import { errorText, isNamespaceTerminating, PodControl } from '../pod-control.ts';
import { isPodActive } from '../pod-utils.ts';
import { podsToDelete } from './pod-ranking.ts';
import { type ReplicaKind, replicaSetKind, replicationControllerKind } from './replica-kinds.ts';
import { calculateStatus, type ManageFailure, nextAvailabilityCheckMs, statusUpToDate } from './replica-status.ts';
import { slowStartBatch } from './slow-start.ts';

/** Kubernetes' burstReplicas: the most pods created or deleted in one pass. */
export const DEFAULT_BURST_REPLICAS = 500;
const SLOW_START_INITIAL_BATCH = 1;

export interface ReplicaSetControllerOptions {
  /** Which resource to manage; ReplicaSets by default. */
  kind?: ReplicaKind;
  burstReplicas?: number;
  /** Clock for availability (minReadySeconds) and deletion ranking; Date.now by default. */
  now?: () => number;
  /** Where events go; by default one recorder writing as the kind's event component. */
  recorder?: EventRecorder;
}

/** What one manageReplicas pass left to report. */
interface ManageOutcome {
  failure?: ManageFailure;
  /** Thrown after the status write so the owner is retried with back-off. */
  error?: unknown;
}

export class ReplicaSetController extends Controller {
  private readonly kind: ReplicaKind;
  private readonly owners: Informer;
  private readonly pods: Informer;
  private readonly expectations: Expectations;
  private readonly podControl: PodControl;
  private readonly burstReplicas: number;
  private readonly now: () => number;

  constructor(
    private readonly client: RestClient,
    informers: InformerFactory,
    logger: Logger,
    opts: ReplicaSetControllerOptions = {},
  ) {
    const kind = opts.kind ?? replicaSetKind;
    super(kind.controllerName, logger);
    this.kind = kind;
    this.burstReplicas = opts.burstReplicas ?? DEFAULT_BURST_REPLICAS;
    this.now = opts.now ?? Date.now;
    this.expectations = new Expectations(this.now);
    this.podControl = new PodControl(client, opts.recorder ?? new EventRecorder(client, kind.eventComponent, logger));
    this.owners = informers.informerFor(kind.resource);
    this.pods = informers.informerFor(resources.pods);

    this.owners.addEventHandler({
      onAdd: (owner) => this.enqueue(objectKey(owner)),
      onUpdate: (old, owner) => {
        // Deleted and re-created under the same name between two events: forget the old one.
        if (old.metadata?.uid !== owner.metadata?.uid) this.expectations.forget(objectKey(old));
        this.enqueue(objectKey(owner));
      },
      onDelete: (owner) => {
        this.expectations.forget(objectKey(owner));
        this.enqueue(objectKey(owner));
      },
    });
    this.pods.addEventHandler({
      onAdd: (pod) => this.onPodAdd(pod),
      onUpdate: (old, pod) => this.onPodUpdate(old, pod),
      onDelete: (pod) => this.onPodDelete(pod),
    });
  }

  hasSynced(): boolean {
    return this.owners.hasSynced() && this.pods.hasSynced();
  }

  // --- pod events → owner keys -------------------------------------------------------

  private onPodAdd(pod: KubeObject): void {
    // A pod already being deleted (seen first after a restart) is no creation to observe.
    if (pod.metadata?.deletionTimestamp) {
      this.onPodDelete(pod);
      return;
    }
    const ref = getControllerOf(pod);
    if (ref) {
      const owner = this.resolveControllerRef(pod.metadata?.namespace, ref);
      if (!owner) return;
      const key = objectKey(owner);
      this.expectations.creationObserved(key);
      this.enqueue(key);
      return;
    }
    // An orphan: every owner that might adopt it takes a look.
    for (const owner of this.ownersSelecting(pod)) this.enqueue(objectKey(owner));
  }

  private onPodUpdate(old: KubeObject, pod: KubeObject): void {
    if (old.metadata?.resourceVersion === pod.metadata?.resourceVersion) return; // a resync: nothing changed
    const labelsChanged = !sameLabels(old.metadata?.labels, pod.metadata?.labels);
    if (pod.metadata?.deletionTimestamp) {
      // Graceful deletion began: the owner counts the pod as gone now, not when it is removed.
      this.onPodDelete(pod);
      if (labelsChanged) this.onPodDelete(old);
      return;
    }
    const oldRef = getControllerOf(old);
    const ref = getControllerOf(pod);
    const refChanged = oldRef?.uid !== ref?.uid;
    if (refChanged && oldRef) {
      const previousOwner = this.resolveControllerRef(old.metadata?.namespace, oldRef);
      if (previousOwner) this.enqueue(objectKey(previousOwner));
    }
    if (ref) {
      const owner = this.resolveControllerRef(pod.metadata?.namespace, ref);
      if (owner) this.enqueue(objectKey(owner));
      return;
    }
    if (labelsChanged || refChanged) for (const owner of this.ownersSelecting(pod)) this.enqueue(objectKey(owner));
  }

  private onPodDelete(pod: KubeObject): void {
    const ref = getControllerOf(pod);
    if (!ref) return;
    const owner = this.resolveControllerRef(pod.metadata?.namespace, ref);
    if (!owner) return;
    const key = objectKey(owner);
    this.expectations.deletionObserved(key, pod.metadata?.uid);
    this.enqueue(key);
  }

  /** The cached owner a controller reference points at, if it is one of ours and the same incarnation. */
  private resolveControllerRef(namespace: string | undefined, ref: OwnerReference): KubeObject | undefined {
    if (ref.kind !== this.kind.gvk.kind || groupOf(ref.apiVersion) !== groupOf(this.kind.gvk.apiVersion)) return undefined;
    const owner = this.owners.get(namespace, ref.name);
    return owner && owner.metadata?.uid === ref.uid ? owner : undefined;
  }

  /** Owners in the pod's namespace whose (non-empty, valid) selector matches its labels. */
  private ownersSelecting(pod: KubeObject): KubeObject[] {
    const labels = pod.metadata?.labels;
    if (!labels) return [];
    return this.owners.list(pod.metadata?.namespace ?? '').filter((owner) => {
      const selector = this.selectorOf(owner);
      return !!selector && selector.matches(labels);
    });
  }

  private selectorOf(owner: KubeObject) {
    try {
      const selector = this.kind.selectorOf(owner);
      // An empty selector would select every pod of the namespace: treat it as selecting none.
      return selector.empty() ? undefined : selector;
    } catch {
      return undefined;
    }
  }

  // --- reconcile ---------------------------------------------------------------------

  protected async reconcile(key: string): Promise<ReconcileResult | undefined> {
    if (!this.hasSynced()) {
      const [ownersSynced, podsSynced] = await Promise.all([this.owners.waitForSync(), this.pods.waitForSync()]);
      if (!ownersSynced || !podsSynced) return undefined; // stopped
    }
    const cached = this.owners.getByKey(key);
    if (!cached) {
      this.expectations.forget(key);
      return undefined;
    }
    // Cached objects are shared: this shallow copy only adds the kind for references and events.
    const owner: KubeObject = { ...cached, apiVersion: this.kind.gvk.apiVersion, kind: this.kind.gvk.kind };
    const { namespace, name, uid } = owner.metadata ?? {};
    const selector = this.selectorOf(owner);
    if (!selector) {
      this.logger.warn({ controller: this.name, key }, 'invalid or empty selector; not managing pods');
      return undefined;
    }

    const needsSync = this.expectations.satisfied(key);
    const active = this.pods.list(namespace).filter(isPodActive);
    const pods = await claimObjects({
      client: this.client,
      resource: resources.pods,
      owner,
      ownerKind: this.kind.gvk,
      selector,
      objects: active,
      canAdopt: recheckOwner(() => this.client.get(this.kind.resource, namespace, name), uid),
    });

    let outcome: ManageOutcome = {};
    if (needsSync && !owner.metadata?.deletionTimestamp) outcome = await this.manageReplicas(key, owner, pods);

    const now = this.now();
    const status = calculateStatus(owner, pods, outcome.failure, now);
    await this.writeStatus(owner, status);
    if (outcome.error !== undefined) throw outcome.error;
    const waitMs = nextAvailabilityCheckMs(owner, pods, now);
    return waitMs === undefined ? undefined : { requeueAfterMs: waitMs };
  }

  /** Creates or deletes pods so that `pods` (the active pods it controls) matches spec.replicas. */
  private async manageReplicas(key: string, owner: KubeObject, pods: KubeObject[]): Promise<ManageOutcome> {
    const namespace: string = owner.metadata?.namespace;
    const desired = Number(owner.spec?.replicas ?? 1);
    const diff = pods.length - desired;

    if (diff < 0) {
      const count = Math.min(-diff, this.burstReplicas);
      this.logger.debug({ controller: this.name, key, need: desired, creating: count }, 'too few replicas');
      this.expectations.expectCreations(key, count);
      let namespaceTerminating = false;
      const { successes, error } = await slowStartBatch(count, SLOW_START_INITIAL_BATCH, async () => {
        try {
          await this.podControl.createPod(namespace, owner.spec?.template ?? {}, owner, { ownerKind: this.kind.gvk });
        } catch (err) {
          if (isNamespaceTerminating(err)) namespaceTerminating = true;
          throw err;
        }
      });
      // Creations that failed or were never tried will never be observed.
      for (let i = successes; i < count; i++) this.expectations.creationObserved(key);
      if (error === undefined) return {};
      const failure = { reason: 'FailedCreate', message: errorText(error) };
      // Nothing can be created in a namespace being deleted, and the owner goes with it: no retry.
      return namespaceTerminating ? { failure } : { failure, error };
    }

    if (diff > 0) {
      const count = Math.min(diff, this.burstReplicas);
      this.logger.debug({ controller: this.name, key, need: desired, deleting: count }, 'too many replicas');
      const victims = podsToDelete(pods, this.relatedPods(owner), count, this.now());
      this.expectations.expectDeletions(
        key,
        victims.map((pod) => pod.metadata?.uid),
      );
      const results = await Promise.allSettled(
        victims.map(async (pod) => {
          const podUid: string = pod.metadata?.uid;
          try {
            const result = await this.podControl.deletePod(namespace, pod.metadata?.name, podUid, owner);
            if (result === 'gone') this.expectations.deletionObserved(key, podUid);
          } catch (err) {
            this.expectations.deletionObserved(key, podUid);
            throw err;
          }
        }),
      );
      const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (!failed) return {};
      return { failure: { reason: 'FailedDelete', message: errorText(failed.reason) }, error: failed.reason };
    }
    return {};
  }

  /**
   * Pods of every owner that shares this owner's controller (the ReplicaSets of one
   * Deployment), used to spread deletions across nodes. None without a controller.
   */
  private relatedPods(owner: KubeObject): KubeObject[] {
    const ref = getControllerOf(owner);
    if (!ref) return [];
    const namespace = owner.metadata?.namespace;
    const nsPods = this.pods.list(namespace);
    const seen = new Set<string>();
    const related: KubeObject[] = [];
    for (const sibling of this.owners.list(namespace)) {
      if (getControllerOf(sibling)?.uid !== ref.uid) continue;
      const selector = this.selectorOf(sibling);
      if (!selector) continue;
      for (const pod of nsPods) {
        const podUid = pod.metadata?.uid;
        if (seen.has(podUid) || !selector.matches(pod.metadata?.labels)) continue;
        seen.add(podUid);
        related.push(pod);
      }
    }
    return related;
  }

  /** Writes status (with observedGeneration) when it changed; one retry on a stale copy, like Kubernetes. */
  private async writeStatus(owner: KubeObject, status: ReturnType<typeof calculateStatus>): Promise<void> {
    if (statusUpToDate(owner, status)) return;
    const next = { ...status, observedGeneration: owner.metadata?.generation };
    try {
      await this.client.updateStatus(this.kind.resource, { ...owner, status: next });
      return;
    } catch (err) {
      if (isNotFound(err)) return;
      if (!isConflict(err)) throw err;
    }
    let fresh: KubeObject;
    try {
      fresh = await this.client.get(this.kind.resource, owner.metadata?.namespace, owner.metadata?.name);
    } catch (err) {
      if (isNotFound(err)) return;
      throw err;
    }
    if (fresh.metadata?.uid !== owner.metadata?.uid) return;
    await this.client.updateStatus(this.kind.resource, { ...fresh, status: next });
  }
}

/** The same controller for core/v1 ReplicationControllers (Kubernetes' ReplicationManager). */
export class ReplicationManager extends ReplicaSetController {
  constructor(client: RestClient, informers: InformerFactory, logger: Logger, opts: Omit<ReplicaSetControllerOptions, 'kind'> = {}) {
    super(client, informers, logger, { ...opts, kind: replicationControllerKind });
  }
}

function groupOf(apiVersion: string | undefined): string {
  const slash = (apiVersion ?? '').indexOf('/');
  return slash < 0 ? '' : (apiVersion ?? '').slice(0, slash);
}

function sameLabels(a: Record<string, string> | undefined, b: Record<string, string> | undefined): boolean {
  const ka = Object.keys(a ?? {});
  const kb = Object.keys(b ?? {});
  return ka.length === kb.length && ka.every((k) => b?.[k] === a?.[k]);
}

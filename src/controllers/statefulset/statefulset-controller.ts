// The StatefulSet controller (Kubernetes' pkg/controller/statefulset): watches sets, their
// pods, ControllerRevisions and claims; for a set, claims its pods and revisions, runs one
// pass of the StatefulSet algorithm (update-statefulset.ts), writes status last, and prunes
// revision history down to spec.revisionHistoryLimit.
import type { Logger } from 'pino';
import type { KubeObject } from '../../api/resource-type.ts';
import { isConflict, isNotFound } from '../../client/api-error.ts';
import { objectKey } from '../../client/indexer.ts';
import { clone, type Informer } from '../../client/informer.ts';
import type { InformerFactory } from '../../client/informer-factory.ts';
import { resources } from '../../client/resources.ts';
import type { RestClient } from '../../client/rest-client.ts';
import { claimObjects, getControllerOf, recheckOwner } from '../controller-ref.ts';
import { Controller, type ReconcileResult } from '../framework/controller.ts';
import { EventRecorder } from '../framework/event-recorder.ts';
import { Expectations } from '../framework/expectations.ts';
import { OwnedObjectEvents, ownerSelector } from '../framework/owned-object-events.ts';
import { ControllerHistory, revisionsToPrune } from '../history/controller-history.ts';
import { isMemberOf, STATEFULSET_KIND } from './stateful-pod.ts';
import { StatefulPodControl } from './stateful-pod-control.ts';
import { statusChanged, statusToStore } from './statefulset-status.ts';
import { liveRevisionNames, StatefulSetUpdater } from './update-statefulset.ts';

export const STATEFULSET_CONTROLLER_NAME = 'statefulset-controller';

export interface StatefulSetControllerOptions {
  /** Clock for availability (minReadySeconds); defaults to Date.now. */
  now?: () => number;
}

export class StatefulSetController extends Controller {
  private readonly sets: Informer;
  private readonly pods: Informer;
  private readonly revisions: Informer;
  private readonly claims: Informer;
  private readonly expectations = new Expectations();
  private readonly routing: OwnedObjectEvents;
  private readonly history: ControllerHistory;
  private readonly updater: StatefulSetUpdater;
  private readonly now: () => number;

  constructor(
    private readonly client: RestClient,
    informers: InformerFactory,
    logger: Logger,
    opts: StatefulSetControllerOptions = {},
  ) {
    super(STATEFULSET_CONTROLLER_NAME, logger);
    this.now = opts.now ?? Date.now;
    this.sets = informers.informerFor(resources.statefulSets);
    this.routing = new OwnedObjectEvents(STATEFULSET_KIND.kind, this.sets, this.expectations, (key) => this.enqueue(key));
    this.pods = informers.informerFor(resources.pods);
    this.revisions = informers.informerFor(resources.controllerRevisions);
    this.claims = informers.informerFor(resources.persistentVolumeClaims);
    const recorder = new EventRecorder(client, STATEFULSET_CONTROLLER_NAME, logger);
    this.history = new ControllerHistory(client, this.revisions);
    this.updater = new StatefulSetUpdater(new StatefulPodControl(client, recorder, this.claims, this.expectations), this.history, recorder);

    this.sets.addEventHandler({
      onAdd: (set) => this.enqueue(objectKey(set)),
      onUpdate: (_old, set) => this.enqueue(objectKey(set)),
      onDelete: (set) => {
        this.expectations.forget(objectKey(set));
        this.enqueue(objectKey(set));
      },
    });
    this.pods.addEventHandler({
      onAdd: (pod) => this.routing.podAdded(pod),
      onUpdate: (old, pod) => this.routing.podUpdated(old, pod),
      onDelete: (pod) => this.routing.podDeleted(pod),
    });
    this.revisions.addEventHandler({
      onAdd: (rev) => this.routing.enqueueOwnerOrMatching(rev),
      onUpdate: (old, rev) => {
        if (old.metadata?.resourceVersion === rev.metadata?.resourceVersion) return;
        this.routing.enqueueOwnerOrMatching(rev);
        if (getControllerOf(old)?.uid !== getControllerOf(rev)?.uid) this.routing.enqueueOwnerOrMatching(old);
      },
      onDelete: (rev) => this.routing.enqueueOwnerOrMatching(rev),
    });
    // A claim going away may unblock a pod waiting for its stale claim; one deleted under a
    // pending pod must be re-created.
    this.claims.addEventHandler({
      onUpdate: (old, claim) => {
        if (old.metadata?.resourceVersion !== claim.metadata?.resourceVersion) this.routing.enqueueMatching(claim);
      },
      onDelete: (claim) => this.routing.enqueueMatching(claim),
    });
  }

  hasSynced(): boolean {
    return [this.sets, this.pods, this.revisions, this.claims].every((i) => i.hasSynced());
  }

  // --- event routing ---

  // --- reconcile ---

  protected async reconcile(key: string): Promise<ReconcileResult | undefined> {
    if (!this.hasSynced()) {
      const synced = await Promise.all([this.sets, this.pods, this.revisions, this.claims].map((i) => i.waitForSync()));
      if (!synced.every(Boolean)) return undefined;
    }
    const cached = this.sets.getByKey(key);
    if (!cached) {
      this.expectations.forget(key);
      return undefined;
    }
    const selector = ownerSelector(cached);
    if (!selector) return undefined; // validation keeps bad selectors out; nothing sensible to do
    // Our own pod creations/deletions are not in the cache yet: their events bring us back.
    if (!this.expectations.satisfied(key)) return undefined;

    const set = clone(cached);
    const uid = set.metadata?.uid;
    const namespace = set.metadata?.namespace;
    const canAdopt = recheckOwner(() => this.client.get(resources.statefulSets, namespace, set.metadata?.name), uid);
    const revisions = await this.history.claim(set, STATEFULSET_KIND, selector, canAdopt);
    const candidates = this.pods.list(namespace).filter((pod) => isMemberOf(set, pod) || getControllerOf(pod)?.uid === uid);
    const pods = await claimObjects({
      client: this.client,
      resource: resources.pods,
      owner: set,
      ownerKind: STATEFULSET_KIND,
      selector,
      objects: candidates,
      canAdopt,
    });

    const outcome = await this.updater.sync(set, pods, revisions, this.now());
    if (statusChanged(set.status, outcome.status)) await this.writeStatus(set, outcome.status);

    const live = liveRevisionNames(pods, outcome.current, outcome.update);
    const limit = Number(set.spec?.revisionHistoryLimit ?? 10);
    for (const revision of revisionsToPrune(revisions, live, limit)) await this.history.delete(revision);

    return outcome.requeueAfterMs !== undefined ? { requeueAfterMs: outcome.requeueAfterMs } : undefined;
  }

  /** Writes status through the status subresource, re-reading the set once on a conflict. */
  private async writeStatus(set: KubeObject, status: Parameters<typeof statusToStore>[1]): Promise<void> {
    let target = set;
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        await this.client.updateStatus(resources.statefulSets, { ...target, status: statusToStore(target.status, status) });
        return;
      } catch (err) {
        if (isNotFound(err)) return;
        if (!isConflict(err) || attempt > 0) throw err;
      }
      target = await this.client.get(resources.statefulSets, set.metadata?.namespace, set.metadata?.name);
      if (target.metadata?.uid !== set.metadata?.uid) return;
    }
  }
}

// The Deployment controller (Kubernetes' pkg/controller/deployment): turns a Deployment
// into ReplicaSets — one per pod template, named <deployment>-<pod-template-hash> — and
// moves replicas between them by the Deployment's strategy, keeping revision
// annotations for `kubectl rollout history|undo` and the status fields and conditions
// `kubectl rollout status` reads.
//
// Events: Deployments, their ReplicaSets (creation, resizes, status changes) and, for
// Recreate, the deletion of old pods. Each pass is level-triggered: it reads the caches,
// claims ReplicaSets, makes one step of progress and writes status last.
import type { Logger } from 'pino';
import type { KubeObject } from '../../api/resource-type.ts';
import { type LabelMatcher, labelSelectorFromObject } from '../../api/selectors/label-selector.ts';
import { isNotFound } from '../../client/api-error.ts';
import { indexByOwnerUid, objectKey } from '../../client/indexer.ts';
import type { Informer } from '../../client/informer.ts';
import type { InformerFactory } from '../../client/informer-factory.ts';
import { resources } from '../../client/resources.ts';
import type { RestClient } from '../../client/rest-client.ts';
import { claimObjects, getControllerOf, type OwnerReference, recheckOwner } from '../controller-ref.ts';
import { Controller, type ReconcileResult } from '../framework/controller.ts';
import { EventRecorder } from '../framework/event-recorder.ts';
import { isPodTerminal } from '../pod-utils.ts';
import { DeploymentSync, deploymentKind, type SyncContext } from './deployment-sync.ts';
import { isRecreate } from './deployment-util.ts';
import { type PodsByReplicaSet, rolloutRecreate } from './recreate.ts';
import { rolloutRolling } from './rolling.ts';
import { WriteOverlay } from './write-overlay.ts';

export interface DeploymentControllerOptions {
  /** The clock for conditions and deadlines (epoch ms). Default Date.now. */
  now?: () => number;
  /** Writes Events; default one for "deployment-controller". */
  recorder?: EventRecorder;
}

const OWNER_UID_INDEX = 'ownerUid';

export class DeploymentController extends Controller {
  private readonly deployments: Informer;
  private readonly replicaSets: Informer;
  private readonly pods: Informer;
  private readonly ctx: SyncContext;

  constructor(
    private readonly client: RestClient,
    informers: InformerFactory,
    logger: Logger,
    opts: DeploymentControllerOptions = {},
  ) {
    super('deployment', logger);
    const now = opts.now ?? Date.now;
    this.ctx = {
      client,
      recorder: opts.recorder ?? new EventRecorder(client, 'deployment-controller', logger),
      logger,
      overlay: new WriteOverlay(now),
      now,
    };
    this.deployments = informers.informerFor(resources.deployments);
    this.replicaSets = informers.informerFor(resources.replicaSets, { indexers: { [OWNER_UID_INDEX]: indexByOwnerUid } });
    this.pods = informers.informerFor(resources.pods, { indexers: { [OWNER_UID_INDEX]: indexByOwnerUid } });

    this.deployments.addEventHandler({
      onAdd: (d) => this.enqueue(objectKey(d)),
      onUpdate: (_old, d) => this.enqueue(objectKey(d)),
      onDelete: (d) => {
        this.ctx.overlay.forget(d.metadata?.uid);
        this.enqueue(objectKey(d));
      },
    });
    this.replicaSets.addEventHandler({
      onAdd: (rs) => this.replicaSetAdded(rs),
      onUpdate: (old, rs) => this.replicaSetUpdated(old, rs),
      onDelete: (rs) => this.replicaSetDeleted(rs),
    });
    this.pods.addEventHandler({
      onUpdate: (old, pod) => {
        if (!isPodTerminal(old) && isPodTerminal(pod)) this.oldPodGone(pod);
      },
      onDelete: (pod) => this.oldPodGone(pod),
    });
  }

  hasSynced(): boolean {
    return this.deployments.hasSynced() && this.replicaSets.hasSynced() && this.pods.hasSynced();
  }

  // ---- event handlers ------------------------------------------------------------------------

  /** The Deployment a controller reference points at, if it is the same incarnation. */
  private resolveControllerRef(namespace: string, ref: OwnerReference | undefined): KubeObject | undefined {
    if (!ref || ref.kind !== deploymentKind.kind || !ref.apiVersion?.startsWith('apps/')) return undefined;
    const d = this.deployments.get(namespace, ref.name);
    return d?.metadata?.uid === ref.uid ? d : undefined;
  }

  /** Deployments whose selector matches an orphaned ReplicaSet (they may adopt it). */
  private deploymentsMatching(rs: KubeObject): KubeObject[] {
    const labels = rs.metadata?.labels;
    if (!labels) return [];
    return this.deployments.list(rs.metadata?.namespace).filter((d) => {
      try {
        const selector = labelSelectorFromObject(d.spec?.selector);
        return !selector.empty() && selector.matches(labels);
      } catch {
        return false;
      }
    });
  }

  private replicaSetAdded(rs: KubeObject): void {
    if (rs.metadata?.deletionTimestamp) {
      this.replicaSetDeleted(rs);
      return;
    }
    const ref = getControllerOf(rs);
    if (ref) {
      const d = this.resolveControllerRef(rs.metadata?.namespace, ref);
      if (d) this.enqueue(objectKey(d));
      return;
    }
    for (const d of this.deploymentsMatching(rs)) this.enqueue(objectKey(d));
  }

  private replicaSetUpdated(old: KubeObject, rs: KubeObject): void {
    if (old.metadata?.resourceVersion === rs.metadata?.resourceVersion) return; // resync
    const namespace = rs.metadata?.namespace;
    const ref = getControllerOf(rs);
    const oldRef = getControllerOf(old);
    const refChanged = ref?.uid !== oldRef?.uid;
    if (refChanged && oldRef) {
      const d = this.resolveControllerRef(namespace, oldRef);
      if (d) this.enqueue(objectKey(d));
    }
    if (ref) {
      const d = this.resolveControllerRef(namespace, ref);
      if (d) this.enqueue(objectKey(d));
      return;
    }
    const labelsChanged = JSON.stringify(old.metadata?.labels ?? {}) !== JSON.stringify(rs.metadata?.labels ?? {});
    if (labelsChanged || refChanged) for (const d of this.deploymentsMatching(rs)) this.enqueue(objectKey(d));
  }

  private replicaSetDeleted(rs: KubeObject): void {
    this.ctx.overlay.forget(rs.metadata?.uid);
    const d = this.resolveControllerRef(rs.metadata?.namespace, getControllerOf(rs));
    if (d) this.enqueue(objectKey(d));
  }

  /** A Recreate rollout waits for old pods to be gone: look again when one goes. */
  private oldPodGone(pod: KubeObject): void {
    const ref = getControllerOf(pod);
    if (ref?.kind !== 'ReplicaSet') return;
    const namespace = pod.metadata?.namespace;
    const rs = this.replicaSets.get(namespace, ref.name);
    if (!rs || rs.metadata?.uid !== ref.uid) return;
    const d = this.resolveControllerRef(namespace, getControllerOf(rs));
    if (d && isRecreate(d)) this.enqueue(objectKey(d));
  }

  // ---- reconcile -------------------------------------------------------------------------------

  protected async reconcile(key: string): Promise<ReconcileResult | undefined> {
    if (!this.hasSynced()) return { requeueAfterMs: 50 };
    const slash = key.indexOf('/');
    const namespace = key.slice(0, slash);
    const name = key.slice(slash + 1);
    const cached = this.deployments.get(namespace, name);
    if (!cached) return undefined;
    const sync = new DeploymentSync(this.ctx, this.ctx.overlay.fresh(cached));
    try {
      await this.syncDeployment(sync);
    } catch (err) {
      if (isNotFound(err) && !this.deployments.get(namespace, name)) return undefined; // deleted meanwhile
      throw err;
    }
    return sync.requeueAfterMs !== undefined ? { requeueAfterMs: sync.requeueAfterMs } : undefined;
  }

  /** syncDeployment: one step of the Deployment's rollout or scaling. */
  private async syncDeployment(sync: DeploymentSync): Promise<void> {
    const d = sync.d;
    let selector: LabelMatcher;
    try {
      selector = labelSelectorFromObject(d.spec?.selector);
    } catch {
      return; // validation keeps invalid selectors out; nothing sensible to do
    }
    if (selector.empty()) {
      this.ctx.recorder.warning(d, 'SelectingAll', 'This deployment is selecting all pods. A non-empty selector is required.');
      if ((d.status?.observedGeneration ?? 0) < (d.metadata?.generation ?? 0)) {
        d.status.observedGeneration = d.metadata?.generation;
        await sync.writeStatus();
      }
      return;
    }

    const rsList = await this.claimReplicaSets(d, selector);

    if (d.metadata?.deletionTimestamp) {
      // Only keep the status current; the garbage collector removes the ReplicaSets.
      const { newRS, oldRSs } = await sync.getAllReplicaSetsAndSyncRevision(rsList, false);
      await sync.syncDeploymentStatus([...oldRSs, newRS], newRS);
      return;
    }

    await sync.checkPausedConditions();
    if (d.spec?.paused) {
      await sync.sync(rsList);
      return;
    }
    if (await sync.isScalingEvent(rsList)) {
      await sync.sync(rsList);
      return;
    }
    if (isRecreate(d)) await rolloutRecreate(sync, rsList, () => this.podsByReplicaSet(rsList));
    else await rolloutRolling(sync, rsList);
  }

  /** getReplicaSetsForDeployment: adopt matching orphans, release non-matching ones, return ours. */
  private claimReplicaSets(d: KubeObject, selector: LabelMatcher): Promise<KubeObject[]> {
    const namespace = d.metadata?.namespace;
    const uid = d.metadata?.uid;
    const cached = this.replicaSets.list(namespace).map((rs) => this.ctx.overlay.fresh(rs));
    const seen = new Set(cached.map((rs) => rs.metadata?.uid));
    const created = this.ctx.overlay.unseen(namespace, seen, (rs) => rs.kind === 'ReplicaSet' && getControllerOf(rs)?.uid === uid);
    return claimObjects({
      client: this.client,
      resource: resources.replicaSets,
      owner: d,
      ownerKind: deploymentKind,
      selector,
      objects: [...cached, ...created],
      canAdopt: recheckOwner(() => this.client.get(resources.deployments, namespace, d.metadata?.name), uid),
    });
  }

  /** getPodMapForDeployment: each ReplicaSet's pods, by the ReplicaSet's uid. */
  private podsByReplicaSet(rsList: KubeObject[]): PodsByReplicaSet {
    const out: PodsByReplicaSet = new Map();
    for (const rs of rsList) {
      const uid = rs.metadata?.uid;
      out.set(
        uid,
        this.pods.byIndex(OWNER_UID_INDEX, uid).filter((pod) => getControllerOf(pod)?.uid === uid),
      );
    }
    return out;
  }
}

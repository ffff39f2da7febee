// The DaemonSet controller (Kubernetes' pkg/controller/daemon): one pod per eligible node.
// For a DaemonSet it claims pods and ControllerRevisions, works out the current template's
// hash, creates a pod pinned (by node affinity) to each eligible node without one, deletes
// pods on nodes that no longer qualify and failed pods (with per-node back-off), runs the
// RollingUpdate step, prunes history and writes status last. Node changes wake exactly the
// DaemonSets whose eligibility on that node changed.
import type { Logger } from 'pino';
import type { KubeObject } from '../../api/resource-type.ts';
import { isConflict, isNotFound } from '../../client/api-error.ts';
import { objectKey } from '../../client/indexer.ts';
import { clone, type Informer } from '../../client/informer.ts';
import type { InformerFactory } from '../../client/informer-factory.ts';
import { resources } from '../../client/resources.ts';
import type { RestClient } from '../../client/rest-client.ts';
import { claimObjects, recheckOwner } from '../controller-ref.ts';
import { Controller, type ReconcileResult } from '../framework/controller.ts';
import { EventRecorder } from '../framework/event-recorder.ts';
import { Expectations } from '../framework/expectations.ts';
import { OwnedObjectEvents, ownerSelector } from '../framework/owned-object-events.ts';
import { ControllerHistory } from '../history/controller-history.ts';
import { CONTROLLER_REVISION_HASH_LABEL } from '../history/controller-revision.ts';
import { PodControl, type PodTemplateSpec } from '../pod-control.ts';
import { msUntilAvailable } from '../pod-utils.ts';
import {
  countStatus,
  type DaemonSetCounts,
  nodesToDaemonPods,
  planNodes,
  TEMPLATE_GENERATION_LABEL,
  templateGeneration,
} from './daemon-pods.ts';
import { DAEMONSET_KIND, DaemonSetHistory } from './daemonset-history.ts';
import { FailedPodBackoff } from './failed-pod-backoff.ts';
import { nodeShouldRunDaemonPod, pinToNode, withDaemonTolerations } from './node-eligibility.ts';
import { planRollingUpdate } from './rolling-update.ts';

export const DAEMONSET_CONTROLLER_NAME = 'daemonset-controller';

export interface DaemonSetControllerOptions {
  /** Clock for availability and failed-pod back-off; defaults to Date.now. */
  now?: () => number;
  /** First wait before replacing another failed pod on the same node. Default 1 s (as Kubernetes). */
  failedPodBackoffMs?: number;
  /** Longest such wait. Default 15 min (as Kubernetes). */
  failedPodMaxBackoffMs?: number;
}

/** CreatePodTemplate: the template plus daemon tolerations, generation and hash labels. */
export function daemonPodTemplate(ds: KubeObject, hash: string): PodTemplateSpec {
  const template: KubeObject = clone(ds.spec?.template ?? {});
  template.spec ??= {};
  template.spec.tolerations = withDaemonTolerations(template.spec);
  template.metadata ??= {};
  const labels: Record<string, string> = { ...(template.metadata.labels ?? {}) };
  const generation = templateGeneration(ds);
  if (generation !== undefined) labels[TEMPLATE_GENERATION_LABEL] = generation;
  if (hash) labels[CONTROLLER_REVISION_HASH_LABEL] = hash;
  template.metadata.labels = labels;
  return template;
}

export class DaemonSetController extends Controller {
  private readonly daemonSets: Informer;
  private readonly pods: Informer;
  private readonly nodes: Informer;
  private readonly revisions: Informer;
  private readonly expectations = new Expectations();
  private readonly routing: OwnedObjectEvents;
  private readonly recorder: EventRecorder;
  private readonly podControl: PodControl;
  private readonly history: DaemonSetHistory;
  private readonly backoff: FailedPodBackoff;
  private readonly now: () => number;

  constructor(
    private readonly client: RestClient,
    informers: InformerFactory,
    logger: Logger,
    opts: DaemonSetControllerOptions = {},
  ) {
    super(DAEMONSET_CONTROLLER_NAME, logger);
    this.now = opts.now ?? Date.now;
    this.backoff = new FailedPodBackoff(opts.failedPodBackoffMs ?? 1000, opts.failedPodMaxBackoffMs ?? 15 * 60 * 1000);
    this.daemonSets = informers.informerFor(resources.daemonSets);
    this.routing = new OwnedObjectEvents(DAEMONSET_KIND.kind, this.daemonSets, this.expectations, (key) => this.enqueue(key));
    this.pods = informers.informerFor(resources.pods);
    this.nodes = informers.informerFor(resources.nodes);
    this.revisions = informers.informerFor(resources.controllerRevisions);
    this.recorder = new EventRecorder(client, DAEMONSET_CONTROLLER_NAME, logger);
    this.podControl = new PodControl(client, this.recorder);
    this.history = new DaemonSetHistory(client, new ControllerHistory(client, this.revisions));

    this.daemonSets.addEventHandler({
      onAdd: (ds) => this.enqueue(objectKey(ds)),
      onUpdate: (_old, ds) => this.enqueue(objectKey(ds)),
      onDelete: (ds) => {
        this.expectations.forget(objectKey(ds));
        this.enqueue(objectKey(ds));
      },
    });
    this.pods.addEventHandler({
      onAdd: (pod) => this.routing.podAdded(pod),
      onUpdate: (old, pod) => this.routing.podUpdated(old, pod),
      onDelete: (pod) => this.routing.podDeleted(pod),
    });
    this.nodes.addEventHandler({
      onAdd: (node) => this.nodeChanged(undefined, node),
      onUpdate: (old, node) => this.nodeChanged(old, node),
      onDelete: (node) => this.nodeChanged(node, undefined),
    });
    this.revisions.addEventHandler({
      onAdd: (rev) => this.routing.enqueueOwnerOrMatching(rev),
      onUpdate: (old, rev) => {
        if (old.metadata?.resourceVersion !== rev.metadata?.resourceVersion) this.routing.enqueueOwnerOrMatching(rev);
      },
      onDelete: (rev) => this.routing.enqueueOwnerOrMatching(rev),
    });
  }

  hasSynced(): boolean {
    return [this.daemonSets, this.pods, this.nodes, this.revisions].every((i) => i.hasSynced());
  }

  // --- event routing ---

  /** A node joining or leaving wakes every DaemonSet; a node change wakes those whose fit on it changed. */
  private nodeChanged(old: KubeObject | undefined, node: KubeObject | undefined): void {
    for (const ds of this.daemonSets.list()) {
      if (!old || !node) {
        this.enqueue(objectKey(ds));
        continue;
      }
      const before = nodeShouldRunDaemonPod(old, ds);
      const after = nodeShouldRunDaemonPod(node, ds);
      if (before.shouldRun !== after.shouldRun || before.shouldContinueRunning !== after.shouldContinueRunning) {
        this.enqueue(objectKey(ds));
      }
    }
  }

  // --- reconcile ---

  protected async reconcile(key: string): Promise<ReconcileResult | undefined> {
    if (!this.hasSynced()) {
      const synced = await Promise.all([this.daemonSets, this.pods, this.nodes, this.revisions].map((i) => i.waitForSync()));
      if (!synced.every(Boolean)) return undefined;
    }
    const cached = this.daemonSets.getByKey(key);
    if (!cached) {
      this.expectations.forget(key);
      this.backoff.forgetPrefix(`${key}/`);
      return undefined;
    }
    const ds = clone(cached);
    const selector = ownerSelector(ds);
    if (!selector) {
      this.recorder.warning(ds, 'SelectingAll', 'This daemon set is selecting all pods. A non-empty selector is required.');
      return undefined;
    }
    // Whether the pods it owned are gone or orphaned is not known: leave a deleting set alone.
    if (ds.metadata?.deletionTimestamp) return undefined;

    const namespace = ds.metadata?.namespace;
    const canAdopt = recheckOwner(() => this.client.get(resources.daemonSets, namespace, ds.metadata?.name), ds.metadata?.uid);
    const pods = await claimObjects({
      client: this.client,
      resource: resources.pods,
      owner: ds,
      ownerKind: DAEMONSET_KIND,
      selector,
      objects: this.pods.list(namespace),
      canAdopt,
    });
    const { old, hash } = await this.history.construct(ds, selector, pods, canAdopt);
    const nodes = this.nodes.list();
    const now = this.now();

    if (!this.expectations.satisfied(key)) {
      // Our own writes are not in the cache yet: only refresh the counts.
      await this.writeStatus(ds, countStatus(ds, nodes, nodesToDaemonPods(pods), hash, now), false);
      return undefined;
    }

    let retryAfterMs: number | undefined;
    const byNode = nodesToDaemonPods(pods);
    const plan = planNodes(
      ds,
      nodes,
      byNode,
      hash,
      this.failedPodPolicy(key, now, (ms) => (retryAfterMs = Math.min(retryAfterMs ?? ms, ms))),
      now,
    );
    for (const { pod, node } of plan.failedPods) {
      this.recorder.warning(
        ds,
        'FailedDaemonPod',
        `Found failed daemon pod ${pod.metadata?.namespace}/${pod.metadata?.name} on node ${node}, will try to kill it`,
      );
    }
    let syncError = await this.syncNodes(ds, plan.deletePods, plan.createOn, hash);

    if (!syncError && this.expectations.satisfied(key) && ds.spec?.updateStrategy?.type === 'RollingUpdate') {
      const update = planRollingUpdate(ds, nodes, byNode, hash, now);
      syncError = await this.syncNodes(ds, update.deletePods, update.createOn, hash);
    }
    await this.history.cleanup(ds, old, pods);

    const counts = countStatus(ds, nodes, byNode, hash, now);
    await this.writeStatus(ds, counts, true);
    if (syncError) throw syncError;

    const minReadySeconds = Number(ds.spec?.minReadySeconds ?? 0);
    if (minReadySeconds > 0 && counts.numberReady !== counts.numberAvailable) {
      for (const pod of pods) {
        const wait = msUntilAvailable(pod, minReadySeconds, now);
        if (wait !== undefined) retryAfterMs = Math.min(retryAfterMs ?? wait, wait);
      }
    }
    return retryAfterMs !== undefined ? { requeueAfterMs: retryAfterMs } : undefined;
  }

  private failedPodPolicy(key: string, now: number, retryIn: (ms: number) => void) {
    return {
      mayReplaceFailed: (node: string) => {
        const wait = this.backoff.waitFor(`${key}/${node}`, now);
        if (wait > 0) {
          retryIn(wait);
          return false;
        }
        this.backoff.next(`${key}/${node}`, now);
        return true;
      },
    };
  }

  /**
   * Deletes `deletePods` and creates a pod pinned to each node of `createOn`, creations in
   * slow-start batches. Expectations cover every write so that the next pass waits for the
   * cache to catch up. Resolves the first error (the caller retries with back-off).
   */
  private async syncNodes(ds: KubeObject, deletePods: KubeObject[], createOn: string[], hash: string): Promise<unknown> {
    if (!deletePods.length && !createOn.length) return undefined;
    const key = objectKey(ds);
    const namespace = ds.metadata?.namespace;
    const unique = [...new Map(deletePods.map((p) => [p.metadata?.uid as string, p])).values()];
    this.expectations.expectCreations(key, createOn.length);
    this.expectations.expectDeletions(
      key,
      unique.map((p) => p.metadata?.uid),
    );
    const template = daemonPodTemplate(ds, hash);
    let firstError: unknown;

    let next = 0;
    for (let batch = 1; next < createOn.length; batch *= 2) {
      const nodes = createOn.slice(next, next + batch);
      next += nodes.length;
      const results = await Promise.allSettled(
        nodes.map((node) =>
          this.podControl.createPod(namespace, template, ds, {
            ownerKind: DAEMONSET_KIND,
            mutate: (pod) => {
              pod.spec.affinity = pinToNode(pod.spec.affinity, node);
            },
          }),
        ),
      );
      const failures = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
      for (let i = 0; i < failures.length; i++) this.expectations.creationFailed(key);
      if (failures.length) {
        firstError ??= failures[0].reason;
        // The rest would most likely fail the same way: they are not attempted, nor expected.
        for (let i = next; i < createOn.length; i++) this.expectations.creationFailed(key);
        break;
      }
    }

    const deletions = await Promise.allSettled(
      unique.map((pod) => this.podControl.deletePod(namespace, pod.metadata?.name, pod.metadata?.uid, ds)),
    );
    deletions.forEach((result, i) => {
      const uid = unique[i].metadata?.uid;
      if (result.status === 'rejected') {
        this.expectations.deletionObserved(key, uid);
        firstError ??= result.reason;
      } else if (result.value === 'gone') {
        this.expectations.deletionObserved(key, uid);
      }
    });
    return firstError;
  }

  /** Stores the counts (and observedGeneration when this pass acted on the generation) if they changed. */
  private async writeStatus(ds: KubeObject, counts: DaemonSetCounts, observe: boolean): Promise<void> {
    const stored = ds.status ?? {};
    const wanted: KubeObject = { ...stored, ...counts };
    if (!counts.numberUnavailable) delete wanted.numberUnavailable;
    if (!counts.updatedNumberScheduled) delete wanted.updatedNumberScheduled;
    if (!counts.numberAvailable) delete wanted.numberAvailable;
    if (observe) wanted.observedGeneration = ds.metadata?.generation;
    const fields = [...Object.keys(counts), 'observedGeneration'];
    if (fields.every((f) => (stored[f] ?? 0) === (wanted[f] ?? 0))) return;
    let target = ds;
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        await this.client.updateStatus(resources.daemonSets, { ...target, status: { ...target.status, ...pick(wanted, fields) } });
        return;
      } catch (err) {
        if (isNotFound(err)) return;
        if (!isConflict(err) || attempt > 0) throw err;
      }
      target = await this.client.get(resources.daemonSets, ds.metadata?.namespace, ds.metadata?.name);
      if (target.metadata?.uid !== ds.metadata?.uid) return;
    }
  }
}

/** The listed fields of `obj`; absent ones are set to undefined so they are dropped from the stored status. */
function pick(obj: KubeObject, fields: string[]): KubeObject {
  const out: KubeObject = {};
  for (const f of fields) out[f] = obj[f];
  return out;
}

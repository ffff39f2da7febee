// The pod garbage collector (Kubernetes' podgc): pods bound to a Node that no longer exists
// can never be stopped or confirmed by an agent, so they are force-deleted (grace 0), after
// a live check that the Node is really gone; a pod not yet terminal is first marked Failed
// with the condition DisruptionTarget (DeletionByPodGC), as Kubernetes does. This is what frees a DaemonSet's or a
// StatefulSet's identity after `kubectl delete node`. As Kubernetes' gcTerminating, it also
// force-deletes (marking them Failed) the terminating pods of a node that is not Ready and
// carries the `node.kubernetes.io/out-of-service` taint (non-graceful node shutdown), and, as
// Kubernetes' gcUnscheduledTerminating, the terminating pods never bound to a node (no agent
// will ever finish them: a Job's pod held by its tracking finalizer, say). A Hale agent that is still running
// registers its Node again at once, so the pods bound to the node when it was deleted are
// remembered and removed even if a Node of that name exists again by then. Besides reacting to events it looks at
// every pod every 20 s (Kubernetes' gc-check period), so a pod listed before the node cache
// had synced is not missed. On the same sweep, as Kubernetes' gcTerminated, once more than
// --terminated-pod-gc-threshold pods (default 12500; 0 turns it off) have finished (phase
// Succeeded or Failed), the extra ones are force-deleted: evicted ones first, then the oldest
// by creation time, then by name.
import type { Logger } from 'pino';
import { metaTime } from '../../api/meta-time.ts';
import type { KubeObject } from '../../api/resource-type.ts';
import { isConflict, isNotFound } from '../../client/api-error.ts';
import { indexByField, keyOf } from '../../client/indexer.ts';
import type { Informer } from '../../client/informer.ts';
import type { InformerFactory } from '../../client/informer-factory.ts';
import { resources } from '../../client/resources.ts';
import type { RestClient } from '../../client/rest-client.ts';
import { Controller, type ReconcileResult } from '../framework/controller.ts';
import { isOutOfService, readyStatus } from '../nodelifecycle/node-health.ts';
import { changePodStatus } from '../pod-status-write.ts';

const NODE_NAME_INDEX = 'spec.nodeName';

/** Kubernetes' gcTerminating test: the node is not Ready and carries the out-of-service taint (any effect). */
function outOfServiceAndNotReady(node: KubeObject | undefined): boolean {
  return readyStatus(node) !== 'True' && isOutOfService(node);
}

/** Kubernetes' DisruptionTarget condition of an orphaned pod the collector deletes. */
const POD_GC_CONDITION = {
  type: 'DisruptionTarget',
  status: 'True',
  reason: 'DeletionByPodGC',
  message: 'PodGC: node no longer exists',
};

export interface PodGarbageCollectorOptions {
  /** How often every pod is checked (default 20 s, as Kubernetes). */
  sweepIntervalMs?: number;
  /**
   * --terminated-pod-gc-threshold: finished pods (Succeeded or Failed) kept before the oldest
   * are deleted (default 12500, as Kubernetes; 0 or less: never).
   */
  terminatedPodThreshold?: number;
}

/** Kubernetes' default --terminated-pod-gc-threshold. */
export const DEFAULT_TERMINATED_POD_GC_THRESHOLD = 12_500;

const isTerminated = (pod: KubeObject) => pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed';
/** The kubelet's eviction marks a pod Failed with reason Evicted (Kubernetes' eviction.PodIsEvicted). */
const isEvicted = (pod: KubeObject) => pod.status?.phase === 'Failed' && pod.status?.reason === 'Evicted';

/**
 * Kubernetes' gcTerminated choice: with more finished pods than `threshold`, the extra ones,
 * evicted pods first, then the oldest by creationTimestamp, then by name. None when threshold ≤ 0.
 */
export function terminatedPodsToDelete(pods: KubeObject[], threshold: number): KubeObject[] {
  if (threshold <= 0) return [];
  const terminated = pods.filter(isTerminated);
  const deleteCount = terminated.length - threshold;
  if (deleteCount <= 0) return [];
  const created = (p: KubeObject) => Date.parse(p.metadata?.creationTimestamp ?? '') || 0;
  terminated.sort((a, b) => {
    if (isEvicted(a) !== isEvicted(b)) return isEvicted(a) ? -1 : 1;
    if (created(a) !== created(b)) return created(a) - created(b);
    const [an, bn] = [a.metadata?.name ?? '', b.metadata?.name ?? ''];
    return an < bn ? -1 : an > bn ? 1 : 0;
  });
  return terminated.slice(0, deleteCount);
}

export class PodGarbageCollector extends Controller {
  private readonly pods: Informer;
  private readonly nodes: Informer;
  private sweeper?: NodeJS.Timeout;
  /** Pods (uids) bound to a node when its deletion was seen: they go even if the node returns. */
  private readonly boundAtDeletion = new Map<string, Set<string>>();
  /** A gcTerminated pass is running (a slow one is not started twice). */
  private collectingTerminated = false;

  constructor(
    private readonly client: RestClient,
    informers: InformerFactory,
    logger: Logger,
    private readonly opts: PodGarbageCollectorOptions = {},
  ) {
    super('pod-garbage-collector', logger);
    this.pods = informers.informerFor(resources.pods, { indexers: { [NODE_NAME_INDEX]: indexByField('spec.nodeName') } });
    this.nodes = informers.informerFor(resources.nodes);
    // Work items are node names: a node's removal (or a pod bound to an unknown node) wakes it;
    // and namespace/name for an unscheduled terminating pod (a node name has no slash).
    this.nodes.addEventHandler({
      onAdd: (node) => this.nodeSeen(node),
      onUpdate: (_old, node) => this.nodeSeen(node),
      onDelete: (node) => {
        const name = node.metadata?.name ?? '';
        const uids = new Set(this.pods.byIndex(NODE_NAME_INDEX, name).map((p) => p.metadata?.uid as string));
        if (uids.size > 0) this.boundAtDeletion.set(name, uids);
        this.enqueue(name);
      },
    });
    this.pods.addEventHandler({
      onAdd: (pod) => this.podSeen(pod),
      onUpdate: (_old, pod) => this.podSeen(pod),
    });
  }

  override run(workers = 1): void {
    super.run(workers);
    this.sweeper = setInterval(() => this.sweep(), this.opts.sweepIntervalMs ?? 20_000);
    this.sweeper.unref();
  }

  override async stop(): Promise<void> {
    clearInterval(this.sweeper);
    await super.stop();
  }

  /** Every pod bound to a node the cache does not know is looked at; finished pods over the threshold go. */
  private sweep(): void {
    if (!this.pods.hasSynced() || !this.nodes.hasSynced()) return;
    const pods = this.pods.list();
    for (const pod of pods) this.podSeen(pod);
    if (this.collectingTerminated) return;
    this.collectingTerminated = true;
    this.gcTerminated(pods)
      .catch((err) => this.logger.warn({ err }, 'garbage collecting terminated pods failed; retried on the next sweep'))
      .finally(() => (this.collectingTerminated = false));
  }

  /** Kubernetes' gcTerminated: the finished pods over --terminated-pod-gc-threshold are force-deleted. */
  private async gcTerminated(pods: KubeObject[]): Promise<void> {
    const doomed = terminatedPodsToDelete(pods, this.opts.terminatedPodThreshold ?? DEFAULT_TERMINATED_POD_GC_THRESHOLD);
    if (doomed.length === 0) return;
    this.logger.info({ numPods: doomed.length }, 'garbage collecting terminated pods');
    // A few at a time (Kubernetes starts them all at once).
    for (let i = 0; i < doomed.length; i += 16) {
      await Promise.all(
        doomed.slice(i, i + 16).map(async (pod) => {
          try {
            await this.forceDelete(pod);
          } catch (err) {
            if (!isNotFound(err) && !isConflict(err)) throw err;
          }
        }),
      );
    }
  }

  private podSeen(pod: KubeObject): void {
    const nodeName: string | undefined = pod.spec?.nodeName;
    if (!nodeName) {
      if (pod.metadata?.deletionTimestamp) this.enqueue(keyOf(pod.metadata.namespace, pod.metadata.name));
      return;
    }
    if (!this.nodes.hasSynced()) return;
    const node = this.nodes.get(undefined, nodeName);
    if (!node || (pod.metadata?.deletionTimestamp && outOfServiceAndNotReady(node))) this.enqueue(nodeName);
  }

  private nodeSeen(node: KubeObject): void {
    if (outOfServiceAndNotReady(node)) this.enqueue(node.metadata?.name ?? '');
  }

  protected async reconcile(nodeName: string): Promise<ReconcileResult | undefined> {
    if (!nodeName) return undefined;
    if (!this.pods.hasSynced() || !this.nodes.hasSynced()) return { requeueAfterMs: 100 };
    if (nodeName.includes('/')) return this.gcUnscheduledTerminating(nodeName);
    const remembered = this.boundAtDeletion.get(nodeName);
    this.boundAtDeletion.delete(nodeName);
    let node = this.nodes.get(undefined, nodeName);
    if (!node) {
      try {
        // The cache may lag a node that was just (re)registered.
        node = await this.client.get(resources.nodes, undefined, nodeName);
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
    }
    const exists = Boolean(node);
    const orphaned = (pod: KubeObject) => !exists || Boolean(remembered?.has(pod.metadata?.uid as string));
    // Kubernetes' gcTerminating: the user vouched (out-of-service taint) that the node is down,
    // so the deletions its agent will never finish are finished here.
    const outOfService = exists && outOfServiceAndNotReady(node);
    const doomed = this.pods
      .byIndex(NODE_NAME_INDEX, nodeName)
      .filter((pod) => orphaned(pod) || (outOfService && Boolean(pod.metadata?.deletionTimestamp)));
    for (const pod of doomed) {
      const { namespace, name } = pod.metadata ?? {};
      try {
        if (!(await this.markFailed(pod, orphaned(pod) ? POD_GC_CONDITION : undefined))) continue;
        await this.forceDelete(pod);
        this.logger.info(
          { pod: keyOf(namespace, name), node: nodeName },
          orphaned(pod) ? 'deleted pod bound to a node that no longer exists' : 'force-deleted terminating pod of an out-of-service node',
        );
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
    }
    return undefined;
  }

  /** Deletes the pod at once (grace period 0), and only the pod with this uid. */
  private async forceDelete(pod: KubeObject): Promise<void> {
    const { namespace, name, uid } = pod.metadata ?? {};
    await this.client.delete(resources.pods, namespace, name, { gracePeriodSeconds: 0, preconditions: { uid } });
  }

  /**
   * Kubernetes' gcUnscheduledTerminating: a pod being deleted that was never bound to a node has
   * no agent to finish it; it is marked Failed (when not yet terminal) and force-deleted.
   */
  private async gcUnscheduledTerminating(podKey: string): Promise<undefined> {
    const slash = podKey.indexOf('/');
    const pod = this.pods.get(podKey.slice(0, slash), podKey.slice(slash + 1));
    if (!pod?.metadata?.deletionTimestamp || pod.spec?.nodeName) return undefined;
    // Already done, held by a finalizer: deleting again would only wake this again.
    if (isTerminated(pod) && pod.metadata.deletionGracePeriodSeconds === 0) return undefined;
    try {
      if (!(await this.markFailed(pod))) return undefined;
      await this.forceDelete(pod);
      this.logger.info({ pod: podKey }, 'force-deleted unscheduled terminating pod');
    } catch (err) {
      if (!isNotFound(err) && !isConflict(err)) throw err;
    }
    return undefined;
  }

  /**
   * Before the deletion, as Kubernetes' podgc does: a pod not yet terminal gets phase Failed (no
   * agent is left to finish it) and, when orphaned, the condition DisruptionTarget
   * (DeletionByPodGC), which a Job's podFailurePolicy can match. False when the pod is gone (or
   * replaced by another uid).
   */
  private markFailed(pod: KubeObject, condition?: typeof POD_GC_CONDITION): Promise<boolean> {
    return changePodStatus(this.client, pod, (current) => {
      const phase = current.status?.phase;
      if (phase === 'Succeeded' || phase === 'Failed') return undefined;
      const copy = structuredClone(current);
      copy.status = { ...(copy.status ?? {}), phase: 'Failed' };
      if (condition) {
        const others = (copy.status.conditions ?? []).filter((c: { type: string }) => c.type !== condition.type);
        const lastTransitionTime = metaTime();
        copy.status.conditions = [...others, { ...condition, lastTransitionTime }];
      }
      return copy;
    });
  }
}

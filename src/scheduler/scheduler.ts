// The scheduler: watches pods and nodes, takes pending pods meant for it (schedulerName
// "default-scheduler" and no nodeName) one at a time from the scheduling queue, picks a node
// with the filter and score plugins, assumes the pod there and binds it through the
// pods/binding subresource in the background. Pods no node fits get PodScheduled=False
// (Unschedulable) and a FailedScheduling event, and wait for the cluster to change.
// Pods with unbound WaitForFirstConsumer claims first have their volumes bound on the chosen
// node (VolumeBinder), also in the background, and are bound once that is done.
import type { Logger } from 'pino';
import { metaTime } from '../api/meta-time.ts';
import type { KubeObject } from '../api/resource-type.ts';
import { ApiError, isConflict, isNotFound } from '../client/api-error.ts';
import type { Informer } from '../client/informer.ts';
import type { InformerFactory } from '../client/informer-factory.ts';
import { resourcePath } from '../client/resource-path.ts';
import { resources } from '../client/resources.ts';
import type { RestClient } from '../client/rest-client.ts';
import { EventRecorder } from '../controllers/framework/event-recorder.ts';
import { EventSink } from './event-sink.ts';
import { fitErrorMessage, noNodesAvailable } from './fit-error.ts';
import { GenericScheduler, type GenericSchedulerOptions } from './generic-scheduler.ts';
import { readinessTaintOf } from './node-info.ts';
import { SchedulerCache } from './scheduler-cache.ts';
import { type QueuedPod, SchedulingQueue, type SchedulingQueueOptions } from './scheduling-queue.ts';
import { VolumeBinder } from './volume-binder.ts';
import { VolumeCache } from './volume-cache.ts';

export const defaultSchedulerName = 'default-scheduler';

export interface SchedulerOptions extends SchedulingQueueOptions, Pick<GenericSchedulerOptions, 'percentageOfNodesToScore'> {
  /** Pods with this spec.schedulerName are ours. Default "default-scheduler". */
  schedulerName?: string;
  /** Bindings in flight at once (the scheduling loop waits when this many are pending). Default 64. */
  bindConcurrency?: number;
  /** Write Scheduled/FailedScheduling events. Default true. */
  events?: boolean;
  /** How long to wait for WaitForFirstConsumer claims to be bound before giving up on the node. Default 60 s. */
  volumeBindingTimeoutMs?: number;
}

type Json = Record<string, any>;

const isAssigned = (pod: KubeObject) => !!pod.spec?.nodeName;
const isTerminal = (pod: KubeObject) => pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed';

export class Scheduler {
  readonly cache: SchedulerCache;
  readonly queue: SchedulingQueue;
  private readonly algorithm: GenericScheduler;
  private readonly pods: Informer;
  private readonly nodes: Informer;
  private readonly namespaces: Informer;
  private readonly storageInformers: Informer[];
  private readonly volumeBinder: VolumeBinder;
  private readonly events?: EventSink;
  private readonly schedulerName: string;
  private readonly bindConcurrency: number;
  private readonly removeHandlers: (() => void)[] = [];
  private readonly abort = new AbortController();
  private bindsInFlight = new Set<Promise<void>>();
  /** Pods waiting for their volumes to be bound, by uid: not counted against bindConcurrency. */
  private readonly volumeWaits = new Map<string, { cancel: AbortController; done: Promise<void> }>();
  /** Resolves the schedule loop's wait for a free binding slot. */
  private bindSlotFreed: (() => void) | undefined;
  private loop?: Promise<void>;
  /** Counters for metrics and benchmarks. */
  readonly stats = { attempts: 0, scheduled: 0, unschedulable: 0, bindErrors: 0 };

  constructor(
    private readonly client: RestClient,
    informers: InformerFactory,
    private readonly logger: Logger,
    opts: SchedulerOptions = {},
  ) {
    this.schedulerName = opts.schedulerName ?? defaultSchedulerName;
    this.bindConcurrency = opts.bindConcurrency ?? 64;
    this.pods = informers.informerFor(resources.pods);
    this.nodes = informers.informerFor(resources.nodes);
    this.namespaces = informers.informerFor(resources.namespaces);
    const claims = informers.informerFor(resources.persistentVolumeClaims);
    const persistentVolumes = informers.informerFor(resources.persistentVolumes);
    const storageClasses = informers.informerFor(resources.storageClasses);
    this.storageInformers = [claims, persistentVolumes, storageClasses];
    const volumes = new VolumeCache(claims, persistentVolumes, storageClasses);
    this.volumeBinder = new VolumeBinder(client, claims, volumes, opts.volumeBindingTimeoutMs);
    this.cache = new SchedulerCache((ns) => this.namespaces.get(undefined, ns)?.metadata?.labels, volumes);
    this.queue = new SchedulingQueue(opts);
    this.algorithm = new GenericScheduler({ percentageOfNodesToScore: opts.percentageOfNodesToScore });
    if (opts.events !== false) this.events = new EventSink(new EventRecorder(client, this.schedulerName, logger));
    this.removeHandlers.push(
      this.nodes.addEventHandler({
        onAdd: (node) => this.onNodeAdd(node),
        onUpdate: (old, node) => this.onNodeUpdate(old, node),
        onDelete: (node) => this.cache.removeNode(node),
      }),
      this.pods.addEventHandler({
        onAdd: (pod) => this.onPodAdd(pod),
        onUpdate: (old, pod) => this.onPodUpdate(old, pod),
        onDelete: (pod) => this.onPodDelete(pod),
      }),
      () => this.volumeBinder.stop(),
      // A claim, volume or class added or changed may make a pod's volumes fit (VolumeBinding's events).
      ...this.storageInformers.map((informer) =>
        informer.addEventHandler({
          onAdd: () => this.queue.moveAllToActiveOrBackoff(),
          onUpdate: (old, obj) => {
            if (old.metadata?.resourceVersion !== obj.metadata?.resourceVersion) this.queue.moveAllToActiveOrBackoff();
          },
        }),
      ),
    );
  }

  /** Starts scheduling once the pod, node and namespace caches have synced. */
  run(): void {
    this.loop ??= this.scheduleLoop();
  }

  async stop(): Promise<void> {
    this.abort.abort();
    this.queue.close();
    for (const remove of this.removeHandlers) remove();
    await this.loop;
    for (const wait of this.volumeWaits.values()) wait.cancel.abort();
    await Promise.all([...this.volumeWaits.values()].map((wait) => wait.done));
    await Promise.all(this.bindsInFlight);
    await this.events?.idle();
  }

  // ---- informer events ----

  private responsibleFor(pod: KubeObject): boolean {
    return (pod.spec?.schedulerName ?? defaultSchedulerName) === this.schedulerName;
  }

  /** A pending pod the queue should hold: ours, unassigned, not being deleted, not gated, not already placed. */
  private wantsScheduling(pod: KubeObject): boolean {
    if (isAssigned(pod) || !this.responsibleFor(pod) || pod.metadata?.deletionTimestamp || isTerminal(pod)) return false;
    if (Array.isArray(pod.spec?.schedulingGates) && pod.spec.schedulingGates.length > 0) return false;
    return !this.cache.isAssumed(String(pod.metadata?.uid));
  }

  private onNodeAdd(node: KubeObject): void {
    this.cache.addOrUpdateNode(node);
    this.queue.moveAllToActiveOrBackoff();
  }

  private onNodeUpdate(old: KubeObject, node: KubeObject): void {
    this.cache.addOrUpdateNode(node);
    if (nodeSchedulingChanged(old, node)) this.queue.moveAllToActiveOrBackoff();
  }

  private onPodAdd(pod: KubeObject): void {
    if (isAssigned(pod)) {
      if (!isTerminal(pod)) this.cache.addOrUpdatePod(pod);
      return;
    }
    if (this.wantsScheduling(pod)) this.queue.addOrUpdate(pod);
  }

  private onPodUpdate(old: KubeObject, pod: KubeObject): void {
    if (isAssigned(pod)) {
      this.queue.delete(pod);
      if (isTerminal(pod)) {
        // A finished pod frees its node's resources, like a deleted one.
        this.cache.removePod(pod);
        if (!isTerminal(old)) this.queue.moveAllToActiveOrBackoff();
        return;
      }
      this.cache.addOrUpdatePod(pod);
      if (isAssigned(old) && JSON.stringify(old.metadata?.labels) !== JSON.stringify(pod.metadata?.labels)) {
        this.queue.moveAllToActiveOrBackoff();
      }
      return;
    }
    if (this.wantsScheduling(pod)) this.queue.addOrUpdate(pod);
    else this.queue.delete(pod);
  }

  private onPodDelete(pod: KubeObject): void {
    if (isAssigned(pod)) {
      this.cache.removePod(pod);
      this.queue.moveAllToActiveOrBackoff();
      return;
    }
    this.queue.delete(pod);
    // A pod deleted while assumed (its binding in flight) must not keep holding resources.
    this.cache.removePod(pod);
    this.volumeWaits.get(String(pod.metadata?.uid))?.cancel.abort();
  }

  // ---- the scheduling loop ----

  private async scheduleLoop(): Promise<void> {
    const signal = this.abort.signal;
    const synced = await Promise.all(
      [this.pods, this.nodes, this.namespaces, ...this.storageInformers].map((informer) => informer.waitForSync(signal)),
    );
    if (!synced.every(Boolean)) return;
    this.logger.info({ schedulerName: this.schedulerName }, 'scheduler started');
    let sinceYield = 0;
    for (;;) {
      while (this.bindsInFlight.size >= this.bindConcurrency) {
        // One waiter woken by the next finished binding (Promise.race over all of them would
        // add a reaction to every binding in flight, for every pod).
        await new Promise<void>((resolve) => {
          this.bindSlotFreed = resolve;
        });
      }
      const entry = await this.queue.pop();
      if (!entry) return;
      try {
        this.scheduleOne(entry);
      } catch (err) {
        this.logger.error({ pod: entry.info.key, err: errorText(err) }, 'scheduling attempt failed');
        this.queue.addBackoff(entry);
      }
      // Let informer events and binding responses in every few pods.
      if (++sinceYield >= 32) {
        sinceYield = 0;
        await new Promise((r) => setImmediate(r));
      }
    }
  }

  /** One scheduling cycle for one pod: synchronous up to the background binding. */
  private scheduleOne(entry: QueuedPod): void {
    const cycle = this.queue.cycle;
    // The cache may know better than the queued copy (deleted, already bound).
    const current = this.pods.get(entry.info.namespace, entry.info.name);
    if (!current || current.metadata?.uid !== entry.info.uid || !this.wantsScheduling(current)) {
      this.queue.done(entry);
      return;
    }
    this.stats.attempts++;
    const outcome = this.algorithm.schedule(entry.info, this.cache);
    if (outcome.kind === 'scheduled') {
      this.cache.assumePod(entry.info, outcome.node.name);
      this.stats.scheduled++;
      const claims = this.volumeBinder.claimsToBind(entry.info);
      if (claims.length > 0) this.bindVolumesThenPod(entry, outcome.node.name, claims);
      else this.startBinding(entry, outcome.node.name);
      return;
    }
    this.stats.unschedulable++;
    const message =
      outcome.kind === 'noNodes'
        ? noNodesAvailable
        : fitErrorMessage(outcome.numAllNodes, outcome.statuses, entry.info.pod.spec?.preemptionPolicy, outcome.preFilterMessage);
    this.queue.addUnschedulable(entry, cycle);
    this.reportUnschedulable(current, message);
  }

  private startBinding(entry: QueuedPod, nodeName: string): void {
    const binding = this.bind(entry, nodeName);
    this.bindsInFlight.add(binding);
    void binding.finally(() => {
      this.bindsInFlight.delete(binding);
      const wake = this.bindSlotFreed;
      this.bindSlotFreed = undefined;
      wake?.();
    });
  }

  /**
   * Sends the pod's WaitForFirstConsumer claims to the node and binds the pod once they are
   * bound. The pod stays assumed meanwhile; waiting takes no binding slot, so a slow
   * provisioner cannot stall the scheduling loop.
   */
  private bindVolumesThenPod(entry: QueuedPod, nodeName: string, claims: KubeObject[]): void {
    const { info } = entry;
    this.volumeBinder.assume(claims, nodeName);
    const cancel = new AbortController();
    const done = this.volumeBinder.bindVolumes(claims, nodeName, cancel.signal).then(
      () => {
        if (cancel.signal.aborted) this.dropAfterCancel(entry, claims);
        else this.startBinding(entry, nodeName);
      },
      (err) => {
        if (cancel.signal.aborted) {
          this.dropAfterCancel(entry, claims);
          return;
        }
        this.volumeBinder.forget(claims);
        this.cache.forgetPod(info);
        this.stats.bindErrors++;
        const message = `running PreBind plugin "VolumeBinding": ${errorText(err)}`;
        this.logger.warn({ pod: info.key, node: nodeName, err: message }, 'binding volumes failed; retrying');
        this.reportUnschedulable(this.pods.get(info.namespace, info.name) ?? info.pod, message, 'SchedulerError');
        this.requeueAfterBindFailure(entry);
      },
    );
    this.volumeWaits.set(info.uid, { cancel, done });
    void done.finally(() => this.volumeWaits.delete(info.uid));
  }

  /** The pod was deleted, or the scheduler stopped, while its volumes were being bound. */
  private dropAfterCancel(entry: QueuedPod, claims: KubeObject[]): void {
    this.volumeBinder.forget(claims);
    this.cache.forgetPod(entry.info);
    this.queue.done(entry);
  }

  /**
   * Back to the queue after back-off, and the resources the pod held are free again. A pod
   * updated while assumed left the queue (it did not want scheduling then): add it back.
   */
  private requeueAfterBindFailure(entry: QueuedPod): void {
    const { info } = entry;
    if (this.queue.has(info.pod)) this.queue.addBackoff(entry);
    else {
      const current = this.pods.get(info.namespace, info.name);
      if (current?.metadata?.uid === info.uid && this.wantsScheduling(current)) this.queue.addOrUpdate(current);
    }
    this.queue.moveAllToActiveOrBackoff();
  }

  private async bind(entry: QueuedPod, nodeName: string): Promise<void> {
    const { info } = entry;
    try {
      await this.client.request('POST', resourcePath(resources.pods, info.namespace, info.name, 'binding'), {
        body: {
          apiVersion: 'v1',
          kind: 'Binding',
          metadata: { name: info.name, namespace: info.namespace, uid: info.uid },
          target: { kind: 'Node', name: nodeName },
        },
      });
      this.queue.done(entry);
      this.events?.record(info.pod, 'Normal', 'Scheduled', `Successfully assigned ${info.key} to ${nodeName}`);
    } catch (err) {
      this.cache.forgetPod(info);
      this.stats.bindErrors++;
      if (isNotFound(err) || (isConflict(err) && /already assigned|being deleted|UID in precondition/.test(errorText(err)))) {
        // Gone, or placed by someone else: nothing to retry.
        this.queue.done(entry);
        return;
      }
      this.logger.warn({ pod: info.key, node: nodeName, err: errorText(err) }, 'binding failed; retrying');
      this.events?.record(info.pod, 'Warning', 'FailedScheduling', `Binding rejected: ${errorText(err)}`);
      this.requeueAfterBindFailure(entry);
    }
  }

  /**
   * PodScheduled=False (written only when it changes) and a FailedScheduling event. The reason
   * is Unschedulable when no node fits, SchedulerError when a step after the decision failed.
   */
  private reportUnschedulable(pod: KubeObject, message: string, reason: 'Unschedulable' | 'SchedulerError' = 'Unschedulable'): void {
    this.events?.record(pod, 'Warning', 'FailedScheduling', message);
    const conditions: Json[] = Array.isArray(pod.status?.conditions) ? pod.status.conditions : [];
    const existing = conditions.find((c) => c?.type === 'PodScheduled');
    if (existing?.status === 'False' && existing.reason === reason && existing.message === message) return;
    const condition = {
      type: 'PodScheduled',
      status: 'False',
      reason,
      message,
      lastProbeTime: null,
      lastTransitionTime: existing?.status === 'False' && existing.lastTransitionTime ? existing.lastTransitionTime : timestamp(),
    };
    this.client
      .patch(resources.pods, pod.metadata?.namespace, pod.metadata!.name, { status: { conditions: [condition] } }, 'strategic', {
        subresource: 'status',
      })
      .catch((err) => {
        if (!isNotFound(err))
          this.logger.warn(
            { pod: `${pod.metadata?.namespace}/${pod.metadata?.name}`, err: errorText(err) },
            'could not update pod condition',
          );
      });
  }
}

/** Did anything a filter looks at change (not just a heartbeat)? */
export function nodeSchedulingChanged(old: KubeObject, node: KubeObject): boolean {
  const view = (n: KubeObject) =>
    JSON.stringify([
      n.metadata?.labels,
      n.spec?.taints,
      n.spec?.unschedulable,
      n.status?.allocatable ?? n.status?.capacity,
      readinessTaintOf(n)?.key,
    ]);
  return view(old) !== view(node);
}

function timestamp(): string {
  return metaTime();
}

function errorText(err: unknown): string {
  if (err instanceof ApiError) return err.message;
  return err instanceof Error ? err.message : String(err);
}

// Taint-based eviction (Kubernetes' taint manager, `TaintManagerEviction` events): a pod on a
// node with a NoExecute taint it does not tolerate is deleted at once; one that tolerates it
// for tolerationSeconds is deleted when that time has passed since the taint was added. Every
// NoExecute taint counts, whoever added it (`kubectl taint`, the node-lifecycle controller),
// with one exception: the unreachable taint the node-lifecycle controller put on a silent node
// is left over once the node is heard from again (that controller is lifting it), and evicts
// nothing, so the pods held back during the silence stay. Before deleting, the pod gets the
// DisruptionTarget condition (reason DeletionByTaintManager), as in Kubernetes.
//
// Stateful safety: when the node is silent (its agent stopped renewing its Lease), a pod that
// may not run twice (pod-safety.ts) is not handed to the ordinary graceful deletion — nobody
// would confirm it — but force-deleted once the node is known to be fenced; pods already
// terminating on such a node are force-deleted then too, so no object stays "Terminating"
// for ever. Ordinary pods are deleted gracefully at once: their controllers replace them
// without waiting, and the old copies end when the node fences or returns.
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
import type { EventRecorder } from '../framework/event-recorder.ts';
import { changePodStatus } from '../pod-status-write.ts';
import { condition, isOutOfService, TAINT_UNREACHABLE, type Taint } from './node-health.ts';
import { mayNotRunTwice } from './pod-safety.ts';
import { evictionDecision } from './toleration-timing.ts';

export const NODE_NAME_INDEX = 'spec.nodeName';

/** What the node-lifecycle controller knows about a node's silence. */
export interface NodeSilence {
  /** The agent has stopped renewing the node's Lease (the node is suspected). */
  silent: boolean;
  /** From when nothing of the node runs any more (fenced); undefined when that cannot be known. */
  fencedAt?: number;
  /** Every zone is fully disrupted: a control-plane or network fault, evict nothing. */
  paused?: boolean;
  /**
   * When a node heard from now was last heard from again after a silence (this process's
   * clock): the unreachable NoExecute taint added before then is left over from the silence.
   */
  silenceEndedAt?: number;
}

/** Kubernetes' DisruptionTarget condition of a pod the taint manager deletes. */
export const TAINT_EVICTION_CONDITION = {
  type: 'DisruptionTarget',
  status: 'True',
  reason: 'DeletionByTaintManager',
  message: 'Taint manager: deleting due to NoExecute taint',
};

/** The node-lifecycle controller writes timeAdded in whole seconds, rounded up. */
const TIME_ADDED_ROUNDING_MS = 1000;

export class TaintEvictionController extends Controller {
  private readonly pods: Informer;
  private readonly nodes: Informer;
  /**
   * When each NoExecute taint without timeAdded was first seen, per node (taint identity
   * key=value:effect): its tolerationSeconds count from then, not from every look.
   */
  private readonly firstSeen = new Map<string, Map<string, number>>();
  /** Uids of the pods this controller has deleted, until they leave the cache (one event and one delete each). */
  private readonly marked = new Set<string>();
  /** Uids of the pods whose eviction waits for a toleration to run out: told when it is called off. */
  private readonly scheduled = new Set<string>();
  /** Pods deleted by this controller (for tests and metrics). */
  readonly evicted: { graceful: number; forced: number } = { graceful: 0, forced: 0 };

  /** How many pods wait for a toleration to run out before their eviction (for tests and metrics). */
  get pendingEvictions(): number {
    return this.scheduled.size;
  }

  constructor(
    private readonly client: RestClient,
    informers: InformerFactory,
    logger: Logger,
    private readonly recorder: EventRecorder,
    private readonly silence: (nodeName: string) => NodeSilence,
    private readonly now: () => number = Date.now,
  ) {
    super('taint-eviction', logger);
    this.pods = informers.informerFor(resources.pods, { indexers: { [NODE_NAME_INDEX]: indexByField('spec.nodeName') } });
    this.nodes = informers.informerFor(resources.nodes);
    this.pods.addEventHandler({
      onAdd: (pod) => this.podChanged(pod),
      onUpdate: (_old, pod) => this.podChanged(pod),
      onDelete: (pod) => {
        this.marked.delete(pod.metadata?.uid);
        this.scheduled.delete(pod.metadata?.uid);
      },
    });
    this.nodes.addEventHandler({
      onAdd: (node) => this.nodeChanged(undefined, node),
      onUpdate: (old, node) => this.nodeChanged(old, node),
      onDelete: (node) => this.firstSeen.delete(node.metadata?.name ?? ''),
    });
  }

  /** Looks again at every pod of the node (its silence changed). */
  enqueueNode(nodeName: string): void {
    for (const pod of this.pods.byIndex(NODE_NAME_INDEX, nodeName)) this.enqueue(keyOf(pod.metadata?.namespace, pod.metadata?.name));
  }

  /**
   * Deletes now every pod of `node` (not silent) that its current NoExecute taints condemn: the
   * node-lifecycle controller calls it before it lifts a condition taint from a node it hears
   * from, so that such a taint, however short-lived, has its effect (Kubernetes' controller lifts
   * it at its next pass, seconds later, by which time the taint manager has acted).
   */
  async evictBeforeLift(node: KubeObject): Promise<void> {
    const nodeName = node.metadata?.name ?? '';
    const silence = this.silence(nodeName);
    if (silence.silent || silence.paused) return;
    const now = this.now();
    for (const pod of this.pods.byIndex(NODE_NAME_INDEX, nodeName)) {
      if (pod.metadata?.deletionTimestamp) continue;
      const decision = this.decide(node, pod, silence, now);
      if (decision.kind === 'at' && decision.at <= now) await this.deletePod(pod, false);
    }
  }

  private podChanged(pod: KubeObject): void {
    if (pod.spec?.nodeName) this.enqueue(keyOf(pod.metadata?.namespace, pod.metadata?.name));
  }

  /** Records the NoExecute taints without timeAdded now on `node`, forgetting those gone. */
  private noteTaints(node: KubeObject): Map<string, number> {
    const name = node.metadata?.name ?? '';
    const seen = this.firstSeen.get(name) ?? new Map<string, number>();
    const current = new Set<string>();
    for (const t of (node.spec?.taints ?? []) as Taint[]) {
      if (t.effect !== 'NoExecute' || t.timeAdded) continue;
      const id = taintId(t);
      current.add(id);
      if (!seen.has(id)) seen.set(id, this.now());
    }
    for (const id of seen.keys()) if (!current.has(id)) seen.delete(id);
    if (seen.size > 0) this.firstSeen.set(name, seen);
    else this.firstSeen.delete(name);
    return seen;
  }

  private nodeChanged(old: KubeObject | undefined, node: KubeObject): void {
    this.noteTaints(node);
    const noExecute = (n: KubeObject | undefined) => JSON.stringify((n?.spec?.taints ?? []).filter((t: Taint) => t.effect === 'NoExecute'));
    if (noExecute(old) !== noExecute(node) || isOutOfService(old) !== isOutOfService(node)) this.enqueueNode(node.metadata?.name ?? '');
  }

  protected async reconcile(key: string): Promise<ReconcileResult | undefined> {
    if (!this.pods.hasSynced() || !this.nodes.hasSynced()) return { requeueAfterMs: 100 };
    const pod = this.pods.getByKey(key);
    const nodeName: string | undefined = pod?.spec?.nodeName;
    if (!pod || !nodeName) return undefined;
    const node = this.nodes.get(undefined, nodeName);
    if (!node) return undefined; // the pod garbage collector's job
    const now = this.now();
    const silence = this.silence(nodeName);
    const decision = this.decide(node, pod, silence, now);
    if (decision.kind === 'never') return this.cancelScheduled(pod);
    if (decision.at > now) return this.schedule(pod, decision.at - now);

    const terminating = Boolean(pod.metadata?.deletionTimestamp);
    if (silence.paused) return { requeueAfterMs: 500 };
    if (!silence.silent) {
      // The agent is there to stop the pod and confirm: the ordinary graceful deletion, once
      // the node's current taints (read from the API server, not the cache, which may still
      // hold a taint lifted a moment ago) still call for it. A condition taint the
      // node-lifecycle controller lifts has had its effect before (evictBeforeLift).
      if (terminating) return undefined;
      const live = await this.readNode(nodeName);
      if (!live) return undefined;
      const again = this.decide(live, pod, this.silence(nodeName), this.now());
      if (again.kind === 'never') return this.cancelScheduled(pod);
      if (again.at > this.now()) return this.schedule(pod, again.at - this.now());
      await this.deletePod(pod, false);
      return undefined;
    }
    // A pod that may not run twice is held back, unless the user vouched that the node is down
    // (Kubernetes' non-graceful node shutdown: the out-of-service taint); the pod garbage
    // collector then force-deletes it, as in Kubernetes.
    if (!terminating && (!mayNotRunTwice(pod) || isOutOfService(node))) {
      await this.deletePod(pod, false);
      return undefined;
    }
    if (silence.fencedAt === undefined) return { requeueAfterMs: 5000 };
    if (now < silence.fencedAt) return { requeueAfterMs: silence.fencedAt - now };
    await this.deletePod(pod, true);
    return undefined;
  }

  /**
   * The eviction decision for `pod` on `node`. The unreachable taint left over from a silence
   * that has ended (the node-lifecycle controller is lifting it) evicts nothing.
   */
  private decide(node: KubeObject, pod: KubeObject, silence: NodeSilence, now: number) {
    const seen = this.noteTaints(node);
    const firstSeen = (t: Taint) => seen.get(taintId(t));
    const taints = ((node.spec?.taints ?? []) as Taint[]).filter((t) => !leftFromSilence(t, silence, firstSeen(t)));
    return evictionDecision(taints, pod.spec?.tolerations ?? [], now, firstSeen);
  }

  private schedule(pod: KubeObject, inMs: number): ReconcileResult {
    if (!pod.metadata?.deletionTimestamp) this.scheduled.add(pod.metadata?.uid);
    return { requeueAfterMs: inMs };
  }

  /** The taint went (or the pod now tolerates it) before its eviction was due: said as Kubernetes' taint manager says it. */
  private cancelScheduled(pod: KubeObject): undefined {
    const { namespace, name, uid } = pod.metadata ?? {};
    if (this.scheduled.delete(uid))
      this.recorder.normal(pod, 'TaintManagerEviction', `Cancelling deletion of Pod ${keyOf(namespace, name)}`);
    return undefined;
  }

  private async readNode(name: string): Promise<KubeObject | undefined> {
    try {
      return await this.client.get(resources.nodes, undefined, name);
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  private async deletePod(pod: KubeObject, force: boolean): Promise<void> {
    const { namespace, name, uid } = pod.metadata ?? {};
    const key = keyOf(namespace, name);
    const terminating = Boolean(pod.metadata?.deletionTimestamp);
    this.scheduled.delete(uid);
    // Deleted a moment ago (the cache has not caught up): once is enough, unless it must now be forced.
    if (!terminating && !force && this.marked.has(uid)) return;
    if (!terminating) {
      if (!this.marked.has(uid)) this.recorder.normal(pod, 'TaintManagerEviction', `Marking for deletion Pod ${key}`);
      if (!(await this.markDisruptionTarget(pod))) return;
    }
    try {
      await this.client.delete(resources.pods, namespace, name, {
        preconditions: { uid },
        ...(force ? { gracePeriodSeconds: 0 } : {}),
      });
    } catch (err) {
      if (isNotFound(err) || isConflict(err)) return;
      throw err;
    }
    this.marked.add(uid);
    if (force) {
      this.evicted.forced++;
      this.logger.warn({ pod: key, node: pod.spec?.nodeName }, 'force-deleted a pod of a fenced node');
    } else {
      this.evicted.graceful++;
      this.logger.info({ pod: key, node: pod.spec?.nodeName }, 'evicted a pod from a tainted node');
    }
  }

  /**
   * Adds the DisruptionTarget condition to the pod (its owner, a Job's podFailurePolicy for one,
   * learns why it goes); false when the pod is gone or was replaced meanwhile.
   */
  private markDisruptionTarget(pod: KubeObject): Promise<boolean> {
    return changePodStatus(this.client, pod, (current) => {
      const existing = condition(current, TAINT_EVICTION_CONDITION.type);
      if (existing?.status === 'True' && existing.reason === TAINT_EVICTION_CONDITION.reason) return undefined;
      const copy = structuredClone(current);
      const others = (copy.status?.conditions ?? []).filter((c: { type: string }) => c.type !== TAINT_EVICTION_CONDITION.type);
      const lastTransitionTime = existing?.status === 'True' ? existing.lastTransitionTime : isoSeconds(this.now());
      copy.status = { ...(copy.status ?? {}), conditions: [...others, { ...TAINT_EVICTION_CONDITION, lastTransitionTime }] };
      return copy;
    });
  }
}

const taintId = (t: Taint) => `${t.key}=${t.value ?? ''}:${t.effect}`;
const isoSeconds = (ms: number) => metaTime(ms);

/**
 * Is `t` the unreachable taint the node-lifecycle controller added while the node was silent,
 * now that the node is heard from again? Added before the silence ended: left over (the
 * controller adds it only while it judges the node silent). Added later — by a user, say — it
 * counts like any other NoExecute taint.
 */
export function leftFromSilence(t: Taint, silence: NodeSilence, firstSeenAt: number | undefined): boolean {
  if (silence.silent || silence.silenceEndedAt === undefined) return false;
  if (t.key !== TAINT_UNREACHABLE || t.effect !== 'NoExecute') return false;
  const parsed = t.timeAdded ? Date.parse(t.timeAdded) : Number.NaN;
  const addedAt = Number.isNaN(parsed) ? firstSeenAt : parsed - TIME_ADDED_ROUNDING_MS;
  return addedAt !== undefined && addedAt <= silence.silenceEndedAt;
}

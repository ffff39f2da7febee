// Taint-based eviction (Kubernetes' taint manager, `TaintManagerEviction` events): a pod on a
// node with a NoExecute taint it does not tolerate is deleted at once; one that tolerates it
// for tolerationSeconds is deleted when that time has passed since the taint was added.
//
// Stateful safety: when the node is silent (its agent stopped renewing its Lease), a pod that
// may not run twice (pod-safety.ts) is not handed to the ordinary graceful deletion — nobody
// would confirm it — but force-deleted once the node is known to be fenced; pods already
// terminating on such a node are force-deleted then too, so no object stays "Terminating"
// for ever. Ordinary pods are deleted gracefully at once: their controllers replace them
// without waiting, and the old copies end when the node fences or returns.
import type { Logger } from 'pino';
import type { KubeObject } from '../../api/resource-type.ts';
import { isConflict, isNotFound } from '../../client/api-error.ts';
import { indexByField, keyOf } from '../../client/indexer.ts';
import type { Informer } from '../../client/informer.ts';
import type { InformerFactory } from '../../client/informer-factory.ts';
import { resources } from '../../client/resources.ts';
import type { RestClient } from '../../client/rest-client.ts';
import { Controller, type ReconcileResult } from '../framework/controller.ts';
import type { EventRecorder } from '../framework/event-recorder.ts';
import { TAINT_UNREACHABLE, type Taint } from './node-health.ts';
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
}

export class TaintEvictionController extends Controller {
  private readonly pods: Informer;
  private readonly nodes: Informer;
  /**
   * When each NoExecute taint without timeAdded was first seen, per node (taint identity
   * key=value:effect): its tolerationSeconds count from then, not from every look.
   */
  private readonly firstSeen = new Map<string, Map<string, number>>();
  /** Pods deleted by this controller (for tests and metrics). */
  readonly evicted: { graceful: number; forced: number } = { graceful: 0, forced: 0 };

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
    if (noExecute(old) !== noExecute(node)) this.enqueueNode(node.metadata?.name ?? '');
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
    if (decision.kind === 'never') return undefined;
    if (decision.at > now) return { requeueAfterMs: decision.at - now };

    const terminating = Boolean(pod.metadata?.deletionTimestamp);
    if (silence.paused) return { requeueAfterMs: 500 };
    if (!silence.silent) {
      // The agent is there to stop the pod and confirm: the ordinary graceful deletion, once
      // the node's current taints (read from the API server, not the cache, which may still
      // hold a taint lifted a moment ago) still call for it.
      if (terminating) return undefined;
      const live = await this.readNode(nodeName);
      if (!live) return undefined;
      const again = this.decide(live, pod, this.silence(nodeName), this.now());
      if (again.kind === 'never') return undefined;
      if (again.at > this.now()) return { requeueAfterMs: again.at - this.now() };
      await this.deletePod(pod, false);
      return undefined;
    }
    if (!terminating && !mayNotRunTwice(pod)) {
      await this.deletePod(pod, false);
      return undefined;
    }
    if (silence.fencedAt === undefined) return { requeueAfterMs: 5000 };
    if (now < silence.fencedAt) return { requeueAfterMs: silence.fencedAt - now };
    await this.deletePod(pod, true);
    return undefined;
  }

  /**
   * The eviction decision for `pod` on `node`. An unreachable taint on a node that is heard
   * from is stale (the node-lifecycle controller is lifting it): it evicts nothing.
   */
  private decide(node: KubeObject, pod: KubeObject, silence: NodeSilence, now: number) {
    let taints: Taint[] = node.spec?.taints ?? [];
    if (!silence.silent) taints = taints.filter((t) => !(t.key === TAINT_UNREACHABLE && t.effect === 'NoExecute'));
    const seen = this.noteTaints(node);
    return evictionDecision(taints, pod.spec?.tolerations ?? [], now, (t) => seen.get(taintId(t)));
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
    if (!pod.metadata?.deletionTimestamp) this.recorder.normal(pod, 'TaintManagerEviction', `Marking for deletion Pod ${key}`);
    try {
      await this.client.delete(resources.pods, namespace, name, {
        preconditions: { uid },
        ...(force ? { gracePeriodSeconds: 0 } : {}),
      });
    } catch (err) {
      if (isNotFound(err) || isConflict(err)) return;
      throw err;
    }
    if (force) {
      this.evicted.forced++;
      this.logger.warn({ pod: key, node: pod.spec?.nodeName }, 'force-deleted a pod of a fenced node');
    } else {
      this.evicted.graceful++;
      this.logger.info({ pod: key, node: pod.spec?.nodeName }, 'evicted a pod from a tainted node');
    }
  }
}

const taintId = (t: Taint) => `${t.key}=${t.value ?? ''}:${t.effect}`;

// The pod garbage collector (Kubernetes' podgc): pods bound to a Node that no longer exists
// can never be stopped or confirmed by an agent, so they are force-deleted (grace 0), after
// a live check that the Node is really gone. This is what frees a DaemonSet's or a
// StatefulSet's identity after `kubectl delete node`. A Hale agent that is still running
// registers its Node again at once, so the pods bound to the node when it was deleted are
// remembered and removed even if a Node of that name exists again by then. Besides reacting to events it looks at
// every pod every 20 s (Kubernetes' gc-check period), so a pod listed before the node cache
// had synced is not missed.
import type { Logger } from 'pino';
import type { KubeObject } from '../../api/resource-type.ts';
import { isNotFound } from '../../client/api-error.ts';
import { indexByField, keyOf } from '../../client/indexer.ts';
import type { Informer } from '../../client/informer.ts';
import type { InformerFactory } from '../../client/informer-factory.ts';
import { resources } from '../../client/resources.ts';
import type { RestClient } from '../../client/rest-client.ts';
import { Controller, type ReconcileResult } from '../framework/controller.ts';

const NODE_NAME_INDEX = 'spec.nodeName';

export interface PodGarbageCollectorOptions {
  /** How often every pod is checked (default 20 s, as Kubernetes). */
  sweepIntervalMs?: number;
}

export class PodGarbageCollector extends Controller {
  private readonly pods: Informer;
  private readonly nodes: Informer;
  private sweeper?: NodeJS.Timeout;
  /** Pods (uids) bound to a node when its deletion was seen: they go even if the node returns. */
  private readonly boundAtDeletion = new Map<string, Set<string>>();

  constructor(
    private readonly client: RestClient,
    informers: InformerFactory,
    logger: Logger,
    private readonly opts: PodGarbageCollectorOptions = {},
  ) {
    super('pod-garbage-collector', logger);
    this.pods = informers.informerFor(resources.pods, { indexers: { [NODE_NAME_INDEX]: indexByField('spec.nodeName') } });
    this.nodes = informers.informerFor(resources.nodes);
    // Work items are node names: a node's removal (or a pod bound to an unknown node) wakes it.
    this.nodes.addEventHandler({
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

  /** Every pod bound to a node the cache does not know is looked at. */
  private sweep(): void {
    if (!this.pods.hasSynced() || !this.nodes.hasSynced()) return;
    for (const pod of this.pods.list()) this.podSeen(pod);
  }

  private podSeen(pod: KubeObject): void {
    const nodeName: string | undefined = pod.spec?.nodeName;
    if (nodeName && this.nodes.hasSynced() && !this.nodes.get(undefined, nodeName)) this.enqueue(nodeName);
  }

  protected async reconcile(nodeName: string): Promise<ReconcileResult | undefined> {
    if (!nodeName) return undefined;
    if (!this.pods.hasSynced() || !this.nodes.hasSynced()) return { requeueAfterMs: 100 };
    const remembered = this.boundAtDeletion.get(nodeName);
    this.boundAtDeletion.delete(nodeName);
    let exists = Boolean(this.nodes.get(undefined, nodeName));
    if (!exists) {
      try {
        // The cache may lag a node that was just (re)registered.
        await this.client.get(resources.nodes, undefined, nodeName);
        exists = true;
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
    }
    const doomed = this.pods.byIndex(NODE_NAME_INDEX, nodeName).filter((pod) => !exists || remembered?.has(pod.metadata?.uid as string));
    for (const pod of doomed) {
      const { namespace, name, uid } = pod.metadata ?? {};
      try {
        await this.client.delete(resources.pods, namespace, name, { gracePeriodSeconds: 0, preconditions: { uid } });
        this.logger.info({ pod: keyOf(namespace, name), node: nodeName }, 'deleted pod bound to a node that no longer exists');
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
    }
    return undefined;
  }
}

// The pod garbage collector (Kubernetes' podgc): pods bound to a Node that no longer exists
// can never be stopped or confirmed by an agent, so they are force-deleted (grace 0), after
// a live check that the Node is really gone. This is what frees a DaemonSet's or a
// StatefulSet's identity after `kubectl delete node`.
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

export class PodGarbageCollector extends Controller {
  private readonly pods: Informer;
  private readonly nodes: Informer;

  constructor(
    private readonly client: RestClient,
    informers: InformerFactory,
    logger: Logger,
  ) {
    super('pod-garbage-collector', logger);
    this.pods = informers.informerFor(resources.pods, { indexers: { [NODE_NAME_INDEX]: indexByField('spec.nodeName') } });
    this.nodes = informers.informerFor(resources.nodes);
    // Work items are node names: a node's removal (or a pod bound to an unknown node) wakes it.
    this.nodes.addEventHandler({ onDelete: (node) => this.enqueue(node.metadata?.name ?? '') });
    this.pods.addEventHandler({
      onAdd: (pod) => this.podSeen(pod),
      onUpdate: (_old, pod) => this.podSeen(pod),
    });
  }

  private podSeen(pod: KubeObject): void {
    const nodeName: string | undefined = pod.spec?.nodeName;
    if (nodeName && this.nodes.hasSynced() && !this.nodes.get(undefined, nodeName)) this.enqueue(nodeName);
  }

  protected async reconcile(nodeName: string): Promise<ReconcileResult | undefined> {
    if (!nodeName) return undefined;
    if (!this.pods.hasSynced() || !this.nodes.hasSynced()) return { requeueAfterMs: 100 };
    if (this.nodes.get(undefined, nodeName)) return undefined;
    try {
      // The cache may lag a node that was just (re)registered.
      await this.client.get(resources.nodes, undefined, nodeName);
      return undefined;
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
    for (const pod of this.pods.byIndex(NODE_NAME_INDEX, nodeName)) {
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

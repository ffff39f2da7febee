// The node IPAM controller (Kubernetes' range allocator): gives every Node a pod range,
// spec.podCIDR/podCIDRs, cut from the cluster CIDR (--cluster-cidr, a /24 per node by
// default). The taken ranges are derived from the Node objects on every pass — a deleted
// Node frees its range, a new leader needs no saved state — plus the ranges this controller
// has written but not yet seen back in its cache, so one range is never handed out twice.
// When the cluster CIDR is exhausted the Node gets a CIDRNotAvailable event and is retried.
import type { Logger } from 'pino';
import { DEFAULT_CLUSTER_CIDR, DEFAULT_NODE_CIDR_MASK_SIZE } from '../../api/cluster-network.ts';
import type { KubeObject } from '../../api/resource-type.ts';
import { isConflict, isNotFound } from '../../client/api-error.ts';
import type { Informer } from '../../client/informer.ts';
import type { InformerFactory } from '../../client/informer-factory.ts';
import { resources } from '../../client/resources.ts';
import type { RestClient } from '../../client/rest-client.ts';
import { Controller, type ReconcileResult } from '../framework/controller.ts';
import { EventRecorder } from '../framework/event-recorder.ts';
import { formatCidr, NodeCidrSet } from './cidr-set.ts';

export interface NodeIpamOptions {
  clusterCidr?: string;
  nodeCidrMaskSize?: number;
  /** How long to wait before trying again when no range is free (default 30 s). */
  exhaustedRetryMs?: number;
}

export class NodeIpamController extends Controller {
  private readonly nodes: Informer;
  private readonly cidrs: NodeCidrSet;
  private readonly events: EventRecorder;
  private readonly exhaustedRetryMs: number;
  /** node name → range index written to the API but maybe not yet in the cache. */
  private readonly inFlight = new Map<string, number>();
  /** "node\0range" of ranges already reported as held by two Nodes (reported once each). */
  private readonly reportedConflicts = new Set<string>();

  constructor(
    private readonly client: RestClient,
    informers: InformerFactory,
    logger: Logger,
    opts: NodeIpamOptions = {},
  ) {
    super('node-ipam', logger);
    this.cidrs = new NodeCidrSet(opts.clusterCidr ?? DEFAULT_CLUSTER_CIDR, opts.nodeCidrMaskSize ?? DEFAULT_NODE_CIDR_MASK_SIZE);
    this.exhaustedRetryMs = opts.exhaustedRetryMs ?? 30_000;
    this.events = new EventRecorder(client, 'cidrAllocator', logger);
    this.nodes = informers.informerFor(resources.nodes);
    const seen = (node: KubeObject) => this.enqueue(node.metadata?.name ?? '');
    this.nodes.addEventHandler({
      onAdd: seen,
      onUpdate: (_old, node) => seen(node),
      onDelete: (node) => {
        this.inFlight.delete(node.metadata?.name ?? '');
        for (const key of this.reportedConflicts) if (key.startsWith(`${node.metadata?.name ?? ''}\0`)) this.reportedConflicts.delete(key);
        // A freed range may be what a waiting Node needs.
        for (const other of this.nodes.list()) if (!podCidrOf(other)) seen(other);
      },
    });
  }

  protected async reconcile(nodeName: string): Promise<ReconcileResult | undefined> {
    if (!nodeName) return undefined;
    if (!this.nodes.hasSynced()) return { requeueAfterMs: 100 };
    const node = this.nodes.get(undefined, nodeName);
    if (!node) return undefined;
    const current = podCidrOf(node);
    if (current) {
      this.inFlight.delete(nodeName);
      const index = this.cidrs.indexOf(current);
      if (index === undefined) {
        this.logger.debug({ node: nodeName, podCIDR: current }, 'node pod range is not one of the cluster CIDR ranges; leaving it');
        return undefined;
      }
      // A range set on the Node at creation (an agent re-creating its deleted Node keeps the
      // range its pods use) is kept and counts as taken, as Kubernetes' range allocator
      // occupies it. spec.podCIDR cannot change once set, so a range another Node holds too
      // (given to it while this Node was deleted) can only be reported.
      this.reportConflict(node, current, index);
      return undefined;
    }
    let index = this.inFlight.get(nodeName);
    if (index === undefined) {
      index = this.cidrs.firstFree(this.takenRanges());
      if (index === undefined) {
        this.events.normal(node, 'CIDRNotAvailable', `Node ${nodeName} status is now: CIDRNotAvailable`);
        this.logger.warn({ node: nodeName, clusterCidr: formatCidr(this.cidrs.cluster) }, 'no pod range left in the cluster CIDR');
        return { requeueAfterMs: this.exhaustedRetryMs };
      }
      this.inFlight.set(nodeName, index);
    }
    const podCIDR = this.cidrs.blockAt(index);
    const updated = structuredClone(node);
    updated.spec = { ...updated.spec, podCIDR, podCIDRs: [podCIDR] };
    try {
      await this.client.update(resources.nodes, updated);
    } catch (err) {
      // Stale cache: the next event brings the newer Node (which may already have a range).
      if (isConflict(err)) return { requeueAfterMs: 100 };
      if (isNotFound(err)) {
        this.inFlight.delete(nodeName);
        return undefined;
      }
      this.inFlight.delete(nodeName);
      throw err;
    }
    this.logger.info({ node: nodeName, podCIDR }, 'assigned pod range to node');
    return undefined;
  }

  private reportConflict(node: KubeObject, podCIDR: string, index: number): void {
    const name = node.metadata?.name ?? '';
    const others = this.nodes
      .list()
      .filter((n) => n.metadata?.name !== name && podCidrsOf(n).some((c) => this.cidrs.indexOf(c) === index))
      .map((n) => n.metadata?.name ?? '');
    const key = `${name}\0${podCIDR}`;
    if (others.length === 0 || this.reportedConflicts.has(key)) return;
    this.reportedConflicts.add(key);
    this.logger.error(
      { node: name, podCIDR, otherNodes: others },
      'pod range is held by more than one node; delete the node that should get another one',
    );
    this.events.warning(node, 'CIDRAssignmentFailed', `Node ${name}'s podCIDR ${podCIDR} is also the podCIDR of node ${others.join(', ')}`);
  }

  /** Ranges held by Nodes (as cached) and ranges written but not yet seen. */
  private takenRanges(): Set<number> {
    const taken = new Set<number>(this.inFlight.values());
    for (const node of this.nodes.list()) {
      for (const cidr of podCidrsOf(node)) {
        const index = this.cidrs.indexOf(cidr);
        if (index !== undefined) taken.add(index);
      }
    }
    return taken;
  }
}

function podCidrOf(node: KubeObject): string | undefined {
  return node.spec?.podCIDR || node.spec?.podCIDRs?.[0] || undefined;
}

function podCidrsOf(node: KubeObject): string[] {
  const list: string[] = [...(node.spec?.podCIDRs ?? [])];
  if (node.spec?.podCIDR) list.push(node.spec.podCIDR);
  return list;
}

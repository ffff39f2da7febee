// ServiceLB (k3s' klipper-lb idea, without helper pods): a LoadBalancer Service is served on
// every node by the node's service proxy, so its status.loadBalancer.ingress lists the
// nodes' InternalIP addresses (ExternalIP when a node has no InternalIP). Services with a
// spec.loadBalancerClass belong to another implementation and are left alone, as in k3s.
import type { Logger } from 'pino';
import type { KubeObject } from '../../api/resource-type.ts';
import { isNotFound } from '../../client/api-error.ts';
import { objectKey } from '../../client/indexer.ts';
import { clone, type Informer } from '../../client/informer.ts';
import type { InformerFactory } from '../../client/informer-factory.ts';
import { resources } from '../../client/resources.ts';
import type { RestClient } from '../../client/rest-client.ts';
import { compareIPs } from '../endpoints/desired-endpoints.ts';
import { Controller, type ReconcileResult } from '../framework/controller.ts';
import { EventRecorder } from '../framework/event-recorder.ts';
import { sameContent } from '../job/api-object.ts';

/** The addresses a LoadBalancer Service answers on: each schedulable, ready node's address. */
export function loadBalancerIngress(nodes: KubeObject[]): { ip: string; ipMode: string }[] {
  const ips = new Set<string>();
  for (const node of nodes) {
    if (node.spec?.unschedulable) continue;
    const ready = (node.status?.conditions ?? []).find((c: any) => c.type === 'Ready');
    if (ready && ready.status !== 'True') continue;
    const addresses: { type: string; address: string }[] = node.status?.addresses ?? [];
    const ip = addresses.find((a) => a.type === 'InternalIP')?.address ?? addresses.find((a) => a.type === 'ExternalIP')?.address;
    if (ip) ips.add(ip);
  }
  return [...ips].sort(compareIPs).map((ip) => ({ ip, ipMode: 'VIP' }));
}

/** What of a node decides whether and how it appears in load-balancer ingress. */
function lbFacts(node: KubeObject): string {
  const ready = (node.status?.conditions ?? []).find((c: any) => c.type === 'Ready')?.status;
  return JSON.stringify([node.status?.addresses ?? [], ready, Boolean(node.spec?.unschedulable)]);
}

const isOurs = (svc: KubeObject) => svc.spec?.type === 'LoadBalancer' && svc.spec?.loadBalancerClass == null;

export class ServiceLBController extends Controller {
  private readonly services: Informer;
  private readonly nodes: Informer;
  private readonly recorder: EventRecorder;

  constructor(
    private readonly client: RestClient,
    informers: InformerFactory,
    logger: Logger,
  ) {
    super('servicelb', logger);
    this.recorder = new EventRecorder(client, 'service-lb-controller', logger);
    this.services = informers.informerFor(resources.services);
    this.nodes = informers.informerFor(resources.nodes);
    const enqueue = (svc: KubeObject) => this.enqueue(objectKey(svc));
    this.services.addEventHandler({ onAdd: enqueue, onUpdate: (_o, svc) => enqueue(svc) });
    // Any node change may change the address list of every LoadBalancer Service.
    const all = () => {
      for (const svc of this.services.list()) if (svc.spec?.type === 'LoadBalancer' || svc.status?.loadBalancer?.ingress) enqueue(svc);
    };
    this.nodes.addEventHandler({
      onAdd: all,
      onUpdate: (old, node) => {
        if (lbFacts(old) !== lbFacts(node)) all();
      },
      onDelete: all,
    });
  }

  protected async reconcile(key: string): Promise<ReconcileResult | undefined> {
    if (!this.services.hasSynced() || !this.nodes.hasSynced()) return { requeueAfterMs: 100 };
    const [namespace, name] = key.split('/');
    const svc = this.services.get(namespace, name);
    if (!svc) return undefined;
    if (svc.spec?.loadBalancerClass != null) return undefined;
    // A Service that stopped being a LoadBalancer loses its ingress.
    const wanted = isOurs(svc) ? loadBalancerIngress(this.nodes.list()) : [];
    const current = svc.status?.loadBalancer?.ingress ?? [];
    if (sameContent(current, wanted)) return undefined;
    const next = clone(svc);
    next.status = { ...(next.status ?? {}), loadBalancer: wanted.length ? { ingress: wanted } : {} };
    try {
      await this.client.updateStatus(resources.services, next);
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
    if (wanted.length && current.length === 0) {
      this.recorder.normal(svc, 'UpdatedLoadBalancer', `Updated LoadBalancer with new IPs: [] -> [${wanted.map((i) => i.ip).join(' ')}]`);
    }
    return undefined;
  }
}

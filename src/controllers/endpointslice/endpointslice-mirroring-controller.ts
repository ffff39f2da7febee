// The EndpointSlice mirroring controller (Kubernetes' endpointslicemirroring): for a Service
// without a selector, whose Endpoints someone writes by hand, it mirrors those Endpoints
// into EndpointSlices so the proxy and DNS (which follow slices) see them. Addresses become
// ready endpoints, notReadyAddresses not-ready ones; at most 1000 addresses per subset are
// mirrored, as in Kubernetes. Endpoints labelled endpointslice.kubernetes.io/skip-mirror=true
// (such as default/kubernetes, which has its own slice) are not mirrored.
import type { Logger } from 'pino';
import type { KubeObject } from '../../api/resource-type.ts';
import { keyOf, objectKey } from '../../client/indexer.ts';
import type { Informer } from '../../client/informer.ts';
import type { InformerFactory } from '../../client/informer-factory.ts';
import { resources } from '../../client/resources.ts';
import type { RestClient } from '../../client/rest-client.ts';
import { hasSelector } from '../endpoints/service-pods.ts';
import { Controller, type ReconcileResult } from '../framework/controller.ts';
import { EventRecorder } from '../framework/event-recorder.ts';
import { type EndpointGroup, MANAGED_BY_LABEL, planSlices, portSignature, SERVICE_NAME_LABEL } from './desired-slices.ts';
import { SliceTracker } from './slice-tracker.ts';
import { SliceWriter } from './slice-writer.ts';

export const MIRRORING_CONTROLLER_NAME = 'endpointslicemirroring-controller.k8s.io';
export const SKIP_MIRROR_LABEL = 'endpointslice.kubernetes.io/skip-mirror';
const MAX_MIRRORED_PER_SUBSET = 1000;
const MIRROR_INDEX = 'mirrored-from';

function mirrorIndex(slice: KubeObject): string[] {
  const labels = slice.metadata?.labels ?? {};
  if (labels[MANAGED_BY_LABEL] !== MIRRORING_CONTROLLER_NAME || !labels[SERVICE_NAME_LABEL]) return [];
  return [keyOf(slice.metadata?.namespace, labels[SERVICE_NAME_LABEL])];
}

const isIPv4 = (ip: unknown) => typeof ip === 'string' && /^\d{1,3}(\.\d{1,3}){3}$/.test(ip);

/** The endpoint groups (by port list) a manual Endpoints object stands for. */
export function mirroredGroups(ep: KubeObject): Map<string, EndpointGroup> {
  const groups = new Map<string, EndpointGroup>();
  for (const subset of ep.subsets ?? []) {
    const ports: KubeObject[] = (subset.ports ?? []).map((p: KubeObject) => {
      const port: KubeObject = { name: p.name ?? '', port: p.port, protocol: p.protocol ?? 'TCP' };
      if (p.appProtocol) port.appProtocol = p.appProtocol;
      return port;
    });
    const group = groups.get(portSignature(ports)) ?? { ports, endpoints: [] };
    groups.set(portSignature(ports), group);
    const addresses = [
      ...(subset.addresses ?? []).map((a: KubeObject) => [a, true] as const),
      ...(subset.notReadyAddresses ?? []).map((a: KubeObject) => [a, false] as const),
    ].slice(0, MAX_MIRRORED_PER_SUBSET);
    for (const [address, ready] of addresses) {
      if (!isIPv4(address.ip)) continue; // Hale's slices are IPv4; FQDN and IPv6 are not mirrored
      const endpoint: KubeObject = { addresses: [address.ip], conditions: { ready } };
      if (address.hostname) endpoint.hostname = address.hostname;
      if (address.targetRef) endpoint.targetRef = address.targetRef;
      if (address.nodeName) endpoint.nodeName = address.nodeName;
      group.endpoints.push(endpoint);
    }
  }
  for (const [sig, group] of groups) if (group.endpoints.length === 0) groups.delete(sig);
  return groups;
}

export class EndpointSliceMirroringController extends Controller {
  private readonly services: Informer;
  private readonly endpoints: Informer;
  private readonly slices: Informer;
  private readonly recorder: EventRecorder;
  private readonly writer: SliceWriter;

  constructor(client: RestClient, informers: InformerFactory, logger: Logger) {
    super('endpointslicemirroring', logger);
    this.recorder = new EventRecorder(client, 'endpoint-slice-mirroring-controller', logger);
    this.writer = new SliceWriter(client, new SliceTracker());
    this.services = informers.informerFor(resources.services);
    this.endpoints = informers.informerFor(resources.endpoints);
    this.slices = informers.informerFor(resources.endpointSlices, { indexers: { [MIRROR_INDEX]: mirrorIndex } });
    const enqueue = (obj: KubeObject) => this.enqueue(objectKey(obj));
    for (const informer of [this.services, this.endpoints]) {
      informer.addEventHandler({ onAdd: enqueue, onUpdate: (_o, obj) => enqueue(obj), onDelete: enqueue });
    }
    const enqueueOwner = (slice: KubeObject) => {
      for (const key of mirrorIndex(slice)) this.enqueue(key);
    };
    this.slices.addEventHandler({ onUpdate: (_o, slice) => enqueueOwner(slice), onDelete: enqueueOwner });
  }

  protected async reconcile(key: string): Promise<ReconcileResult | undefined> {
    if (![this.services, this.endpoints, this.slices].every((i) => i.hasSynced())) return { requeueAfterMs: 100 };
    const [namespace, name] = key.split('/');
    const svc = this.services.get(namespace, name);
    const ep = this.endpoints.get(namespace, name);
    const existing = this.writer.tracker.view(key, this.slices.byIndex(MIRROR_INDEX, key));
    const mirror = svc && ep && !hasSelector(svc) && ep.metadata?.labels?.[SKIP_MIRROR_LABEL] !== 'true';
    if (!mirror) {
      for (const slice of existing) await this.writer.delete(key, slice);
      return undefined;
    }
    const labels: Record<string, string> = { ...(ep.metadata?.labels ?? {}) };
    labels[SERVICE_NAME_LABEL] = name;
    labels[MANAGED_BY_LABEL] = MIRRORING_CONTROLLER_NAME;
    const owner = {
      namespace,
      generateName: `${name}-`,
      labels,
      ownerReferences: [{ apiVersion: 'v1', kind: 'Endpoints', name, uid: ep.metadata?.uid, controller: true, blockOwnerDeletion: true }],
    };
    const groups = mirroredGroups(ep);
    // Unlike the EndpointSlice controller, an empty Endpoints mirrors to no slice at all.
    const plan = groups.size ? planSlices(owner, groups, existing) : { create: [], update: [], delete: existing };
    try {
      await this.writer.apply(key, namespace, plan);
    } catch (err) {
      this.recorder.warning(
        ep,
        'FailedToUpdateEndpointSlices',
        `Error updating Endpoint Slices for Endpoints ${key}: ${err instanceof Error ? err.message : String(err)}`,
      );
      throw err;
    }
    return undefined;
  }
}

// The EndpointSlice controller (Kubernetes' pkg/controller/endpointslice): keeps the
// discovery.k8s.io/v1 EndpointSlices of every Service with a selector in step with its pods
// (desired-slices.ts). The proxy and the DNS server follow these slices, so this is the path
// by which a pod that turns not-ready, or starts terminating, stops getting new traffic.
// Slices not managed by this controller (manual ones, default/kubernetes) are never touched.
import type { Logger } from 'pino';
import type { KubeObject } from '../../api/resource-type.ts';
import { keyOf, objectKey } from '../../client/indexer.ts';
import type { Informer } from '../../client/informer.ts';
import type { InformerFactory } from '../../client/informer-factory.ts';
import { resources } from '../../client/resources.ts';
import type { RestClient } from '../../client/rest-client.ts';
import { enqueueServicesOnChange, managesEndpoints, selectedPods, servicesSelecting } from '../endpoints/service-pods.ts';
import { Controller, type ReconcileResult } from '../framework/controller.ts';
import { EventRecorder } from '../framework/event-recorder.ts';
import {
  CONTROLLER_NAME,
  desiredEndpointGroups,
  MANAGED_BY_LABEL,
  planSlices,
  SERVICE_NAME_LABEL,
  serviceSliceOwner,
  ZONE_LABEL,
} from './desired-slices.ts';
import { SliceTracker } from './slice-tracker.ts';
import { SliceWriter } from './slice-writer.ts';

const SERVICE_INDEX = 'service';

/** Index managed slices by "namespace/service-name". */
function serviceIndex(slice: KubeObject): string[] {
  const labels = slice.metadata?.labels ?? {};
  if (labels[MANAGED_BY_LABEL] !== CONTROLLER_NAME || !labels[SERVICE_NAME_LABEL]) return [];
  return [keyOf(slice.metadata?.namespace, labels[SERVICE_NAME_LABEL])];
}

export class EndpointSliceController extends Controller {
  private readonly services: Informer;
  private readonly pods: Informer;
  private readonly nodes: Informer;
  private readonly slices: Informer;
  private readonly recorder: EventRecorder;
  private readonly writer: SliceWriter;

  constructor(client: RestClient, informers: InformerFactory, logger: Logger) {
    super('endpointslice', logger);
    this.recorder = new EventRecorder(client, 'endpoint-slice-controller', logger);
    this.writer = new SliceWriter(client, new SliceTracker());
    this.services = informers.informerFor(resources.services);
    this.pods = informers.informerFor(resources.pods);
    this.nodes = informers.informerFor(resources.nodes);
    this.slices = informers.informerFor(resources.endpointSlices, { indexers: { [SERVICE_INDEX]: serviceIndex } });
    const enqueueObject = (obj: KubeObject) => this.enqueue(objectKey(obj));
    enqueueServicesOnChange(this.services, this.pods, enqueueObject);
    // A managed slice changed or removed by someone else is put back.
    const enqueueOwner = (slice: KubeObject) => {
      for (const key of serviceIndex(slice)) this.enqueue(key);
    };
    this.slices.addEventHandler({ onUpdate: (_o, slice) => enqueueOwner(slice), onDelete: enqueueOwner });
    // A node's zone label ends up in its endpoints.
    this.nodes.addEventHandler({
      onUpdate: (old, node) => {
        if (old.metadata?.labels?.[ZONE_LABEL] === node.metadata?.labels?.[ZONE_LABEL]) return;
        for (const pod of this.pods.list()) {
          if (pod.spec?.nodeName !== node.metadata?.name) continue;
          for (const svc of servicesSelecting(this.services, pod)) enqueueObject(svc);
        }
      },
    });
  }

  protected async reconcile(key: string): Promise<ReconcileResult | undefined> {
    if (![this.services, this.pods, this.nodes, this.slices].every((i) => i.hasSynced())) return { requeueAfterMs: 100 };
    const [namespace, name] = key.split('/');
    const svc = this.services.get(namespace, name);
    const existing = this.writer.tracker.view(key, this.slices.byIndex(SERVICE_INDEX, key));
    if (!svc || !managesEndpoints(svc)) {
      // Owner references would let the garbage collector do this too; doing it here is quicker.
      for (const slice of existing) await this.writer.delete(key, slice);
      return undefined;
    }
    const zoneOf = (nodeName: string) => this.nodes.get(undefined, nodeName)?.metadata?.labels?.[ZONE_LABEL];
    const groups = desiredEndpointGroups(svc, selectedPods(this.pods, svc), zoneOf);
    const plan = planSlices(serviceSliceOwner(svc), groups, existing);
    try {
      await this.writer.apply(key, namespace, plan);
    } catch (err) {
      this.recorder.warning(
        svc,
        'FailedToUpdateEndpointSlices',
        `Error updating Endpoint Slices for Service ${key}: ${err instanceof Error ? err.message : String(err)}`,
      );
      throw err;
    }
    return undefined;
  }
}

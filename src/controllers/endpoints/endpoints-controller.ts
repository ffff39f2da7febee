// The endpoints controller (Kubernetes' pkg/controller/endpoint): keeps one core/v1
// Endpoints per Service with a selector, listing the Service's pods (desired-endpoints.ts).
// `kubectl get endpoints` and older clients read these; Hale's proxy and DNS follow the
// EndpointSlices instead. Services without a selector are left alone, so manually written
// Endpoints stay as written.
import type { Logger } from 'pino';
import type { KubeObject } from '../../api/resource-type.ts';
import { isNotFound } from '../../client/api-error.ts';
import { keyOf, objectKey } from '../../client/indexer.ts';
import { clone, type Informer } from '../../client/informer.ts';
import type { InformerFactory } from '../../client/informer-factory.ts';
import { resources } from '../../client/resources.ts';
import type { RestClient } from '../../client/rest-client.ts';
import { Controller, type ReconcileResult } from '../framework/controller.ts';
import { EventRecorder } from '../framework/event-recorder.ts';
import { sameContent } from '../job/api-object.ts';
import { OwnWrites } from '../job/own-writes.ts';
import { desiredEndpoints, OVER_CAPACITY_ANNOTATION } from './desired-endpoints.ts';
import { enqueueServicesOnChange, inheritedLabels, managesEndpoints, selectedPods } from './service-pods.ts';

const OWN_CREATE_WAIT_MS = 5_000;

export class EndpointsController extends Controller {
  private readonly services: Informer;
  private readonly pods: Informer;
  private readonly endpoints: Informer;
  private readonly recorder: EventRecorder;
  private readonly written = new OwnWrites();
  /** Endpoints this controller created that its informer has not delivered yet: when. */
  private readonly createdUnseen = new Map<string, number>();

  constructor(
    private readonly client: RestClient,
    informers: InformerFactory,
    logger: Logger,
  ) {
    super('endpoint', logger);
    this.recorder = new EventRecorder(client, 'endpoint-controller', logger);
    this.services = informers.informerFor(resources.services);
    this.pods = informers.informerFor(resources.pods);
    this.endpoints = informers.informerFor(resources.endpoints);
    const enqueueObject = (obj: KubeObject) => this.enqueue(objectKey(obj));
    enqueueServicesOnChange(this.services, this.pods, enqueueObject);
    // Someone else changed or removed an Endpoints we manage: put it back. Endpoints of
    // Services that do not exist (or have no selector) are not ours to touch.
    const enqueueIfManaged = (ep: KubeObject) => {
      const svc = this.services.get(ep.metadata?.namespace, ep.metadata?.name);
      if (svc && managesEndpoints(svc)) enqueueObject(ep);
    };
    this.endpoints.addEventHandler({
      onAdd: (ep) => this.createdUnseen.delete(objectKey(ep)),
      onUpdate: (_o, ep) => enqueueIfManaged(ep),
      onDelete: (ep) => {
        this.createdUnseen.delete(objectKey(ep));
        enqueueIfManaged(ep);
      },
    });
  }

  protected async reconcile(key: string): Promise<ReconcileResult | undefined> {
    if (!this.services.hasSynced() || !this.pods.hasSynced() || !this.endpoints.hasSynced()) return { requeueAfterMs: 100 };
    const [namespace, name] = key.split('/');
    const svc = this.services.get(namespace, name);
    const cached = this.endpoints.get(namespace, name);
    if (!cached && this.awaitingOwnCreate(key)) return { requeueAfterMs: 100 };
    if (!svc) {
      if (cached) await this.deleteEndpoints(namespace, name);
      return undefined;
    }
    if (!managesEndpoints(svc)) return undefined;
    const { subsets, truncated } = desiredEndpoints(svc, selectedPods(this.pods, svc));
    const current = cached ? this.written.freshest(key, cached) : undefined;
    const labels = inheritedLabels(svc);
    const annotations: Record<string, string> = { ...(current?.metadata?.annotations ?? {}) };
    if (truncated) annotations[OVER_CAPACITY_ANNOTATION] = 'truncated';
    else delete annotations[OVER_CAPACITY_ANNOTATION];
    if (
      current &&
      sameContent(current.subsets ?? [], subsets) &&
      sameContent(current.metadata?.labels ?? {}, labels) &&
      sameContent(current.metadata?.annotations ?? {}, annotations)
    ) {
      return undefined;
    }
    try {
      const written = current
        ? await this.client.update(resources.endpoints, {
            ...clone(current),
            metadata: { ...clone(current.metadata), labels, annotations },
            subsets,
          })
        : await this.client.create(resources.endpoints, namespace, {
            metadata: { name, namespace, labels, ...(truncated ? { annotations } : {}) },
            subsets,
          });
      this.written.remember(key, written);
      if (!current) this.createdUnseen.set(key, Date.now());
    } catch (err) {
      // On the Endpoints, worded as Kubernetes words them.
      const endpoints = { apiVersion: 'v1', kind: 'Endpoints', metadata: { name, namespace, uid: current?.metadata?.uid } };
      const why = err instanceof Error ? err.message : String(err);
      if (current)
        this.recorder.warning(endpoints, 'FailedToUpdateEndpoint', `Failed to update endpoint ${keyOf(namespace, name)}: ${why}`);
      else
        this.recorder.warning(
          endpoints,
          'FailedToCreateEndpoint',
          `Failed to create endpoint for service ${keyOf(namespace, name)}: ${why}`,
        );
      throw err;
    }
    return undefined;
  }

  /**
   * Whether this controller created the Endpoints moments ago and its informer has not caught
   * up: creating it again would only fail with AlreadyExists (and a Warning event for nothing).
   * Kubernetes' controller likewise waits for a stale cache. Not for ever: after 5 s the cache
   * is presumed to have missed it, and the sync goes on (a relist may drop both events).
   */
  private awaitingOwnCreate(key: string): boolean {
    const at = this.createdUnseen.get(key);
    if (at === undefined) return false;
    if (Date.now() - at < OWN_CREATE_WAIT_MS) return true;
    this.createdUnseen.delete(key);
    return false;
  }

  private async deleteEndpoints(namespace: string, name: string): Promise<void> {
    try {
      await this.client.delete(resources.endpoints, namespace, name);
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
    this.written.forget(keyOf(namespace, name));
    this.createdUnseen.delete(keyOf(namespace, name));
  }
}

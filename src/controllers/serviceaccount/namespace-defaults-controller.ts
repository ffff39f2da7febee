// What every active namespace gets, as Kubernetes' service account controller and root CA
// publisher make it: a ServiceAccount `default`, and a ConfigMap `kube-root-ca.crt` holding
// the cluster CA (what in-cluster clients verify the API server with). Both come back when
// deleted; the ConfigMap's content is put back when changed. Terminating namespaces are left
// alone, since nothing may be created in them.
import type { Logger } from 'pino';
import { DEFAULT_SERVICE_ACCOUNT, ROOT_CA_CONFIG_MAP, ROOT_CA_KEY } from '../../api/kinds/core/serviceaccount.ts';
import type { KubeObject } from '../../api/resource-type.ts';
import { isAlreadyExists, isConflict, isForbidden, isNotFound } from '../../client/api-error.ts';
import { clone, type Informer } from '../../client/informer.ts';
import type { InformerFactory } from '../../client/informer-factory.ts';
import type { ResourceDescriptor } from '../../client/resource-path.ts';
import { resources } from '../../client/resources.ts';
import type { RestClient } from '../../client/rest-client.ts';
import { Controller, type ReconcileResult } from '../framework/controller.ts';

const ROOT_CA_DESCRIPTION =
  'Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints such as the internal service IP or kubernetes.default.svc. No other usage is guaranteed across distributions of Kubernetes clusters.';

export class NamespaceDefaultsController extends Controller {
  private readonly namespaces: Informer;
  private readonly serviceAccounts: Informer;
  private readonly configMaps: Informer;

  constructor(
    private readonly client: RestClient,
    informers: InformerFactory,
    logger: Logger,
    private readonly rootCaPem: string,
  ) {
    super('namespace-defaults', logger);
    this.namespaces = informers.informerFor(resources.namespaces);
    this.serviceAccounts = informers.informerFor(resources.serviceAccounts, { fieldSelector: `metadata.name=${DEFAULT_SERVICE_ACCOUNT}` });
    this.configMaps = informers.informerFor(resources.configMaps, { fieldSelector: `metadata.name=${ROOT_CA_CONFIG_MAP}` });
    const byName = (ns: KubeObject) => this.enqueue(ns.metadata?.name ?? '');
    const byNamespace = (obj: KubeObject) => this.enqueue(obj.metadata?.namespace ?? '');
    this.namespaces.addEventHandler({ onAdd: byName, onUpdate: (_old, ns) => byName(ns) });
    for (const informer of [this.serviceAccounts, this.configMaps]) {
      informer.addEventHandler({ onUpdate: (_old, obj) => byNamespace(obj), onDelete: byNamespace });
    }
  }

  protected async reconcile(namespace: string): Promise<ReconcileResult | undefined> {
    if (!this.namespaces.hasSynced() || !this.serviceAccounts.hasSynced() || !this.configMaps.hasSynced()) {
      return { requeueAfterMs: 100 };
    }
    const ns = this.namespaces.get(undefined, namespace);
    if (!ns || ns.metadata?.deletionTimestamp || ns.status?.phase === 'Terminating') return undefined;
    if (!this.serviceAccounts.get(namespace, DEFAULT_SERVICE_ACCOUNT)) {
      await this.createIgnoringRaces(resources.serviceAccounts, namespace, { metadata: { name: DEFAULT_SERVICE_ACCOUNT } });
    }
    await this.syncRootCa(namespace);
    return undefined;
  }

  private async syncRootCa(namespace: string): Promise<void> {
    const current = this.configMaps.get(namespace, ROOT_CA_CONFIG_MAP);
    const annotations = { 'kubernetes.io/description': ROOT_CA_DESCRIPTION };
    if (!current) {
      await this.createIgnoringRaces(resources.configMaps, namespace, {
        metadata: { name: ROOT_CA_CONFIG_MAP, annotations },
        data: { [ROOT_CA_KEY]: this.rootCaPem },
      });
      return;
    }
    const dataRight = current.data?.[ROOT_CA_KEY] === this.rootCaPem && Object.keys(current.data ?? {}).length === 1;
    if (dataRight && !current.binaryData && current.metadata?.annotations?.['kubernetes.io/description'] === ROOT_CA_DESCRIPTION) return;
    const next = clone(current);
    next.data = { [ROOT_CA_KEY]: this.rootCaPem };
    delete next.binaryData;
    next.metadata = { ...next.metadata, annotations: { ...(next.metadata?.annotations ?? {}), ...annotations } };
    try {
      await this.client.update(resources.configMaps, next);
    } catch (err) {
      // A newer version or a deletion arrives through the informer and brings us back.
      if (!isNotFound(err) && !isConflict(err)) throw err;
    }
  }

  private async createIgnoringRaces(resource: ResourceDescriptor, namespace: string, obj: KubeObject): Promise<void> {
    try {
      await this.client.create(resource, namespace, obj);
    } catch (err) {
      // Already there (the informer lags), or the namespace started terminating meanwhile.
      if (isAlreadyExists(err) || isNotFound(err) || isForbidden(err)) return;
      throw err;
    }
  }
}

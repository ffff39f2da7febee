// What the DNS server reads about the cluster: Services and their EndpointSlices, looked
// up by name and by IP. The server's implementation reads informer caches; tests use
// StaticDnsSource with plain arrays. No Pods: endpoint hostnames come in the slices (the
// EndpointSlice controller fills them from spec.hostname/subdomain) and pod records are
// answered from the name alone, as CoreDNS with `pods insecure` does, so the server does not
// have to watch every pod of the cluster.
import type { KubeObject } from '../api/resource-type.ts';
import { NAMESPACE_INDEX } from '../client/indexer.ts';
import type { Informer } from '../client/informer.ts';
import type { InformerFactory } from '../client/informer-factory.ts';
import { resources } from '../client/resources.ts';

export interface DnsSource {
  service(namespace: string, name: string): KubeObject | undefined;
  /** True when the namespace holds at least one Service (so `<ns>.svc.<zone>` exists). */
  namespaceHasServices(namespace: string): boolean;
  /** The EndpointSlices labelled kubernetes.io/service-name=<name> in the namespace. */
  endpointSlices(namespace: string, serviceName: string): KubeObject[];
  /** Services whose clusterIPs include ip (for PTR). */
  servicesByClusterIP(ip: string): KubeObject[];
  /** EndpointSlices with an endpoint at ip (for PTR). */
  endpointSlicesByAddress(ip: string): KubeObject[];
}

export const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';

const ns = (o: KubeObject) => o.metadata?.namespace ?? '';
export const clusterIPsOf = (svc: KubeObject): string[] =>
  (svc.spec?.clusterIPs?.length ? svc.spec.clusterIPs : [svc.spec?.clusterIP]).filter(
    (ip: unknown) => typeof ip === 'string' && ip && ip !== 'None',
  );
const sliceServiceKey = (slice: KubeObject): string[] => {
  const name = slice.metadata?.labels?.[SERVICE_NAME_LABEL];
  return name ? [`${ns(slice)}/${name}`] : [];
};
const sliceAddresses = (slice: KubeObject): string[] =>
  (slice.endpoints ?? []).flatMap((e: KubeObject) => (Array.isArray(e?.addresses) ? e.addresses : []));

/** Reads the shared informers of a factory, with indexes for each lookup the DNS server makes. */
export class InformerDnsSource implements DnsSource {
  private readonly services: Informer;
  private readonly slices: Informer;

  constructor(factory: InformerFactory) {
    this.services = factory.informerFor(resources.services, {
      indexers: { 'dns-cluster-ip': clusterIPsOf },
    });
    this.slices = factory.informerFor(resources.endpointSlices, {
      indexers: { 'dns-service': sliceServiceKey, 'dns-address': sliceAddresses },
    });
  }

  hasSynced(): boolean {
    return this.services.hasSynced() && this.slices.hasSynced();
  }
  service(namespace: string, name: string) {
    return this.services.get(namespace, name);
  }
  namespaceHasServices(namespace: string) {
    return this.services.byIndex(NAMESPACE_INDEX, namespace).length > 0;
  }
  endpointSlices(namespace: string, serviceName: string) {
    return this.slices.byIndex('dns-service', `${namespace}/${serviceName}`);
  }
  servicesByClusterIP(ip: string) {
    return this.services.byIndex('dns-cluster-ip', ip);
  }
  endpointSlicesByAddress(ip: string) {
    return this.slices.byIndex('dns-address', ip);
  }
}

/** A DnsSource over fixed lists, for tests and tools. */
export class StaticDnsSource implements DnsSource {
  constructor(private readonly objects: { services?: KubeObject[]; endpointSlices?: KubeObject[] }) {}

  service(namespace: string, name: string) {
    return this.objects.services?.find((s) => ns(s) === namespace && s.metadata?.name === name);
  }
  namespaceHasServices(namespace: string) {
    return (this.objects.services ?? []).some((s) => ns(s) === namespace);
  }
  endpointSlices(namespace: string, serviceName: string) {
    return (this.objects.endpointSlices ?? []).filter((s) => sliceServiceKey(s)[0] === `${namespace}/${serviceName}`);
  }
  servicesByClusterIP(ip: string) {
    return (this.objects.services ?? []).filter((s) => clusterIPsOf(s).includes(ip));
  }
  endpointSlicesByAddress(ip: string) {
    return (this.objects.endpointSlices ?? []).filter((s) => sliceAddresses(s).includes(ip));
  }
}

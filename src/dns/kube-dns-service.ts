// Publishes the DNS server as Service kube-system/kube-dns: ClusterIP --cluster-dns (53/UDP
// "dns", 53/TCP "dns-tcp"), no selector, with an EndpointSlice and Endpoints this server
// writes itself pointing at where it listens. The service proxy then carries pods' queries
// from the ClusterIP to that address, as for any other Service.
import type { Logger } from 'pino';
import type { KubeObject } from '../api/resource-type.ts';
import { isAlreadyExists, isConflict, isNotFound } from '../client/api-error.ts';
import type { ResourceDescriptor } from '../client/resource-path.ts';
import { resources } from '../client/resources.ts';
import type { RestClient } from '../client/rest-client.ts';
import { SERVICE_NAME_LABEL } from './dns-source.ts';

export const KUBE_DNS_NAMESPACE = 'kube-system';
export const KUBE_DNS_NAME = 'kube-dns';
/** managed-by value: not the EndpointSlice controller's, so it leaves this slice alone. */
export const KUBE_DNS_MANAGER = 'hale-dns';

export interface KubeDnsTarget {
  /** The Service's ClusterIP (--cluster-dns). */
  clusterIP: string;
  /** Address and port the DNS server listens on, as reachable from pods. */
  address: string;
  port: number;
  /** The node this server runs on, if any (shown in the EndpointSlice). */
  nodeName?: string;
}

const labels = { 'k8s-app': 'kube-dns', 'kubernetes.io/cluster-service': 'true', 'kubernetes.io/name': 'HaleDNS' };

export function kubeDnsService(target: KubeDnsTarget): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: KUBE_DNS_NAME, namespace: KUBE_DNS_NAMESPACE, labels },
    spec: {
      type: 'ClusterIP',
      clusterIP: target.clusterIP,
      clusterIPs: [target.clusterIP],
      ports: [
        { name: 'dns', port: 53, protocol: 'UDP', targetPort: target.port },
        { name: 'dns-tcp', port: 53, protocol: 'TCP', targetPort: target.port },
      ],
    },
  };
}

export function kubeDnsEndpointSlice(target: KubeDnsTarget): KubeObject {
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: {
      name: KUBE_DNS_NAME,
      namespace: KUBE_DNS_NAMESPACE,
      labels: { ...labels, [SERVICE_NAME_LABEL]: KUBE_DNS_NAME, 'endpointslice.kubernetes.io/managed-by': KUBE_DNS_MANAGER },
    },
    addressType: target.address.includes(':') ? 'IPv6' : 'IPv4',
    endpoints: [
      {
        addresses: [target.address],
        conditions: { ready: true, serving: true, terminating: false },
        ...(target.nodeName ? { nodeName: target.nodeName } : {}),
      },
    ],
    ports: [
      { name: 'dns', port: target.port, protocol: 'UDP' },
      { name: 'dns-tcp', port: target.port, protocol: 'TCP' },
    ],
  };
}

export function kubeDnsEndpoints(target: KubeDnsTarget): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Endpoints',
    metadata: {
      name: KUBE_DNS_NAME,
      namespace: KUBE_DNS_NAMESPACE,
      // The slice above already exists: EndpointSlice mirroring must not copy these.
      labels: { ...labels, 'endpointslice.kubernetes.io/skip-mirror': 'true' },
    },
    subsets: [
      {
        addresses: [{ ip: target.address, ...(target.nodeName ? { nodeName: target.nodeName } : {}) }],
        ports: [
          { name: 'dns', port: target.port, protocol: 'UDP' },
          { name: 'dns-tcp', port: target.port, protocol: 'TCP' },
        ],
      },
    ],
  };
}

/** Creates or corrects the Service, EndpointSlice and Endpoints; returns what it changed. */
export async function ensureKubeDnsObjects(client: RestClient, target: KubeDnsTarget, logger?: Pick<Logger, 'warn'>): Promise<string[]> {
  const changed: string[] = [];
  const service = kubeDnsService(target);
  await upsert(client, resources.services, service, changed, (current) => {
    if (current.spec?.clusterIP !== target.clusterIP) {
      // clusterIP is immutable: a Service Hale made (its label) is replaced, as after a change
      // of --service-cidr; one someone else made is kept, with a word on why pods may not resolve.
      if (current.metadata?.labels?.['k8s-app'] === 'kube-dns') return 'recreate';
      logger?.warn(
        { have: current.spec?.clusterIP, want: target.clusterIP },
        'Service kube-system/kube-dns has another ClusterIP than --cluster-dns; delete it to let Hale recreate it',
      );
    }
    const ports = JSON.stringify(current.spec?.ports?.map((p: KubeObject) => [p.name, p.port, p.protocol, p.targetPort]));
    const wanted = JSON.stringify(service.spec.ports.map((p: KubeObject) => [p.name, p.port, p.protocol, p.targetPort]));
    if (ports === wanted && !current.spec?.selector) return undefined;
    const next = structuredClone(current);
    next.spec.ports = service.spec.ports;
    delete next.spec.selector;
    return next;
  });
  for (const [resource, wanted, field] of [
    [resources.endpointSlices, kubeDnsEndpointSlice(target), ['addressType', 'endpoints', 'ports']],
    [resources.endpoints, kubeDnsEndpoints(target), ['subsets']],
  ] as const) {
    await upsert(client, resource, wanted, changed, (current) => {
      const same = field.every((f) => JSON.stringify(current[f]) === JSON.stringify(wanted[f]));
      const sameLabels = Object.entries(wanted.metadata?.labels ?? {}).every(([k, v]) => current.metadata?.labels?.[k] === v);
      if (same && sameLabels) return undefined;
      const next = structuredClone(current);
      for (const f of field) next[f] = wanted[f];
      next.metadata = { ...next.metadata, labels: { ...current.metadata?.labels, ...wanted.metadata?.labels } };
      return next;
    });
  }
  return changed;
}

async function upsert(
  client: RestClient,
  resource: ResourceDescriptor,
  wanted: KubeObject,
  changed: string[],
  /** The corrected object, undefined when it is right, or 'recreate' to delete and create it anew. */
  correct: (current: KubeObject) => KubeObject | 'recreate' | undefined,
): Promise<void> {
  const { namespace, name } = wanted.metadata ?? {};
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const current = await client.get(resource, namespace, name).catch((err) => {
        if (isNotFound(err)) return undefined;
        throw err;
      });
      if (!current) {
        await client.create(resource, namespace, wanted);
        changed.push(`created ${resource.plural}/${name}`);
        return;
      }
      const next = correct(current);
      if (!next) return;
      if (next === 'recreate') {
        await client.delete(resource, namespace, name, { preconditions: { uid: current.metadata?.uid } }).catch((err) => {
          if (!isNotFound(err)) throw err;
        });
        await client.create(resource, namespace, wanted);
        changed.push(`recreated ${resource.plural}/${name}`);
        return;
      }
      await client.update(resource, next);
      changed.push(`updated ${resource.plural}/${name}`);
      return;
    } catch (err) {
      if (!isConflict(err) && !isAlreadyExists(err)) throw err;
    }
  }
}

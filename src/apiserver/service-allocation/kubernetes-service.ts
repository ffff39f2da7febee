// The `default/kubernetes` Service, as kube-apiserver keeps it: the first address of the
// service CIDR, port 443 (named https), and Endpoints plus an EndpointSlice naming this API
// server's address and port. With several API servers on one store the last one started
// wins (Kubernetes keeps all of them through leases; Hale documents the difference). Like
// kube-apiserver's bootstrap controller, it is checked every 10 s and recreated if deleted.
import { isIP } from 'node:net';
import { networkInterfaces } from 'node:os';
import { DEFAULT_SERVICE_CIDR } from '../../api/cluster-network.ts';
import type { KubeObject } from '../../api/resource-type.ts';
import type { ApiRegistry } from '../api-registry.ts';
import { StatusError } from '../errors.ts';
import type { ResourceStore } from '../storage/resource-store.ts';
import { nthIP, parseIPv4Range } from './ip-range.ts';

/** The Service's ClusterIP: the first address of the service CIDR (10.43.0.1 by default). */
export function kubernetesServiceIPFor(serviceCidr: string = DEFAULT_SERVICE_CIDR): string {
  return nthIP(parseIPv4Range(serviceCidr), 1);
}

export interface KubernetesServiceOptions {
  clusterIP: string;
  /** Address clients in pods reach the API server on. */
  address: string;
  port: number;
}

/** The address to advertise for a bind address: itself, or for 0.0.0.0 (or a name) the host's first external IPv4. */
export function advertiseAddress(bind: string): string {
  if (bind === 'localhost') return '127.0.0.1';
  if (isIP(bind) && bind !== '0.0.0.0' && bind !== '::') return bind;
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  return '127.0.0.1';
}

/**
 * Writes the Service, its Endpoints and EndpointSlice. `onlyIfMissing` (the periodic check)
 * recreates what was deleted and leaves existing objects alone, so that API servers sharing
 * a store do not take the endpoints from each other every round.
 */
export async function ensureKubernetesService(
  registry: ApiRegistry,
  opts: KubernetesServiceOptions,
  { onlyIfMissing = false }: { onlyIfMissing?: boolean } = {},
): Promise<void> {
  const services = store(registry, '', 'services');
  const endpoints = store(registry, '', 'endpoints');
  const slices = store(registry, 'discovery.k8s.io', 'endpointslices');
  const labels = { component: 'apiserver', provider: 'kubernetes' };
  const port = { name: 'https', port: opts.port, protocol: 'TCP' };
  const createOrUpdate = (rs: ResourceStore, wanted: KubeObject) => (onlyIfMissing ? createIfMissing(rs, wanted) : write(rs, wanted));
  await createOrUpdate(services, {
    metadata: { name: 'kubernetes', namespace: 'default', labels },
    spec: {
      type: 'ClusterIP',
      clusterIP: opts.clusterIP,
      ports: [{ name: 'https', port: 443, protocol: 'TCP', targetPort: opts.port }],
      sessionAffinity: 'None',
    },
  });
  await createOrUpdate(endpoints, {
    metadata: { name: 'kubernetes', namespace: 'default', labels: { 'endpointslice.kubernetes.io/skip-mirror': 'true' } },
    subsets: [{ addresses: [{ ip: opts.address }], ports: [port] }],
  });
  await createOrUpdate(slices, {
    metadata: { name: 'kubernetes', namespace: 'default', labels: { 'kubernetes.io/service-name': 'kubernetes' } },
    addressType: isIP(opts.address) === 6 ? 'IPv6' : 'IPv4',
    endpoints: [{ addresses: [opts.address], conditions: { ready: true } }],
    ports: [port],
  });
}

function store(registry: ApiRegistry, group: string, plural: string): ResourceStore {
  const rs = registry.lookup(group, group ? 'v1' : 'v1', plural);
  if (!rs) throw new Error(`the ${plural} resource is not registered`);
  return rs;
}

/** Create `wanted`; true when it was there already. */
async function createIfMissing(rs: ResourceStore, wanted: KubeObject): Promise<boolean> {
  // Looked up first: the periodic check should not even try to write what exists.
  if (await rs.tryGet(wanted.metadata?.namespace, wanted.metadata?.name)) return true;
  try {
    await rs.create(wanted.metadata?.namespace, wanted);
    return false;
  } catch (err) {
    if (!(err instanceof StatusError && err.reason === 'AlreadyExists')) throw err;
    return true;
  }
}

/** Create `wanted`, or bring the stored object's spec/subsets/endpoints/ports to it. */
async function write(rs: ResourceStore, wanted: KubeObject): Promise<void> {
  const { namespace, name } = wanted.metadata ?? {};
  if (!(await createIfMissing(rs, wanted))) return;
  await rs.guaranteedUpdate(namespace, name, {}, undefined, (current) => {
    const next = structuredClone(current);
    next.metadata = { ...next.metadata, labels: { ...(next.metadata?.labels ?? {}), ...wanted.metadata?.labels } };
    for (const field of ['subsets', 'endpoints', 'ports', 'addressType']) if (field in wanted) next[field] = wanted[field];
    // The Service keeps its allocated IP; only its ports follow this server.
    if (wanted.spec) next.spec = { ...next.spec, ports: wanted.spec.ports };
    return next;
  });
}

// Docker-link style variables for Services (`WEB_SERVICE_HOST`, `WEB_PORT_80_TCP_ADDR`, …),
// which the kubelet gives every container: the `kubernetes` Service of the default namespace
// always, and the Services of the pod's own namespace when spec.enableServiceLinks is true.
import type { KubeObject } from '../../api/resource-type.ts';
import { isNotFound } from '../../client/api-error.ts';
import { resources } from '../../client/resources.ts';
import type { RestClient } from '../../client/rest-client.ts';
import type { EnvVar } from '../pods/expand-vars.ts';

type Json = Record<string, any>;

const MASTER_SERVICES = new Set(['kubernetes']);

function hasClusterIP(svc: KubeObject): boolean {
  const ip = svc.spec?.clusterIP;
  return typeof ip === 'string' && ip !== '' && ip !== 'None';
}

const envName = (s: string) => s.replaceAll('-', '_').toUpperCase();
const joinHostPort = (host: string, port: number) => (host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`);

/** The variables of the given Services, in Kubernetes' order per Service. */
export function serviceEnvVars(services: KubeObject[]): EnvVar[] {
  const out: EnvVar[] = [];
  for (const svc of services) {
    const ports: Json[] = svc.spec?.ports ?? [];
    if (!hasClusterIP(svc) || ports.length === 0) continue;
    const ip: string = svc.spec.clusterIP;
    const prefix = envName(svc.metadata?.name ?? '');
    out.push({ name: `${prefix}_SERVICE_HOST`, value: ip });
    out.push({ name: `${prefix}_SERVICE_PORT`, value: String(ports[0].port) });
    for (const p of ports) {
      if (p.name) out.push({ name: `${prefix}_SERVICE_PORT_${envName(p.name)}`, value: String(p.port) });
    }
    ports.forEach((p, i) => {
      const protocol = String(p.protocol || 'TCP');
      const url = `${protocol.toLowerCase()}://${joinHostPort(ip, p.port)}`;
      if (i === 0) out.push({ name: `${prefix}_PORT`, value: url });
      const portPrefix = `${prefix}_PORT_${p.port}_${protocol.toUpperCase()}`;
      out.push({ name: portPrefix, value: url });
      out.push({ name: `${portPrefix}_PROTO`, value: protocol.toLowerCase() });
      out.push({ name: `${portPrefix}_PORT`, value: String(p.port) });
      out.push({ name: `${portPrefix}_ADDR`, value: ip });
    });
  }
  return out;
}

/** Which Services a pod in `namespace` sees, given the Services of that namespace and default/kubernetes. */
export function servicesForPod(
  namespace: string,
  enableServiceLinks: boolean,
  nsServices: KubeObject[],
  defaultMaster?: KubeObject,
): KubeObject[] {
  const byName = new Map<string, KubeObject>();
  // A Service of the pod's own namespace overrides a same-named master Service.
  if (defaultMaster && hasClusterIP(defaultMaster)) byName.set(defaultMaster.metadata?.name, defaultMaster);
  if (enableServiceLinks) {
    for (const svc of nsServices) {
      if (svc.metadata?.namespace !== namespace || !hasClusterIP(svc)) continue;
      if (namespace === 'default' && MASTER_SERVICES.has(svc.metadata?.name)) continue; // already added
      byName.set(svc.metadata?.name, svc);
    }
  }
  return [...byName.values()].sort((a, b) => String(a.metadata?.name).localeCompare(String(b.metadata?.name)));
}

/** How long a container start waits for a fresh Service list when an older one is known. */
const STALE_FALLBACK_MS = 2000;

/** Lists the Services a pod's environment needs, reusing answers for `ttlMs` across pods. */
export class ServiceEnvSource {
  private readonly cache = new Map<string, { at: number; value: Promise<KubeObject[]> }>();
  /** The last answer per key: used when the API does not answer (a partition must not stop container restarts). */
  private readonly lastGood = new Map<string, KubeObject[]>();

  constructor(
    private readonly client: RestClient,
    private readonly ttlMs = 1000,
  ) {}

  async envFor(pod: KubeObject): Promise<EnvVar[]> {
    const namespace: string = pod.metadata?.namespace ?? 'default';
    const links = pod.spec?.enableServiceLinks !== false;
    const [master, nsServices] = await Promise.all([
      this.cached('default/kubernetes', () =>
        this.client.get(resources.services, 'default', 'kubernetes').then(
          (svc) => [svc],
          (err) => {
            if (isNotFound(err)) return [];
            throw err;
          },
        ),
      ),
      links ? this.cached(`ns/${namespace}`, async () => (await this.client.listAll(resources.services, namespace)).items) : [],
    ]);
    return serviceEnvVars(servicesForPod(namespace, links, nsServices, master[0]));
  }

  private cached(key: string, load: () => Promise<KubeObject[]>): Promise<KubeObject[]> {
    const stale = this.lastGood.get(key);
    const fresh = this.fresh(key, load);
    if (!stale) return fresh;
    // Known before: a slow or failing API falls back to the last answer, as the kubelet's
    // informer-backed lister would, so containers restart during an API outage.
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(stale), STALE_FALLBACK_MS);
      fresh.then(resolve, () => resolve(stale)).finally(() => clearTimeout(timer));
    });
  }

  private fresh(key: string, load: () => Promise<KubeObject[]>): Promise<KubeObject[]> {
    const now = Date.now();
    const hit = this.cache.get(key);
    if (hit && now - hit.at <= this.ttlMs) return hit.value;
    const value = load().then(
      (items) => {
        this.lastGood.set(key, items);
        return items;
      },
      (err) => {
        this.cache.delete(key);
        throw new Error(`failed to list services when setting up env vars: ${err instanceof Error ? err.message : String(err)}`);
      },
    );
    this.cache.set(key, { at: now, value });
    return value;
  }
}

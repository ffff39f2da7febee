// Which resources the API server serves, as controllers that work on "every resource"
// (garbage collector, namespace deletion) need to know. Asks for aggregated discovery
// (one request each for /api and /apis); falls back to the per-group documents for
// servers that do not offer it.

import type { ResourceDescriptor } from '../client/resource-path.ts';
import type { RestClient } from '../client/rest-client.ts';

export const aggregatedDiscoveryAccept =
  'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json';

export interface DiscoveredResource extends ResourceDescriptor {
  kind: string;
  verbs: string[];
}

/** The part of RestClient discovery needs (a fake can stand in for it). */
export type DiscoveryClient = Pick<RestClient, 'request'>;

/**
 * Every top-level resource (no subresources) in the preferred version of each group;
 * core first, then the groups in the server's order.
 */
export async function discoverResources(client: DiscoveryClient): Promise<DiscoveredResource[]> {
  const [core, groups] = await Promise.all([discoverRoot(client, '/api'), discoverRoot(client, '/apis')]);
  return [...core, ...groups];
}

async function discoverRoot(client: DiscoveryClient, root: '/api' | '/apis'): Promise<DiscoveredResource[]> {
  const doc = await client.request<any>('GET', root, { headers: { Accept: aggregatedDiscoveryAccept } });
  if (doc?.kind === 'APIGroupDiscoveryList') return fromAggregated(doc);
  return root === '/api' ? fromLegacyCore(client, doc) : fromLegacyGroups(client, doc);
}

function fromAggregated(doc: any): DiscoveredResource[] {
  const out: DiscoveredResource[] = [];
  for (const item of doc.items ?? []) {
    const group: string = item.metadata?.name ?? '';
    // The server lists versions in preference order.
    const preferred = (item.versions ?? [])[0];
    if (!preferred) continue;
    for (const r of preferred.resources ?? []) {
      if (!r.resource || String(r.resource).includes('/')) continue;
      out.push({
        group,
        version: preferred.version,
        plural: r.resource,
        namespaced: r.scope === 'Namespaced',
        kind: r.responseKind?.kind ?? '',
        verbs: r.verbs ?? [],
      });
    }
  }
  return out;
}

async function fromLegacyCore(client: DiscoveryClient, doc: any): Promise<DiscoveredResource[]> {
  const version: string | undefined = doc?.versions?.[0];
  return version ? resourceList(client, '', version) : [];
}

async function fromLegacyGroups(client: DiscoveryClient, doc: any): Promise<DiscoveredResource[]> {
  const lists = await Promise.all(
    (doc?.groups ?? []).map((g: any) => {
      const version = g.preferredVersion?.version ?? g.versions?.[0]?.version;
      return version ? resourceList(client, g.name, version) : Promise.resolve([]);
    }),
  );
  return lists.flat();
}

async function resourceList(client: DiscoveryClient, group: string, version: string): Promise<DiscoveredResource[]> {
  const path = group ? `/apis/${group}/${version}` : `/api/${version}`;
  const list = await client.request<any>('GET', path);
  return (list?.resources ?? [])
    .filter((r: any) => r.name && !String(r.name).includes('/'))
    .map((r: any) => ({ group, version, plural: r.name, namespaced: !!r.namespaced, kind: r.kind ?? '', verbs: r.verbs ?? [] }));
}

/** True when the resource serves every one of the verbs. */
export function supports(resource: DiscoveredResource, ...verbs: string[]): boolean {
  return verbs.every((v) => resource.verbs.includes(v));
}

/** "pods." for core, "replicasets.apps" otherwise: how Kubernetes names a group-resource in messages. */
export function groupResource(resource: { group: string; plural: string }): string {
  return `${resource.plural}.${resource.group}`;
}

/** Event kinds are noisy and never own anything; Kubernetes' garbage collector skips them too. */
export function isEventResource(resource: { group: string; plural: string }): boolean {
  return resource.plural === 'events' && (resource.group === '' || resource.group === 'events.k8s.io');
}

// API discovery: aggregated (apidiscovery.k8s.io v2 and v2beta1, what kubectl 1.27+ asks
// for) and the legacy per-group documents, both with ETags so clients can revalidate.
import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { defaultVerbs, type ResourceType } from '../api/resource-type.ts';
import type { ApiRegistry } from './api-registry.ts';
import { resourceNotFound } from './errors.ts';
import type { DiscoveryRequest } from './request-info.ts';

/** Subresources served by handlers outside the generic store (pods/log, pods/exec, …). */
export interface ExtraSubresource {
  group: string;
  resource: string;
  subresource: string;
  kind: { group: string; version: string; kind: string };
  verbs: string[];
}

const subresourceVerbs = ['get', 'patch', 'update'];

function subresourcesOf(rt: ResourceType, extra: ExtraSubresource[]) {
  const out: { subresource: string; responseKind: { group: string; version: string; kind: string }; verbs: string[] }[] = [];
  const self = { group: rt.group, version: rt.version, kind: rt.kind };
  if (rt.subresources?.status) out.push({ subresource: 'status', responseKind: self, verbs: subresourceVerbs });
  if (rt.subresources?.scale) {
    out.push({ subresource: 'scale', responseKind: { group: 'autoscaling', version: 'v1', kind: 'Scale' }, verbs: subresourceVerbs });
  }
  if (rt.subresources?.ephemeralContainers) out.push({ subresource: 'ephemeralcontainers', responseKind: self, verbs: subresourceVerbs });
  for (const e of extra) {
    if (e.group === rt.group && e.resource === rt.plural) out.push({ subresource: e.subresource, responseKind: e.kind, verbs: e.verbs });
  }
  return out;
}

function aggregatedResource(rt: ResourceType, extra: ExtraSubresource[]) {
  const entry: Record<string, unknown> = {
    resource: rt.plural,
    responseKind: { group: rt.group, version: rt.version, kind: rt.kind },
    scope: rt.namespaced ? 'Namespaced' : 'Cluster',
    singularResource: rt.singular,
    verbs: rt.verbs ?? defaultVerbs,
  };
  if (rt.shortNames?.length) entry.shortNames = rt.shortNames;
  if (rt.categories?.length) entry.categories = rt.categories;
  const subs = subresourcesOf(rt, extra);
  if (subs.length) entry.subresources = subs;
  return entry;
}

function aggregatedList(registry: ApiRegistry, legacy: boolean, apiVersion: string, extra: ExtraSubresource[]) {
  const groups = registry.groups.filter((g) => (legacy ? g.group === '' : g.group !== ''));
  return {
    kind: 'APIGroupDiscoveryList',
    apiVersion,
    metadata: {},
    items: groups.map((g) => ({
      metadata: { name: g.group },
      versions: g.versions.map((version) => ({
        version,
        freshness: 'Current',
        resources: registry.resourcesOf(g.group, version).map((rt) => aggregatedResource(rt, extra)),
      })),
    })),
  };
}

function legacyResourceList(registry: ApiRegistry, group: string, version: string, extra: ExtraSubresource[]) {
  const resources: Record<string, unknown>[] = [];
  for (const rt of registry.resourcesOf(group, version)) {
    const entry: Record<string, unknown> = {
      name: rt.plural,
      singularName: rt.singular,
      namespaced: rt.namespaced,
      kind: rt.kind,
      verbs: rt.verbs ?? defaultVerbs,
    };
    if (rt.shortNames?.length) entry.shortNames = rt.shortNames;
    if (rt.categories?.length) entry.categories = rt.categories;
    resources.push(entry);
    for (const sub of subresourcesOf(rt, extra)) {
      const subEntry: Record<string, unknown> = {
        name: `${rt.plural}/${sub.subresource}`,
        singularName: '',
        namespaced: rt.namespaced,
        kind: sub.responseKind.kind,
        verbs: sub.verbs,
      };
      // Like kube-apiserver, a kind from another group names its group and version both
      // (kubectl drain only uses pods/eviction when both are present).
      if (sub.responseKind.group !== rt.group || sub.responseKind.version !== rt.version) {
        subEntry.group = sub.responseKind.group;
        subEntry.version = sub.responseKind.version;
      }
      resources.push(subEntry);
    }
  }
  return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: group ? `${group}/${version}` : version, resources };
}

function groupEntry(group: string, versions: string[]) {
  const vs = versions.map((v) => ({ groupVersion: `${group}/${v}`, version: v }));
  return { name: group, versions: vs, preferredVersion: vs[0] };
}

/** Which aggregated discovery version the Accept header asks for, if any. */
function aggregatedVersion(accept: string | undefined): 'v2' | 'v2beta1' | undefined {
  if (!accept) return undefined;
  for (const clause of accept.split(',')) {
    if (!clause.includes('as=APIGroupDiscoveryList') || !clause.includes('g=apidiscovery.k8s.io')) continue;
    if (/v=v2beta1\b/.test(clause)) return 'v2beta1';
    if (/v=v2\b/.test(clause)) return 'v2';
  }
  return undefined;
}

export class DiscoveryHandler {
  private readonly cache = new Map<string, { body: string; etag: string }>();

  constructor(
    private readonly registry: ApiRegistry,
    private readonly extra: ExtraSubresource[],
  ) {}

  serve(req: IncomingMessage, res: ServerResponse, info: DiscoveryRequest): void {
    const aggregated = info.level === 'root' ? aggregatedVersion(req.headers.accept) : undefined;
    const cacheKey = `${info.level}|${info.legacy}|${info.group}|${info.version ?? ''}|${aggregated ?? ''}`;
    let entry = this.cache.get(cacheKey);
    if (!entry) {
      const doc = this.document(info, aggregated, req);
      if (!doc) throw resourceNotFound();
      const body = JSON.stringify(doc);
      entry = { body, etag: `"${createHash('sha256').update(body).digest('hex').slice(0, 32)}"` };
      this.cache.set(cacheKey, entry);
    }
    const contentType = aggregated ? `application/json;g=apidiscovery.k8s.io;v=${aggregated};as=APIGroupDiscoveryList` : 'application/json';
    const headers = { 'Content-Type': contentType, ETag: entry.etag, Vary: 'Accept' };
    if (req.headers['if-none-match'] === entry.etag) {
      res.writeHead(304, headers);
      res.end();
      return;
    }
    res.writeHead(200, { ...headers, 'Content-Length': Buffer.byteLength(entry.body) });
    res.end(entry.body);
  }

  private document(info: DiscoveryRequest, aggregated: 'v2' | 'v2beta1' | undefined, req: IncomingMessage): unknown {
    const { registry, extra } = this;
    if (info.level === 'root') {
      if (aggregated) return aggregatedList(registry, info.legacy, `apidiscovery.k8s.io/${aggregated}`, extra);
      if (info.legacy) {
        return {
          kind: 'APIVersions',
          versions: ['v1'],
          serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: req.headers.host ?? '' }],
        };
      }
      return {
        kind: 'APIGroupList',
        apiVersion: 'v1',
        groups: registry.groups.filter((g) => g.group !== '').map((g) => groupEntry(g.group, g.versions)),
      };
    }
    if (info.level === 'group') {
      const g = registry.groups.find((x) => x.group === info.group);
      return g ? { kind: 'APIGroup', apiVersion: 'v1', ...groupEntry(g.group, g.versions) } : undefined;
    }
    if (!info.version || !registry.hasGroupVersion(info.group, info.version)) return undefined;
    return legacyResourceList(registry, info.group, info.version, extra);
  }
}

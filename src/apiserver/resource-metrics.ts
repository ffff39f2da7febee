// metrics.k8s.io/v1beta1, what `kubectl top` reads. In Kubernetes metrics-server scrapes every
// kubelet and serves the figures through API aggregation; here the API server asks its node
// agents (GET /stats/resource, their latest readings) when a request comes, and answers
// NodeMetrics and PodMetrics with metrics-server's units: CPU in nanocores, memory (working
// set) in bytes, with the window the rate was measured over.
import type { ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { PodUsage, ResourceUsageReport, Usage } from '../agent/metrics/resource-usage.ts';
import { STATS_RESOURCE_PATH } from '../agent/server/agent-protocol.ts';
import { METRICS_GROUP } from '../api/kinds/metrics/index.ts';
import type { KubeObject } from '../api/resource-type.ts';
import { parseLabelSelector } from '../api/selectors/label-selector.ts';
import type { ApiRegistry } from './api-registry.ts';
import { badRequest, internalError, methodNotAllowed, notFound, resourceNotFound } from './errors.ts';
import { wantsTable, writeJSON } from './http-io.ts';
import { nodeAgentEndpoint } from './pod-proxy.ts';
import type { ResourceRequest } from './request-info.ts';
import { metricsTable } from './resource-metrics-table.ts';
import { rfc3339 } from './storage/resource-store.ts';
import { fetchAgentJson } from './streaming/agent-client.ts';

const VERSION = 'v1beta1';
const API_VERSION = `${METRICS_GROUP}/${VERSION}`;
/** How long an agent may take to answer before its node is left out. */
const AGENT_TIMEOUT_MS = 3000;

export interface ResourceMetricsOptions {
  registry: ApiRegistry;
  agentToken: string;
  logger: Logger;
}

function usageQuantities(u: Usage): Record<string, string> {
  const bytes = u.memoryWorkingSetBytes;
  return { cpu: `${u.cpuNanoCores}n`, memory: bytes % 1024 === 0 ? `${bytes / 1024}Ki` : String(bytes) };
}

function meta(name: string, labels: Record<string, string> | undefined, namespace?: string): KubeObject['metadata'] {
  return {
    name,
    ...(namespace !== undefined ? { namespace } : {}),
    creationTimestamp: rfc3339(new Date()),
    ...(labels ? { labels } : {}),
  };
}

export class ResourceMetrics {
  constructor(private readonly opts: ResourceMetricsOptions) {}

  async handle(res: ServerResponse, info: ResourceRequest, query: URLSearchParams, accept?: string): Promise<void> {
    if (info.version !== VERSION || info.subresource) throw resourceNotFound();
    if (info.resource !== 'nodes' && info.resource !== 'pods') throw resourceNotFound();
    if (info.resource === 'nodes' && info.namespace !== undefined) throw resourceNotFound();
    if (info.verb !== 'get' && info.verb !== 'list') {
      throw methodNotAllowed(`${info.verb} is not supported on resources of kind "${info.resource}.${METRICS_GROUP}"`);
    }
    const selector = parseLabelSelector(query.get('labelSelector') ?? '');
    const items = info.resource === 'nodes' ? await this.nodeMetrics(info.name) : await this.podMetrics(info.namespace, info.name);
    if (info.name) {
      const found = items[0];
      const what = info.resource === 'nodes' ? info.name : `${info.namespace}/${info.name}`;
      if (!found) throw notFound(METRICS_GROUP, info.resource === 'nodes' ? 'nodemetrics' : 'podmetrics', what);
      const table = wantsTable(accept);
      writeJSON(res, 200, table ? metricsTable([found], table.version) : found);
      return;
    }
    const kind = info.resource === 'nodes' ? 'NodeMetricsList' : 'PodMetricsList';
    const selected = items.filter((m) => selector.matches(m.metadata?.labels ?? {}));
    const table = wantsTable(accept);
    if (table) {
      writeJSON(res, 200, metricsTable(selected, table.version));
      return;
    }
    writeJSON(res, 200, { kind, apiVersion: API_VERSION, metadata: {}, items: selected });
  }

  private store(resource: 'nodes' | 'pods') {
    const store = this.opts.registry.lookup('', 'v1', resource);
    if (!store) throw internalError(`${resource} are not served`);
    return store;
  }

  private async nodes(name?: string): Promise<KubeObject[]> {
    if (name) {
      const node = await this.store('nodes').tryGet(undefined, name);
      return node ? [node] : [];
    }
    return (await this.store('nodes').list({})).items;
  }

  /** Each node's agent report; nodes whose agent does not answer are left out, as metrics-server does. */
  private async reports(nodes: KubeObject[]): Promise<Map<string, ResourceUsageReport>> {
    const out = new Map<string, ResourceUsageReport>();
    await Promise.all(
      nodes.map(async (node) => {
        const name: string = node.metadata?.name;
        const endpoint = nodeAgentEndpoint(node, this.opts.agentToken);
        if (!endpoint) return;
        try {
          out.set(name, (await fetchAgentJson(endpoint, STATS_RESOURCE_PATH, AGENT_TIMEOUT_MS)) as ResourceUsageReport);
        } catch (err) {
          this.opts.logger.debug({ node: name, err: err instanceof Error ? err.message : String(err) }, 'no resource usage from the node');
        }
      }),
    );
    return out;
  }

  private async nodeMetrics(name?: string): Promise<KubeObject[]> {
    const nodes = await this.nodes(name);
    const reports = await this.reports(nodes);
    const items: KubeObject[] = [];
    for (const node of nodes) {
      const usage = reports.get(node.metadata?.name)?.node;
      if (!usage) continue;
      items.push({
        kind: 'NodeMetrics',
        apiVersion: API_VERSION,
        metadata: meta(node.metadata?.name, node.metadata?.labels),
        timestamp: rfc3339(new Date(usage.timestamp)),
        window: `${usage.windowSeconds}s`,
        usage: usageQuantities(usage),
      });
    }
    return items;
  }

  private async podMetrics(namespace?: string, name?: string): Promise<KubeObject[]> {
    if (name && !namespace) throw badRequest('a pod name needs a namespace');
    const pods = name
      ? [await this.store('pods').tryGet(namespace, name)].filter((p): p is KubeObject => p !== undefined)
      : (await this.store('pods').list({ namespace })).items;
    const byUid = new Map(pods.filter((p) => p.spec?.nodeName).map((p) => [p.metadata?.uid as string, p]));
    const nodeNames = new Set([...byUid.values()].map((p) => p.spec.nodeName as string));
    const nodes = (await this.nodes()).filter((n) => nodeNames.has(n.metadata?.name));
    const usages: PodUsage[] = [...(await this.reports(nodes)).values()].flatMap((r) => r.pods ?? []);
    const items: KubeObject[] = [];
    for (const usage of usages) {
      const pod = byUid.get(usage.uid);
      if (!pod) continue;
      items.push({
        kind: 'PodMetrics',
        apiVersion: API_VERSION,
        metadata: meta(pod.metadata?.name, pod.metadata?.labels, pod.metadata?.namespace),
        timestamp: rfc3339(new Date(usage.timestamp)),
        window: `${usage.windowSeconds}s`,
        containers: usage.containers.map((c) => ({ name: c.name, usage: usageQuantities(c) })),
      });
    }
    items.sort((a, b) => `${a.metadata?.namespace}/${a.metadata?.name}`.localeCompare(`${b.metadata?.namespace}/${b.metadata?.name}`));
    return items;
  }
}

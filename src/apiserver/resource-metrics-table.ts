// `kubectl get nodemetrics/podmetrics` tables, as metrics-server converts them: a Name column,
// one quantity column per resource (sorted: cpu, memory), and the Window. A pod's figures are
// the sums over its containers.
import { parseQuantity, type Quantity } from '../api/quantity.ts';
import type { KubeObject } from '../api/resource-type.ts';

type Usage = Record<string, string>;

function podUsage(pod: KubeObject): Usage {
  const sums = new Map<string, Quantity>();
  for (const container of pod.containers ?? []) {
    for (const [name, value] of Object.entries<string>(container.usage ?? {})) {
      const q = parseQuantity(value);
      const sum = sums.get(name);
      sums.set(name, sum ? sum.add(q) : q);
    }
  }
  return Object.fromEntries([...sums].map(([name, q]) => [name, q.toString()]));
}

export function metricsTable(items: KubeObject[], tableVersion: string): KubeObject {
  const usages = items.map((item) => (item.kind === 'PodMetrics' ? podUsage(item) : ((item.usage ?? {}) as Usage)));
  // As metrics-server: the columns come from the first item's resources.
  const names = Object.keys(usages[0] ?? {}).sort();
  return {
    kind: 'Table',
    apiVersion: `meta.k8s.io/${tableVersion}`,
    metadata: {},
    columnDefinitions: [
      { name: 'Name', type: 'string', format: 'name', description: 'Name of the resource', priority: 0 },
      ...names.map((name) => ({ name, type: 'string', format: 'quantity', description: '', priority: 0 })),
      { name: 'Window', type: 'string', format: 'duration', description: '', priority: 0 },
    ],
    rows: items.map((item, i) => ({
      cells: [item.metadata?.name ?? '', ...names.map((name) => usages[i][name] ?? '0'), item.window ?? ''],
      object: { kind: 'PartialObjectMetadata', apiVersion: `meta.k8s.io/${tableVersion}`, metadata: item.metadata ?? {} },
    })),
  };
}

// Resource amounts as the scheduler counts them: cpu in millicores, everything else
// (memory, ephemeral-storage, extended resources) in whole units, from a pod's requests
// (containers, init containers, sidecars, overhead) and a node's allocatable.
import { parseQuantity } from '../api/quantity.ts';

/** Amounts by resource name; cpu in millicores. */
export type ResourceAmounts = Map<string, number>;

type Json = Record<string, any>;

/** Resources a node offers in its own way, not through requests (they are not checked as scalars). */
const notScalar = new Set(['pods']);

/** When a container requests nothing, scoring pretends it asked for this (DefaultMilliCPURequest / DefaultMemoryRequest). */
export const defaultMilliCpuRequest = 100;
export const defaultMemoryRequest = 200 * 1024 * 1024;

// The same strings ("100m", "1Gi") come up again and again; parsing them once is cheaper.
const parsedCache = new Map<string, number>();

/** The amount of `name` in `value`: millicores for cpu, units for the rest; 0 when unparseable. */
export function amountOf(name: string, value: unknown): number {
  if (value === undefined || value === null || value === '') return 0;
  const key = `${name === 'cpu' ? 'm' : 'u'}${value}`;
  const cached = parsedCache.get(key);
  if (cached !== undefined) return cached;
  let amount = 0;
  try {
    const q = parseQuantity(value as string | number);
    amount = name === 'cpu' ? q.milliValue() : q.value();
  } catch {
    amount = 0;
  }
  if (parsedCache.size < 10_000) parsedCache.set(key, amount);
  return amount;
}

/** A ResourceList ({cpu: "500m", memory: "1Gi"}) as amounts. */
export function resourceList(list: unknown): ResourceAmounts {
  const out: ResourceAmounts = new Map();
  if (!list || typeof list !== 'object') return out;
  for (const [name, value] of Object.entries(list as Json)) {
    const amount = amountOf(name, value);
    if (amount !== 0) out.set(name, amount);
  }
  return out;
}

function addInto(total: ResourceAmounts, add: ResourceAmounts): void {
  for (const [name, v] of add) total.set(name, (total.get(name) ?? 0) + v);
}

function maxInto(total: ResourceAmounts, other: ResourceAmounts): void {
  for (const [name, v] of other) if (v > (total.get(name) ?? 0)) total.set(name, v);
}

const containersOf = (v: unknown): Json[] => (Array.isArray(v) ? v.filter((c) => c && typeof c === 'object') : []);

/**
 * The pod's effective requests (resourcehelper.PodRequests): the sum of its containers and
 * sidecars (restartable init containers), or the largest init-container step if that is
 * bigger, plus the pod overhead. With `nonZero`, containers that request no cpu/memory
 * count the scoring defaults instead.
 */
export function podRequests(spec: Json | undefined, opts: { nonZero?: boolean } = {}): ResourceAmounts {
  const containerRequests = (c: Json): ResourceAmounts => {
    const reqs = resourceList(c.resources?.requests);
    if (opts.nonZero) {
      if (!reqs.has('cpu')) reqs.set('cpu', defaultMilliCpuRequest);
      if (!reqs.has('memory')) reqs.set('memory', defaultMemoryRequest);
    }
    return reqs;
  };
  const total: ResourceAmounts = new Map();
  for (const c of containersOf(spec?.containers)) addInto(total, containerRequests(c));
  const sidecars: ResourceAmounts = new Map();
  const initPeak: ResourceAmounts = new Map();
  for (const c of containersOf(spec?.initContainers)) {
    const reqs = containerRequests(c);
    if (c.restartPolicy === 'Always') {
      // A sidecar keeps running next to everything started after it.
      addInto(total, reqs);
      addInto(sidecars, reqs);
      maxInto(initPeak, sidecars);
    } else {
      const step: ResourceAmounts = new Map(reqs);
      addInto(step, sidecars);
      maxInto(initPeak, step);
    }
  }
  maxInto(total, initPeak);
  addInto(total, resourceList(spec?.overhead));
  return total;
}

/** What a node offers: status.allocatable, or status.capacity when allocatable is not reported. */
export function nodeAllocatable(node: Json): { amounts: ResourceAmounts; pods: number } {
  const source = node.status?.allocatable ?? node.status?.capacity ?? {};
  const amounts = resourceList(source);
  const pods = amounts.get('pods') ?? 0;
  for (const name of notScalar) amounts.delete(name);
  return { amounts, pods };
}

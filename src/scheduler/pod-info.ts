// What the scheduler needs to know about a pod, worked out once when the pod is seen
// (requests, host ports, tolerations, affinity terms with parsed selectors, spread
// constraints, owner) so that checking it against a thousand nodes is cheap.
import type { KubeObject } from '../api/resource-type.ts';
import { type LabelMatcher, labelSelectorFromObject, nothing } from '../api/selectors/label-selector.ts';
import { podRequests, type ResourceAmounts } from './resources.ts';

type Json = Record<string, any>;

export interface Toleration {
  key?: string;
  operator?: 'Exists' | 'Equal';
  value?: string;
  effect?: string;
}

export interface Taint {
  key: string;
  value?: string;
  effect: string;
}

export interface HostPort {
  protocol: string;
  hostIP: string;
  port: number;
}

export interface AffinityTerm {
  selector: LabelMatcher;
  /** Namespaces named in the term (the pod's own one when neither list nor selector is given). */
  namespaces: Set<string>;
  /** namespaceSelector; {} selects every namespace. */
  namespaceSelector?: LabelMatcher;
  topologyKey: string;
}

export interface WeightedAffinityTerm extends AffinityTerm {
  weight: number;
}

export interface SpreadConstraint {
  maxSkew: number;
  topologyKey: string;
  whenUnsatisfiable: 'DoNotSchedule' | 'ScheduleAnyway';
  selector: LabelMatcher;
  minDomains: number;
  /** Whether nodes outside the pod's nodeAffinity/nodeSelector count as domains (default Honor: they do not). */
  nodeAffinityPolicy: 'Honor' | 'Ignore';
  /** Whether nodes with taints the pod does not tolerate count (default Ignore: they do). */
  nodeTaintsPolicy: 'Honor' | 'Ignore';
}

export interface PodInfo {
  pod: KubeObject;
  uid: string;
  namespace: string;
  name: string;
  /** "namespace/name" */
  key: string;
  labels: Record<string, string>;
  nodeName?: string;
  requests: ResourceAmounts;
  /** The requested resources in the order Kubernetes checks them (cpu, memory, ephemeral-storage, then by name). */
  requestList: [string, number][];
  /** cpu (millicores) and memory with the scoring defaults for containers that request none. */
  nonZeroCpu: number;
  nonZeroMemory: number;
  hostPorts: HostPort[];
  tolerations: Toleration[];
  nodeSelector?: Record<string, string>;
  /** spec.affinity.nodeAffinity, as given. */
  nodeAffinity?: Json;
  requiredAffinity: AffinityTerm[];
  requiredAntiAffinity: AffinityTerm[];
  preferredAffinity: WeightedAffinityTerm[];
  preferredAntiAffinity: WeightedAffinityTerm[];
  spreadConstraints: SpreadConstraint[];
  /** UID of the controlling owner (ReplicaSet, StatefulSet, Job, …), for default spreading. */
  ownerUid?: string;
  priority: number;
}

const list = (v: unknown): Json[] => (Array.isArray(v) ? v.filter((x) => x && typeof x === 'object') : []);

function selectorOf(obj: unknown): LabelMatcher {
  try {
    return labelSelectorFromObject(obj as any);
  } catch {
    return nothing();
  }
}

function affinityTerm(term: Json, podNamespace: string): AffinityTerm {
  const names: string[] = Array.isArray(term.namespaces) ? term.namespaces : [];
  const namespaceSelector = term.namespaceSelector ? selectorOf(term.namespaceSelector) : undefined;
  const namespaces = new Set(names.length === 0 && !namespaceSelector ? [podNamespace] : names);
  return { selector: selectorOf(term.labelSelector), namespaces, namespaceSelector, topologyKey: String(term.topologyKey ?? '') };
}

/** Does the term select `pod` (its namespace and labels)? */
export function termMatches(
  term: AffinityTerm,
  pod: PodInfo,
  namespaceLabels: (ns: string) => Record<string, string> | undefined,
): boolean {
  if (!term.namespaces.has(pod.namespace)) {
    if (!term.namespaceSelector) return false;
    if (!term.namespaceSelector.empty() && !term.namespaceSelector.matches(namespaceLabels(pod.namespace) ?? {})) return false;
  }
  return term.selector.matches(pod.labels);
}

function hostPorts(spec: Json): HostPort[] {
  const out: HostPort[] = [];
  for (const c of [...list(spec.containers), ...list(spec.initContainers)]) {
    for (const p of list(c.ports)) {
      const port = Number(p.hostPort ?? 0);
      if (port > 0) out.push({ protocol: p.protocol ?? 'TCP', hostIP: p.hostIP || '0.0.0.0', port });
    }
  }
  return out;
}

function spreadConstraints(spec: Json, labels: Record<string, string>): SpreadConstraint[] {
  return list(spec.topologySpreadConstraints).map((c) => {
    // matchLabelKeys: the pod's own values for these keys narrow the selector.
    const selector: Json = structuredClone(c.labelSelector ?? null);
    const keys: string[] = Array.isArray(c.matchLabelKeys) ? c.matchLabelKeys : [];
    const matcher = (() => {
      if (!selector) return nothing();
      for (const key of keys) {
        if (!(key in labels)) continue;
        selector.matchExpressions ??= [];
        selector.matchExpressions.push({ key, operator: 'In', values: [labels[key]] });
      }
      return selectorOf(selector);
    })();
    return {
      maxSkew: Number(c.maxSkew ?? 1),
      topologyKey: String(c.topologyKey ?? ''),
      whenUnsatisfiable: c.whenUnsatisfiable === 'ScheduleAnyway' ? 'ScheduleAnyway' : 'DoNotSchedule',
      selector: matcher,
      minDomains: Number(c.minDomains ?? 1),
      nodeAffinityPolicy: c.nodeAffinityPolicy === 'Ignore' ? 'Ignore' : 'Honor',
      nodeTaintsPolicy: c.nodeTaintsPolicy === 'Honor' ? 'Honor' : 'Ignore',
    };
  });
}

const firstResources = ['cpu', 'memory', 'ephemeral-storage'];

function resourceOrder(a: string, b: string): number {
  const ia = firstResources.indexOf(a);
  const ib = firstResources.indexOf(b);
  if (ia >= 0 || ib >= 0) return (ia < 0 ? 99 : ia) - (ib < 0 ? 99 : ib);
  return a < b ? -1 : a > b ? 1 : 0;
}

export function podInfoOf(pod: KubeObject): PodInfo {
  const meta: Json = pod.metadata ?? {};
  const spec: Json = pod.spec ?? {};
  const namespace = String(meta.namespace ?? '');
  const labels: Record<string, string> = meta.labels ?? {};
  const requests = podRequests(spec);
  const nonZero = podRequests(spec, { nonZero: true });
  const affinity: Json = spec.affinity ?? {};
  const podAffinity: Json = affinity.podAffinity ?? {};
  const podAntiAffinity: Json = affinity.podAntiAffinity ?? {};
  const required = (rules: Json) => list(rules.requiredDuringSchedulingIgnoredDuringExecution).map((t) => affinityTerm(t, namespace));
  const preferred = (rules: Json) =>
    list(rules.preferredDuringSchedulingIgnoredDuringExecution).map((w) => ({
      ...affinityTerm(w.podAffinityTerm ?? {}, namespace),
      weight: Number(w.weight ?? 0),
    }));
  const owner = list(meta.ownerReferences).find((r) => r.controller === true);
  return {
    pod,
    uid: String(meta.uid ?? ''),
    namespace,
    name: String(meta.name ?? ''),
    key: `${namespace}/${meta.name}`,
    labels,
    nodeName: spec.nodeName || undefined,
    requests,
    requestList: [...requests].filter(([, v]) => v > 0).sort(([a], [b]) => resourceOrder(a, b)),
    nonZeroCpu: nonZero.get('cpu') ?? 0,
    nonZeroMemory: nonZero.get('memory') ?? 0,
    hostPorts: hostPorts(spec),
    tolerations: list(spec.tolerations) as Toleration[],
    nodeSelector: spec.nodeSelector && Object.keys(spec.nodeSelector).length ? spec.nodeSelector : undefined,
    nodeAffinity: affinity.nodeAffinity,
    requiredAffinity: required(podAffinity),
    requiredAntiAffinity: required(podAntiAffinity),
    preferredAffinity: preferred(podAffinity),
    preferredAntiAffinity: preferred(podAntiAffinity),
    spreadConstraints: spreadConstraints(spec, labels),
    ownerUid: owner?.uid,
    priority: Number(spec.priority ?? 0),
  };
}

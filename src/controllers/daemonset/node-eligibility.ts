// Which nodes a DaemonSet's pod belongs on (Kubernetes' NodeShouldRunDaemonPod): the
// template's nodeName, nodeSelector and required node affinity must match the node, and
// its taints must be tolerated — with the tolerations every daemon pod gets automatically
// (node problems must not evict or block system daemons). Also how a daemon pod is pinned to
// its node: a required node affinity on metadata.name, which the scheduler honours.
import type { KubeObject } from '../../api/resource-type.ts';

export interface Toleration {
  key?: string;
  operator?: string;
  value?: string;
  effect?: string;
  tolerationSeconds?: number;
}

export interface Taint {
  key: string;
  value?: string;
  effect: string;
}

interface NodeSelectorRequirement {
  key: string;
  operator: string;
  values?: string[];
}

interface NodeSelectorTerm {
  matchExpressions?: NodeSelectorRequirement[];
  matchFields?: NodeSelectorRequirement[];
}

/** Toleration.ToleratesTaint: effect and key match (empty means any), then Equal compares values. */
export function toleratesTaint(toleration: Toleration, taint: Taint): boolean {
  if (toleration.effect && toleration.effect !== taint.effect) return false;
  if (toleration.key && toleration.key !== taint.key) return false;
  switch (toleration.operator ?? '') {
    case '':
    case 'Equal':
      return (toleration.value ?? '') === (taint.value ?? '');
    case 'Exists':
      return true;
    default:
      return false;
  }
}

/** The first taint passing `filter` that no toleration tolerates. */
export function findUntoleratedTaint(taints: Taint[], tolerations: Toleration[], filter: (taint: Taint) => boolean): Taint | undefined {
  return taints.find((taint) => filter(taint) && !tolerations.some((t) => toleratesTaint(t, taint)));
}

/** The tolerations Kubernetes adds to every daemon pod (AddOrUpdateDaemonPodTolerations). */
export function daemonPodTolerations(hostNetwork: boolean): Toleration[] {
  const tolerations: Toleration[] = [
    // Survive taint-based eviction when the node turns not-ready or unreachable.
    { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute' },
    { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute' },
    // Run despite the node-condition taints and cordoning.
    { key: 'node.kubernetes.io/disk-pressure', operator: 'Exists', effect: 'NoSchedule' },
    { key: 'node.kubernetes.io/memory-pressure', operator: 'Exists', effect: 'NoSchedule' },
    { key: 'node.kubernetes.io/pid-pressure', operator: 'Exists', effect: 'NoSchedule' },
    { key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoSchedule' },
  ];
  if (hostNetwork) tolerations.push({ key: 'node.kubernetes.io/network-unavailable', operator: 'Exists', effect: 'NoSchedule' });
  return tolerations;
}

const sameToleration = (a: Toleration, b: Toleration) =>
  (a.key ?? '') === (b.key ?? '') &&
  (a.effect ?? '') === (b.effect ?? '') &&
  (a.operator ?? '') === (b.operator ?? '') &&
  (a.value ?? '') === (b.value ?? '');

/** The pod spec's tolerations with the daemon tolerations added (an equal one replaces its match). */
export function withDaemonTolerations(podSpec: KubeObject): Toleration[] {
  const tolerations: Toleration[] = [...(podSpec.tolerations ?? [])];
  for (const toleration of daemonPodTolerations(!!podSpec.hostNetwork)) {
    const at = tolerations.findIndex((t) => sameToleration(t, toleration));
    if (at >= 0) tolerations[at] = toleration;
    else tolerations.push(toleration);
  }
  return tolerations;
}

/** strconv.ParseInt for Gt/Lt. */
function parseInteger(value: string | undefined): number | undefined {
  if (value === undefined || !/^[+-]?\d+$/.test(value)) return undefined;
  return Number(value);
}

function requirementMatches(req: NodeSelectorRequirement, values: Record<string, string>): boolean {
  const has = Object.hasOwn(values, req.key);
  const value = values[req.key];
  const wanted = req.values ?? [];
  switch (req.operator) {
    case 'In':
      return has && wanted.includes(value);
    case 'NotIn':
      return !has || !wanted.includes(value);
    case 'Exists':
      return has;
    case 'DoesNotExist':
      return !has;
    case 'Gt':
    case 'Lt': {
      const actual = parseInteger(has ? value : undefined);
      const bound = wanted.length === 1 ? parseInteger(wanted[0]) : undefined;
      if (actual === undefined || bound === undefined) return false;
      return req.operator === 'Gt' ? actual > bound : actual < bound;
    }
    default:
      return false;
  }
}

/** A term matches when all its requirements do; an empty term matches nothing. */
function termMatches(term: NodeSelectorTerm, node: KubeObject): boolean {
  const expressions = term.matchExpressions ?? [];
  const fields = term.matchFields ?? [];
  if (!expressions.length && !fields.length) return false;
  const labels: Record<string, string> = node.metadata?.labels ?? {};
  const nodeFields = { 'metadata.name': node.metadata?.name ?? '' };
  return expressions.every((r) => requirementMatches(r, labels)) && fields.every((r) => requirementMatches(r, nodeFields));
}

/** GetRequiredNodeAffinity(pod).Match(node): nodeSelector and required node affinity (terms are ORed). */
export function podFitsNodeAffinity(podSpec: KubeObject, node: KubeObject): boolean {
  const labels: Record<string, string> = node.metadata?.labels ?? {};
  for (const [key, value] of Object.entries<string>(podSpec.nodeSelector ?? {})) {
    if (labels[key] !== value) return false;
  }
  const required = podSpec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
  if (!required) return true;
  const terms: NodeSelectorTerm[] = required.nodeSelectorTerms ?? [];
  return terms.some((term) => termMatches(term, node));
}

export interface NodeFit {
  /** A daemon pod should be created on the node. */
  shouldRun: boolean;
  /** A daemon pod already there may stay (only NoExecute taints evict it). */
  shouldContinueRunning: boolean;
}

/** NodeShouldRunDaemonPod for the DaemonSet's pod template. */
export function nodeShouldRunDaemonPod(node: KubeObject, ds: KubeObject): NodeFit {
  const podSpec: KubeObject = ds.spec?.template?.spec ?? {};
  const nodeName = node.metadata?.name;
  if (podSpec.nodeName && podSpec.nodeName !== nodeName) return { shouldRun: false, shouldContinueRunning: false };
  if (!podFitsNodeAffinity(podSpec, node)) return { shouldRun: false, shouldContinueRunning: false };
  const taints: Taint[] = node.spec?.taints ?? [];
  const tolerations = withDaemonTolerations(podSpec);
  const blocking = findUntoleratedTaint(taints, tolerations, (t) => t.effect === 'NoSchedule' || t.effect === 'NoExecute');
  if (!blocking) return { shouldRun: true, shouldContinueRunning: true };
  const evicting = findUntoleratedTaint(taints, tolerations, (t) => t.effect === 'NoExecute');
  return { shouldRun: false, shouldContinueRunning: !evicting };
}

/**
 * ReplaceDaemonSetPodNodeNameNodeAffinity: the pod's required node affinity becomes the
 * single term "metadata.name In [node]" (the controller already checked the rest matches).
 */
export function pinToNode(affinity: KubeObject | undefined, nodeName: string): KubeObject {
  const term = { matchFields: [{ key: 'metadata.name', operator: 'In', values: [nodeName] }] };
  const out: KubeObject = structuredClone(affinity ?? {});
  out.nodeAffinity ??= {};
  out.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution = {
    ...(out.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution ?? {}),
    nodeSelectorTerms: [term],
  };
  return out;
}

/**
 * GetTargetNodeName: the node a daemon pod is for — spec.nodeName once bound, else the
 * single metadata.name its required node affinity names. Undefined when neither says.
 */
export function targetNodeName(pod: KubeObject): string | undefined {
  if (pod.spec?.nodeName) return pod.spec.nodeName;
  const terms: NodeSelectorTerm[] =
    pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms ?? [];
  if (terms.length !== 1) return undefined;
  for (const field of terms[0].matchFields ?? []) {
    if (field.key === 'metadata.name' && field.operator === 'In' && field.values?.length === 1) return field.values[0];
  }
  return undefined;
}

// PodTopologySpread: topologySpreadConstraints. DoNotSchedule constraints filter nodes whose
// domain would exceed maxSkew; ScheduleAnyway constraints score. A pod without constraints
// but with a controlling owner gets Kubernetes' system defaults (hostname maxSkew 3, zone
// maxSkew 5, ScheduleAnyway) over the pods of the same owner, so replicas spread out.
import { type ClusterView, type FilterPlugin, fail, maxNodeScore, type ScorePlugin, Skip } from '../framework.ts';
import type { NodeInfo } from '../node-info.ts';
import type { PodInfo, SpreadConstraint } from '../pod-info.ts';
import { podMatchesNodeSelectorAndAffinity } from './node-affinity.ts';
import { firstUntoleratedTaint } from './taint-toleration.ts';

export const spreadConstraintsNotMatch = "node(s) didn't match pod topology spread constraints";
export const spreadMissingLabel = "node(s) didn't match pod topology spread constraints (missing required label)";

export const hostnameLabel = 'kubernetes.io/hostname';

/** Can `node` be one of the constraint's domains for this pod (node inclusion policies)? */
function nodeCounts(pod: PodInfo, node: NodeInfo, c: SpreadConstraint): boolean {
  if (c.nodeAffinityPolicy === 'Honor' && !podMatchesNodeSelectorAndAffinity(pod, node)) return false;
  if (c.nodeTaintsPolicy === 'Honor' && firstUntoleratedTaint(node.taints, pod.tolerations)) return false;
  return true;
}

function matchingPods(pod: PodInfo, node: NodeInfo, c: SpreadConstraint): number {
  let n = 0;
  for (const p of node.pods.values()) {
    if (p.namespace === pod.namespace && !p.pod.metadata?.deletionTimestamp && c.selector.matches(p.labels)) n++;
  }
  return n;
}

export interface DomainCounts {
  constraint: SpreadConstraint;
  counts: Map<string, number>;
  /** The smallest count over all domains, or 0 while there are fewer domains than minDomains. */
  min: number;
}

/** Pods matching each constraint per topology value, over the nodes that count. */
export function countDomains(pod: PodInfo, cluster: ClusterView, constraints: SpreadConstraint[]): DomainCounts[] {
  const keys = constraints.map((c) => c.topologyKey);
  const out: DomainCounts[] = constraints.map((constraint) => ({ constraint, counts: new Map(), min: 0 }));
  for (const node of cluster.nodes) {
    // A node must carry every constraint's key to count for any of them.
    if (!keys.every((k) => node.labels[k] !== undefined)) continue;
    for (const d of out) {
      if (!nodeCounts(pod, node, d.constraint)) continue;
      const value = node.labels[d.constraint.topologyKey];
      d.counts.set(value, (d.counts.get(value) ?? 0) + matchingPods(pod, node, d.constraint));
    }
  }
  for (const d of out) {
    if (d.counts.size < d.constraint.minDomains) d.min = 0;
    else d.min = Math.min(...d.counts.values());
  }
  return out;
}

export const podTopologySpreadFilter: FilterPlugin<DomainCounts[]> = {
  name: 'PodTopologySpread',
  preFilter(pod, cluster) {
    const hard = pod.spreadConstraints.filter((c) => c.whenUnsatisfiable === 'DoNotSchedule');
    return hard.length ? countDomains(pod, cluster, hard) : Skip;
  },
  filter(pod, node, domains) {
    for (const d of domains) {
      const value = node.labels[d.constraint.topologyKey];
      if (value === undefined) return fail('PodTopologySpread', 'UnschedulableAndUnresolvable', spreadMissingLabel);
      const self = d.constraint.selector.matches(pod.labels) ? 1 : 0;
      const skew = (d.counts.get(value) ?? 0) + self - d.min;
      if (skew > d.constraint.maxSkew) return fail('PodTopologySpread', 'Unschedulable', spreadConstraintsNotMatch);
    }
    return undefined;
  },
};

/**
 * One constraint's part of the score: how many matching pods are in a node's domain. The
 * three ways to count are plain data, not closures, because score runs per node per pod.
 */
type SpreadPart = { weight: number; maxSkew: number } & (
  | { kind: 'domains'; topologyKey: string; counts: Map<string, number> }
  | { kind: 'ownerPerNode'; perNode: ReadonlyMap<NodeInfo, number> | undefined }
  | { kind: 'ownerPerZone'; perZone: ReadonlyMap<string, number> | undefined }
);

interface SpreadScoreState {
  parts: SpreadPart[];
}

/** Matching pods in the node's domain for this part; undefined when the node lacks the topology label. */
function partCount(part: SpreadPart, node: NodeInfo): number | undefined {
  switch (part.kind) {
    case 'ownerPerNode':
      return part.perNode?.get(node) ?? 0;
    case 'ownerPerZone':
      return node.zone === undefined ? 0 : (part.perZone?.get(node.zone) ?? 0);
    case 'domains': {
      const value = node.labels[part.topologyKey];
      return value === undefined ? undefined : (part.counts.get(value) ?? 0);
    }
  }
}

function explicitScoreState(pod: PodInfo, cluster: ClusterView, soft: SpreadConstraint[]): SpreadScoreState {
  const domains = countDomains(pod, cluster, soft);
  return {
    parts: domains.map((d) => ({
      kind: 'domains',
      topologyKey: d.constraint.topologyKey,
      counts: d.counts,
      weight: Math.log(d.counts.size + 2),
      maxSkew: d.constraint.maxSkew,
    })),
  };
}

/** System default constraints, counting pods of the same controlling owner. */
function defaultScoreState(ownerUid: string, cluster: ClusterView, nodes: readonly NodeInfo[]): SpreadScoreState {
  const parts: SpreadPart[] = [
    { kind: 'ownerPerNode', perNode: cluster.ownerPodsPerNode(ownerUid), weight: Math.log(nodes.length + 2), maxSkew: 3 },
  ];
  if (cluster.zoneCount > 0 && nodes.some((n) => n.zone !== undefined)) {
    parts.push({ kind: 'ownerPerZone', perZone: cluster.ownerPodsPerZone(ownerUid), weight: Math.log(cluster.zoneCount + 2), maxSkew: 5 });
  }
  return { parts };
}

/** Fewer matching pods in a node's domains scores higher; nodes missing a topology label score lowest. */
export const podTopologySpreadScore: ScorePlugin<SpreadScoreState> = {
  name: 'PodTopologySpread',
  weight: 2,
  preScore(pod, nodes, cluster) {
    if (pod.spreadConstraints.length === 0) return pod.ownerUid ? defaultScoreState(pod.ownerUid, cluster, nodes) : Skip;
    const soft = pod.spreadConstraints.filter((c) => c.whenUnsatisfiable === 'ScheduleAnyway');
    return soft.length ? explicitScoreState(pod, cluster, soft) : Skip;
  },
  score(_pod, node, state) {
    let total = 0;
    for (const part of state.parts) {
      const count = partCount(part, node);
      if (count === undefined) return Number.POSITIVE_INFINITY;
      total += part.weight * (count + part.maxSkew - 1);
    }
    return total;
  },
  normalize(scores) {
    let min = Number.POSITIVE_INFINITY;
    let max = 0;
    for (const s of scores) {
      if (!Number.isFinite(s)) continue;
      if (s < min) min = s;
      if (s > max) max = s;
    }
    for (let i = 0; i < scores.length; i++) {
      const s = scores[i];
      if (!Number.isFinite(s)) scores[i] = 0;
      else scores[i] = max === 0 ? maxNodeScore : Math.floor((maxNodeScore * (max + min - s)) / max);
    }
  },
};

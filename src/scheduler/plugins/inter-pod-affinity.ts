// InterPodAffinity: required pod affinity (be in the same topology domain as matching pods),
// required anti-affinity (never share one), the anti-affinity of pods already running, and
// the preferred variants as a score. Counts per topology pair ("key=value") are computed
// once per pod, so checking each node is a few map lookups.
import { type ClusterView, type FilterPlugin, fail, maxNodeScore, type ScorePlugin, Skip } from '../framework.ts';
import type { NodeInfo } from '../node-info.ts';
import { type AffinityTerm, type PodInfo, termMatches } from '../pod-info.ts';

export const affinityRulesNotMatch = "node(s) didn't match pod affinity rules";
export const antiAffinityRulesNotMatch = "node(s) didn't match pod anti-affinity rules";
export const existingAntiAffinityRulesNotMatch = "node(s) didn't satisfy existing pods anti-affinity rules";

/** Weight existing pods' required affinity adds when it matches the incoming pod (hardPodAffinityWeight). */
const hardPodAffinityWeight = 1;

const pair = (key: string, value: string) => `${key}\u0000${value}`;

function increment(counts: Map<string, number>, key: string, by = 1): void {
  counts.set(key, (counts.get(key) ?? 0) + by);
}

export interface AffinityState {
  /** Topology pairs where running pods' required anti-affinity rejects the incoming pod. */
  existingAntiAffinity: Map<string, number>;
  /** Pairs holding pods that match all of the incoming pod's required affinity terms. */
  affinity: Map<string, number>;
  /** Pairs holding pods that match one of its required anti-affinity terms. */
  antiAffinity: Map<string, number>;
  /** The pod matches its own affinity terms (so the first pod of a group may go anywhere). */
  matchesOwnAffinity: boolean;
}

export function computeAffinityState(pod: PodInfo, cluster: ClusterView): AffinityState {
  const nsLabels = (ns: string) => cluster.namespaceLabels(ns);
  const state: AffinityState = {
    existingAntiAffinity: new Map(),
    affinity: new Map(),
    antiAffinity: new Map(),
    matchesOwnAffinity: pod.requiredAffinity.every((t) => termMatches(t, pod, nsLabels)),
  };
  const hasOwnTerms = pod.requiredAffinity.length > 0 || pod.requiredAntiAffinity.length > 0;
  for (const node of cluster.nodes) {
    for (const existing of node.podsWithRequiredAntiAffinity) {
      for (const term of existing.requiredAntiAffinity) {
        const value = node.labels[term.topologyKey];
        if (value !== undefined && termMatches(term, pod, nsLabels)) increment(state.existingAntiAffinity, pair(term.topologyKey, value));
      }
    }
    if (!hasOwnTerms) continue;
    for (const existing of node.pods.values()) {
      if (pod.requiredAffinity.length > 0 && pod.requiredAffinity.every((t) => termMatches(t, existing, nsLabels))) {
        for (const term of pod.requiredAffinity) {
          const value = node.labels[term.topologyKey];
          if (value !== undefined) increment(state.affinity, pair(term.topologyKey, value));
        }
      }
      for (const term of pod.requiredAntiAffinity) {
        const value = node.labels[term.topologyKey];
        if (value !== undefined && termMatches(term, existing, nsLabels)) increment(state.antiAffinity, pair(term.topologyKey, value));
      }
    }
  }
  return state;
}

function satisfiesAffinity(pod: PodInfo, node: NodeInfo, state: AffinityState): boolean {
  if (pod.requiredAffinity.length === 0) return true;
  let podsExist = true;
  for (const term of pod.requiredAffinity) {
    const value = node.labels[term.topologyKey];
    if (value === undefined) return false;
    if (!state.affinity.get(pair(term.topologyKey, value))) podsExist = false;
  }
  // No matching pod anywhere yet: a pod that matches its own terms may start the group.
  return podsExist || (state.affinity.size === 0 && state.matchesOwnAffinity);
}

function satisfiesAntiAffinity(pod: PodInfo, node: NodeInfo, state: AffinityState): boolean {
  for (const term of pod.requiredAntiAffinity) {
    const value = node.labels[term.topologyKey];
    if (value !== undefined && state.antiAffinity.get(pair(term.topologyKey, value))) return false;
  }
  return true;
}

function satisfiesExistingAntiAffinity(node: NodeInfo, state: AffinityState): boolean {
  if (state.existingAntiAffinity.size === 0) return true;
  for (const [key, value] of Object.entries(node.labels)) {
    if (state.existingAntiAffinity.get(pair(key, value))) return false;
  }
  return true;
}

export const interPodAffinityFilter: FilterPlugin<AffinityState> = {
  name: 'InterPodAffinity',
  preFilter(pod, cluster) {
    const anyExistingAnti = cluster.anyPodWithRequiredAntiAffinity();
    if (!anyExistingAnti && pod.requiredAffinity.length === 0 && pod.requiredAntiAffinity.length === 0) return Skip;
    return computeAffinityState(pod, cluster);
  },
  filter(pod, node, state) {
    if (!satisfiesAffinity(pod, node, state)) return fail('InterPodAffinity', 'UnschedulableAndUnresolvable', affinityRulesNotMatch);
    if (!satisfiesAntiAffinity(pod, node, state)) return fail('InterPodAffinity', 'Unschedulable', antiAffinityRulesNotMatch);
    if (!satisfiesExistingAntiAffinity(node, state)) return fail('InterPodAffinity', 'Unschedulable', existingAntiAffinityRulesNotMatch);
    return undefined;
  },
};

/** Score: sum of weights per topology pair, from the pod's preferred terms and the running pods' terms. */
export function computeAffinityScores(pod: PodInfo, cluster: ClusterView): Map<string, number> {
  const nsLabels = (ns: string) => cluster.namespaceLabels(ns);
  const scores = new Map<string, number>();
  const hasPreferred = pod.preferredAffinity.length > 0 || pod.preferredAntiAffinity.length > 0;
  const add = (term: AffinityTerm, node: NodeInfo, weight: number) => {
    const value = node.labels[term.topologyKey];
    if (value !== undefined) increment(scores, pair(term.topologyKey, value), weight);
  };
  for (const node of cluster.nodes) {
    const candidates = hasPreferred ? node.pods.values() : node.podsWithAffinity.values();
    for (const existing of candidates) {
      for (const t of pod.preferredAffinity) if (termMatches(t, existing, nsLabels)) add(t, node, t.weight);
      for (const t of pod.preferredAntiAffinity) if (termMatches(t, existing, nsLabels)) add(t, node, -t.weight);
      for (const t of existing.preferredAffinity) if (termMatches(t, pod, nsLabels)) add(t, node, t.weight);
      for (const t of existing.preferredAntiAffinity) if (termMatches(t, pod, nsLabels)) add(t, node, -t.weight);
      for (const t of existing.requiredAffinity) if (termMatches(t, pod, nsLabels)) add(t, node, hardPodAffinityWeight);
    }
  }
  return scores;
}

export const interPodAffinityScore: ScorePlugin<Map<string, number>> = {
  name: 'InterPodAffinity',
  weight: 2,
  preScore(pod, _nodes, cluster) {
    const hasPreferred = pod.preferredAffinity.length > 0 || pod.preferredAntiAffinity.length > 0;
    if (!hasPreferred && !cluster.anyPodWithAffinity()) return Skip;
    const scores = computeAffinityScores(pod, cluster);
    return scores.size ? scores : Skip;
  },
  score(_pod, node, scores) {
    let total = 0;
    for (const [key, value] of Object.entries(node.labels)) total += scores.get(pair(key, value)) ?? 0;
    return total;
  },
  normalize(scores) {
    let min = Number.POSITIVE_INFINITY;
    let max = Number.NEGATIVE_INFINITY;
    for (const s of scores) {
      if (s < min) min = s;
      if (s > max) max = s;
    }
    const diff = max - min;
    for (let i = 0; i < scores.length; i++) scores[i] = diff > 0 ? Math.floor((maxNodeScore * (scores[i] - min)) / diff) : 0;
  },
};

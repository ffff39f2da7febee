// NodeAffinity: spec.nodeSelector and required node affinity decide where a pod may go;
// preferred node affinity adds the weights of the terms a node matches to its score.
import { defaultNormalize, type FilterPlugin, fail, Rejection, type ScorePlugin, Skip } from '../framework.ts';
import type { NodeInfo } from '../node-info.ts';
import type { PodInfo } from '../pod-info.ts';

type Json = Record<string, any>;

export const nodeAffinityMismatch = "node(s) didn't match Pod's node affinity/selector";

function parseInt64(s: string | undefined): number | undefined {
  if (s === undefined || !/^[+-]?\d+$/.test(s)) return undefined;
  return Number(s);
}

/** One NodeSelectorRequirement against a value that may be absent. */
export function requirementMatches(req: Json, value: string | undefined): boolean {
  const values: string[] = Array.isArray(req.values) ? req.values : [];
  switch (req.operator) {
    case 'In':
      return value !== undefined && values.includes(value);
    case 'NotIn':
      return value === undefined || !values.includes(value);
    case 'Exists':
      return value !== undefined;
    case 'DoesNotExist':
      return value === undefined;
    case 'Gt':
    case 'Lt': {
      const actual = parseInt64(value);
      const bound = parseInt64(values[0]);
      if (actual === undefined || bound === undefined) return false;
      return req.operator === 'Gt' ? actual > bound : actual < bound;
    }
    default:
      return false;
  }
}

/** A NodeSelectorTerm: all its expressions (labels) and fields (metadata.name) must match; an empty term matches nothing. */
export function nodeSelectorTermMatches(term: Json, node: Pick<NodeInfo, 'name' | 'labels'>): boolean {
  const exprs: Json[] = Array.isArray(term?.matchExpressions) ? term.matchExpressions : [];
  const fields: Json[] = Array.isArray(term?.matchFields) ? term.matchFields : [];
  if (exprs.length === 0 && fields.length === 0) return false;
  for (const e of exprs) if (!requirementMatches(e, node.labels[e.key])) return false;
  for (const f of fields) {
    if (f.key !== 'metadata.name' || !requirementMatches(f, node.name)) return false;
  }
  return true;
}

/** nodeSelector and required node affinity (any term) both hold. */
export function podMatchesNodeSelectorAndAffinity(pod: PodInfo, node: NodeInfo): boolean {
  if (pod.nodeSelector) {
    for (const [k, v] of Object.entries(pod.nodeSelector)) if (node.labels[k] !== v) return false;
  }
  const terms = pod.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms;
  if (Array.isArray(terms)) return terms.some((t) => nodeSelectorTermMatches(t, node));
  return true;
}

export const nodeAffinityFilter: FilterPlugin<undefined> = {
  name: 'NodeAffinity',
  preFilter(pod) {
    return pod.nodeSelector || pod.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution ? undefined : Skip;
  },
  // Pods pinned by metadata.name (DaemonSet pods) are filtered only on the nodes they name.
  preFilterNodeNames(pod) {
    const terms = pod.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms;
    if (!Array.isArray(terms) || terms.length === 0) return undefined;
    let names: Set<string> | undefined;
    for (const term of terms) {
      let termNames: Set<string> | undefined;
      for (const f of Array.isArray(term?.matchFields) ? term.matchFields : []) {
        if (f?.key !== 'metadata.name' || f.operator !== 'In') continue;
        const values = new Set<string>(Array.isArray(f.values) ? f.values : []);
        // A term's requirements are ANDed.
        termNames = termNames ? new Set([...termNames].filter((n) => values.has(n))) : values;
      }
      // A term without a name requirement may match any node; terms are ORed.
      if (!termNames) return undefined;
      names = names ? new Set([...names, ...termNames]) : termNames;
    }
    if (names && names.size === 0) {
      return new Rejection(fail('NodeAffinity', 'UnschedulableAndUnresolvable', 'pod affinity terms conflict'));
    }
    return names;
  },
  filter(pod, node) {
    return podMatchesNodeSelectorAndAffinity(pod, node)
      ? undefined
      : fail('NodeAffinity', 'UnschedulableAndUnresolvable', nodeAffinityMismatch);
  },
};

export const nodeAffinityScore: ScorePlugin<Json[]> = {
  name: 'NodeAffinity',
  weight: 2,
  preScore(pod) {
    const preferred = pod.nodeAffinity?.preferredDuringSchedulingIgnoredDuringExecution;
    return Array.isArray(preferred) && preferred.length > 0 ? preferred : Skip;
  },
  score(_pod, node, preferred) {
    let total = 0;
    for (const p of preferred) {
      const weight = Number(p?.weight ?? 0);
      if (weight !== 0 && nodeSelectorTermMatches(p.preference, node)) total += weight;
    }
    return total;
  },
  normalize: (scores) => defaultNormalize(scores, false),
};

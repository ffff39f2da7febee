// TaintToleration: a node's NoSchedule/NoExecute taints keep off pods that do not tolerate
// them; PreferNoSchedule taints only lower the node's score.
import { defaultNormalize, type FilterFailure, type FilterPlugin, fail, type ScorePlugin } from '../framework.ts';
import type { NodeInfo } from '../node-info.ts';
import type { PodInfo, Taint, Toleration } from '../pod-info.ts';

/** v1.Toleration.ToleratesTaint */
export function toleratesTaint(t: Toleration, taint: Taint): boolean {
  if (t.effect && t.effect !== taint.effect) return false;
  if (t.key && t.key !== taint.key) return false;
  if (t.operator === 'Exists') return true;
  return (t.value ?? '') === (taint.value ?? '');
}

export function tolerated(tolerations: readonly Toleration[], taint: Taint): boolean {
  return tolerations.some((t) => toleratesTaint(t, taint));
}

export function untoleratedTaintMessage(taint: Taint): string {
  return `node(s) had untolerated taint {${taint.key}: ${taint.value ?? ''}}`;
}

/** The first NoSchedule/NoExecute taint the pod does not tolerate, if any. */
export function firstUntoleratedTaint(taints: readonly Taint[], tolerations: readonly Toleration[]): Taint | undefined {
  return taints.find((t) => (t.effect === 'NoSchedule' || t.effect === 'NoExecute') && !tolerated(tolerations, t));
}

export const taintTolerationFilter: FilterPlugin<undefined> = {
  name: 'TaintToleration',
  filter(pod: PodInfo, node: NodeInfo): FilterFailure | undefined {
    if (node.taints.length === 0) return undefined;
    const taint = firstUntoleratedTaint(node.taints, pod.tolerations);
    return taint ? fail('TaintToleration', 'UnschedulableAndUnresolvable', untoleratedTaintMessage(taint)) : undefined;
  },
};

export const taintTolerationScore: ScorePlugin<readonly Toleration[]> = {
  name: 'TaintToleration',
  weight: 3,
  preScore(pod) {
    return pod.tolerations.filter((t) => !t.effect || t.effect === 'PreferNoSchedule');
  },
  score(_pod, node, preferTolerations) {
    let count = 0;
    for (const taint of node.taints) {
      if (taint.effect === 'PreferNoSchedule' && !tolerated(preferTolerations, taint)) count++;
    }
    return count;
  },
  normalize: (scores) => defaultNormalize(scores, true),
};

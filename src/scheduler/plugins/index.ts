// The default plugin set, in kube-scheduler's order, with its default score weights.
import type { FilterPlugin, ScorePlugin } from '../framework.ts';
import { interPodAffinityFilter, interPodAffinityScore } from './inter-pod-affinity.ts';
import { nodeAffinityFilter, nodeAffinityScore } from './node-affinity.ts';
import { nodeNameFilter } from './node-name.ts';
import { nodePortsFilter } from './node-ports.ts';
import { nodeReadyFilter } from './node-ready.ts';
import { balancedAllocationScore, leastAllocatedScore, nodeResourcesFitFilter } from './node-resources-fit.ts';
import { nodeUnschedulableFilter } from './node-unschedulable.ts';
import { podTopologySpreadFilter, podTopologySpreadScore } from './pod-topology-spread.ts';
import { taintTolerationFilter, taintTolerationScore } from './taint-toleration.ts';
import { volumeBindingFilter } from './volume-binding.ts';
import { volumeRestrictionsFilter } from './volume-restrictions.ts';

export const defaultFilters: FilterPlugin<any>[] = [
  nodeUnschedulableFilter,
  nodeNameFilter,
  taintTolerationFilter,
  nodeReadyFilter,
  nodeAffinityFilter,
  nodePortsFilter,
  nodeResourcesFitFilter,
  volumeRestrictionsFilter,
  volumeBindingFilter,
  podTopologySpreadFilter,
  interPodAffinityFilter,
];

export const defaultScores: ScorePlugin<any>[] = [
  taintTolerationScore,
  nodeAffinityScore,
  podTopologySpreadScore,
  interPodAffinityScore,
  leastAllocatedScore,
  balancedAllocationScore,
];

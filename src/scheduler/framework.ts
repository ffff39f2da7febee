// The shapes every scheduling plugin has (kube-scheduler's framework, reduced to the
// extension points Hale uses): a filter says whether a pod may go on a node and why not;
// a score says how good a feasible node is, normalized to 0..100 and weighted.
import type { KubeObject } from '../api/resource-type.ts';
import type { NodeInfo } from './node-info.ts';
import type { PodInfo } from './pod-info.ts';

/** Unschedulable: preemption might help. UnschedulableAndUnresolvable: nothing on this node can. */
export type FailureCode = 'Unschedulable' | 'UnschedulableAndUnresolvable';

export interface FilterFailure {
  code: FailureCode;
  /** Kubernetes' reason texts, e.g. "Insufficient cpu"; one node may have several. */
  reasons: string[];
  plugin: string;
}

/**
 * The storage objects VolumeBinding reads: the informers' copies, except that a claim the
 * scheduler has just chosen a node for already shows that choice (kube-scheduler's AssumeCache).
 */
export interface StorageView {
  claim(namespace: string, name: string): KubeObject | undefined;
  persistentVolume(name: string): KubeObject | undefined;
  /** Every PersistentVolume. */
  persistentVolumes(): readonly KubeObject[];
  storageClass(name: string): KubeObject | undefined;
}

/** What plugins may read about the whole cluster during one scheduling decision. */
export interface ClusterView extends StorageView {
  /** Nodes that exist (have a Node object), in a stable order. */
  readonly nodes: readonly NodeInfo[];
  nodeInfo(name: string): NodeInfo | undefined;
  namespaceLabels(namespace: string): Record<string, string> | undefined;
  /** Whether a pod on any of the nodes has pod affinity or anti-affinity terms. */
  anyPodWithAffinity(): boolean;
  /** Whether a pod on any of the nodes has required pod anti-affinity terms. */
  anyPodWithRequiredAntiAffinity(): boolean;
  /** Pods of one controlling owner per node (nodes without any are absent), kept up to date. */
  ownerPodsPerNode(ownerUid: string): ReadonlyMap<NodeInfo, number> | undefined;
  /** Pods of one controlling owner per zone (topology.kubernetes.io/zone), kept up to date. */
  ownerPodsPerZone(ownerUid: string): ReadonlyMap<string, number> | undefined;
  /** How many distinct zones the nodes are in. */
  readonly zoneCount: number;
}

/** Returned by preFilter/preScore when the plugin has nothing to say about this pod. */
export const Skip = Symbol('skip');
export type Skip = typeof Skip;

/**
 * Returned by preFilter when the pod fits no node for a reason that holds everywhere (a
 * missing claim …); the message then names the reason once instead of counting nodes.
 */
export class Rejection {
  constructor(readonly failure: FilterFailure) {}
}

export interface FilterPlugin<S = unknown> {
  readonly name: string;
  /** Work done once per pod before the nodes are checked; Skip means every node passes. */
  preFilter?(pod: PodInfo, cluster: ClusterView): S | Skip | Rejection;
  /**
   * kube-scheduler's PreFilterResult: the names of the only nodes worth filtering, or
   * undefined for all of them. The other nodes are not filtered at all and count as "node(s)
   * didn't satisfy plugin(s) [Name]"; a Rejection turns the pod away everywhere.
   */
  preFilterNodeNames?(pod: PodInfo): ReadonlySet<string> | Rejection | undefined;
  filter(pod: PodInfo, node: NodeInfo, state: S): FilterFailure | undefined;
}

export interface ScorePlugin<S = unknown> {
  readonly name: string;
  readonly weight: number;
  /** Work done once per pod over the feasible nodes; Skip leaves this plugin out. */
  preScore?(pod: PodInfo, nodes: readonly NodeInfo[], cluster: ClusterView): S | Skip;
  score(pod: PodInfo, node: NodeInfo, state: S): number;
  /** Rescales raw scores in place to 0..100 (MaxNodeScore). */
  normalize?(scores: number[]): void;
}

export const maxNodeScore = 100;

export function fail(plugin: string, code: FailureCode, ...reasons: string[]): FilterFailure {
  return { code, reasons, plugin };
}

/** DefaultNormalizeScore: scale so the best is 100 (or, reversed, so the lowest raw value is 100). */
export function defaultNormalize(scores: number[], reverse: boolean): void {
  let max = 0;
  for (const s of scores) if (s > max) max = s;
  if (max === 0) {
    if (reverse) scores.fill(maxNodeScore);
    return;
  }
  for (let i = 0; i < scores.length; i++) {
    const s = Math.floor((maxNodeScore * scores[i]) / max);
    scores[i] = reverse ? maxNodeScore - s : s;
  }
}

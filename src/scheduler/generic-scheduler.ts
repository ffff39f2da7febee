// One scheduling decision: run the filters over (enough of) the nodes, score the feasible
// ones and pick the best, breaking ties at random. Synchronous and free of I/O, so the
// cluster view cannot change under it.
import type { ClusterView, FilterFailure, FilterPlugin, ScorePlugin } from './framework.ts';
import { fail, Rejection, Skip } from './framework.ts';
import type { NodeInfo } from './node-info.ts';
import { defaultFilters, defaultScores } from './plugins/index.ts';
import type { PodInfo } from './pod-info.ts';

export type ScheduleOutcome =
  | { kind: 'scheduled'; node: NodeInfo; evaluatedNodes: number; feasibleNodes: number }
  | {
      kind: 'unschedulable';
      numAllNodes: number;
      statuses: Map<string, FilterFailure>;
      /** Set when a preFilter rejected the pod outright (every node then has that status). */
      preFilterMessage?: string;
    }
  | { kind: 'noNodes' };

export interface GenericSchedulerOptions {
  filters?: FilterPlugin<any>[];
  scores?: ScorePlugin<any>[];
  /** Stop filtering after this share of the nodes proved feasible; 0 = Kubernetes' adaptive default. */
  percentageOfNodesToScore?: number;
  random?: () => number;
}

const minFeasibleNodesToFind = 100;
const minFeasibleNodesPercentageToFind = 5;

/** How many feasible nodes are enough (kube-scheduler's numFeasibleNodesToFind). */
export function numFeasibleNodesToFind(numAllNodes: number, percentage = 0): number {
  if (numAllNodes < minFeasibleNodesToFind || percentage >= 100) return numAllNodes;
  let adaptive = percentage;
  if (adaptive <= 0) {
    adaptive = 50 - Math.floor(numAllNodes / 125);
    if (adaptive < minFeasibleNodesPercentageToFind) adaptive = minFeasibleNodesPercentageToFind;
  }
  const num = Math.floor((numAllNodes * adaptive) / 100);
  return Math.max(num, minFeasibleNodesToFind);
}

export class GenericScheduler {
  private readonly filters: FilterPlugin<any>[];
  private readonly scores: ScorePlugin<any>[];
  private readonly percentage: number;
  private readonly random: () => number;
  /** Where the next search starts, so successive pods look at different nodes first. */
  private nextStartNodeIndex = 0;

  constructor(opts: GenericSchedulerOptions = {}) {
    this.filters = opts.filters ?? defaultFilters;
    this.scores = opts.scores ?? defaultScores;
    this.percentage = opts.percentageOfNodesToScore ?? 0;
    this.random = opts.random ?? Math.random;
  }

  schedule(pod: PodInfo, cluster: ClusterView): ScheduleOutcome {
    const nodes = cluster.nodes;
    const total = nodes.length;
    if (total === 0) return { kind: 'noNodes' };

    const active: { plugin: FilterPlugin<any>; state: unknown }[] = [];
    let only: Set<string> | undefined;
    const narrowedBy: string[] = [];
    for (const plugin of this.filters) {
      const state = plugin.preFilter ? plugin.preFilter(pod, cluster) : undefined;
      if (state instanceof Rejection) return rejectedEverywhere(nodes, state.failure);
      if (state !== Skip) active.push({ plugin, state });
      const names = plugin.preFilterNodeNames?.(pod);
      if (names instanceof Rejection) return rejectedEverywhere(nodes, names.failure);
      if (names) {
        narrowedBy.push(plugin.name);
        only = only ? new Set([...only].filter((n) => names.has(n))) : new Set(names);
        if (only.size === 0) {
          const reason =
            narrowedBy.length === 1
              ? `node(s) didn't satisfy plugin ${plugin.name}`
              : `node(s) didn't satisfy plugin(s) [${narrowedBy.join(' ')}] simultaneously`;
          return rejectedEverywhere(nodes, { code: 'UnschedulableAndUnresolvable', reasons: [reason], plugin: plugin.name });
        }
      }
    }
    // Only the named nodes that exist are filtered (kube-scheduler's PreFilterResult).
    let candidates: readonly NodeInfo[] = nodes;
    if (only) {
      const named: NodeInfo[] = [];
      for (const name of only) {
        const node = cluster.nodeInfo(name);
        if (node) named.push(node);
      }
      candidates = named;
    }
    const count = candidates.length;
    const wanted = numFeasibleNodesToFind(count, this.percentage);
    const feasible: NodeInfo[] = [];
    const statuses = new Map<string, FilterFailure>();
    let processed = 0;
    for (; processed < count && feasible.length < wanted; processed++) {
      const node = candidates[(this.nextStartNodeIndex + processed) % count];
      let failure: FilterFailure | undefined;
      for (const { plugin, state } of active) {
        failure = plugin.filter(pod, node, state);
        if (failure) break;
      }
      if (failure) statuses.set(node.name, failure);
      else feasible.push(node);
    }
    if (!only) this.nextStartNodeIndex = (this.nextStartNodeIndex + processed) % total;
    if (feasible.length === 0) {
      if (only) {
        const absent = fail(narrowedBy[0], 'UnschedulableAndUnresolvable', `node(s) didn't satisfy plugin(s) [${narrowedBy.join(' ')}]`);
        for (const node of nodes) if (!statuses.has(node.name)) statuses.set(node.name, absent);
      }
      return { kind: 'unschedulable', numAllNodes: total, statuses };
    }
    if (feasible.length === 1) return { kind: 'scheduled', node: feasible[0], evaluatedNodes: processed, feasibleNodes: 1 };

    const totals = this.prioritize(pod, feasible, cluster);
    return { kind: 'scheduled', node: this.selectHost(feasible, totals), evaluatedNodes: processed, feasibleNodes: feasible.length };
  }

  /** Weighted sum of the normalized scores of every score plugin, per feasible node. */
  prioritize(pod: PodInfo, nodes: readonly NodeInfo[], cluster: ClusterView): number[] {
    const totals = new Array<number>(nodes.length).fill(0);
    const scores = new Array<number>(nodes.length);
    for (const plugin of this.scores) {
      const state = plugin.preScore ? plugin.preScore(pod, nodes, cluster) : undefined;
      if (state === Skip) continue;
      for (let i = 0; i < nodes.length; i++) scores[i] = plugin.score(pod, nodes[i], state);
      plugin.normalize?.(scores);
      for (let i = 0; i < nodes.length; i++) totals[i] += scores[i] * plugin.weight;
    }
    return totals;
  }

  /** The highest total; among equal ones each is equally likely (reservoir sampling). */
  private selectHost(nodes: readonly NodeInfo[], totals: number[]): NodeInfo {
    let best = 0;
    let ties = 1;
    for (let i = 1; i < nodes.length; i++) {
      if (totals[i] > totals[best]) {
        best = i;
        ties = 1;
      } else if (totals[i] === totals[best]) {
        ties++;
        if (this.random() * ties < 1) best = i;
      }
    }
    return nodes[best];
  }
}

/** Every node gets the preFilter's status, as in kube-scheduler, so preemption counts them all. */
function rejectedEverywhere(nodes: readonly NodeInfo[], failure: FilterFailure): ScheduleOutcome {
  const statuses = new Map<string, FilterFailure>();
  for (const node of nodes) statuses.set(node.name, failure);
  return { kind: 'unschedulable', numAllNodes: nodes.length, statuses, preFilterMessage: failure.reasons.join(', ') };
}

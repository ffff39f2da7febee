// The per-node bookkeeping of the DaemonSet controller (Kubernetes' daemon_controller
// manage/podsShouldBeOnNode/updateDaemonSetStatus): group the set's pods by target node,
// decide per node what to create and what to delete, and count the status.
import type { KubeObject } from '../../api/resource-type.ts';
import { CONTROLLER_REVISION_HASH_LABEL } from '../history/controller-revision.ts';
import { isPodAvailable, isPodReady, isPodTerminal } from '../pod-utils.ts';
import { nodeShouldRunDaemonPod, targetNodeName } from './node-eligibility.ts';

export const TEMPLATE_GENERATION_LABEL = 'pod-template-generation';
/** The annotation Kubernetes' API server keeps the template generation in. */
export const TEMPLATE_GENERATION_ANNOTATION = 'deprecated.daemonset.template.generation';

/**
 * The template generation pods are labelled with: the deprecated annotation where the API
 * server sets it, else metadata.generation (which moves with every template change too).
 */
export function templateGeneration(ds: KubeObject): string | undefined {
  const annotated = ds.metadata?.annotations?.[TEMPLATE_GENERATION_ANNOTATION];
  if (annotated) return String(annotated);
  const generation = ds.metadata?.generation;
  return generation === undefined || generation === null ? undefined : String(generation);
}

/** IsPodUpdated: the pod carries the current hash or the current template generation. */
export function isPodUpdated(pod: KubeObject, hash: string, generation: string | undefined): boolean {
  const labels = pod.metadata?.labels ?? {};
  const hashMatches = hash.length > 0 && labels[CONTROLLER_REVISION_HASH_LABEL] === hash;
  const generationMatches = generation !== undefined && labels[TEMPLATE_GENERATION_LABEL] === generation;
  return hashMatches || generationMatches;
}

/** Bound pods first, then oldest first, then by name (podByCreationTimestampAndPhase). */
export function byCreationAndBinding(a: KubeObject, b: KubeObject): number {
  const aBound = !!a.spec?.nodeName;
  const bBound = !!b.spec?.nodeName;
  if (aBound !== bBound) return aBound ? -1 : 1;
  const at = Date.parse(a.metadata?.creationTimestamp ?? '') || 0;
  const bt = Date.parse(b.metadata?.creationTimestamp ?? '') || 0;
  if (at !== bt) return at - bt;
  return String(a.metadata?.name ?? '').localeCompare(String(b.metadata?.name ?? ''));
}

/** The set's pods by target node; finished pods already being deleted are left out. */
export function nodesToDaemonPods(pods: KubeObject[]): Map<string, KubeObject[]> {
  const byNode = new Map<string, KubeObject[]>();
  for (const pod of pods) {
    if (isPodTerminal(pod) && pod.metadata?.deletionTimestamp) continue;
    const node = targetNodeName(pod);
    if (node === undefined) continue;
    const list = byNode.get(node) ?? [];
    list.push(pod);
    byNode.set(node, list);
  }
  return byNode;
}

/** Surge is on when maxSurge scales to a non-zero number (a percentage of one node rounds up). */
export const allowsSurge = (ds: KubeObject): boolean =>
  ds.spec?.updateStrategy?.type === 'RollingUpdate' && scaledValue(ds.spec?.updateStrategy?.rollingUpdate?.maxSurge, 1) !== 0;

/** intstr.GetScaledValueFromIntOrPercent with rounding up. */
export function scaledValue(value: unknown, total: number): number {
  if (value === undefined || value === null) return 0;
  if (typeof value === 'number') return value;
  const text = String(value);
  if (text.endsWith('%')) {
    const percent = Number.parseInt(text.slice(0, -1), 10);
    return Number.isNaN(percent) ? 0 : Math.ceil((percent * total) / 100);
  }
  const n = Number.parseInt(text, 10);
  return Number.isNaN(n) ? 0 : n;
}

export interface NodePlan {
  /** Nodes that need a daemon pod created. */
  createOn: string[];
  /** Pods to delete. */
  deletePods: KubeObject[];
  /** Failed pods found (the controller reports each once it decides to delete it). */
  failedPods: { pod: KubeObject; node: string }[];
}

export interface FailedPodPolicy {
  /** May a failed pod on this node be deleted now? False while the node's back-off runs. */
  mayReplaceFailed(node: string): boolean;
}

/** podsShouldBeOnNode for every node, plus unscheduled pods aimed at nodes that no longer exist. */
export function planNodes(
  ds: KubeObject,
  nodes: KubeObject[],
  byNode: Map<string, KubeObject[]>,
  hash: string,
  failed: FailedPodPolicy,
  now: number,
): NodePlan {
  const plan: NodePlan = { createOn: [], deletePods: [], failedPods: [] };
  const minReadySeconds = Number(ds.spec?.minReadySeconds ?? 0);
  for (const node of nodes) {
    const nodeName: string = node.metadata?.name;
    const { shouldRun, shouldContinueRunning } = nodeShouldRunDaemonPod(node, ds);
    const daemonPods = byNode.get(nodeName);
    if (shouldRun && !daemonPods) {
      plan.createOn.push(nodeName);
      continue;
    }
    if (!daemonPods) continue;
    if (!shouldContinueRunning) {
      for (const pod of daemonPods) if (!pod.metadata?.deletionTimestamp) plan.deletePods.push(pod);
      continue;
    }
    const running: KubeObject[] = [];
    for (const pod of daemonPods) {
      if (pod.metadata?.deletionTimestamp) continue;
      const phase = pod.status?.phase;
      if (phase === 'Failed') {
        // Kubelets may reject daemon pods over and over: replace a node's failures with back-off.
        if (!failed.mayReplaceFailed(nodeName)) continue;
        plan.failedPods.push({ pod, node: nodeName });
        plan.deletePods.push(pod);
      } else if (phase === 'Succeeded') {
        plan.deletePods.push(pod);
      } else {
        running.push(pod);
      }
    }
    running.sort(byCreationAndBinding);
    if (!allowsSurge(ds)) {
      // One pod per node: keep the oldest. A node left with none gets a new one next pass.
      plan.deletePods.push(...running.slice(1));
      continue;
    }
    if (running.length <= 1) {
      if (running.length === 0 && shouldRun) plan.createOn.push(nodeName);
      continue;
    }
    // Surging: keep at most the oldest new and the oldest old pod, and the old one only while
    // it is ready and the new one is not yet available.
    let oldestNew: KubeObject | undefined;
    let oldestOld: KubeObject | undefined;
    for (const pod of running) {
      const isNew = pod.metadata?.labels?.[CONTROLLER_REVISION_HASH_LABEL] === hash;
      if (isNew && !oldestNew) oldestNew = pod;
      else if (!isNew && !oldestOld) oldestOld = pod;
      else plan.deletePods.push(pod);
    }
    if (oldestNew && oldestOld) {
      if (!isPodReady(oldestOld) || isPodAvailable(oldestNew, minReadySeconds, now)) plan.deletePods.push(oldestOld);
    }
  }
  // Unbound pods for nodes that are gone would never be scheduled: remove them.
  const known = new Set(nodes.map((n) => n.metadata?.name));
  for (const [nodeName, pods] of byNode) {
    if (known.has(nodeName)) continue;
    for (const pod of pods) if (!pod.spec?.nodeName && !pod.metadata?.deletionTimestamp) plan.deletePods.push(pod);
  }
  return plan;
}

export interface DaemonSetCounts {
  desiredNumberScheduled: number;
  currentNumberScheduled: number;
  numberMisscheduled: number;
  numberReady: number;
  updatedNumberScheduled: number;
  numberAvailable: number;
  numberUnavailable: number;
}

/** updateDaemonSetStatus's counts; the oldest pod on each node is the one that counts. */
export function countStatus(
  ds: KubeObject,
  nodes: KubeObject[],
  byNode: Map<string, KubeObject[]>,
  hash: string,
  now: number,
): DaemonSetCounts {
  const counts: DaemonSetCounts = {
    desiredNumberScheduled: 0,
    currentNumberScheduled: 0,
    numberMisscheduled: 0,
    numberReady: 0,
    updatedNumberScheduled: 0,
    numberAvailable: 0,
    numberUnavailable: 0,
  };
  const minReadySeconds = Number(ds.spec?.minReadySeconds ?? 0);
  const generation = templateGeneration(ds);
  for (const node of nodes) {
    const pods = byNode.get(node.metadata?.name) ?? [];
    const scheduled = pods.length > 0;
    if (!nodeShouldRunDaemonPod(node, ds).shouldRun) {
      if (scheduled) counts.numberMisscheduled++;
      continue;
    }
    counts.desiredNumberScheduled++;
    if (!scheduled) continue;
    counts.currentNumberScheduled++;
    const pod = [...pods].sort(byCreationAndBinding)[0];
    if (isPodReady(pod)) {
      counts.numberReady++;
      if (isPodAvailable(pod, minReadySeconds, now)) counts.numberAvailable++;
    }
    if (isPodUpdated(pod, hash, generation)) counts.updatedNumberScheduled++;
  }
  counts.numberUnavailable = counts.desiredNumberScheduled - counts.numberAvailable;
  return counts;
}

// One node as the scheduler sees it: the Node object plus the pods on it (bound or only
// assumed), with running totals (requests, host ports, pods per owner) kept up to date
// as pods come and go, so a filter or score reads them in constant time.
import type { KubeObject } from '../api/resource-type.ts';
import type { HostPort, PodInfo, Taint } from './pod-info.ts';
import { nodeAllocatable, type ResourceAmounts } from './resources.ts';

type Json = Record<string, any>;

export const zoneLabel = 'topology.kubernetes.io/zone';
export const notReadyTaintKey = 'node.kubernetes.io/not-ready';
export const unreachableTaintKey = 'node.kubernetes.io/unreachable';

export class NodeInfo {
  /** Undefined while pods point at a node the cache has not seen (or that was deleted). */
  node?: KubeObject;
  labels: Record<string, string> = {};
  allocatable: ResourceAmounts = new Map();
  allowedPods = 0;
  allocatableCpu = 0;
  allocatableMemory = 0;
  /** topology.kubernetes.io/zone, if the node has one. */
  zone?: string;
  taints: Taint[] = [];
  unschedulable = false;
  /** The taint the node lifecycle controller would put on a node that is not Ready. */
  readinessTaint?: Taint;
  readonly requested: ResourceAmounts = new Map();
  /** requested cpu and memory as plain fields: the fit filter and scores read them per node per pod. */
  requestedCpu = 0;
  requestedMemory = 0;
  nonZeroCpu = 0;
  nonZeroMemory = 0;
  readonly pods = new Map<string, PodInfo>();
  readonly usedPorts: HostPort[] = [];
  /** Pods with any pod (anti-)affinity, and those with required anti-affinity. */
  readonly podsWithAffinity = new Set<PodInfo>();
  readonly podsWithRequiredAntiAffinity = new Set<PodInfo>();
  readonly podsPerOwner = new Map<string, number>();

  constructor(readonly name: string) {}

  setNode(node: KubeObject): void {
    this.node = node;
    const spec: Json = node.spec ?? {};
    this.labels = node.metadata?.labels ?? {};
    const { amounts, pods } = nodeAllocatable(node);
    this.allocatable = amounts;
    this.allowedPods = pods;
    this.allocatableCpu = amounts.get('cpu') ?? 0;
    this.allocatableMemory = amounts.get('memory') ?? 0;
    this.zone = this.labels[zoneLabel];
    this.taints = Array.isArray(spec.taints) ? spec.taints : [];
    this.unschedulable = spec.unschedulable === true;
    this.readinessTaint = readinessTaintOf(node);
  }

  addPod(pod: PodInfo): void {
    if (this.pods.has(pod.uid)) this.removePod(this.pods.get(pod.uid)!);
    this.pods.set(pod.uid, pod);
    for (const [name, v] of pod.requests) this.requested.set(name, (this.requested.get(name) ?? 0) + v);
    this.syncRequested();
    this.nonZeroCpu += pod.nonZeroCpu;
    this.nonZeroMemory += pod.nonZeroMemory;
    this.usedPorts.push(...pod.hostPorts);
    if (hasAffinity(pod)) this.podsWithAffinity.add(pod);
    if (pod.requiredAntiAffinity.length) this.podsWithRequiredAntiAffinity.add(pod);
    if (pod.ownerUid) this.podsPerOwner.set(pod.ownerUid, (this.podsPerOwner.get(pod.ownerUid) ?? 0) + 1);
  }

  private syncRequested(): void {
    this.requestedCpu = this.requested.get('cpu') ?? 0;
    this.requestedMemory = this.requested.get('memory') ?? 0;
  }

  /** What is left of one resource: allocatable minus requested. */
  free(name: string): number {
    if (name === 'cpu') return this.allocatableCpu - this.requestedCpu;
    if (name === 'memory') return this.allocatableMemory - this.requestedMemory;
    return (this.allocatable.get(name) ?? 0) - (this.requested.get(name) ?? 0);
  }

  /** The allocatable amount of one resource (0 when the node has none). */
  allocatableOf(name: string): number {
    if (name === 'cpu') return this.allocatableCpu;
    if (name === 'memory') return this.allocatableMemory;
    return this.allocatable.get(name) ?? 0;
  }

  /** The requested amount of one resource over the node's pods. */
  requestedOf(name: string): number {
    if (name === 'cpu') return this.requestedCpu;
    if (name === 'memory') return this.requestedMemory;
    return this.requested.get(name) ?? 0;
  }

  removePod(pod: PodInfo): boolean {
    const stored = this.pods.get(pod.uid);
    if (!stored) return false;
    this.pods.delete(pod.uid);
    for (const [name, v] of stored.requests) this.requested.set(name, (this.requested.get(name) ?? 0) - v);
    this.syncRequested();
    this.nonZeroCpu -= stored.nonZeroCpu;
    this.nonZeroMemory -= stored.nonZeroMemory;
    for (const port of stored.hostPorts) {
      const i = this.usedPorts.indexOf(port);
      if (i >= 0) this.usedPorts.splice(i, 1);
    }
    this.podsWithAffinity.delete(stored);
    this.podsWithRequiredAntiAffinity.delete(stored);
    if (stored.ownerUid) {
      const left = (this.podsPerOwner.get(stored.ownerUid) ?? 1) - 1;
      if (left > 0) this.podsPerOwner.set(stored.ownerUid, left);
      else this.podsPerOwner.delete(stored.ownerUid);
    }
    return true;
  }
}

function hasAffinity(pod: PodInfo): boolean {
  return (
    pod.requiredAffinity.length > 0 ||
    pod.requiredAntiAffinity.length > 0 ||
    pod.preferredAffinity.length > 0 ||
    pod.preferredAntiAffinity.length > 0
  );
}

/**
 * Kubernetes taints a node whose Ready condition is False or missing with not-ready, and one
 * whose Ready is Unknown with unreachable (NoSchedule). Hale derives the same taint from the
 * condition at once, so the scheduler never waits for the node lifecycle controller.
 */
export function readinessTaintOf(node: KubeObject): Taint | undefined {
  const conditions: Json[] = Array.isArray(node.status?.conditions) ? node.status.conditions : [];
  const ready = conditions.find((c) => c?.type === 'Ready');
  if (ready?.status === 'True') return undefined;
  if (ready?.status === 'Unknown') return { key: unreachableTaintKey, effect: 'NoSchedule' };
  return { key: notReadyTaintKey, effect: 'NoSchedule' };
}

// Builders for plugin tests: nodes and pods as the scheduler sees them.
import type { KubeObject } from '../../api/resource-type.ts';
import { resources } from '../../client/resources.ts';
import type { RestClient } from '../../client/rest-client.ts';
import type { StorageView } from '../framework.ts';
import { NodeInfo } from '../node-info.ts';
import { type PodInfo, podInfoOf } from '../pod-info.ts';
import { SchedulerCache } from '../scheduler-cache.ts';

let uid = 0;

export interface NodeSpec {
  name: string;
  labels?: Record<string, string>;
  cpu?: string;
  memory?: string;
  pods?: string;
  taints?: { key: string; value?: string; effect: string }[];
  unschedulable?: boolean;
  ready?: 'True' | 'False' | 'Unknown' | 'missing';
}

/** Creates the node through the API, status included (what an agent's registration does). */
export async function createNode(client: RestClient, n: NodeSpec): Promise<void> {
  const { status, ...rest } = nodeObject(n);
  const created = await client.create(resources.nodes, undefined, rest);
  await client.updateStatus(resources.nodes, { ...created, status });
}

export function nodeObject(n: NodeSpec): KubeObject {
  const allocatable = { cpu: n.cpu ?? '4', memory: n.memory ?? '8Gi', pods: n.pods ?? '110' };
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name: n.name, uid: `node-${n.name}`, labels: { 'kubernetes.io/hostname': n.name, ...(n.labels ?? {}) } },
    spec: { taints: n.taints, unschedulable: n.unschedulable },
    status: {
      allocatable,
      capacity: allocatable,
      conditions: n.ready === 'missing' ? [] : [{ type: 'Ready', status: n.ready ?? 'True' }],
    },
  };
}

export function nodeInfo(n: NodeSpec): NodeInfo {
  const info = new NodeInfo(n.name);
  info.setNode(nodeObject(n));
  return info;
}

export interface PodSpecLite {
  name?: string;
  namespace?: string;
  labels?: Record<string, string>;
  cpu?: string;
  memory?: string;
  ownerUid?: string;
  nodeName?: string;
  spec?: Record<string, any>;
}

export function podObject(p: PodSpecLite = {}): KubeObject {
  uid++;
  const requests: Record<string, string> = {};
  if (p.cpu) requests.cpu = p.cpu;
  if (p.memory) requests.memory = p.memory;
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: p.name ?? `pod-${uid}`,
      namespace: p.namespace ?? 'default',
      uid: `pod-uid-${uid}`,
      labels: p.labels ?? {},
      ownerReferences: p.ownerUid
        ? [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'rs', uid: p.ownerUid, controller: true }]
        : undefined,
    },
    spec: { containers: [{ name: 'c', image: 'x', resources: { requests } }], nodeName: p.nodeName, ...(p.spec ?? {}) },
  };
}

export function podInfo(p: PodSpecLite = {}): PodInfo {
  return podInfoOf(podObject(p));
}

/** Claims, volumes and storage classes (told apart by kind) as the scheduler's listers show them. */
export function storageOf(objects: KubeObject[]): StorageView {
  const ofKind = (kind: string) => objects.filter((o) => o.kind === kind);
  const named = (kind: string, name: string, namespace?: string) =>
    ofKind(kind).find((o) => o.metadata?.name === name && (namespace === undefined || o.metadata?.namespace === namespace));
  return {
    claim: (namespace, name) => named('PersistentVolumeClaim', name, namespace),
    persistentVolume: (name) => named('PersistentVolume', name),
    persistentVolumes: () => ofKind('PersistentVolume'),
    storageClass: (name) => named('StorageClass', name),
  };
}

/** A cache holding these nodes, with the given pods bound to them (and these storage objects). */
export function clusterOf(
  nodes: NodeSpec[],
  pods: PodSpecLite[] = [],
  nsLabels: Record<string, Record<string, string>> = {},
  storage: KubeObject[] = [],
): SchedulerCache {
  const cache = new SchedulerCache((ns) => nsLabels[ns], storageOf(storage));
  for (const n of nodes) cache.addOrUpdateNode(nodeObject(n));
  for (const p of pods) cache.addOrUpdatePod(podObject(p));
  return cache;
}

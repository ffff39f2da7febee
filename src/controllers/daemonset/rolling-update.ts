// A DaemonSet's RollingUpdate step (Kubernetes' daemon update.go rollingUpdate):
// - without surge, delete old pods only while fewer than maxUnavailable nodes lack an
//   available pod (the manage step then creates the new pod on each emptied node);
// - with surge, start a new pod next to up to maxSurge available old ones, and delete an old
//   pod once the new pod beside it is available.
// Old pods that are not available anyway are replaced at once in both modes.
import type { KubeObject } from '../../api/resource-type.ts';
import { isPodAvailable } from '../pod-utils.ts';
import { isPodUpdated, scaledValue, templateGeneration } from './daemon-pods.ts';
import { nodeShouldRunDaemonPod } from './node-eligibility.ts';

export interface RollingUpdatePlan {
  deletePods: KubeObject[];
  createOn: string[];
}

interface NodePods {
  newPod?: KubeObject;
  oldPod?: KubeObject;
  /** More than one new or more than one old pod: the manage step is still cleaning up. */
  ambiguous: boolean;
}

/** findUpdatedPodsOnNode over the pods not being deleted. */
function splitPods(pods: KubeObject[], hash: string, generation: string | undefined): NodePods {
  const out: NodePods = { ambiguous: false };
  for (const pod of pods) {
    if (pod.metadata?.deletionTimestamp) continue;
    if (isPodUpdated(pod, hash, generation)) {
      if (out.newPod) return { ambiguous: true };
      out.newPod = pod;
    } else {
      if (out.oldPod) return { ambiguous: true };
      out.oldPod = pod;
    }
  }
  return out;
}

/** updatedDesiredNodeCounts: maxSurge and maxUnavailable scaled to the nodes that should run a pod. */
export function desiredCounts(
  ds: KubeObject,
  nodes: KubeObject[],
): { maxSurge: number; maxUnavailable: number; desired: number; wanted: string[] } {
  const wanted = nodes.filter((n) => nodeShouldRunDaemonPod(n, ds).shouldRun).map((n) => n.metadata?.name as string);
  const desired = wanted.length;
  const rollingUpdate = ds.spec?.updateStrategy?.type === 'RollingUpdate' ? (ds.spec.updateStrategy.rollingUpdate ?? {}) : undefined;
  let maxUnavailable = rollingUpdate ? scaledValue(rollingUpdate.maxUnavailable, desired) : 0;
  const maxSurge = rollingUpdate ? scaledValue(rollingUpdate.maxSurge, desired) : 0;
  // An impossible configuration falls back to one unavailable pod at a time.
  if (desired > 0 && maxUnavailable === 0 && maxSurge === 0) maxUnavailable = 1;
  return { maxSurge, maxUnavailable, desired, wanted };
}

export function planRollingUpdate(
  ds: KubeObject,
  nodes: KubeObject[],
  byNode: Map<string, KubeObject[]>,
  hash: string,
  now: number,
): RollingUpdatePlan {
  const { maxSurge, maxUnavailable, desired, wanted } = desiredCounts(ds, nodes);
  const minReadySeconds = Number(ds.spec?.minReadySeconds ?? 0);
  const generation = templateGeneration(ds);
  const available = (pod: KubeObject) => isPodAvailable(pod, minReadySeconds, now);
  // Nodes that should run a pod but have none count as unavailable.
  const nodePods = new Map(byNode);
  for (const name of wanted) if (!nodePods.has(name)) nodePods.set(name, []);
  const nodesByName = new Map(nodes.map((n) => [n.metadata?.name as string, n]));
  const shouldRun = (nodeName: string) => {
    const node = nodesByName.get(nodeName);
    return !!node && nodeShouldRunDaemonPod(node, ds).shouldRun;
  };

  if (maxSurge === 0) {
    let unavailable = 0;
    const replacements: KubeObject[] = [];
    const candidates: KubeObject[] = [];
    for (const pods of nodePods.values()) {
      const { newPod, oldPod, ambiguous } = splitPods(pods, hash, generation);
      if (ambiguous || (!newPod && !oldPod) || (newPod && oldPod)) {
        unavailable++;
      } else if (newPod) {
        if (!available(newPod)) unavailable++;
      } else if (oldPod) {
        if (!available(oldPod)) {
          replacements.push(oldPod);
          unavailable++;
        } else if (unavailable < maxUnavailable) {
          candidates.push(oldPod);
        }
      }
    }
    const room = Math.min(Math.max(0, maxUnavailable - unavailable), candidates.length);
    return { deletePods: [...replacements, ...candidates.slice(0, room)], createOn: [] };
  }

  const deletePods: KubeObject[] = [];
  const shouldNotRun: KubeObject[] = [];
  const candidateNodes: string[] = [];
  const allowedNodes: string[] = [];
  let surging = 0;
  let availableCount = 0;
  for (const [nodeName, pods] of nodePods) {
    const { newPod, oldPod, ambiguous } = splitPods(pods, hash, generation);
    if (ambiguous) {
      surging++;
      continue;
    }
    if (oldPod ? available(oldPod) : newPod && available(newPod)) availableCount++;
    if (!oldPod) continue; // nothing to replace; the manage step handles missing pods
    if (!newPod) {
      if (!available(oldPod)) {
        if (!shouldRun(nodeName)) deletePods.push(oldPod);
        else allowedNodes.push(nodeName);
      } else if (!shouldRun(nodeName)) {
        shouldNotRun.push(oldPod);
      } else if (surging < maxSurge) {
        candidateNodes.push(nodeName);
      }
      continue;
    }
    // Already surged here: the old pod goes once the new one is available.
    if (!available(newPod)) surging++;
    else deletePods.push(oldPod);
  }
  // Pods on nodes the set no longer selects go only while enough others are available.
  const deletable = Math.min(availableCount - desired, shouldNotRun.length);
  for (const pod of shouldNotRun.slice(0, Math.max(0, deletable))) deletePods.push(pod);
  const room = Math.min(Math.max(0, maxSurge - surging), candidateNodes.length);
  return { deletePods, createOn: [...allowedNodes, ...candidateNodes.slice(0, room)] };
}

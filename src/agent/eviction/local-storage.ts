// The kubelet eviction manager's local-storage checks (localStorageEviction in
// pkg/kubelet/eviction/eviction_manager.go), in its order and with its messages:
//   1. emptyDirLimitEviction: an emptyDir using more than its sizeLimit;
//   2. podEphemeralStorageLimitEviction: the pod using more than its ephemeral-storage limit
//      (PodLimits: the sum of its containers' limits, at least any init container's);
//   3. containerEphemeralStorageLimitEviction: a container using more than its own limit.
// Each comparison is "strictly more than". What counts as usage on a process runtime is up to
// the StorageLayout (see eviction-manager.ts and docs/process-runtime.md).

import { parseQuantity, type Quantity } from '../../api/quantity.ts';
import type { KubeObject } from '../../api/resource-type.ts';
import type { DiskUsage, MeasureDiskUsage } from './disk-usage.ts';

type Json = Record<string, any>;

/** status.reason of an evicted pod, and the reason of its Warning event. */
export const EVICTED_REASON = 'Evicted';

export const emptyDirMessage = (volume: string, limit: string) =>
  `Usage of EmptyDir volume ${JSON.stringify(volume)} exceeds the limit ${JSON.stringify(limit)}. `;
export const podEphemeralStorageMessage = (limit: string) =>
  `Pod ephemeral local storage usage exceeds the total limit of containers ${limit}. `;
export const containerEphemeralStorageMessage = (container: string, limit: string) =>
  `Container ${container} exceeded its local ephemeral storage limit ${JSON.stringify(limit)}. `;

/** Where a pod's local storage lives on this node; undefined for what is not on the node's disk. */
export interface StorageLayout {
  /** A disk-backed emptyDir's directory (undefined for a tmpfs, or one not set up). */
  emptyDirPath(pod: KubeObject, volumeName: string): Promise<string | undefined>;
  /** What a container writes that the runtime can attribute to it (its log directory). */
  containerPaths(pod: KubeObject, containerName: string): string[];
  /** Everything else of the pod that is not a volume (its log directory with every container's logs). */
  podPaths(pod: KubeObject): string[];
  /** Other local volumes that count towards the pod's usage (disk-backed emptyDirs, configMaps). */
  podVolumePaths(pod: KubeObject): Promise<string[]>;
}

export interface Violation {
  kind: 'emptyDir' | 'pod' | 'container';
  message: string;
}

const listOf = (v: unknown): Json[] => (Array.isArray(v) ? v.filter((x) => typeof x === 'object' && x !== null) : []);

function quantityOf(value: unknown): Quantity | undefined {
  if (value == null || value === '') return undefined;
  try {
    return parseQuantity(value as string | number);
  } catch {
    return undefined;
  }
}

/** resourcehelper.PodLimits for ephemeral-storage: undefined when no container has a limit. */
export function podEphemeralStorageLimit(pod: KubeObject): Quantity | undefined {
  const spec: Json = pod.spec ?? {};
  let sum: Quantity | undefined;
  const add = (q: Quantity | undefined) => {
    if (q) sum = sum ? sum.add(q) : q;
  };
  for (const c of listOf(spec.containers)) add(quantityOf(c.resources?.limits?.['ephemeral-storage']));
  // Sidecars run beside the app containers: their limits add up; other init containers run
  // alone, so the pod needs at least the largest of theirs (and of the sidecars started before).
  let sidecars: Quantity | undefined;
  let initMax: Quantity | undefined;
  for (const c of listOf(spec.initContainers)) {
    const q = quantityOf(c.resources?.limits?.['ephemeral-storage']);
    if (c.restartPolicy === 'Always') {
      if (q) {
        add(q);
        sidecars = sidecars ? sidecars.add(q) : q;
      }
      continue;
    }
    if (!q) continue;
    const need = sidecars ? q.add(sidecars) : q;
    if (!initMax || need.cmp(initMax) > 0) initMax = need;
  }
  if (initMax && (!sum || initMax.cmp(sum) > 0)) sum = initMax;
  // The pod's overhead (RuntimeClass) comes on top, when the pod has a limit at all.
  const overhead = quantityOf(spec.overhead?.['ephemeral-storage']);
  return sum && overhead ? sum.add(overhead) : sum;
}

/**
 * Usage of several paths together, stopping early once past `limit`: each path is measured
 * with what is left of the limit, and none twice (a cache per check).
 */
async function usageOf(
  paths: string[],
  limitBytes: number,
  measure: (p: string, stopAbove: number) => Promise<DiskUsage>,
): Promise<number> {
  let total = 0;
  for (const p of paths) {
    total += (await measure(p, limitBytes - total)).bytes;
    if (total > limitBytes) break;
  }
  return total;
}

/** The first local-storage limit the pod exceeds, in the kubelet's order, if any. */
export async function localStorageViolation(
  pod: KubeObject,
  layout: StorageLayout,
  measure: MeasureDiskUsage,
): Promise<Violation | undefined> {
  // One measurement per path per check; a complete one serves any later limit.
  const cache = new Map<string, DiskUsage>();
  const measured = async (p: string, stopAbove: number): Promise<DiskUsage> => {
    const known = cache.get(p);
    if (known && (!known.stoppedEarly || known.bytes > stopAbove)) return known;
    const usage = await measure(p, { stopAbove });
    cache.set(p, usage);
    return usage;
  };
  const spec: Json = pod.spec ?? {};

  for (const volume of listOf(spec.volumes)) {
    const limit = quantityOf(volume.emptyDir?.sizeLimit);
    if (limit?.sign() !== 1) continue;
    const dir = await layout.emptyDirPath(pod, volume.name);
    if (!dir) continue;
    const used = await measured(dir, limit.value());
    if (used.bytes > limit.value()) return { kind: 'emptyDir', message: emptyDirMessage(volume.name, limit.toString()) };
  }

  const podLimit = podEphemeralStorageLimit(pod);
  if (podLimit) {
    const paths = [...(await layout.podVolumePaths(pod)), ...layout.podPaths(pod)];
    if ((await usageOf(paths, podLimit.value(), measured)) > podLimit.value()) {
      return { kind: 'pod', message: podEphemeralStorageMessage(podLimit.toString()) };
    }
  }

  for (const c of listOf(spec.containers)) {
    const limit = quantityOf(c.resources?.limits?.['ephemeral-storage']);
    if (!limit || limit.isZero()) continue;
    if ((await usageOf(layout.containerPaths(pod, c.name), limit.value(), measured)) > limit.value()) {
      return { kind: 'container', message: containerEphemeralStorageMessage(c.name, limit.toString()) };
    }
  }
  return undefined;
}

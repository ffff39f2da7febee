// The RollingUpdate strategy (Kubernetes' rolling.go): grow the new ReplicaSet while the
// total stays within spec.replicas + maxSurge, shrink old ones while the available pods
// stay at or above spec.replicas - maxUnavailable, one step per pass. Old ReplicaSets'
// unhealthy pods go first, since removing them costs no availability.
import type { KubeObject } from '../../api/resource-type.ts';
import { deploymentComplete } from './deployment-status.ts';
import type { DeploymentSync } from './deployment-sync.ts';
import {
  availableReplicaCount,
  byCreationTimestamp,
  filterActiveReplicaSets,
  maxUnavailable,
  newRSNewReplicas,
  replicaCount,
  specReplicas,
} from './deployment-util.ts';

export async function rolloutRolling(sync: DeploymentSync, rsList: KubeObject[]): Promise<void> {
  const { newRS, oldRSs } = await sync.getAllReplicaSetsAndSyncRevision(rsList, true);
  if (!newRS) return; // creation was refused; the error was thrown or recorded
  let current = newRS;
  const allRSs = () => [...oldRSs, current];

  const scaledUp = await reconcileNewReplicaSet(sync, allRSs(), current);
  if (scaledUp.scaled) {
    current = scaledUp.rs;
    await sync.syncRolloutStatus(allRSs(), current);
    return;
  }

  const scaledDown = await reconcileOldReplicaSets(sync, allRSs(), filterActiveReplicaSets(oldRSs), current);
  if (scaledDown) {
    await sync.syncRolloutStatus([...withUpdates(oldRSs, scaledDown), current], current);
    return;
  }

  if (deploymentComplete(sync.d, sync.d.status)) await sync.cleanupDeployment(oldRSs);
  await sync.syncRolloutStatus(allRSs(), current);
}

/** Grows (or, above spec.replicas, shrinks) the new ReplicaSet as far as the surge allows. */
async function reconcileNewReplicaSet(
  sync: DeploymentSync,
  allRSs: KubeObject[],
  newRS: KubeObject,
): Promise<{ scaled: boolean; rs: KubeObject }> {
  const replicas = specReplicas(sync.d);
  if (specReplicas(newRS) === replicas) return { scaled: false, rs: newRS };
  if (specReplicas(newRS) > replicas) return sync.scaleReplicaSetAndRecordEvent(newRS, replicas);
  return sync.scaleReplicaSetAndRecordEvent(newRS, newRSNewReplicas(sync.d, allRSs, newRS));
}

/**
 * Shrinks old ReplicaSets as far as availability allows. Returns the old ReplicaSets as
 * they are afterwards when something was scaled down, or undefined when nothing was.
 */
async function reconcileOldReplicaSets(
  sync: DeploymentSync,
  allRSs: KubeObject[],
  activeOldRSs: KubeObject[],
  newRS: KubeObject,
): Promise<KubeObject[] | undefined> {
  const oldPods = replicaCount(activeOldRSs);
  if (oldPods === 0) return undefined;
  const allPods = replicaCount(allRSs);
  const minAvailable = specReplicas(sync.d) - maxUnavailable(sync.d);
  const newRSUnavailable = specReplicas(newRS) - (newRS.status?.availableReplicas ?? 0);
  // Pods that may go now: beyond the minimum, not counting new pods that are not up yet.
  const maxScaledDown = allPods - minAvailable - newRSUnavailable;
  if (maxScaledDown <= 0) return undefined;

  const cleaned = await cleanupUnhealthyReplicas(sync, activeOldRSs, maxScaledDown);
  const scaled = await scaleDownOldReplicaSetsForRollingUpdate(sync, [...cleaned.oldRSs, newRS], cleaned.oldRSs);
  return cleaned.count + scaled.count > 0 ? scaled.oldRSs : undefined;
}

/** Removes old ReplicaSets' pods that are not available (oldest ReplicaSets first), up to the limit. */
async function cleanupUnhealthyReplicas(
  sync: DeploymentSync,
  oldRSs: KubeObject[],
  maxCleanup: number,
): Promise<{ oldRSs: KubeObject[]; count: number }> {
  const sorted = [...oldRSs].sort(byCreationTimestamp);
  let total = 0;
  for (let i = 0; i < sorted.length; i++) {
    if (total >= maxCleanup) break;
    const rs = sorted[i];
    const unhealthy = specReplicas(rs) - (rs.status?.availableReplicas ?? 0);
    if (specReplicas(rs) === 0 || unhealthy <= 0) continue;
    const count = Math.min(maxCleanup - total, unhealthy);
    sorted[i] = (await sync.scaleReplicaSetAndRecordEvent(rs, specReplicas(rs) - count)).rs;
    total += count;
  }
  return { oldRSs: sorted, count: total };
}

/** Scales old ReplicaSets down (oldest first) by as many pods as are available beyond the minimum. */
async function scaleDownOldReplicaSetsForRollingUpdate(
  sync: DeploymentSync,
  allRSs: KubeObject[],
  oldRSs: KubeObject[],
): Promise<{ oldRSs: KubeObject[]; count: number }> {
  const minAvailable = specReplicas(sync.d) - maxUnavailable(sync.d);
  const available = availableReplicaCount(allRSs);
  if (available <= minAvailable) return { oldRSs, count: 0 };
  const toScaleDown = available - minAvailable;
  const sorted = [...oldRSs].sort(byCreationTimestamp);
  let total = 0;
  for (let i = 0; i < sorted.length; i++) {
    if (total >= toScaleDown) break;
    const rs = sorted[i];
    if (specReplicas(rs) === 0) continue;
    const count = Math.min(specReplicas(rs), toScaleDown - total);
    sorted[i] = (await sync.scaleReplicaSetAndRecordEvent(rs, specReplicas(rs) - count)).rs;
    total += count;
  }
  return { oldRSs: sorted, count: total };
}

/** `list` with the objects in `updated` swapped in (matched by uid). */
function withUpdates(list: KubeObject[], updated: KubeObject[]): KubeObject[] {
  const byUid = new Map(updated.map((rs) => [rs.metadata?.uid, rs]));
  return list.map((rs) => byUid.get(rs.metadata?.uid) ?? rs);
}

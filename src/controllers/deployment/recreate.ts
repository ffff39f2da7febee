// The Recreate strategy (Kubernetes' recreate.go): scale every old ReplicaSet to zero,
// wait until none of their pods is left running, then create the new ReplicaSet at full
// size. Old and new pods never run side by side.
import type { KubeObject } from '../../api/resource-type.ts';
import { deploymentComplete } from './deployment-status.ts';
import type { DeploymentSync } from './deployment-sync.ts';
import { actualReplicaCount, specReplicas } from './deployment-util.ts';

/** Pods grouped by the uid of the ReplicaSet that controls them. */
export type PodsByReplicaSet = Map<string, KubeObject[]>;

export async function rolloutRecreate(sync: DeploymentSync, rsList: KubeObject[], podsByRS: () => PodsByReplicaSet): Promise<void> {
  let { newRS, oldRSs } = await sync.getAllReplicaSetsAndSyncRevision(rsList, false);

  // Scale down old ReplicaSets first; look again once that is observed.
  let scaledDown = false;
  const afterScaleDown: KubeObject[] = [];
  for (const rs of oldRSs) {
    if (specReplicas(rs) === 0) {
      afterScaleDown.push(rs);
      continue;
    }
    const result = await sync.scaleReplicaSetAndRecordEvent(rs, 0);
    if (result.scaled) scaledDown = true;
    afterScaleDown.push(result.rs);
  }
  oldRSs = afterScaleDown;
  if (scaledDown) {
    await sync.syncRolloutStatus([...oldRSs, newRS], newRS);
    return;
  }

  // Old pods still running (or terminating) would overlap with new ones.
  if (oldPodsRunning(newRS, oldRSs, podsByRS())) {
    await sync.syncRolloutStatus([...oldRSs, newRS], newRS);
    return;
  }

  if (!newRS) ({ newRS, oldRSs } = await sync.getAllReplicaSetsAndSyncRevision(rsList, true));
  if (newRS) newRS = (await sync.scaleReplicaSetAndRecordEvent(newRS, specReplicas(sync.d))).rs;

  if (deploymentComplete(sync.d, sync.d.status)) await sync.cleanupDeployment(oldRSs);
  await sync.syncRolloutStatus([...oldRSs, newRS], newRS);
}

/** oldPodsRunning: old ReplicaSets still report pods, or a pod of theirs has not finished. */
export function oldPodsRunning(newRS: KubeObject | undefined, oldRSs: KubeObject[], podsByRS: PodsByReplicaSet): boolean {
  if (actualReplicaCount(oldRSs) > 0) return true;
  for (const [rsUid, pods] of podsByRS) {
    if (newRS && newRS.metadata?.uid === rsUid) continue;
    for (const pod of pods) {
      const phase = pod.status?.phase;
      if (phase !== 'Failed' && phase !== 'Succeeded') return true;
    }
  }
  return false;
}

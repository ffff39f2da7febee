// VolumeRestrictions, the part that applies here: a PersistentVolumeClaim with the
// ReadWriteOncePod access mode may be used by one pod in the whole cluster. A second pod that
// names it fits no node until the first is gone (kube-scheduler's text and code).
import { podClaims } from '../../api/kinds/core/volume-claims.ts';
import { type ClusterView, type FilterPlugin, fail, Rejection, Skip } from '../framework.ts';
import type { PodInfo } from '../pod-info.ts';

export const readWriteOncePodConflict = 'node has pod using PersistentVolumeClaim with the same name and ReadWriteOncePod access mode';

/** Names of the pod's own claims (not ephemeral ones' templates) that are ReadWriteOncePod. */
function readWriteOncePodClaims(pod: PodInfo, cluster: ClusterView): Set<string> {
  const names = new Set<string>();
  for (const { name } of podClaims(pod.pod)) {
    const claim = cluster.claim(pod.namespace, name);
    const modes: unknown = claim?.spec?.accessModes;
    if (Array.isArray(modes) && modes.includes('ReadWriteOncePod')) names.add(name);
  }
  return names;
}

export const volumeRestrictionsFilter: FilterPlugin<undefined> = {
  name: 'VolumeRestrictions',
  preFilter(pod, cluster) {
    const wanted = readWriteOncePodClaims(pod, cluster);
    if (wanted.size === 0) return Skip;
    for (const node of cluster.nodes) {
      for (const other of node.pods.values()) {
        if (other.uid === pod.uid || other.namespace !== pod.namespace) continue;
        if (podClaims(other.pod).some(({ name }) => wanted.has(name))) {
          return new Rejection(fail('VolumeRestrictions', 'UnschedulableAndUnresolvable', readWriteOncePodConflict));
        }
      }
    }
    return Skip;
  },
  filter: () => undefined,
};

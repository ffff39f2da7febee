// The kinds whose replicas a controller may read or set through the scale subresource, by
// "apiVersion/Kind" as an owner or scaleTargetRef names them.
import type { ResourceDescriptor } from '../client/resource-path.ts';
import { resources } from '../client/resources.ts';

const scaleTargets: Record<string, ResourceDescriptor> = {
  'v1/ReplicationController': resources.replicationControllers,
  'apps/v1/ReplicaSet': resources.replicaSets,
  'apps/v1/Deployment': resources.deployments,
  'apps/v1/StatefulSet': resources.statefulSets,
};

export function scaleTargetResource(apiVersion: string | undefined, kind: string | undefined): ResourceDescriptor | undefined {
  return scaleTargets[`${apiVersion}/${kind}`];
}

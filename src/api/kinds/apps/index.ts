// The apps/v1 resources, in Kubernetes' discovery order.
import '../../definitions/apps-v1.ts';
import type { ResourceType } from '../../resource-type.ts';
import { controllerRevisions } from './controllerrevision.ts';
import { daemonSets } from './daemonset.ts';
import { deployments } from './deployment.ts';
import { replicaSets } from './replicaset.ts';
import { statefulSets } from './statefulset.ts';

export const appsResources: ResourceType[] = [controllerRevisions, daemonSets, deployments, replicaSets, statefulSets];

// The core ("") group's v1 resources in the order /api/v1 discovery lists them (alphabetical
// by plural), which is also the order `kubectl get all` prints them in.
import type { ResourceType } from '../../resource-type.ts';
import { configMapResource } from './configmap.ts';
import { endpointsResource } from './endpoints.ts';
import { eventResource } from './event.ts';
import { namespaceResource } from './namespace.ts';
import { nodeResource } from './node.ts';
import { persistentVolumeResource } from './persistentvolume.ts';
import { persistentVolumeClaimResource } from './persistentvolumeclaim.ts';
import { podResource } from './pod.ts';
import { podTemplateResource } from './podtemplate.ts';
import { replicationControllerResource } from './replicationcontroller.ts';
import { secretResource } from './secret.ts';
import { serviceResource } from './service.ts';
import { serviceAccountResource } from './serviceaccount.ts';

export const coreResources: ResourceType[] = [
  configMapResource,
  endpointsResource,
  eventResource,
  namespaceResource,
  nodeResource,
  persistentVolumeClaimResource,
  persistentVolumeResource,
  podResource,
  podTemplateResource,
  replicationControllerResource,
  secretResource,
  serviceAccountResource,
  serviceResource,
];

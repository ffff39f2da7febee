// The discovery.k8s.io/v1 resources.
import '../../definitions/discovery-v1.ts';
import type { ResourceType } from '../../resource-type.ts';
import { endpointSlices } from './endpointslice.ts';

export const discoveryResources: ResourceType[] = [endpointSlices];

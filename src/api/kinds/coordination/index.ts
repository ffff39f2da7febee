// The coordination.k8s.io/v1 resources.
import '../../definitions/coordination-v1.ts';
import type { ResourceType } from '../../resource-type.ts';
import { leases } from './lease.ts';

export const coordinationResources: ResourceType[] = [leases];

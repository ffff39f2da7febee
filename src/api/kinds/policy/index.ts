// The policy/v1 resources. (Eviction is a pods subresource, served with the pods.)
import '../../definitions/policy-v1.ts';
import type { ResourceType } from '../../resource-type.ts';
import { podDisruptionBudgets } from './poddisruptionbudget.ts';

export const policyResources: ResourceType[] = [podDisruptionBudgets];

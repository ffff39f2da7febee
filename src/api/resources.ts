// Every built-in resource Hale serves, in the order discovery lists them (kubectl's
// `get all` and version preference follow this order).
import './definitions/index.ts';
import { apiextensionsResources } from './kinds/apiextensions/index.ts';
import { appsResources } from './kinds/apps/index.ts';
import { authenticationResources } from './kinds/authentication/index.ts';
import { authorizationResources } from './kinds/authorization/index.ts';
import { autoscalingResources } from './kinds/autoscaling/index.ts';
import { batchResources } from './kinds/batch/index.ts';
import { coordinationResources } from './kinds/coordination/index.ts';
import { coreResources } from './kinds/core/index.ts';
import { discoveryResources } from './kinds/discovery/index.ts';
import { eventsResources } from './kinds/events/index.ts';
import { metricsResources } from './kinds/metrics/index.ts';
import { networkingResources } from './kinds/networking/index.ts';
import { policyResources } from './kinds/policy/index.ts';
import { rbacResources } from './kinds/rbac/index.ts';
import { storageResources } from './kinds/storage/index.ts';
import type { ResourceType } from './resource-type.ts';

export const builtinResources: ResourceType[] = [
  ...coreResources,
  ...appsResources,
  ...eventsResources,
  ...authenticationResources,
  ...authorizationResources,
  ...autoscalingResources,
  ...batchResources,
  ...networkingResources,
  ...policyResources,
  ...rbacResources,
  ...storageResources,
  ...coordinationResources,
  ...discoveryResources,
  ...metricsResources,
  ...apiextensionsResources,
];

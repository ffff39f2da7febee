// The authorization.k8s.io/v1 resources.
import '../../definitions/authorization-v1.ts';
import type { ResourceType } from '../../resource-type.ts';
import { selfSubjectAccessReviews } from './selfsubjectaccessreview.ts';

export const authorizationResources: ResourceType[] = [selfSubjectAccessReviews];

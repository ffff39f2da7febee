// The authorization.k8s.io/v1 resources.
import '../../definitions/authorization-v1.ts';
import type { ResourceType } from '../../resource-type.ts';
import { selfSubjectAccessReviews } from './selfsubjectaccessreview.ts';

/** `kubectl auth can-i --list`: the rules the current user has; answered by the API server itself. */
export const selfSubjectRulesReviews: ResourceType = {
  group: 'authorization.k8s.io',
  version: 'v1',
  kind: 'SelfSubjectRulesReview',
  plural: 'selfsubjectrulesreviews',
  singular: 'selfsubjectrulesreview',
  namespaced: false,
  verbs: ['create'],
  schema: 'io.k8s.api.authorization.v1.SelfSubjectRulesReview',
};

export const authorizationResources: ResourceType[] = [selfSubjectAccessReviews, selfSubjectRulesReviews];

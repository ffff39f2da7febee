// authentication.k8s.io/v1 SelfSubjectReview ("who am I?", asked by `kubectl auth whoami`) and TokenReview.
// Create-only and never stored: the API server answers it itself (apiserver/self-subject-review.ts).
import '../../definitions/authentication-v1.ts';
import type { ResourceType } from '../../resource-type.ts';

export const selfSubjectReviews: ResourceType = {
  group: 'authentication.k8s.io',
  version: 'v1',
  kind: 'SelfSubjectReview',
  plural: 'selfsubjectreviews',
  singular: 'selfsubjectreview',
  namespaced: false,
  verbs: ['create'],
  schema: 'io.k8s.api.authentication.v1.SelfSubjectReview',
};

/** TokenReview: "who is this token?", for components that check tokens presented to them. */
export const tokenReviews: ResourceType = {
  group: 'authentication.k8s.io',
  version: 'v1',
  kind: 'TokenReview',
  plural: 'tokenreviews',
  singular: 'tokenreview',
  namespaced: false,
  verbs: ['create'],
  schema: 'io.k8s.api.authentication.v1.TokenReview',
};

export const authenticationResources: ResourceType[] = [selfSubjectReviews, tokenReviews];

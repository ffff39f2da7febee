// authorization.k8s.io/v1 SelfSubjectAccessReview: "may I do this?", asked by
// `kubectl auth can-i`. Create-only and never stored: the API server answers it itself.
import { type FieldError, invalid } from '../../field-errors.ts';
import type { KubeObject, ResourceType } from '../../resource-type.ts';

export function validateSelfSubjectAccessReview(obj: KubeObject): FieldError[] {
  const spec = obj.spec ?? {};
  if (spec.resourceAttributes && spec.nonResourceAttributes) {
    return [
      invalid('spec.nonResourceAttributes', spec.nonResourceAttributes, 'cannot be specified in combination with resourceAttributes'),
    ];
  }
  if (!spec.resourceAttributes && !spec.nonResourceAttributes) {
    return [
      invalid(
        'spec.resourceAttributes',
        spec.nonResourceAttributes ?? null,
        'exactly one of nonResourceAttributes or resourceAttributes must be specified',
      ),
    ];
  }
  return [];
}

export const selfSubjectAccessReviews: ResourceType = {
  group: 'authorization.k8s.io',
  version: 'v1',
  kind: 'SelfSubjectAccessReview',
  plural: 'selfsubjectaccessreviews',
  singular: 'selfsubjectaccessreview',
  namespaced: false,
  verbs: ['create'],
  schema: 'io.k8s.api.authorization.v1.SelfSubjectAccessReview',
  validate: validateSelfSubjectAccessReview,
};

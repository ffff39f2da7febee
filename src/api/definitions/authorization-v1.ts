// Schema of authorization.k8s.io/v1 SelfSubjectAccessReview and SelfSubjectRulesReview, which
// `kubectl auth can-i` (with --list) POSTs. Field numbers follow k8s.io/api/authorization/v1/generated.proto.
import { array, bool, item, ref, string } from '../schema/dsl.ts';
import { registerDefinitions } from '../schema/registry.ts';

const META = 'io.k8s.apimachinery.pkg.apis.meta.v1';
const AUTHZ = 'io.k8s.api.authorization.v1';

registerDefinitions({
  [`${AUTHZ}.SelfSubjectRulesReview`]: {
    description: 'Asks which actions the current user may perform in a namespace.',
    gvk: [{ group: 'authorization.k8s.io', version: 'v1', kind: 'SelfSubjectRulesReview' }],
    required: ['spec'],
    fields: {
      apiVersion: string(0, 'Versioned schema of this object.'),
      kind: string(0, 'REST resource this object represents.'),
      metadata: ref(`${META}.ObjectMeta`, 1, 'Standard object metadata.'),
      spec: ref(`${AUTHZ}.SelfSubjectRulesReviewSpec`, 2, 'The namespace asked about.'),
      status: ref(`${AUTHZ}.SubjectRulesReviewStatus`, 3, 'The rules, filled in by the server.'),
    },
  },
  [`${AUTHZ}.SelfSubjectRulesReviewSpec`]: {
    description: 'The namespace to list the rules for.',
    fields: { namespace: string(1, 'Namespace to evaluate rules for.') },
  },
  [`${AUTHZ}.SubjectRulesReviewStatus`]: {
    description: 'What the subject may do.',
    required: ['resourceRules', 'nonResourceRules', 'incomplete'],
    fields: {
      resourceRules: array(item.ref(`${AUTHZ}.ResourceRule`), 1, 'Actions allowed on resources.', { listType: 'atomic' }),
      nonResourceRules: array(item.ref(`${AUTHZ}.NonResourceRule`), 2, 'Actions allowed on non-resource URLs.', { listType: 'atomic' }),
      incomplete: bool(3, 'Whether the list may be missing rules.'),
      evaluationError: string(4, 'An error met while evaluating the rules.'),
    },
  },
  [`${AUTHZ}.ResourceRule`]: {
    description: 'Verbs allowed on resources.',
    required: ['verbs'],
    fields: {
      verbs: array(item.string, 1, 'Allowed verbs; "*" is all.', { listType: 'atomic' }),
      apiGroups: array(item.string, 2, 'API groups; "*" is all.', { listType: 'atomic' }),
      resources: array(item.string, 3, 'Resources; "*" is all.', { listType: 'atomic' }),
      resourceNames: array(item.string, 4, 'Names the rule is limited to.', { listType: 'atomic' }),
    },
  },
  [`${AUTHZ}.NonResourceRule`]: {
    description: 'Verbs allowed on non-resource URLs.',
    required: ['verbs'],
    fields: {
      verbs: array(item.string, 1, 'Allowed verbs; "*" is all.', { listType: 'atomic' }),
      nonResourceURLs: array(item.string, 2, 'URL paths; "*" is all.', { listType: 'atomic' }),
    },
  },
  [`${AUTHZ}.SelfSubjectAccessReview`]: {
    description: 'Asks whether the current user may perform an action.',
    gvk: [{ group: 'authorization.k8s.io', version: 'v1', kind: 'SelfSubjectAccessReview' }],
    required: ['spec'],
    fields: {
      apiVersion: string(0, 'Versioned schema of this object.'),
      kind: string(0, 'REST resource this object represents.'),
      metadata: ref(`${META}.ObjectMeta`, 1, 'Standard object metadata.'),
      spec: ref(`${AUTHZ}.SelfSubjectAccessReviewSpec`, 2, 'The action being asked about.'),
      status: ref(`${AUTHZ}.SubjectAccessReviewStatus`, 3, 'The answer, filled in by the server.'),
    },
  },
  [`${AUTHZ}.SelfSubjectAccessReviewSpec`]: {
    description: 'Exactly one of resourceAttributes and nonResourceAttributes.',
    fields: {
      resourceAttributes: ref(`${AUTHZ}.ResourceAttributes`, 1, 'An action on a resource.'),
      nonResourceAttributes: ref(`${AUTHZ}.NonResourceAttributes`, 2, 'An action on a non-resource URL.'),
    },
  },
  [`${AUTHZ}.ResourceAttributes`]: {
    description: 'The attributes of a resource request.',
    fields: {
      namespace: string(1, 'Namespace of the action; empty means all namespaces for namespaced resources.'),
      verb: string(2, 'API verb such as get, list or create; "*" means all.'),
      group: string(3, 'API group of the resource; "*" means all.'),
      version: string(4, 'API version of the resource; "*" means all.'),
      resource: string(5, 'Resource type; "*" means all.'),
      subresource: string(6, 'Subresource; empty means none.'),
      name: string(7, 'Object name; empty means all.'),
      fieldSelector: ref(`${AUTHZ}.FieldSelectorAttributes`, 8, 'Limits the request to objects matching a field selector.'),
      labelSelector: ref(`${AUTHZ}.LabelSelectorAttributes`, 9, 'Limits the request to objects matching a label selector.'),
    },
  },
  [`${AUTHZ}.NonResourceAttributes`]: {
    description: 'The attributes of a non-resource request.',
    fields: {
      path: string(1, 'URL path of the request.'),
      verb: string(2, 'HTTP verb of the request.'),
    },
  },
  [`${AUTHZ}.FieldSelectorAttributes`]: {
    description: 'A field selector limiting a request.',
    fields: {
      rawSelector: string(1, 'The selector as written in a query parameter.'),
      requirements: array(item.ref(`${AUTHZ}.FieldSelectorRequirement`), 2, 'The parsed selector.', { listType: 'atomic' }),
    },
  },
  [`${AUTHZ}.FieldSelectorRequirement`]: {
    description: 'One requirement of a field selector.',
    required: ['key', 'operator'],
    fields: {
      key: string(1, 'Field the requirement applies to.'),
      operator: string(2, 'In, NotIn, Exists or DoesNotExist.'),
      values: array(item.string, 3, 'Values for In and NotIn.', { listType: 'atomic' }),
    },
  },
  [`${AUTHZ}.LabelSelectorAttributes`]: {
    description: 'A label selector limiting a request.',
    fields: {
      rawSelector: string(1, 'The selector as written in a query parameter.'),
      requirements: array(item.ref(`${META}.LabelSelectorRequirement`), 2, 'The parsed selector.', { listType: 'atomic' }),
    },
  },
  [`${AUTHZ}.SubjectAccessReviewStatus`]: {
    description: 'Whether the action is allowed.',
    required: ['allowed'],
    fields: {
      allowed: bool(1, 'True when the action would be allowed.'),
      denied: bool(4, 'True when an authorizer explicitly denies the action.'),
      reason: string(2, 'Why the action was allowed or denied.'),
      evaluationError: string(3, 'An error met while checking, if any.'),
    },
  },
});

// Schema of the rbac.authorization.k8s.io/v1 group: Role, ClusterRole, RoleBinding,
// ClusterRoleBinding. Field numbers follow k8s.io/api/rbac/v1/generated.proto.
import { array, item, ref, string } from '../schema/dsl.ts';
import { registerDefinitions } from '../schema/registry.ts';
import type { Definitions } from '../schema/types.ts';

const META = 'io.k8s.apimachinery.pkg.apis.meta.v1';
const RBAC = 'io.k8s.api.rbac.v1';
const GROUP = 'rbac.authorization.k8s.io';

const atomic = { listType: 'atomic' as const };

/** The object and its list, for each of the four kinds. */
function kindWithList(kind: string, description: string, fields: Definitions[string]['fields']): Definitions {
  return {
    [`${RBAC}.${kind}`]: {
      description,
      gvk: [{ group: GROUP, version: 'v1', kind }],
      fields: {
        apiVersion: string(0, 'Versioned schema of this object; the server may convert to its own.'),
        kind: string(0, 'REST resource this object represents, in CamelCase.'),
        metadata: ref(`${META}.ObjectMeta`, 1, 'Standard object metadata.'),
        ...fields,
      },
      ...(fields.roleRef ? { required: ['roleRef'] } : {}),
    },
    [`${RBAC}.${kind}List`]: {
      description: `A list of ${kind} objects.`,
      gvk: [{ group: GROUP, version: 'v1', kind: `${kind}List` }],
      required: ['items'],
      fields: {
        apiVersion: string(0, 'Versioned schema of this list.'),
        kind: string(0, 'REST resource this list represents.'),
        metadata: ref(`${META}.ListMeta`, 1, 'Standard list metadata.'),
        items: array(item.ref(`${RBAC}.${kind}`), 2, `The ${kind} objects.`),
      },
    },
  };
}

const rules = array(item.ref(`${RBAC}.PolicyRule`), 2, 'The rules: what may be done to which resources.', atomic);
const subjects = array(item.ref(`${RBAC}.Subject`), 2, 'Who the role is granted to.', atomic);

registerDefinitions({
  ...kindWithList('Role', 'A namespaced set of PolicyRules, granted by RoleBindings in its namespace.', { rules }),
  ...kindWithList('ClusterRole', 'A cluster-wide set of PolicyRules, granted by RoleBindings or ClusterRoleBindings.', {
    rules,
    aggregationRule: ref(`${RBAC}.AggregationRule`, 3, 'Selects ClusterRoles whose rules the controller copies into this one.'),
  }),
  ...kindWithList('RoleBinding', 'Grants a Role or ClusterRole to subjects within one namespace.', {
    subjects,
    roleRef: ref(`${RBAC}.RoleRef`, 3, 'The Role or ClusterRole granted; immutable.'),
  }),
  ...kindWithList('ClusterRoleBinding', 'Grants a ClusterRole to subjects in every namespace.', {
    subjects,
    roleRef: ref(`${RBAC}.RoleRef`, 3, 'The ClusterRole granted; immutable.'),
  }),
  [`${RBAC}.PolicyRule`]: {
    description: 'Verbs allowed on resources (or on non-resource URLs).',
    required: ['verbs'],
    fields: {
      verbs: array(item.string, 1, 'Verbs allowed; "*" is all of them.', atomic),
      apiGroups: array(item.string, 2, 'API groups of the resources; "" is the core group, "*" all groups.', atomic),
      resources: array(item.string, 3, 'Resources the rule applies to; "*" is all of them.', atomic),
      resourceNames: array(item.string, 4, 'Names the rule is limited to; empty means any.', atomic),
      nonResourceURLs: array(item.string, 5, 'Non-resource URL paths (e.g. /healthz); only in ClusterRoles.', atomic),
    },
  },
  [`${RBAC}.AggregationRule`]: {
    description: 'How to find the ClusterRoles aggregated into a ClusterRole.',
    fields: {
      clusterRoleSelectors: array(item.ref(`${META}.LabelSelector`), 1, 'ClusterRoles matching any selector are aggregated.', atomic),
    },
  },
  [`${RBAC}.RoleRef`]: {
    description: 'The role a binding grants.',
    required: ['apiGroup', 'kind', 'name'],
    fields: {
      apiGroup: string(1, 'API group of the role: rbac.authorization.k8s.io.'),
      kind: string(2, 'Role or ClusterRole.'),
      name: string(3, 'Name of the role.'),
    },
  },
  [`${RBAC}.Subject`]: {
    description: 'A user, group or service account a binding applies to.',
    required: ['kind', 'name'],
    fields: {
      kind: string(1, 'User, Group or ServiceAccount.'),
      apiGroup: string(2, '"" for ServiceAccount subjects, rbac.authorization.k8s.io for User and Group.'),
      name: string(3, 'Name of the subject.'),
      namespace: string(4, 'Namespace of a ServiceAccount subject.'),
    },
  },
});

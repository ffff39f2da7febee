import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatFieldErrors } from '../../field-errors.ts';
import type { KubeObject } from '../../resource-type.ts';
import { validateObjectMeta } from '../../validation/meta.ts';
import { clusterRoles, roles } from './role.ts';
import { clusterRoleBindings, roleBindings } from './rolebinding.ts';

const errorsOf = (rt: typeof roles, obj: KubeObject): string => {
  rt.defaults?.(obj);
  return formatFieldErrors(rt.validate!(obj));
};

test('policy rules need verbs, and either groups and resources or non-resource URLs', () => {
  assert.equal(errorsOf(roles, { rules: [{ verbs: ['get'], apiGroups: [''], resources: ['pods'] }] }), '[]');
  assert.equal(
    errorsOf(roles, { rules: [{ resources: ['pods'] }] }),
    '[rules[0].verbs: Required value: verbs must contain at least one value, rules[0].apiGroups: Required value: resource rules must supply at least one api group]',
  );
  assert.equal(
    errorsOf(roles, { rules: [{ verbs: ['get'], apiGroups: [''] }] }),
    'rules[0].resources: Required value: resource rules must supply at least one resource',
  );
  assert.equal(
    errorsOf(roles, { rules: [{ verbs: ['get'], nonResourceURLs: ['/healthz', '/metrics'] }] }),
    'rules[0].nonResourceURLs: Invalid value: []string{"/healthz", "/metrics"}: namespaced rules cannot apply to non-resource URLs',
  );
  assert.equal(errorsOf(clusterRoles, { rules: [{ verbs: ['get'], nonResourceURLs: ['/healthz'] }] }), '[]');
  assert.equal(
    errorsOf(clusterRoles, { rules: [{ verbs: ['get'], nonResourceURLs: ['/x'], resources: ['pods'] }] }),
    'rules[0].nonResourceURLs: Invalid value: []string{"/x"}: rules cannot apply to both regular resources and non-resource URLs',
  );
});

test('an aggregation rule needs at least one valid selector', () => {
  assert.equal(
    errorsOf(clusterRoles, { aggregationRule: {} }),
    'aggregationRule.clusterRoleSelectors: Required value: at least one clusterRoleSelector required if aggregationRule is non-nil',
  );
  assert.equal(errorsOf(clusterRoles, { aggregationRule: { clusterRoleSelectors: [{ matchLabels: { 'x/aggregate': 'true' } }] } }), '[]');
  assert.match(
    errorsOf(clusterRoles, { aggregationRule: { clusterRoleSelectors: [{ matchExpressions: [{ key: 'a', operator: 'Has' }] }] } }),
    /^aggregationRule\.clusterRoleSelectors\[0\]\.matchExpressions\[0\]\.operator: Invalid value: "Has"/,
  );
});

test('RBAC names only need to be URL path segments', () => {
  const meta = (name: string) =>
    formatFieldErrors(validateObjectMeta({ name }, { namespaced: false, nameValidator: clusterRoles.nameValidator }));
  assert.equal(meta('system:controller:Foo_bar'), '[]');
  assert.equal(meta('a/b'), `metadata.name: Invalid value: "a/b": may not contain '/'`);
  assert.equal(meta('..'), `metadata.name: Invalid value: "..": may not be '..'`);
  assert.equal(
    formatFieldErrors(validateObjectMeta({ generateName: 'a%', name: 'a%x' }, { namespaced: false, nameValidator: roles.nameValidator })),
    `[metadata.generateName: Invalid value: "a%": may not contain '%', metadata.name: Invalid value: "a%x": may not contain '%']`,
  );
});

test('bindings get their API groups defaulted and their role reference and subjects checked', () => {
  const binding: KubeObject = {
    roleRef: { kind: 'Role', name: 'reader' },
    subjects: [
      { kind: 'User', name: 'jane' },
      { kind: 'Group', name: 'devs' },
      { kind: 'ServiceAccount', name: 'ci', namespace: 'build' },
    ],
  };
  assert.equal(errorsOf(roleBindings, binding), '[]');
  assert.equal(binding.roleRef.apiGroup, 'rbac.authorization.k8s.io');
  assert.deepEqual(
    binding.subjects.map((s: KubeObject) => s.apiGroup),
    ['rbac.authorization.k8s.io', 'rbac.authorization.k8s.io', undefined],
  );
  assert.equal(
    errorsOf(clusterRoleBindings, { roleRef: { kind: 'Role', name: 'reader' } }),
    'roleRef.kind: Unsupported value: "Role": supported values: "ClusterRole"',
  );
  assert.equal(
    errorsOf(roleBindings, { roleRef: { apiGroup: 'example.com', kind: 'Roll', name: '' } }),
    '[roleRef.apiGroup: Unsupported value: "example.com": supported values: "rbac.authorization.k8s.io", roleRef.kind: Unsupported value: "Roll": supported values: "Role", "ClusterRole", roleRef.name: Required value]',
  );
  assert.equal(
    errorsOf(clusterRoleBindings, {
      roleRef: { kind: 'ClusterRole', name: 'view' },
      subjects: [{ kind: 'ServiceAccount', name: 'Bad_Name' }],
    }),
    "[subjects[0].name: Invalid value: \"Bad_Name\": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*'), subjects[0].namespace: Required value]",
  );
  assert.equal(
    errorsOf(roleBindings, {
      roleRef: { kind: 'Role', name: 'r' },
      subjects: [
        { kind: 'Robot', name: 'r2' },
        { kind: 'User', apiGroup: 'x.io', name: 'u' },
      ],
    }),
    '[subjects[0].kind: Unsupported value: "Robot": supported values: "ServiceAccount", "User", "Group", subjects[1].apiGroup: Unsupported value: "x.io": supported values: "rbac.authorization.k8s.io"]',
  );
});

test('the role reference of a binding cannot change', () => {
  const old = { roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'reader' } };
  assert.deepEqual(roleBindings.validateUpdate!({ ...old, subjects: [{ kind: 'User', name: 'x' }] }, old), []);
  assert.equal(
    formatFieldErrors(roleBindings.validateUpdate!({ roleRef: { ...old.roleRef, kind: 'ClusterRole', name: 'view' } }, old)),
    'roleRef: Invalid value: rbac.RoleRef{APIGroup:"rbac.authorization.k8s.io", Kind:"ClusterRole", Name:"view"}: cannot change roleRef',
  );
});

test('binding tables show the role and, wide, the subjects', () => {
  const now = new Date('2025-01-01T00:02:00Z');
  const row = clusterRoleBindings.table!.row(
    {
      metadata: { name: 'ops', creationTimestamp: '2025-01-01T00:00:00Z' },
      roleRef: { kind: 'ClusterRole', name: 'admin' },
      subjects: [
        { kind: 'User', name: 'a' },
        { kind: 'User', name: 'b' },
        { kind: 'ServiceAccount', name: 'ci', namespace: 'build' },
      ],
    },
    now,
  );
  assert.deepEqual(row, ['ops', 'ClusterRole/admin', '2m', 'a, b', '', 'build/ci']);
  assert.deepEqual(
    clusterRoleBindings.table!.columns.map((c) => `${c.name}:${c.priority}`),
    ['Name:0', 'Role:0', 'Age:0', 'Users:1', 'Groups:1', 'ServiceAccounts:1'],
  );
});

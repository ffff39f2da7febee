// rbac.authorization.k8s.io/v1 RoleBinding and ClusterRoleBinding: grant a role to users,
// groups and service accounts. Stored, defaulted, validated and printed as Kubernetes does;
// Hale does not enforce them (docs/differences.md).
import { type FieldError, GoValue, invalid, notSupported, required } from '../../field-errors.ts';
import { age } from '../../printers/age.ts';
import type { KubeObject, ResourceType } from '../../resource-type.ts';
import { nameIsDNSSubdomain, nameIsPathSegment } from '../../validation/meta.ts';
import { ageColumn, column, nameColumn } from '../apps/printing.ts';
import { RBAC_GROUP } from './role.ts';

type Json = Record<string, any>;
const isObject = (v: unknown): v is Json => v !== null && typeof v === 'object' && !Array.isArray(v);
const text = (v: unknown): string => (typeof v === 'string' ? v : '');
const subjectsOf = (obj: KubeObject): unknown[] => (Array.isArray(obj.subjects) ? obj.subjects : []);

/** SetDefaults_RoleBinding / _ClusterRoleBinding / _Subject: the API groups users leave out. */
export function defaultBinding(obj: KubeObject): void {
  if (isObject(obj.roleRef) && !obj.roleRef.apiGroup) obj.roleRef.apiGroup = RBAC_GROUP;
  for (const subject of subjectsOf(obj)) {
    // A ServiceAccount's group is "", which Go's omitempty leaves out of the JSON.
    if (isObject(subject) && !subject.apiGroup && (subject.kind === 'User' || subject.kind === 'Group')) {
      subject.apiGroup = RBAC_GROUP;
    }
  }
}

/** ValidateRoleBindingSubject. */
export function validateSubject(subject: unknown, namespaced: boolean, path: string): FieldError[] {
  const s = isObject(subject) ? subject : {};
  const name = text(s.name);
  const apiGroup = text(s.apiGroup);
  const errs: FieldError[] = [];
  if (!name) errs.push(required(`${path}.name`, ''));
  switch (s.kind) {
    case 'ServiceAccount':
      if (name) for (const msg of nameIsDNSSubdomain(name, false)) errs.push(invalid(`${path}.name`, name, msg));
      if (apiGroup) errs.push(notSupported(`${path}.apiGroup`, apiGroup, ['']));
      if (!namespaced && !text(s.namespace)) errs.push(required(`${path}.namespace`, ''));
      break;
    case 'User':
    case 'Group':
      if (apiGroup !== RBAC_GROUP) errs.push(notSupported(`${path}.apiGroup`, apiGroup, [RBAC_GROUP]));
      break;
    default:
      errs.push(notSupported(`${path}.kind`, text(s.kind), ['ServiceAccount', 'User', 'Group']));
  }
  return errs;
}

function validateBinding(obj: KubeObject, namespaced: boolean): FieldError[] {
  const ref = isObject(obj.roleRef) ? obj.roleRef : {};
  const errs: FieldError[] = [];
  if (text(ref.apiGroup) !== RBAC_GROUP) errs.push(notSupported('roleRef.apiGroup', text(ref.apiGroup), [RBAC_GROUP]));
  const kinds = namespaced ? ['Role', 'ClusterRole'] : ['ClusterRole'];
  if (!kinds.includes(text(ref.kind))) errs.push(notSupported('roleRef.kind', text(ref.kind), kinds));
  const name = text(ref.name);
  if (!name) errs.push(required('roleRef.name', ''));
  else for (const msg of nameIsPathSegment(name, false)) errs.push(invalid('roleRef.name', name, msg));
  subjectsOf(obj).forEach((subject, i) => {
    errs.push(...validateSubject(subject, namespaced, `subjects[${i}]`));
  });
  return errs;
}

/** The role a binding grants may not change: `kubectl auth reconcile` recreates the binding instead. */
export function validateBindingUpdate(obj: KubeObject, old: KubeObject): FieldError[] {
  const ref = isObject(obj.roleRef) ? obj.roleRef : {};
  const before = isObject(old.roleRef) ? old.roleRef : {};
  const same = ['apiGroup', 'kind', 'name'].every((key) => text(ref[key]) === text(before[key]));
  if (same) return [];
  const goRef = `rbac.RoleRef{APIGroup:${JSON.stringify(text(ref.apiGroup))}, Kind:${JSON.stringify(text(ref.kind))}, Name:${JSON.stringify(text(ref.name))}}`;
  return [invalid('roleRef', new GoValue(goRef), 'cannot change roleRef')];
}

/** rbac.SubjectsStrings: users, groups and service accounts (namespace/name) for the wide columns. */
export function subjectCells(obj: KubeObject): [string, string, string] {
  const users: string[] = [];
  const groups: string[] = [];
  const serviceAccounts: string[] = [];
  for (const subject of subjectsOf(obj)) {
    if (!isObject(subject)) continue;
    if (subject.kind === 'ServiceAccount') serviceAccounts.push(`${text(subject.namespace)}/${text(subject.name)}`);
    else if (subject.kind === 'User') users.push(text(subject.name));
    else if (subject.kind === 'Group') groups.push(text(subject.name));
  }
  return [users.join(', '), groups.join(', '), serviceAccounts.join(', ')];
}

function bindingTable(kindWord: string): ResourceType['table'] {
  return {
    columns: [
      nameColumn,
      column('Role', 'string', 'The role granted.'),
      ageColumn,
      column('Users', 'string', `Users in the ${kindWord}`, 1),
      column('Groups', 'string', `Groups in the ${kindWord}`, 1),
      column('ServiceAccounts', 'string', `ServiceAccounts in the ${kindWord}`, 1),
    ],
    row: (obj, now) => [
      obj.metadata?.name ?? '',
      `${text(obj.roleRef?.kind)}/${text(obj.roleRef?.name)}`,
      age(obj.metadata?.creationTimestamp, now),
      ...subjectCells(obj),
    ],
  };
}

export const roleBindings: ResourceType = {
  group: RBAC_GROUP,
  version: 'v1',
  kind: 'RoleBinding',
  plural: 'rolebindings',
  singular: 'rolebinding',
  namespaced: true,
  schema: 'io.k8s.api.rbac.v1.RoleBinding',
  generation: false,
  nameValidator: nameIsPathSegment,
  defaults: defaultBinding,
  validate: (obj) => validateBinding(obj, true),
  validateUpdate: validateBindingUpdate,
  table: bindingTable('roleBinding'),
};

export const clusterRoleBindings: ResourceType = {
  group: RBAC_GROUP,
  version: 'v1',
  kind: 'ClusterRoleBinding',
  plural: 'clusterrolebindings',
  singular: 'clusterrolebinding',
  namespaced: false,
  schema: 'io.k8s.api.rbac.v1.ClusterRoleBinding',
  generation: false,
  nameValidator: nameIsPathSegment,
  defaults: defaultBinding,
  validate: (obj) => validateBinding(obj, false),
  validateUpdate: validateBindingUpdate,
  table: bindingTable('clusterRoleBinding'),
};

// rbac.authorization.k8s.io/v1 Role and ClusterRole: named sets of PolicyRules. Stored and
// validated as Kubernetes does; Hale does not enforce them (docs/differences.md).
import { type FieldError, GoValue, goStringSlice, invalid, required } from '../../field-errors.ts';
import type { KubeObject, ResourceType } from '../../resource-type.ts';
import { nameIsPathSegment, validateLabelSelector } from '../../validation/meta.ts';

export const RBAC_GROUP = 'rbac.authorization.k8s.io';

type Json = Record<string, any>;
const isObject = (v: unknown): v is Json => v !== null && typeof v === 'object' && !Array.isArray(v);
const listOf = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

/** Go's %#v of a []string, as field errors print it: []string{"/a", "/b"}. */
export const goStrings = (values: unknown[]): GoValue => new GoValue(goStringSlice(values));

/** ValidatePolicyRule: verbs always; then either non-resource URLs or groups and resources. */
export function validatePolicyRule(rule: unknown, namespaced: boolean, path: string): FieldError[] {
  const r = isObject(rule) ? rule : {};
  const errs: FieldError[] = [];
  if (listOf(r.verbs).length === 0) errs.push(required(`${path}.verbs`, 'verbs must contain at least one value'));
  const urls = listOf(r.nonResourceURLs);
  if (urls.length > 0) {
    if (namespaced) {
      errs.push(invalid(`${path}.nonResourceURLs`, goStrings(urls), 'namespaced rules cannot apply to non-resource URLs'));
    }
    if (listOf(r.apiGroups).length > 0 || listOf(r.resources).length > 0 || listOf(r.resourceNames).length > 0) {
      errs.push(invalid(`${path}.nonResourceURLs`, goStrings(urls), 'rules cannot apply to both regular resources and non-resource URLs'));
    }
    return errs;
  }
  if (listOf(r.apiGroups).length === 0) {
    errs.push(required(`${path}.apiGroups`, 'resource rules must supply at least one api group'));
  }
  if (listOf(r.resources).length === 0) {
    errs.push(required(`${path}.resources`, 'resource rules must supply at least one resource'));
  }
  return errs;
}

const validateRules = (obj: KubeObject, namespaced: boolean): FieldError[] =>
  listOf(obj.rules).flatMap((rule, i) => validatePolicyRule(rule, namespaced, `rules[${i}]`));

export function validateClusterRole(obj: KubeObject): FieldError[] {
  const errs = validateRules(obj, false);
  if (obj.aggregationRule != null) {
    const selectors = listOf(isObject(obj.aggregationRule) ? obj.aggregationRule.clusterRoleSelectors : undefined);
    const path = 'aggregationRule.clusterRoleSelectors';
    if (selectors.length === 0) {
      errs.push(required(path, 'at least one clusterRoleSelector required if aggregationRule is non-nil'));
    }
    selectors.forEach((selector, i) => {
      errs.push(...validateLabelSelector(isObject(selector) ? selector : {}, `${path}[${i}]`));
    });
  }
  return errs;
}

export const roles: ResourceType = {
  group: RBAC_GROUP,
  version: 'v1',
  kind: 'Role',
  plural: 'roles',
  singular: 'role',
  namespaced: true,
  schema: 'io.k8s.api.rbac.v1.Role',
  generation: false,
  nameValidator: nameIsPathSegment,
  validate: (obj) => validateRules(obj, true),
};

export const clusterRoles: ResourceType = {
  group: RBAC_GROUP,
  version: 'v1',
  kind: 'ClusterRole',
  plural: 'clusterroles',
  singular: 'clusterrole',
  namespaced: false,
  schema: 'io.k8s.api.rbac.v1.ClusterRole',
  generation: false,
  nameValidator: nameIsPathSegment,
  validate: validateClusterRole,
};

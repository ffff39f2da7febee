// The rbac.authorization.k8s.io/v1 resources: served so that manifests carrying RBAC apply,
// not enforced (every authenticated user may do everything; docs/differences.md).
import '../../definitions/rbac-v1.ts';
import type { ResourceType } from '../../resource-type.ts';
import { clusterRoles, roles } from './role.ts';
import { clusterRoleBindings, roleBindings } from './rolebinding.ts';

export const rbacResources: ResourceType[] = [clusterRoleBindings, clusterRoles, roleBindings, roles];

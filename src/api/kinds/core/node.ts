// core/v1 Node: cluster-scoped, registered and kept up to date by each node's agent.
import { duplicate, type FieldError, invalid, notSupported, required } from '../../field-errors.ts';
import { age } from '../../printers/age.ts';
import type { KubeObject, ResourceType } from '../../resource-type.ts';
import { isQualifiedName, isValidCIDR, isValidLabelValue } from '../../validation/names.ts';
import { ageColumn, column, nameColumn } from './print-helpers.ts';
import { immutableField, isObject } from './validation-helpers.ts';
import '../../definitions/core-v1.ts';

const TAINT_EFFECTS = ['NoExecute', 'NoSchedule', 'PreferNoSchedule'];
const ROLE_LABEL_PREFIX = 'node-role.kubernetes.io/';
const LEGACY_ROLE_LABEL = 'kubernetes.io/role';

function defaults(node: KubeObject): void {
  // Allocatable defaults to capacity when the agent does not report it separately.
  if (isObject(node.status) && isObject(node.status.capacity) && node.status.allocatable == null) {
    node.status.allocatable = { ...node.status.capacity };
  }
}

function validateTaints(taints: unknown, errs: FieldError[]): void {
  if (!Array.isArray(taints)) return;
  const seen = new Set<string>();
  taints.forEach((t, i) => {
    const path = `spec.taints[${i}]`;
    const taint = isObject(t) ? t : {};
    const key = String(taint.key ?? '');
    for (const msg of isQualifiedName(key)) errs.push(invalid(`${path}.key`, key, msg));
    if (taint.value) for (const msg of isValidLabelValue(taint.value)) errs.push(invalid(`${path}.value`, taint.value, msg));
    if (!taint.effect) errs.push(required(`${path}.effect`));
    else if (!TAINT_EFFECTS.includes(taint.effect)) errs.push(notSupported(`${path}.effect`, taint.effect, TAINT_EFFECTS));
    const pair = `${key}\u0000${taint.effect}`;
    if (seen.has(pair)) errs.push(duplicate(path, taint));
    seen.add(pair);
  });
}

function validate(node: KubeObject): FieldError[] {
  const errs: FieldError[] = [];
  const spec: Record<string, any> = isObject(node.spec) ? node.spec : {};
  validateTaints(spec.taints, errs);
  const cidrs: unknown[] = Array.isArray(spec.podCIDRs) ? spec.podCIDRs : [];
  cidrs.forEach((cidr, i) => {
    for (const msg of isValidCIDR(String(cidr))) errs.push(invalid(`spec.podCIDRs[${i}]`, cidr, msg));
  });
  if (cidrs.length > 2) errs.push(invalid('spec.podCIDRs', cidrs, 'may specify no more than one CIDR for each IP family'));
  if (spec.podCIDR && cidrs.length && cidrs[0] !== spec.podCIDR) {
    errs.push(invalid('spec.podCIDRs', cidrs, 'first value must match `podCIDR`'));
  }
  return errs;
}

function validateUpdate(node: KubeObject, old: KubeObject): FieldError[] {
  const errs: FieldError[] = [];
  // podCIDR(s) and providerID may be set once, then never changed.
  if (old.spec?.podCIDR) errs.push(...immutableField(node.spec?.podCIDR, old.spec.podCIDR, 'spec.podCIDR'));
  if (old.spec?.podCIDRs?.length) errs.push(...immutableField(node.spec?.podCIDRs, old.spec.podCIDRs, 'spec.podCIDRs'));
  if (old.spec?.providerID) errs.push(...immutableField(node.spec?.providerID, old.spec.providerID, 'spec.providerID'));
  return errs;
}

function prepareForCreate(node: KubeObject): void {
  // Mirror the singular and plural pod CIDR fields.
  const spec = node.spec;
  if (isObject(spec) && spec.podCIDR && !spec.podCIDRs?.length) spec.podCIDRs = [spec.podCIDR];
}

/** "Ready", "NotReady", "Unknown", plus ",SchedulingDisabled" when cordoned. */
export function nodeStatusCell(node: KubeObject): string {
  const ready = (node.status?.conditions ?? []).find((c: any) => c?.type === 'Ready');
  const status = [ready ? (ready.status === 'True' ? 'Ready' : 'NotReady') : 'Unknown'];
  if (node.spec?.unschedulable) status.push('SchedulingDisabled');
  return status.join(',');
}

/** Roles from node-role.kubernetes.io/<role> and kubernetes.io/role=<role> labels, sorted. */
export function nodeRoles(node: KubeObject): string {
  const roles = new Set<string>();
  for (const [key, value] of Object.entries<string>(node.metadata?.labels ?? {})) {
    if (key.startsWith(ROLE_LABEL_PREFIX)) {
      const role = key.slice(ROLE_LABEL_PREFIX.length);
      if (role) roles.add(role);
    } else if (key === LEGACY_ROLE_LABEL && value) {
      roles.add(value);
    }
  }
  return roles.size ? [...roles].sort().join(',') : '<none>';
}

const firstAddress = (node: KubeObject, type: string): string =>
  (node.status?.addresses ?? []).find((a: any) => a?.type === type)?.address ?? '<none>';

export const nodeResource: ResourceType = {
  group: '',
  version: 'v1',
  kind: 'Node',
  plural: 'nodes',
  singular: 'node',
  namespaced: false,
  shortNames: ['no'],
  schema: 'io.k8s.api.core.v1.Node',
  generation: false,
  subresources: { status: true },
  defaults,
  validate,
  validateUpdate,
  prepareForCreate,
  selectableFields: (node) => ({ 'spec.unschedulable': String(node.spec?.unschedulable === true) }),
  table: {
    columns: [
      nameColumn,
      column('Status', 'The status of the node'),
      column('Roles', 'The roles of the node'),
      ageColumn,
      column('Version', 'Version of the node agent.'),
      column('Internal-IP', 'First InternalIP address of the node.', 1),
      column('External-IP', 'First ExternalIP address of the node.', 1),
      column('OS-Image', 'OS image reported by the node.', 1),
      column('Kernel-Version', 'Kernel version reported by the node.', 1),
      column('Container-Runtime', 'Container runtime and version reported by the node.', 1),
    ],
    row: (node, now) => {
      const info = node.status?.nodeInfo ?? {};
      return [
        node.metadata?.name ?? '',
        nodeStatusCell(node),
        nodeRoles(node),
        age(node.metadata?.creationTimestamp, now),
        info.kubeletVersion ?? '',
        firstAddress(node, 'InternalIP'),
        firstAddress(node, 'ExternalIP'),
        info.osImage || '<unknown>',
        info.kernelVersion || '<unknown>',
        info.containerRuntimeVersion || '<unknown>',
      ];
    },
  },
};

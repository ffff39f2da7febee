// policy/v1 PodDisruptionBudget: limits voluntary disruption of a set of pods.
import { type FieldError, invalid, notSupported } from '../../field-errors.ts';
import { age } from '../../printers/age.ts';
import type { KubeObject, ResourceType } from '../../resource-type.ts';
import { validateLabelSelector } from '../../validation/meta.ts';
import { isNotMoreThan100Percent, validatePositiveIntOrPercent } from '../apps/int-or-percent.ts';
import { ageColumn, column, int, intOrStringCell, nameColumn } from '../apps/printing.ts';

const unhealthyPodEvictionPolicies = ['AlwaysAllow', 'IfHealthyBudget'];

export function validatePodDisruptionBudget(obj: KubeObject): FieldError[] {
  const spec = obj.spec ?? {};
  const errs: FieldError[] = [];
  if (spec.minAvailable != null && spec.maxUnavailable != null) {
    errs.push(invalid('spec', spec, 'minAvailable and maxUnavailable cannot be both set'));
  }
  for (const key of ['minAvailable', 'maxUnavailable']) {
    if (spec[key] == null) continue;
    errs.push(...validatePositiveIntOrPercent(spec[key], `spec.${key}`), ...isNotMoreThan100Percent(spec[key], `spec.${key}`));
  }
  errs.push(...validateLabelSelector(spec.selector, 'spec.selector'));
  if (spec.unhealthyPodEvictionPolicy != null && !unhealthyPodEvictionPolicies.includes(spec.unhealthyPodEvictionPolicy)) {
    errs.push(notSupported('spec.unhealthyPodEvictionPolicy', spec.unhealthyPodEvictionPolicy, unhealthyPodEvictionPolicies));
  }
  return errs;
}

export const podDisruptionBudgets: ResourceType = {
  group: 'policy',
  version: 'v1',
  kind: 'PodDisruptionBudget',
  plural: 'poddisruptionbudgets',
  singular: 'poddisruptionbudget',
  namespaced: true,
  shortNames: ['pdb'],
  schema: 'io.k8s.api.policy.v1.PodDisruptionBudget',
  subresources: { status: true },
  validate: validatePodDisruptionBudget,
  prepareForCreate: (obj) => {
    obj.status = { disruptionsAllowed: 0, currentHealthy: 0, desiredHealthy: 0, expectedPods: 0 };
  },
  table: {
    columns: [
      nameColumn,
      column('Min Available', 'string', 'Pods that must stay available.'),
      column('Max Unavailable', 'string', 'Pods that may be unavailable.'),
      column('Allowed Disruptions', 'integer', 'Evictions allowed right now.'),
      ageColumn,
    ],
    row: (obj, now) => [
      obj.metadata?.name ?? '',
      obj.spec?.minAvailable != null ? intOrStringCell(obj.spec.minAvailable) : 'N/A',
      obj.spec?.maxUnavailable != null ? intOrStringCell(obj.spec.maxUnavailable) : 'N/A',
      int(obj.status?.disruptionsAllowed),
      age(obj.metadata?.creationTimestamp, now),
    ],
  },
};

// apps/v1 ReplicaSet: keeps a number of identical pods running.
import type { FieldError } from '../../field-errors.ts';
import { age } from '../../printers/age.ts';
import type { KubeObject, ResourceType } from '../../resource-type.ts';
import { validateNonnegativeField } from '../../validation/meta.ts';
import { ensureObject } from './ensure.ts';
import { withGoSelectorValue } from './go-values.ts';
import { defaultTemplate } from './pod-template.ts';
import { ageColumn, column, containerCells, containersColumn, imagesColumn, int, nameColumn } from './printing.ts';
import { formatLabelSelector } from './selector-utils.ts';
import { validateImmutableField, validateRequiredSelector, validateTemplateForReplicaSet } from './workload-validation.ts';

export function defaultReplicaSet(obj: KubeObject): void {
  const spec = ensureObject(obj, 'spec');
  spec.replicas ??= 1;
  defaultTemplate(spec);
}

export function validateReplicaSet(obj: KubeObject): FieldError[] {
  const spec = obj.spec ?? {};
  return [
    ...validateNonnegativeField(spec.replicas, 'spec.replicas'),
    ...validateNonnegativeField(spec.minReadySeconds, 'spec.minReadySeconds'),
    // Kubernetes says "deployment" here too.
    ...withGoSelectorValue(validateRequiredSelector(spec.selector, 'spec.selector', 'deployment'), 'spec.selector'),
    ...validateTemplateForReplicaSet(spec.selector, spec.template, 'spec.template'),
  ];
}

export const replicaSets: ResourceType = {
  group: 'apps',
  version: 'v1',
  kind: 'ReplicaSet',
  plural: 'replicasets',
  singular: 'replicaset',
  namespaced: true,
  shortNames: ['rs'],
  categories: ['all'],
  schema: 'io.k8s.api.apps.v1.ReplicaSet',
  subresources: {
    status: true,
    scale: { specReplicasPath: 'spec.replicas', statusReplicasPath: 'status.replicas', labelSelectorPath: 'spec.selector' },
  },
  defaults: defaultReplicaSet,
  validate: validateReplicaSet,
  validateUpdate: (obj, old) =>
    withGoSelectorValue(validateImmutableField(obj.spec?.selector, old.spec?.selector, 'spec.selector'), 'spec.selector'),
  // status.replicas is not omitempty in Kubernetes, so a new object already shows it as 0
  // (and the OpenAPI schema marks it required, which client-side validation checks).
  prepareForCreate: (obj) => {
    obj.status = { replicas: 0 };
  },
  selectableFields: (obj) => ({ 'status.replicas': String(int(obj.status?.replicas)) }),
  table: {
    columns: [
      nameColumn,
      column('Desired', 'integer', 'Number of desired pods.'),
      column('Current', 'integer', 'Number of pods seen most recently.'),
      column('Ready', 'integer', 'Number of ready pods.'),
      ageColumn,
      containersColumn,
      imagesColumn,
      column('Selector', 'string', 'Label selector of the pods.', 1),
    ],
    row: (obj, now) => {
      const [containers, images] = containerCells(obj.spec?.template?.spec);
      return [
        obj.metadata?.name ?? '',
        int(obj.spec?.replicas),
        int(obj.status?.replicas),
        int(obj.status?.readyReplicas),
        age(obj.metadata?.creationTimestamp, now),
        containers,
        images,
        formatLabelSelector(obj.spec?.selector),
      ];
    },
  },
};

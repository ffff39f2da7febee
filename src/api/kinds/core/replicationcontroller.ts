// core/v1 ReplicationController: the original replica controller, still served for old
// manifests. Selector and labels default from the pod template.
import { type FieldError, forbidden, invalid, notSupported, required } from '../../field-errors.ts';
import { age } from '../../printers/age.ts';
import type { KubeObject, ResourceType } from '../../resource-type.ts';
import { validateLabels, validateNonnegativeField } from '../../validation/meta.ts';
import { defaultPodTemplateSpec } from './pod-defaults.ts';
import { validatePodTemplateSpec } from './pod-validation.ts';
import { ageColumn, column, containerCells, formatLabels, nameColumn } from './print-helpers.ts';
import { isObject } from './validation-helpers.ts';
import '../../definitions/core-v1.ts';

function defaults(rc: KubeObject): void {
  rc.spec ??= {};
  const spec = rc.spec;
  const templateLabels = spec.template?.metadata?.labels;
  if (isObject(templateLabels)) {
    if (!isObject(spec.selector) || Object.keys(spec.selector).length === 0) spec.selector = { ...templateLabels };
    rc.metadata ??= {};
    if (!isObject(rc.metadata.labels) || Object.keys(rc.metadata.labels).length === 0) rc.metadata.labels = { ...templateLabels };
  }
  if (spec.replicas == null) spec.replicas = 1;
  if (isObject(spec.template)) defaultPodTemplateSpec(spec.template);
}

const selectorMatches = (selector: Record<string, string>, labels: Record<string, string>): boolean =>
  Object.entries(selector).every(([k, v]) => labels[k] === v);

function validate(rc: KubeObject): FieldError[] {
  const spec: Record<string, any> = isObject(rc.spec) ? rc.spec : {};
  const errs = validateNonnegativeField(spec.minReadySeconds, 'spec.minReadySeconds');
  const selector: Record<string, string> = isObject(spec.selector) ? spec.selector : {};
  if (Object.keys(selector).length === 0) errs.push(required('spec.selector'));
  else errs.push(...validateLabels(selector, 'spec.selector'));
  errs.push(...validateNonnegativeField(spec.replicas, 'spec.replicas'));
  const template = spec.template;
  if (!isObject(template)) {
    errs.push(required('spec.template'));
    return errs;
  }
  const labels: Record<string, string> = isObject(template.metadata?.labels) ? template.metadata.labels : {};
  if (Object.keys(selector).length && !selectorMatches(selector, labels)) {
    errs.push(invalid('spec.template.metadata.labels', template.metadata?.labels ?? null, '`selector` does not match template `labels`'));
  }
  errs.push(...validatePodTemplateSpec(template, 'spec.template'));
  const restartPolicy = template.spec?.restartPolicy;
  if (restartPolicy !== 'Always') errs.push(notSupported('spec.template.spec.restartPolicy', restartPolicy ?? '', ['Always']));
  if (template.spec?.activeDeadlineSeconds != null) {
    errs.push(forbidden('spec.template.spec.activeDeadlineSeconds', 'activeDeadlineSeconds in ReplicationController is not Supported'));
  }
  return errs;
}

function prepareForCreate(rc: KubeObject): void {
  rc.status = { replicas: 0 };
}

export const replicationControllerResource: ResourceType = {
  group: '',
  version: 'v1',
  kind: 'ReplicationController',
  plural: 'replicationcontrollers',
  singular: 'replicationcontroller',
  namespaced: true,
  shortNames: ['rc'],
  categories: ['all'],
  schema: 'io.k8s.api.core.v1.ReplicationController',
  // The selector is a plain label map, which the scale subresource cannot express as a LabelSelector path.
  subresources: { status: true, scale: { specReplicasPath: 'spec.replicas', statusReplicasPath: 'status.replicas' } },
  defaults,
  validate,
  prepareForCreate,
  selectableFields: (rc) => ({ 'status.replicas': String(rc.status?.replicas ?? 0) }),
  table: {
    columns: [
      nameColumn,
      column('Desired', 'Desired number of pods.', 0, 'integer'),
      column('Current', 'Pods currently counted.', 0, 'integer'),
      column('Ready', 'Ready pods.', 0, 'integer'),
      ageColumn,
      column('Containers', 'Names of each container in the template.', 1),
      column('Images', 'Images referenced by each container in the template.', 1),
      column('Selector', 'Labels of the pods counted.', 1),
    ],
    row: (rc, now) => {
      const [names, images] = containerCells(rc.spec?.template?.spec?.containers);
      return [
        rc.metadata?.name ?? '',
        rc.spec?.replicas ?? 0,
        rc.status?.replicas ?? 0,
        rc.status?.readyReplicas ?? 0,
        age(rc.metadata?.creationTimestamp, now),
        names,
        images,
        formatLabels(rc.spec?.selector),
      ];
    },
  },
};

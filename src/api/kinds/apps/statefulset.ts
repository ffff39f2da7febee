// apps/v1 StatefulSet: pods with stable names and per-pod storage.
import { type FieldError, forbidden, invalid, notSupported, required } from '../../field-errors.ts';
import { age } from '../../printers/age.ts';
import type { KubeObject, ResourceType } from '../../resource-type.ts';
import { validateAnnotations, validateLabels, validateNonnegativeField } from '../../validation/meta.ts';
import { ensureObject } from './ensure.ts';
import { defaultTemplate } from './pod-template.ts';
import { ageColumn, column, containerCells, containersColumn, imagesColumn, int, nameColumn } from './printing.ts';
import { selectorToString } from './selector-utils.ts';
import { deepEqual, validateAlwaysRestarts, validateRequiredSelector, validateSelectorMatchesTemplate } from './workload-validation.ts';

/** A claim template gets the PersistentVolumeClaim defaults (volumeMode, phase). */
function defaultClaimTemplate(claim: KubeObject): void {
  const spec = ensureObject(claim, 'spec');
  spec.volumeMode ??= 'Filesystem';
  const status = ensureObject(claim, 'status');
  status.phase ||= 'Pending';
}

/** SetDefaults_StatefulSet plus pod template and claim template defaults. */
export function defaultStatefulSet(obj: KubeObject): void {
  const spec = ensureObject(obj, 'spec');
  if (!spec.podManagementPolicy) spec.podManagementPolicy = 'OrderedReady';
  const strategy = ensureObject(spec, 'updateStrategy');
  if (!strategy.type) {
    strategy.type = 'RollingUpdate';
    strategy.rollingUpdate ??= {};
  }
  if (strategy.type === 'RollingUpdate' && strategy.rollingUpdate) strategy.rollingUpdate.partition ??= 0;
  const retention = ensureObject(spec, 'persistentVolumeClaimRetentionPolicy');
  if (!retention.whenDeleted) retention.whenDeleted = 'Retain';
  if (!retention.whenScaled) retention.whenScaled = 'Retain';
  spec.replicas ??= 1;
  spec.revisionHistoryLimit ??= 10;
  defaultTemplate(spec);
  for (const claim of Array.isArray(spec.volumeClaimTemplates) ? spec.volumeClaimTemplates : []) defaultClaimTemplate(claim);
}

/**
 * Kubernetes 1.33 drops spec.updateStrategy.rollingUpdate.maxUnavailable while the alpha
 * MaxUnavailableStatefulSet gate is off (its default; beta in 1.35), unless the stored object
 * already uses it. Hale's controller replaces one pod at a time, as Kubernetes then does.
 */
function dropDisabledFields(obj: KubeObject, old?: KubeObject): void {
  if (old?.spec?.updateStrategy?.rollingUpdate?.maxUnavailable != null) return;
  const rollingUpdate = obj.spec?.updateStrategy?.rollingUpdate;
  if (rollingUpdate && typeof rollingUpdate === 'object') delete rollingUpdate.maxUnavailable;
}

function validateRetentionPolicyType(value: unknown, path: string): FieldError[] {
  return value === 'Retain' || value === 'Delete' ? [] : [notSupported(path, value ?? '', ['Retain', 'Delete'])];
}

function validateUpdateStrategy(strategy: KubeObject | undefined, path: string): FieldError[] {
  switch (strategy?.type) {
    case undefined:
    case '':
      return [required(path, '')];
    case 'OnDelete':
      return strategy.rollingUpdate
        ? [invalid(`${path}.rollingUpdate`, strategy.rollingUpdate, "only allowed for updateStrategy 'RollingUpdate'")]
        : [];
    case 'RollingUpdate':
      return validateNonnegativeField(strategy.rollingUpdate?.partition, `${path}.rollingUpdate.partition`);
    default:
      return [invalid(path, strategy, "must be 'RollingUpdate' or 'OnDelete'")];
  }
}

export function validateStatefulSet(obj: KubeObject): FieldError[] {
  const spec = obj.spec ?? {};
  const errs: FieldError[] = [];
  switch (spec.podManagementPolicy) {
    case undefined:
    case '':
      errs.push(required('spec.podManagementPolicy', ''));
      break;
    case 'OrderedReady':
    case 'Parallel':
      break;
    default:
      errs.push(invalid('spec.podManagementPolicy', spec.podManagementPolicy, "must be 'OrderedReady' or 'Parallel'"));
  }
  errs.push(...validateUpdateStrategy(spec.updateStrategy, 'spec.updateStrategy'));
  const retention = spec.persistentVolumeClaimRetentionPolicy;
  if (retention) {
    const path = 'spec.persistentVolumeClaimRetentionPolicy';
    errs.push(...validateRetentionPolicyType(retention.whenDeleted, `${path}.whenDeleted`));
    errs.push(...validateRetentionPolicyType(retention.whenScaled, `${path}.whenScaled`));
  }
  errs.push(...validateNonnegativeField(spec.replicas, 'spec.replicas'));
  if (spec.ordinals) errs.push(...validateNonnegativeField(spec.ordinals.start, 'spec.ordinals.start'));
  errs.push(...validateNonnegativeField(spec.minReadySeconds, 'spec.minReadySeconds'));
  errs.push(...validateRequiredSelector(spec.selector, 'spec.selector', 'statefulset'));
  if (selectorToString(spec.selector) !== undefined) {
    // Like Kubernetes, only the template's metadata is checked: its volumes may name
    // claims from volumeClaimTemplates, which a plain pod check would reject.
    const template = spec.template ?? {};
    errs.push(...validateSelectorMatchesTemplate(spec.selector, template, 'spec.template'));
    errs.push(...validateLabels(template.metadata?.labels, 'spec.template.labels'));
    errs.push(...validateAnnotations(template.metadata?.annotations, 'spec.template.annotations'));
  }
  errs.push(...validateAlwaysRestarts(spec.template, 'spec.template', 'StatefulSet', 'forbidden'));
  return errs;
}

/** Fields of a StatefulSet spec that may change after creation. */
const mutableSpecFields = [
  'replicas',
  'ordinals',
  'template',
  'updateStrategy',
  'revisionHistoryLimit',
  'persistentVolumeClaimRetentionPolicy',
  'minReadySeconds',
];

export function validateStatefulSetUpdate(obj: KubeObject, old: KubeObject): FieldError[] {
  const strip = (spec: KubeObject | undefined) => {
    const copy = { ...(spec ?? {}) };
    for (const key of mutableSpecFields) delete copy[key];
    return copy;
  };
  if (deepEqual(strip(obj.spec), strip(old.spec))) return [];
  return [
    forbidden(
      'spec',
      "updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'revisionHistoryLimit', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden",
    ),
  ];
}

export const statefulSets: ResourceType = {
  group: 'apps',
  version: 'v1',
  kind: 'StatefulSet',
  plural: 'statefulsets',
  singular: 'statefulset',
  namespaced: true,
  shortNames: ['sts'],
  categories: ['all'],
  schema: 'io.k8s.api.apps.v1.StatefulSet',
  subresources: {
    status: true,
    scale: { specReplicasPath: 'spec.replicas', statusReplicasPath: 'status.replicas', labelSelectorPath: 'spec.selector' },
  },
  defaults: defaultStatefulSet,
  validate: validateStatefulSet,
  // A selector change is reported by the spec rule, as in Kubernetes.
  validateUpdate: validateStatefulSetUpdate,
  // These status counters are not omitempty in Kubernetes, so a new object shows them as 0
  // (and the OpenAPI schema marks replicas required, which client-side validation checks).
  prepareForCreate: (obj) => {
    obj.status = { replicas: 0, availableReplicas: 0 };
    dropDisabledFields(obj);
  },
  prepareForUpdate: (obj, old) => dropDisabledFields(obj, old),
  table: {
    columns: [nameColumn, column('Ready', 'string', 'Ready pods out of desired pods.'), ageColumn, containersColumn, imagesColumn],
    row: (obj, now) => {
      const [containers, images] = containerCells(obj.spec?.template?.spec);
      return [
        obj.metadata?.name ?? '',
        `${int(obj.status?.readyReplicas)}/${int(obj.spec?.replicas)}`,
        age(obj.metadata?.creationTimestamp, now),
        containers,
        images,
      ];
    },
  },
};

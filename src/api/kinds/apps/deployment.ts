// apps/v1 Deployment: declarative rollouts of pods through ReplicaSets.
import { type FieldError, forbidden, GoValue, invalid, notSupported, required } from '../../field-errors.ts';
import { age } from '../../printers/age.ts';
import type { KubeObject, ResourceType } from '../../resource-type.ts';
import { validateNonnegativeField } from '../../validation/meta.ts';
import { ensureObject } from './ensure.ts';
import { goDeploymentStrategy, goIntOrString, withGoIntOrStringValue, withGoSelectorValue } from './go-values.ts';
import { intOrPercentValue, isNotMoreThan100Percent, validatePositiveIntOrPercent } from './int-or-percent.ts';
import { defaultTemplate } from './pod-template.ts';
import { ageColumn, column, containerCells, containersColumn, imagesColumn, int, nameColumn } from './printing.ts';
import { selectorToString } from './selector-utils.ts';
import {
  deepEqual,
  validateImmutableField,
  validatePositiveField,
  validateRequiredSelector,
  validateTemplateForReplicaSet,
} from './workload-validation.ts';

/** SetDefaults_Deployment plus the pod template defaults. */
export function defaultDeployment(obj: KubeObject): void {
  const spec = ensureObject(obj, 'spec');
  spec.replicas ??= 1;
  const strategy = ensureObject(spec, 'strategy');
  if (!strategy.type) strategy.type = 'RollingUpdate';
  if (strategy.type === 'RollingUpdate') {
    const rollingUpdate = ensureObject(strategy, 'rollingUpdate');
    rollingUpdate.maxUnavailable ??= '25%';
    rollingUpdate.maxSurge ??= '25%';
  }
  spec.revisionHistoryLimit ??= 10;
  spec.progressDeadlineSeconds ??= 600;
  defaultTemplate(spec);
}

function validateRollingUpdate(rollingUpdate: KubeObject, path: string): FieldError[] {
  // Kubernetes hands these checks the IntOrString itself, so its errors print it as Go does.
  const errs = withGoIntOrStringValue([
    ...validatePositiveIntOrPercent(rollingUpdate.maxUnavailable, `${path}.maxUnavailable`),
    ...validatePositiveIntOrPercent(rollingUpdate.maxSurge, `${path}.maxSurge`),
  ]);
  if (intOrPercentValue(rollingUpdate.maxUnavailable) === 0 && intOrPercentValue(rollingUpdate.maxSurge) === 0) {
    const shown = new GoValue(goIntOrString(rollingUpdate.maxUnavailable));
    errs.push(invalid(`${path}.maxUnavailable`, shown, 'may not be 0 when `maxSurge` is 0'));
  }
  errs.push(...withGoIntOrStringValue(isNotMoreThan100Percent(rollingUpdate.maxUnavailable, `${path}.maxUnavailable`)));
  return errs;
}

function validateStrategy(strategy: KubeObject, path: string): FieldError[] {
  switch (strategy?.type) {
    case 'Recreate':
      return strategy.rollingUpdate ? [forbidden(`${path}.rollingUpdate`, "may not be specified when strategy `type` is 'Recreate'")] : [];
    case 'RollingUpdate':
      if (!strategy.rollingUpdate) return [required(`${path}.rollingUpdate`, 'this should be defaulted and never be nil')];
      return validateRollingUpdate(strategy.rollingUpdate, `${path}.rollingUpdate`);
    default:
      // Kubernetes reports the whole strategy struct at spec.strategy.
      return [notSupported(path, new GoValue(goDeploymentStrategy(strategy)), ['Recreate', 'RollingUpdate'])];
  }
}

export function validateDeployment(obj: KubeObject): FieldError[] {
  const spec = obj.spec ?? {};
  const errs: FieldError[] = [
    ...validateNonnegativeField(spec.replicas, 'spec.replicas'),
    ...withGoSelectorValue(validateRequiredSelector(spec.selector, 'spec.selector', 'deployment'), 'spec.selector'),
    ...validateTemplateForReplicaSet(spec.selector, spec.template, 'spec.template'),
    ...validateStrategy(spec.strategy, 'spec.strategy'),
    ...validateNonnegativeField(spec.minReadySeconds, 'spec.minReadySeconds'),
    ...validateNonnegativeField(spec.revisionHistoryLimit, 'spec.revisionHistoryLimit'),
  ];
  if (typeof spec.progressDeadlineSeconds === 'number') {
    errs.push(...validatePositiveField(spec.progressDeadlineSeconds, 'spec.progressDeadlineSeconds'));
    if (spec.progressDeadlineSeconds <= (spec.minReadySeconds ?? 0)) {
      errs.push(invalid('spec.progressDeadlineSeconds', spec.progressDeadlineSeconds, 'must be greater than minReadySeconds'));
    }
  }
  return errs;
}

export const deployments: ResourceType = {
  group: 'apps',
  version: 'v1',
  kind: 'Deployment',
  plural: 'deployments',
  singular: 'deployment',
  namespaced: true,
  shortNames: ['deploy'],
  categories: ['all'],
  schema: 'io.k8s.api.apps.v1.Deployment',
  subresources: {
    status: true,
    scale: { specReplicasPath: 'spec.replicas', statusReplicasPath: 'status.replicas', labelSelectorPath: 'spec.selector' },
  },
  defaults: defaultDeployment,
  validate: validateDeployment,
  validateUpdate: (obj, old) =>
    withGoSelectorValue(validateImmutableField(obj.spec?.selector, old.spec?.selector, 'spec.selector'), 'spec.selector'),
  prepareForCreate: (obj) => {
    obj.status = {};
  },
  prepareForUpdate: (obj, old) => {
    // Annotations are copied to ReplicaSets, so changing them is a new generation too.
    if (!deepEqual(obj.metadata?.annotations ?? {}, old.metadata?.annotations ?? {})) {
      obj.metadata!.generation = (old.metadata?.generation ?? 0) + 1;
    }
  },
  table: {
    columns: [
      nameColumn,
      column('Ready', 'string', 'Ready pods out of desired pods.'),
      column('Up-to-date', 'string', 'Pods running the current template.'),
      column('Available', 'string', 'Pods available to serve.'),
      ageColumn,
      containersColumn,
      imagesColumn,
      column('Selector', 'string', 'Label selector of the pods.', 1),
    ],
    row: (obj, now) => {
      const [containers, images] = containerCells(obj.spec?.template?.spec);
      return [
        obj.metadata?.name ?? '',
        `${int(obj.status?.readyReplicas)}/${int(obj.spec?.replicas)}`,
        int(obj.status?.updatedReplicas),
        int(obj.status?.availableReplicas),
        age(obj.metadata?.creationTimestamp, now),
        containers,
        images,
        selectorToString(obj.spec?.selector) ?? '<invalid>',
      ];
    },
  },
};

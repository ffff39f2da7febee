// apps/v1 DaemonSet: one pod per eligible node.
import { type FieldError, GoValue, invalid, notSupported, required } from '../../field-errors.ts';
import { age } from '../../printers/age.ts';
import type { KubeObject, ResourceType } from '../../resource-type.ts';
import { validateLabelSelector, validateNonnegativeField } from '../../validation/meta.ts';
import { ensureObject } from './ensure.ts';
import { goDaemonSetUpdateStrategy, goLabelSelector, withGoSelectorValue } from './go-values.ts';
import { intOrPercentValue, isNotMoreThan100Percent, validatePositiveIntOrPercent } from './int-or-percent.ts';
import { defaultTemplate, validateTemplate } from './pod-template.ts';
import { ageColumn, column, containerCells, containersColumn, imagesColumn, int, nameColumn } from './printing.ts';
import { formatLabelSelector, formatLabels, selectorIsEmpty, selectorMatches, selectorToString } from './selector-utils.ts';
import { validateAlwaysRestarts, validateImmutableField } from './workload-validation.ts';

/** SetDefaults_DaemonSet plus the pod template defaults. */
export function defaultDaemonSet(obj: KubeObject): void {
  const spec = ensureObject(obj, 'spec');
  const strategy = ensureObject(spec, 'updateStrategy');
  if (!strategy.type) strategy.type = 'RollingUpdate';
  if (strategy.type === 'RollingUpdate') {
    const rollingUpdate = ensureObject(strategy, 'rollingUpdate');
    rollingUpdate.maxUnavailable ??= 1;
    rollingUpdate.maxSurge ??= 0;
  }
  spec.revisionHistoryLimit ??= 10;
  defaultTemplate(spec);
}

function validateRollingUpdate(rollingUpdate: KubeObject, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const has = (value: unknown) => value !== undefined && value !== null && intOrPercentValue(value) !== 0;
  const hasUnavailable = has(rollingUpdate.maxUnavailable);
  const hasSurge = has(rollingUpdate.maxSurge);
  if (hasUnavailable) {
    errs.push(...validatePositiveIntOrPercent(rollingUpdate.maxUnavailable, `${path}.maxUnavailable`));
    errs.push(...isNotMoreThan100Percent(rollingUpdate.maxUnavailable, `${path}.maxUnavailable`));
  }
  if (hasSurge) {
    errs.push(...validatePositiveIntOrPercent(rollingUpdate.maxSurge, `${path}.maxSurge`));
    errs.push(...isNotMoreThan100Percent(rollingUpdate.maxSurge, `${path}.maxSurge`));
  }
  if (hasUnavailable && hasSurge)
    errs.push(invalid(`${path}.maxSurge`, rollingUpdate.maxSurge, 'may not be set when maxUnavailable is non-zero'));
  if (!hasUnavailable && !hasSurge) errs.push(required(`${path}.maxUnavailable`, 'cannot be 0 when maxSurge is 0'));
  return errs;
}

function validateUpdateStrategy(strategy: KubeObject | undefined, path: string): FieldError[] {
  switch (strategy?.type) {
    case 'OnDelete':
      return [];
    case 'RollingUpdate':
      if (!strategy.rollingUpdate) return [required(`${path}.rollingUpdate`, '')];
      return validateRollingUpdate(strategy.rollingUpdate, `${path}.rollingUpdate`);
    default:
      return [notSupported(path, new GoValue(goDaemonSetUpdateStrategy(strategy)), ['RollingUpdate', 'OnDelete'])];
  }
}

export function validateDaemonSet(obj: KubeObject): FieldError[] {
  const spec = obj.spec ?? {};
  const template = spec.template ?? {};
  const errs: FieldError[] = [...validateLabelSelector(spec.selector, 'spec.selector')];
  if (
    selectorToString(spec.selector) !== undefined &&
    !selectorIsEmpty(spec.selector) &&
    !selectorMatches(spec.selector, template.metadata?.labels)
  ) {
    errs.push(invalid('spec.template.metadata.labels', template.metadata?.labels ?? {}, '`selector` does not match template `labels`'));
  }
  if (selectorIsEmpty(spec.selector)) {
    errs.push(invalid('spec.selector', new GoValue(goLabelSelector(spec.selector)), 'empty selector is invalid for daemonset'));
  }
  errs.push(...validateTemplate(template, 'spec.template'));
  errs.push(...validateAlwaysRestarts(template, 'spec.template', 'DaemonSet', 'invalid'));
  errs.push(...validateNonnegativeField(spec.minReadySeconds, 'spec.minReadySeconds'));
  errs.push(...validateUpdateStrategy(spec.updateStrategy, 'spec.updateStrategy'));
  errs.push(...validateNonnegativeField(spec.revisionHistoryLimit, 'spec.revisionHistoryLimit'));
  return errs;
}

export const daemonSets: ResourceType = {
  group: 'apps',
  version: 'v1',
  kind: 'DaemonSet',
  plural: 'daemonsets',
  singular: 'daemonset',
  namespaced: true,
  shortNames: ['ds'],
  categories: ['all'],
  schema: 'io.k8s.api.apps.v1.DaemonSet',
  subresources: { status: true },
  defaults: defaultDaemonSet,
  validate: validateDaemonSet,
  validateUpdate: (obj, old) =>
    withGoSelectorValue(validateImmutableField(obj.spec?.selector, old.spec?.selector, 'spec.selector'), 'spec.selector'),
  // The four required status counters are not omitempty in Kubernetes, so a new object
  // shows them as 0 (client-side validation of a `get -o yaml` dump checks them).
  prepareForCreate: (obj) => {
    obj.status = { currentNumberScheduled: 0, numberMisscheduled: 0, desiredNumberScheduled: 0, numberReady: 0 };
  },
  table: {
    columns: [
      nameColumn,
      column('Desired', 'integer', 'Nodes that should run the pod.'),
      column('Current', 'integer', 'Nodes running the pod.'),
      column('Ready', 'integer', 'Nodes whose pod is ready.'),
      column('Up-to-date', 'integer', 'Nodes running the current template.'),
      column('Available', 'integer', 'Nodes whose pod is available.'),
      column('Node Selector', 'string', 'Node selector of the pod template.'),
      ageColumn,
      containersColumn,
      imagesColumn,
      column('Selector', 'string', 'Label selector of the pods.', 1),
    ],
    row: (obj, now) => {
      const status = obj.status ?? {};
      const [containers, images] = containerCells(obj.spec?.template?.spec);
      return [
        obj.metadata?.name ?? '',
        int(status.desiredNumberScheduled),
        int(status.currentNumberScheduled),
        int(status.numberReady),
        int(status.updatedNumberScheduled),
        int(status.numberAvailable),
        formatLabels(obj.spec?.template?.spec?.nodeSelector),
        age(obj.metadata?.creationTimestamp, now),
        containers,
        images,
        formatLabelSelector(obj.spec?.selector),
      ];
    },
  },
};

// Validation of HorizontalPodAutoscaler specs in the autoscaling/v2 shape (Kubernetes
// validates its internal form, which is the same), with Kubernetes' paths and messages.
import { type FieldError, forbidden, invalid, notSupported, required } from '../../field-errors.ts';
import { parseQuantity } from '../../quantity.ts';
import type { KubeObject } from '../../resource-type.ts';
import { isDNS1123Label, isValidPathSegmentName } from '../../validation/names.ts';

const MAX_PERIOD_SECONDS = 1800;
const MAX_STABILIZATION_WINDOW_SECONDS = 3600;
const metricSourceTypes = ['ContainerResource', 'External', 'Object', 'Pods', 'Resource'];
/** Metric source type → its field, in the order Kubernetes checks them. */
const sourceFieldOf: Record<string, string> = {
  Object: 'object',
  External: 'external',
  Pods: 'pods',
  Resource: 'resource',
  ContainerResource: 'containerResource',
};
const typeOfField = Object.fromEntries(Object.entries(sourceFieldOf).map(([type, key]) => [key, type]));

/** The sign of a quantity, or undefined when it does not parse. */
function quantitySign(value: unknown): number | undefined {
  try {
    return parseQuantity(value as string | number).sign();
  } catch {
    return undefined;
  }
}

export function validateCrossVersionObjectReference(ref: KubeObject | undefined, path: string): FieldError[] {
  const errs: FieldError[] = [];
  for (const key of ['kind', 'name']) {
    const value = ref?.[key];
    if (!value) errs.push(required(`${path}.${key}`, ''));
    else for (const msg of isValidPathSegmentName(value)) errs.push(invalid(`${path}.${key}`, value, msg));
  }
  return errs;
}

function validateMetricIdentifier(id: KubeObject | undefined, path: string): FieldError[] {
  if (!id?.name) return [required(`${path}.name`, 'must specify a metric name')];
  return isValidPathSegmentName(id.name).map((msg) => invalid(`${path}.name`, id.name, msg));
}

function validateMetricTarget(target: KubeObject | undefined, path: string): FieldError[] {
  const t = target ?? {};
  const errs: FieldError[] = [];
  if (!t.type) errs.push(required(`${path}.type`, 'must specify a metric target type'));
  if (!['Utilization', 'Value', 'AverageValue'].includes(t.type)) {
    errs.push(invalid(`${path}.type`, t.type ?? '', 'must be either Utilization, Value, or AverageValue'));
  }
  if (t.value != null && quantitySign(t.value) !== 1) errs.push(invalid(`${path}.value`, t.value, 'must be positive'));
  if (t.averageValue != null && quantitySign(t.averageValue) !== 1)
    errs.push(invalid(`${path}.averageValue`, t.averageValue, 'must be positive'));
  if (t.averageUtilization != null && t.averageUtilization < 1) {
    errs.push(invalid(`${path}.averageUtilization`, t.averageUtilization, 'must be greater than 0'));
  }
  return errs;
}

function validateUtilizationOrValue(target: KubeObject | undefined, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (target?.averageUtilization == null && target?.averageValue == null) {
    errs.push(required(`${path}.target.averageUtilization`, 'must set either a target raw value or a target utilization'));
  }
  if (target?.averageUtilization != null && target?.averageValue != null) {
    errs.push(forbidden(`${path}.target.averageValue`, 'may not set both a target raw value and a target utilization'));
  }
  return errs;
}

function validateSource(type: string, src: KubeObject, path: string): FieldError[] {
  const errs: FieldError[] = [];
  switch (type) {
    case 'Object':
      errs.push(...validateCrossVersionObjectReference(src.describedObject, `${path}.describedObject`));
      errs.push(...validateMetricIdentifier(src.metric, `${path}.metric`), ...validateMetricTarget(src.target, `${path}.target`));
      if (src.target?.value == null && src.target?.averageValue == null) {
        errs.push(required(`${path}.target.averageValue`, 'must set either a target value or averageValue'));
      }
      break;
    case 'External':
      errs.push(...validateMetricIdentifier(src.metric, `${path}.metric`), ...validateMetricTarget(src.target, `${path}.target`));
      if (src.target?.value == null && src.target?.averageValue == null) {
        errs.push(required(`${path}.target.averageValue`, 'must set either a target value for metric or a per-pod target'));
      }
      if (src.target?.value != null && src.target?.averageValue != null) {
        errs.push(forbidden(`${path}.target.value`, 'may not set both a target value for metric and a per-pod target'));
      }
      break;
    case 'Pods':
      errs.push(...validateMetricIdentifier(src.metric, `${path}.metric`), ...validateMetricTarget(src.target, `${path}.target`));
      if (src.target?.averageValue == null)
        errs.push(required(`${path}.target.averageValue`, 'must specify a positive target averageValue'));
      break;
    case 'Resource':
      if (!src.name) errs.push(required(`${path}.name`, 'must specify a resource name'));
      errs.push(...validateMetricTarget(src.target, `${path}.target`), ...validateUtilizationOrValue(src.target, path));
      break;
    case 'ContainerResource':
      if (!src.name) errs.push(required(`${path}.name`, 'must specify a resource name'));
      if (!src.container) errs.push(required(`${path}.container`, 'must specify a container'));
      else for (const msg of isDNS1123Label(src.container)) errs.push(invalid(`${path}.container`, src.container, msg));
      errs.push(...validateMetricTarget(src.target, `${path}.target`), ...validateUtilizationOrValue(src.target, path));
      break;
  }
  return errs;
}

function validateMetricSpec(metric: KubeObject, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const type = metric?.type ?? '';
  if (!type) errs.push(required(`${path}.type`, 'must specify a metric source type'));
  if (!metricSourceTypes.includes(type)) errs.push(notSupported(`${path}.type`, type, metricSourceTypes));
  const present = Object.values(sourceFieldOf).filter((key) => metric?.[key] != null);
  // Only the first source present is checked in depth, as in Kubernetes.
  if (present.length > 0) errs.push(...validateSource(typeOfField[present[0]], metric[present[0]], `${path}.${present[0]}`));
  const expected = sourceFieldOf[type];
  if (expected && metric?.[expected] == null)
    errs.push(required(`${path}.${expected}`, 'must populate information for the given metric source'));
  for (const key of present) {
    if (key !== expected) errs.push(forbidden(`${path}.${key}`, 'must populate the given metric source only'));
  }
  return errs;
}

function validateScalingRules(rules: KubeObject | undefined, path: string): FieldError[] {
  if (!rules) return [];
  const errs: FieldError[] = [];
  const window = rules.stabilizationWindowSeconds;
  if (window != null && window < 0)
    errs.push(invalid(`${path}.stabilizationWindowSeconds`, window, 'must be greater than or equal to zero'));
  if (window != null && window > MAX_STABILIZATION_WINDOW_SECONDS) {
    errs.push(invalid(`${path}.stabilizationWindowSeconds`, window, `must be less than or equal to ${MAX_STABILIZATION_WINDOW_SECONDS}`));
  }
  if (rules.selectPolicy != null && !['Disabled', 'Max', 'Min'].includes(rules.selectPolicy)) {
    errs.push(notSupported(`${path}.selectPolicy`, rules.selectPolicy, ['Disabled', 'Max', 'Min']));
  }
  const policies: KubeObject[] = Array.isArray(rules.policies) ? rules.policies : [];
  if (policies.length === 0) errs.push(required(`${path}.policies`, 'must specify at least one Policy'));
  policies.forEach((policy, i) => {
    const p = `${path}.policies[${i}]`;
    if (policy?.type !== 'Pods' && policy?.type !== 'Percent')
      errs.push(notSupported(`${p}.type`, policy?.type ?? '', ['Percent', 'Pods']));
    if (!(policy?.value > 0)) errs.push(invalid(`${p}.value`, policy?.value ?? 0, 'must be greater than zero'));
    if (!(policy?.periodSeconds > 0)) errs.push(invalid(`${p}.periodSeconds`, policy?.periodSeconds ?? 0, 'must be greater than zero'));
    if (policy?.periodSeconds > MAX_PERIOD_SECONDS) {
      errs.push(invalid(`${p}.periodSeconds`, policy.periodSeconds, `must be less than or equal to ${MAX_PERIOD_SECONDS}`));
    }
  });
  if (rules.tolerance != null && (quantitySign(rules.tolerance) ?? -1) < 0) {
    errs.push(invalid(`${path}.tolerance`, rules.tolerance, 'must be greater than or equal to 0'));
  }
  return errs;
}

/** validateHorizontalPodAutoscalerSpec for a v2-shaped object. */
export function validateHPAv2(obj: KubeObject): FieldError[] {
  const spec = obj.spec ?? {};
  const errs: FieldError[] = [];
  // Scale-to-zero (HPAScaleToZero) is an alpha feature Hale does not enable.
  if (spec.minReplicas != null && spec.minReplicas < 1)
    errs.push(invalid('spec.minReplicas', spec.minReplicas, 'must be greater than or equal to 1'));
  if (!(spec.maxReplicas >= 1)) errs.push(invalid('spec.maxReplicas', spec.maxReplicas ?? 0, 'must be greater than 0'));
  if (spec.minReplicas != null && spec.maxReplicas < spec.minReplicas) {
    errs.push(invalid('spec.maxReplicas', spec.maxReplicas, 'must be greater than or equal to `minReplicas`'));
  }
  const refErrs = validateCrossVersionObjectReference(spec.scaleTargetRef, 'spec.scaleTargetRef');
  if (refErrs.length > 0) return [...errs, ...refErrs];
  const metrics: KubeObject[] = Array.isArray(spec.metrics) ? spec.metrics : [];
  const metricErrs = metrics.flatMap((m, i) => validateMetricSpec(m, `spec.metrics[${i}]`));
  if (metricErrs.length > 0) return [...errs, ...metricErrs];
  if (spec.behavior) {
    errs.push(...validateScalingRules(spec.behavior.scaleUp, 'spec.behavior.scaleUp'));
    errs.push(...validateScalingRules(spec.behavior.scaleDown, 'spec.behavior.scaleDown'));
  }
  return errs;
}

// Defaults of autoscaling/v2 HorizontalPodAutoscalers (SetDefaults_HorizontalPodAutoscaler):
// one replica minimum, 80% CPU when no metric is given, and full scaling rules whenever a
// behavior is given.
import type { KubeObject } from '../../resource-type.ts';
import { ensureObject } from '../apps/ensure.ts';
import { DEFAULT_CPU_UTILIZATION } from './hpa-conversion.ts';

const scaleUpDefaults = (): KubeObject => ({
  stabilizationWindowSeconds: 0,
  selectPolicy: 'Max',
  policies: [
    { type: 'Pods', value: 4, periodSeconds: 15 },
    { type: 'Percent', value: 100, periodSeconds: 15 },
  ],
});

const scaleDownDefaults = (): KubeObject => ({
  stabilizationWindowSeconds: 300,
  selectPolicy: 'Max',
  policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }],
});

/** The defaults with every field the user did set taken from `given`. */
function mergeRules(given: KubeObject | undefined, defaults: KubeObject): KubeObject {
  if (!given) return defaults;
  const rules = { ...defaults };
  if (given.selectPolicy != null) rules.selectPolicy = given.selectPolicy;
  if (given.stabilizationWindowSeconds != null) rules.stabilizationWindowSeconds = given.stabilizationWindowSeconds;
  if (given.policies != null) rules.policies = given.policies;
  if (given.tolerance != null) rules.tolerance = given.tolerance;
  return rules;
}

export function defaultHPAv2(obj: KubeObject): void {
  const spec = ensureObject(obj, 'spec');
  spec.minReplicas ??= 1;
  if (!Array.isArray(spec.metrics) || spec.metrics.length === 0) {
    spec.metrics = [
      { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: DEFAULT_CPU_UTILIZATION } } },
    ];
  }
  if (spec.behavior) {
    spec.behavior.scaleUp = mergeRules(spec.behavior.scaleUp, scaleUpDefaults());
    spec.behavior.scaleDown = mergeRules(spec.behavior.scaleDown, scaleDownDefaults());
  }
}

/** autoscaling/v1 only defaults minReplicas; the CPU target is filled in by conversion. */
export function defaultHPAv1(obj: KubeObject): void {
  ensureObject(obj, 'spec').minReplicas ??= 1;
}

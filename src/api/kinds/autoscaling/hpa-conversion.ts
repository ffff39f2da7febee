// autoscaling/v1 ⇄ autoscaling/v2 HorizontalPodAutoscaler conversion. v2 is the stored
// form; v1 shows the CPU utilization target as targetCPUUtilizationPercentage and keeps
// everything else it cannot express in annotations, as Kubernetes does, so that a v1
// read-modify-write does not lose v2 metrics, behavior or conditions.
import type { KubeObject } from '../../resource-type.ts';

export const METRIC_SPECS_ANNOTATION = 'autoscaling.alpha.kubernetes.io/metrics';
export const METRIC_STATUSES_ANNOTATION = 'autoscaling.alpha.kubernetes.io/current-metrics';
export const CONDITIONS_ANNOTATION = 'autoscaling.alpha.kubernetes.io/conditions';
export const BEHAVIOR_ANNOTATION = 'autoscaling.alpha.kubernetes.io/behavior';
export const DEFAULT_CPU_UTILIZATION = 80;

const roundTripAnnotations = [METRIC_SPECS_ANNOTATION, METRIC_STATUSES_ANNOTATION, CONDITIONS_ANNOTATION, BEHAVIOR_ANNOTATION];

const cpuUtilization = (percent: number): KubeObject => ({
  type: 'Resource',
  resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: percent } },
});

const isCpuUtilizationTarget = (m: KubeObject): boolean =>
  m?.type === 'Resource' && m.resource?.name === 'cpu' && m.resource?.target?.averageUtilization != null;

/** Drop undefined members so converted objects carry only set fields. */
function compact<T extends KubeObject>(obj: T): T {
  for (const key of Object.keys(obj)) if (obj[key] === undefined) delete obj[key];
  return obj;
}

// ---- metric specs: v2 shape ⇄ the v1 annotation shape (targetAverageValue & co) ------------

function metricSpecToV1(m: KubeObject): KubeObject {
  switch (m.type) {
    case 'Resource':
      return compact({
        type: m.type,
        resource: compact({
          name: m.resource?.name,
          targetAverageUtilization: m.resource?.target?.averageUtilization,
          targetAverageValue: m.resource?.target?.averageValue,
        }),
      });
    case 'ContainerResource':
      return compact({
        type: m.type,
        containerResource: compact({
          name: m.containerResource?.name,
          targetAverageUtilization: m.containerResource?.target?.averageUtilization,
          targetAverageValue: m.containerResource?.target?.averageValue,
          container: m.containerResource?.container,
        }),
      });
    case 'Pods':
      return compact({
        type: m.type,
        pods: compact({
          metricName: m.pods?.metric?.name,
          targetAverageValue: m.pods?.target?.averageValue,
          selector: m.pods?.metric?.selector,
        }),
      });
    case 'Object':
      return compact({
        type: m.type,
        object: compact({
          target: m.object?.describedObject,
          metricName: m.object?.metric?.name,
          targetValue: m.object?.target?.value,
          selector: m.object?.metric?.selector,
          averageValue: m.object?.target?.averageValue,
        }),
      });
    case 'External':
      return compact({
        type: m.type,
        external: compact({
          metricName: m.external?.metric?.name,
          metricSelector: m.external?.metric?.selector,
          targetValue: m.external?.target?.value,
          targetAverageValue: m.external?.target?.averageValue,
        }),
      });
    default:
      return { ...m };
  }
}

function utilizationTarget(utilization: unknown, averageValue: unknown): KubeObject {
  return compact({ type: utilization == null ? 'AverageValue' : 'Utilization', averageUtilization: utilization, averageValue });
}

function metricSpecFromV1(m: KubeObject): KubeObject {
  switch (m.type) {
    case 'Resource':
      return {
        type: m.type,
        resource: {
          name: m.resource?.name,
          target: utilizationTarget(m.resource?.targetAverageUtilization, m.resource?.targetAverageValue),
        },
      };
    case 'ContainerResource':
      return {
        type: m.type,
        containerResource: compact({
          name: m.containerResource?.name,
          target: utilizationTarget(m.containerResource?.targetAverageUtilization, m.containerResource?.targetAverageValue),
          container: m.containerResource?.container,
        }),
      };
    case 'Pods':
      return {
        type: m.type,
        pods: {
          metric: compact({ name: m.pods?.metricName, selector: m.pods?.selector }),
          target: compact({ type: 'AverageValue', averageValue: m.pods?.targetAverageValue }),
        },
      };
    case 'Object': {
      const averageValue = m.object?.averageValue;
      return {
        type: m.type,
        object: compact({
          describedObject: m.object?.target,
          target: compact({ type: averageValue == null ? 'Value' : 'AverageValue', value: m.object?.targetValue, averageValue }),
          metric: compact({ name: m.object?.metricName, selector: m.object?.selector }),
        }),
      };
    }
    case 'External': {
      const value = m.external?.targetValue;
      return {
        type: m.type,
        external: {
          metric: compact({ name: m.external?.metricName, selector: m.external?.metricSelector }),
          target: compact({ type: value == null ? 'AverageValue' : 'Value', value, averageValue: m.external?.targetAverageValue }),
        },
      };
    }
    default:
      return { ...m };
  }
}

// ---- metric statuses -----------------------------------------------------------------------

function metricStatusToV1(m: KubeObject): KubeObject {
  switch (m.type) {
    case 'Resource':
      return compact({
        type: m.type,
        resource: compact({
          name: m.resource?.name,
          currentAverageUtilization: m.resource?.current?.averageUtilization,
          currentAverageValue: m.resource?.current?.averageValue,
        }),
      });
    case 'ContainerResource':
      return compact({
        type: m.type,
        containerResource: compact({
          name: m.containerResource?.name,
          currentAverageUtilization: m.containerResource?.current?.averageUtilization,
          currentAverageValue: m.containerResource?.current?.averageValue,
          container: m.containerResource?.container,
        }),
      });
    case 'Pods':
      return compact({
        type: m.type,
        pods: compact({
          metricName: m.pods?.metric?.name,
          currentAverageValue: m.pods?.current?.averageValue,
          selector: m.pods?.metric?.selector,
        }),
      });
    case 'Object':
      return compact({
        type: m.type,
        object: compact({
          target: m.object?.describedObject,
          metricName: m.object?.metric?.name,
          currentValue: m.object?.current?.value,
          selector: m.object?.metric?.selector,
          averageValue: m.object?.current?.averageValue,
        }),
      });
    case 'External':
      return compact({
        type: m.type,
        external: compact({
          metricName: m.external?.metric?.name,
          metricSelector: m.external?.metric?.selector,
          currentValue: m.external?.current?.value,
          currentAverageValue: m.external?.current?.averageValue,
        }),
      });
    default:
      return { ...m };
  }
}

function metricStatusFromV1(m: KubeObject): KubeObject {
  const current = (averageUtilization: unknown, averageValue: unknown, value?: unknown) =>
    compact({ value, averageValue, averageUtilization });
  switch (m.type) {
    case 'Resource':
      return {
        type: m.type,
        resource: { name: m.resource?.name, current: current(m.resource?.currentAverageUtilization, m.resource?.currentAverageValue) },
      };
    case 'ContainerResource':
      return {
        type: m.type,
        containerResource: compact({
          name: m.containerResource?.name,
          current: current(m.containerResource?.currentAverageUtilization, m.containerResource?.currentAverageValue),
          container: m.containerResource?.container,
        }),
      };
    case 'Pods':
      return {
        type: m.type,
        pods: {
          metric: compact({ name: m.pods?.metricName, selector: m.pods?.selector }),
          current: current(undefined, m.pods?.currentAverageValue),
        },
      };
    case 'Object':
      return {
        type: m.type,
        object: compact({
          metric: compact({ name: m.object?.metricName, selector: m.object?.selector }),
          current: current(undefined, m.object?.averageValue, m.object?.currentValue),
          describedObject: m.object?.target,
        }),
      };
    case 'External':
      return {
        type: m.type,
        external: {
          metric: compact({ name: m.external?.metricName, selector: m.external?.metricSelector }),
          current: current(undefined, m.external?.currentAverageValue, m.external?.currentValue),
        },
      };
    default:
      return { ...m };
  }
}

function parseJsonArray(text: unknown): KubeObject[] | undefined {
  if (typeof text !== 'string') return undefined;
  try {
    const value = JSON.parse(text);
    return Array.isArray(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

function withoutRoundTripAnnotations(annotations: Record<string, string> | undefined): Record<string, string> | undefined {
  if (!annotations) return undefined;
  const rest = { ...annotations };
  for (const key of roundTripAnnotations) delete rest[key];
  return rest;
}

function setMetadataAnnotations(obj: KubeObject, annotations: Record<string, string> | undefined): void {
  if (!obj.metadata) return;
  if (annotations && Object.keys(annotations).length > 0) obj.metadata.annotations = annotations;
  else delete obj.metadata.annotations;
}

/** An autoscaling/v1 HPA in the stored autoscaling/v2 shape. */
export function hpaV1ToV2(v1: KubeObject): KubeObject {
  const spec = v1.spec ?? {};
  const status = v1.status;
  const annotations = v1.metadata?.annotations ?? {};
  const out: KubeObject = { ...v1, apiVersion: 'autoscaling/v2', metadata: structuredClone(v1.metadata ?? {}) };

  let metrics: KubeObject[] = spec.targetCPUUtilizationPercentage != null ? [cpuUtilization(spec.targetCPUUtilizationPercentage)] : [];
  const otherMetrics = parseJsonArray(annotations[METRIC_SPECS_ANNOTATION]);
  if (otherMetrics) metrics = [...otherMetrics.map(metricSpecFromV1), ...metrics];
  // v1 has always meant 80% CPU when nothing is given; v2 states it explicitly.
  if (metrics.length === 0) metrics = [cpuUtilization(DEFAULT_CPU_UTILIZATION)];
  const outSpec: KubeObject = compact({
    scaleTargetRef: spec.scaleTargetRef,
    minReplicas: spec.minReplicas,
    maxReplicas: spec.maxReplicas,
    metrics,
  });
  const behavior = (() => {
    try {
      const parsed = JSON.parse(annotations[BEHAVIOR_ANNOTATION] ?? 'null');
      return parsed && typeof parsed === 'object' && Object.keys(parsed).length > 0 ? parsed : undefined;
    } catch {
      return undefined;
    }
  })();
  if (behavior) outSpec.behavior = behavior;
  out.spec = outSpec;

  if (status) {
    const outStatus: KubeObject = compact({
      observedGeneration: status.observedGeneration,
      lastScaleTime: status.lastScaleTime,
      currentReplicas: status.currentReplicas,
      desiredReplicas: status.desiredReplicas,
    });
    const currentMetrics = parseJsonArray(annotations[METRIC_STATUSES_ANNOTATION]);
    if (currentMetrics) outStatus.currentMetrics = currentMetrics.map(metricStatusFromV1);
    else if (status.currentCPUUtilizationPercentage != null) {
      outStatus.currentMetrics = [
        { type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: status.currentCPUUtilizationPercentage } } },
      ];
    }
    const conditions = parseJsonArray(annotations[CONDITIONS_ANNOTATION]);
    if (conditions) outStatus.conditions = conditions;
    out.status = outStatus;
  }
  setMetadataAnnotations(out, withoutRoundTripAnnotations(out.metadata!.annotations));
  return out;
}

/** A stored autoscaling/v2 HPA as autoscaling/v1 shows it. */
export function hpaV2ToV1(v2: KubeObject): KubeObject {
  const spec = v2.spec ?? {};
  const status = v2.status;
  const out: KubeObject = { ...v2, apiVersion: 'autoscaling/v1', metadata: structuredClone(v2.metadata ?? {}) };
  const annotations: Record<string, string> = withoutRoundTripAnnotations(out.metadata!.annotations) ?? {};

  const metrics: KubeObject[] = Array.isArray(spec.metrics) ? spec.metrics : [];
  const cpu = metrics.find((m) => m?.type === 'Resource' && m.resource?.name === 'cpu');
  out.spec = compact({
    scaleTargetRef: spec.scaleTargetRef,
    minReplicas: spec.minReplicas,
    maxReplicas: spec.maxReplicas,
    targetCPUUtilizationPercentage: cpu?.resource?.target?.averageUtilization ?? undefined,
  });
  const otherMetrics = metrics.filter((m) => !isCpuUtilizationTarget(m)).map(metricSpecToV1);
  if (otherMetrics.length > 0) annotations[METRIC_SPECS_ANNOTATION] = JSON.stringify(otherMetrics);
  if (spec.behavior) annotations[BEHAVIOR_ANNOTATION] = JSON.stringify(spec.behavior);

  if (status) {
    const currentMetrics: KubeObject[] = Array.isArray(status.currentMetrics) ? status.currentMetrics : [];
    const cpuStatus = currentMetrics.find(
      (m) => m?.type === 'Resource' && m.resource?.name === 'cpu' && m.resource?.current?.averageUtilization != null,
    );
    out.status = compact({
      observedGeneration: status.observedGeneration,
      lastScaleTime: status.lastScaleTime,
      currentReplicas: status.currentReplicas ?? 0,
      desiredReplicas: status.desiredReplicas ?? 0,
      currentCPUUtilizationPercentage: cpuStatus?.resource?.current?.averageUtilization,
    });
    // The raw values are kept even for CPU, since v1 shows only the percentage.
    if (currentMetrics.length > 0) annotations[METRIC_STATUSES_ANNOTATION] = JSON.stringify(currentMetrics.map(metricStatusToV1));
    if (Array.isArray(status.conditions) && status.conditions.length > 0)
      annotations[CONDITIONS_ANNOTATION] = JSON.stringify(status.conditions);
  }
  setMetadataAnnotations(out, annotations);
  return out;
}

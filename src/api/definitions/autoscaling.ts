// Schema of the autoscaling group: HorizontalPodAutoscaler in v2 (the stored form) and v1,
// and the autoscaling/v1 Scale used by every scale subresource. Field numbers follow
// k8s.io/api/autoscaling/{v1,v2}/generated.proto.
import { array, int32, int64, item, quantity, ref, string, time } from '../schema/dsl.ts';
import { registerDefinitions } from '../schema/registry.ts';
import type { Definition } from '../schema/types.ts';

const META = 'io.k8s.apimachinery.pkg.apis.meta.v1';
const V1 = 'io.k8s.api.autoscaling.v1';
const V2 = 'io.k8s.api.autoscaling.v2';

function hpa(pkg: string, version: string): Definition {
  return {
    description: 'Scales a workload between limits so that its metrics stay near their targets.',
    gvk: [{ group: 'autoscaling', version, kind: 'HorizontalPodAutoscaler' }],
    fields: {
      apiVersion: string(0, 'Versioned schema of this object; the server may convert to its own.'),
      kind: string(0, 'REST resource this object represents, in CamelCase.'),
      metadata: ref(`${META}.ObjectMeta`, 1, 'Standard object metadata.'),
      spec: ref(`${pkg}.HorizontalPodAutoscalerSpec`, 2, 'What to scale, its limits and its metric targets.'),
      status: ref(`${pkg}.HorizontalPodAutoscalerStatus`, 3, 'Last observed state of the autoscaler.'),
    },
  };
}

function hpaList(pkg: string, version: string): Definition {
  return {
    description: 'A list of HorizontalPodAutoscaler objects.',
    gvk: [{ group: 'autoscaling', version, kind: 'HorizontalPodAutoscalerList' }],
    required: ['items'],
    fields: {
      apiVersion: string(0, 'Versioned schema of this list.'),
      kind: string(0, 'REST resource this list represents.'),
      metadata: ref(`${META}.ListMeta`, 1, 'Standard list metadata.'),
      items: array(item.ref(`${pkg}.HorizontalPodAutoscaler`), 2, 'The autoscalers.'),
    },
  };
}

const crossVersionObjectReference: Definition = {
  description: 'Identifies an object by kind, name and API version.',
  required: ['kind', 'name'],
  fields: {
    kind: string(1, 'Kind of the referent, e.g. Deployment.'),
    name: string(2, 'Name of the referent.'),
    apiVersion: string(3, 'API version of the referent, e.g. apps/v1.'),
  },
};

function hpaCondition(): Definition {
  return {
    description: 'One observed condition of an autoscaler.',
    required: ['type', 'status'],
    fields: {
      type: string(1, 'Kind of condition, e.g. AbleToScale or ScalingActive.'),
      status: string(2, 'True, False or Unknown.'),
      lastTransitionTime: time(3, 'When the status last changed.'),
      reason: string(4, 'Machine-readable cause of the last transition.'),
      message: string(5, 'Human-readable detail of the last transition.'),
      observedGeneration: int64(6, 'Generation the condition was computed from.'),
    },
  };
}

registerDefinitions({
  // ---- autoscaling/v1 --------------------------------------------------------------
  [`${V1}.HorizontalPodAutoscaler`]: hpa(V1, 'v1'),
  [`${V1}.HorizontalPodAutoscalerList`]: hpaList(V1, 'v1'),
  [`${V1}.HorizontalPodAutoscalerSpec`]: {
    description: 'Target, replica limits and CPU target of an autoscaler.',
    required: ['scaleTargetRef', 'maxReplicas'],
    fields: {
      scaleTargetRef: ref(`${V1}.CrossVersionObjectReference`, 1, 'The workload whose scale subresource is driven.'),
      minReplicas: int32(2, 'Lowest replica count; 1 when unset.'),
      maxReplicas: int32(3, 'Highest replica count; not below minReplicas.'),
      targetCPUUtilizationPercentage: int32(4, 'Target average CPU use as a percentage of requests; 80 when unset.'),
    },
  },
  [`${V1}.HorizontalPodAutoscalerStatus`]: {
    description: 'Observed state of an autoscaler.',
    required: ['currentReplicas', 'desiredReplicas'],
    fields: {
      observedGeneration: int64(1, 'Generation last acted on by the autoscaler.'),
      lastScaleTime: time(2, 'When the autoscaler last changed the replica count.'),
      currentReplicas: int32(3, 'Replicas currently running.'),
      desiredReplicas: int32(4, 'Replicas the autoscaler wants.'),
      currentCPUUtilizationPercentage: int32(5, 'Current average CPU use as a percentage of requests.'),
    },
  },
  [`${V1}.CrossVersionObjectReference`]: crossVersionObjectReference,
  [`${V1}.Scale`]: {
    description: 'The desired and observed replica count of a scalable resource.',
    gvk: [{ group: 'autoscaling', version: 'v1', kind: 'Scale' }],
    fields: {
      apiVersion: string(0, 'Versioned schema of this object.'),
      kind: string(0, 'REST resource this object represents.'),
      metadata: ref(`${META}.ObjectMeta`, 1, 'Metadata of the scaled object.'),
      spec: ref(`${V1}.ScaleSpec`, 2, 'Desired scale.'),
      status: ref(`${V1}.ScaleStatus`, 3, 'Observed scale; read-only.'),
    },
  },
  [`${V1}.ScaleSpec`]: {
    description: 'Desired scale.',
    fields: { replicas: int32(1, 'Desired number of instances.') },
  },
  [`${V1}.ScaleStatus`]: {
    description: 'Observed scale.',
    required: ['replicas'],
    fields: {
      replicas: int32(1, 'Observed number of instances.'),
      selector: string(2, 'Label selector of the pods, in query-parameter form.'),
    },
  },

  // ---- autoscaling/v2 --------------------------------------------------------------
  [`${V2}.HorizontalPodAutoscaler`]: hpa(V2, 'v2'),
  [`${V2}.HorizontalPodAutoscalerList`]: hpaList(V2, 'v2'),
  [`${V2}.HorizontalPodAutoscalerSpec`]: {
    description: 'Target, replica limits, metrics and scaling behaviour of an autoscaler.',
    required: ['scaleTargetRef', 'maxReplicas'],
    fields: {
      scaleTargetRef: ref(`${V2}.CrossVersionObjectReference`, 1, 'The workload whose scale subresource is driven.'),
      minReplicas: int32(2, 'Lowest replica count; 1 when unset.'),
      maxReplicas: int32(3, 'Highest replica count; not below minReplicas.'),
      metrics: array(item.ref(`${V2}.MetricSpec`), 4, 'Metrics to track; the largest resulting replica count wins. 80% CPU when unset.', {
        listType: 'atomic',
      }),
      behavior: ref(`${V2}.HorizontalPodAutoscalerBehavior`, 5, 'Scale-up and scale-down rules; defaults when unset.'),
    },
  },
  [`${V2}.HorizontalPodAutoscalerStatus`]: {
    description: 'Observed state of an autoscaler.',
    required: ['desiredReplicas'],
    fields: {
      observedGeneration: int64(1, 'Generation last acted on by the autoscaler.'),
      lastScaleTime: time(2, 'When the autoscaler last changed the replica count.'),
      currentReplicas: int32(3, 'Replicas last seen by the autoscaler.'),
      desiredReplicas: int32(4, 'Replicas last computed by the autoscaler.'),
      currentMetrics: array(item.ref(`${V2}.MetricStatus`), 5, 'Last read values of the metrics.', { listType: 'atomic' }),
      conditions: array(item.ref(`${V2}.HorizontalPodAutoscalerCondition`), 6, 'Whether the autoscaler can scale and why.', {
        patchStrategy: 'merge',
        patchMergeKey: 'type',
        listType: 'map',
        listMapKeys: ['type'],
      }),
    },
  },
  [`${V2}.HorizontalPodAutoscalerCondition`]: hpaCondition(),
  [`${V2}.CrossVersionObjectReference`]: crossVersionObjectReference,
  [`${V2}.HorizontalPodAutoscalerBehavior`]: {
    description: 'Scaling rules for each direction.',
    fields: {
      scaleUp: ref(`${V2}.HPAScalingRules`, 1, 'Rules for scaling up; at most 4 pods or 100% per 15s when unset.'),
      scaleDown: ref(`${V2}.HPAScalingRules`, 2, 'Rules for scaling down; 300s stabilization and 100% per 15s when unset.'),
    },
  },
  [`${V2}.HPAScalingRules`]: {
    description: 'Limits on how fast the replica count may change in one direction.',
    fields: {
      stabilizationWindowSeconds: int32(3, 'Seconds of past recommendations considered (0 to 3600).'),
      selectPolicy: string(1, 'Which policy applies: Max (the default), Min or Disabled.', { enum: ['Disabled', 'Max', 'Min'] }),
      policies: array(item.ref(`${V2}.HPAScalingPolicy`), 2, 'Candidate policies.', { listType: 'atomic' }),
      tolerance: quantity(4, 'Metric ratio change ignored before scaling (beta); the cluster default when unset.'),
    },
  },
  [`${V2}.HPAScalingPolicy`]: {
    description: 'A change allowed within a period.',
    required: ['type', 'value', 'periodSeconds'],
    fields: {
      type: string(1, 'Pods or Percent.', { enum: ['Percent', 'Pods'] }),
      value: int32(2, 'Amount of change allowed; above zero.'),
      periodSeconds: int32(3, 'Length of the window in seconds (1 to 1800).'),
    },
  },
  [`${V2}.MetricSpec`]: {
    description: 'One metric to scale on: a type and the matching source.',
    required: ['type'],
    fields: {
      type: string(1, 'ContainerResource, External, Object, Pods or Resource.', {
        enum: ['ContainerResource', 'External', 'Object', 'Pods', 'Resource'],
      }),
      object: ref(`${V2}.ObjectMetricSource`, 2, 'A metric describing one Kubernetes object.'),
      pods: ref(`${V2}.PodsMetricSource`, 3, 'A metric averaged over the pods of the target.'),
      resource: ref(`${V2}.ResourceMetricSource`, 4, 'A resource (CPU, memory) of the pods of the target.'),
      containerResource: ref(`${V2}.ContainerResourceMetricSource`, 7, 'A resource of one container in each pod.'),
      external: ref(`${V2}.ExternalMetricSource`, 5, 'A metric from outside the cluster.'),
    },
  },
  [`${V2}.MetricStatus`]: {
    description: 'The last read value of one metric.',
    required: ['type'],
    fields: {
      type: string(1, 'ContainerResource, External, Object, Pods or Resource.', {
        enum: ['ContainerResource', 'External', 'Object', 'Pods', 'Resource'],
      }),
      object: ref(`${V2}.ObjectMetricStatus`, 2, 'Value of an object metric.'),
      pods: ref(`${V2}.PodsMetricStatus`, 3, 'Value of a pods metric.'),
      resource: ref(`${V2}.ResourceMetricStatus`, 4, 'Value of a resource metric.'),
      containerResource: ref(`${V2}.ContainerResourceMetricStatus`, 7, 'Value of a container resource metric.'),
      external: ref(`${V2}.ExternalMetricStatus`, 5, 'Value of an external metric.'),
    },
  },
  [`${V2}.MetricTarget`]: {
    description: 'The target of a metric: a value, an average value or an average utilization.',
    required: ['type'],
    fields: {
      type: string(1, 'Utilization, Value or AverageValue.'),
      value: quantity(2, 'Target value.'),
      averageValue: quantity(3, 'Target value averaged over the pods.'),
      averageUtilization: int32(4, 'Target percentage of the requested resource; Resource metrics only.'),
    },
  },
  [`${V2}.MetricValueStatus`]: {
    description: 'The current value of a metric.',
    fields: {
      value: quantity(1, 'Current value.'),
      averageValue: quantity(2, 'Current value averaged over the pods.'),
      averageUtilization: int32(3, 'Current percentage of the requested resource.'),
    },
  },
  [`${V2}.MetricIdentifier`]: {
    description: 'Names a metric and optionally narrows it with a selector.',
    required: ['name'],
    fields: {
      name: string(1, 'Metric name.'),
      selector: ref(`${META}.LabelSelector`, 2, 'Extra labels passed to the metrics server.'),
    },
  },
  [`${V2}.ResourceMetricSource`]: {
    description: 'Scale on a resource of the pods, e.g. CPU.',
    required: ['name', 'target'],
    fields: {
      name: string(1, 'Resource name, e.g. cpu or memory.'),
      target: ref(`${V2}.MetricTarget`, 2, 'Target value.'),
    },
  },
  [`${V2}.ContainerResourceMetricSource`]: {
    description: 'Scale on a resource of one container in each pod.',
    required: ['name', 'target', 'container'],
    fields: {
      name: string(1, 'Resource name, e.g. cpu or memory.'),
      target: ref(`${V2}.MetricTarget`, 2, 'Target value.'),
      container: string(3, 'Container whose usage counts.'),
    },
  },
  [`${V2}.PodsMetricSource`]: {
    description: 'Scale on a custom metric averaged over the pods.',
    required: ['metric', 'target'],
    fields: {
      metric: ref(`${V2}.MetricIdentifier`, 1, 'The metric.'),
      target: ref(`${V2}.MetricTarget`, 2, 'Target value.'),
    },
  },
  [`${V2}.ObjectMetricSource`]: {
    description: 'Scale on a metric of another Kubernetes object.',
    required: ['describedObject', 'target', 'metric'],
    fields: {
      describedObject: ref(`${V2}.CrossVersionObjectReference`, 1, 'The object the metric describes.'),
      target: ref(`${V2}.MetricTarget`, 2, 'Target value.'),
      metric: ref(`${V2}.MetricIdentifier`, 3, 'The metric.'),
    },
  },
  [`${V2}.ExternalMetricSource`]: {
    description: 'Scale on a metric from outside the cluster.',
    required: ['metric', 'target'],
    fields: {
      metric: ref(`${V2}.MetricIdentifier`, 1, 'The metric.'),
      target: ref(`${V2}.MetricTarget`, 2, 'Target value.'),
    },
  },
  [`${V2}.ResourceMetricStatus`]: {
    description: 'Current value of a resource metric.',
    required: ['name', 'current'],
    fields: {
      name: string(1, 'Resource name.'),
      current: ref(`${V2}.MetricValueStatus`, 2, 'Current value.'),
    },
  },
  [`${V2}.ContainerResourceMetricStatus`]: {
    description: 'Current value of a container resource metric.',
    required: ['name', 'current', 'container'],
    fields: {
      name: string(1, 'Resource name.'),
      current: ref(`${V2}.MetricValueStatus`, 2, 'Current value.'),
      container: string(3, 'Container whose usage is reported.'),
    },
  },
  [`${V2}.PodsMetricStatus`]: {
    description: 'Current value of a pods metric.',
    required: ['metric', 'current'],
    fields: {
      metric: ref(`${V2}.MetricIdentifier`, 1, 'The metric.'),
      current: ref(`${V2}.MetricValueStatus`, 2, 'Current value.'),
    },
  },
  [`${V2}.ObjectMetricStatus`]: {
    description: 'Current value of an object metric.',
    required: ['metric', 'current', 'describedObject'],
    fields: {
      metric: ref(`${V2}.MetricIdentifier`, 1, 'The metric.'),
      current: ref(`${V2}.MetricValueStatus`, 2, 'Current value.'),
      describedObject: ref(`${V2}.CrossVersionObjectReference`, 3, 'The object the metric describes.'),
    },
  },
  [`${V2}.ExternalMetricStatus`]: {
    description: 'Current value of an external metric.',
    required: ['metric', 'current'],
    fields: {
      metric: ref(`${V2}.MetricIdentifier`, 1, 'The metric.'),
      current: ref(`${V2}.MetricValueStatus`, 2, 'Current value.'),
    },
  },
});

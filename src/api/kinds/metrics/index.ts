// The metrics.k8s.io/v1beta1 resources, read by `kubectl top`: never stored, the API server
// answers them from its node agents' readings (src/apiserver/resource-metrics.ts).
import '../../definitions/metrics-v1beta1.ts';
import type { ResourceType } from '../../resource-type.ts';

export const METRICS_GROUP = 'metrics.k8s.io';

export const nodeMetrics: ResourceType = {
  group: METRICS_GROUP,
  version: 'v1beta1',
  kind: 'NodeMetrics',
  plural: 'nodes',
  singular: '',
  namespaced: false,
  verbs: ['get', 'list'],
  virtual: true,
  schema: 'io.k8s.metrics.pkg.apis.metrics.v1beta1.NodeMetrics',
};

export const podMetrics: ResourceType = {
  group: METRICS_GROUP,
  version: 'v1beta1',
  kind: 'PodMetrics',
  plural: 'pods',
  singular: '',
  namespaced: true,
  verbs: ['get', 'list'],
  virtual: true,
  schema: 'io.k8s.metrics.pkg.apis.metrics.v1beta1.PodMetrics',
};

export const metricsResources: ResourceType[] = [nodeMetrics, podMetrics];

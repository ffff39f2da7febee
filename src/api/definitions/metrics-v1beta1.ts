// Schema of metrics.k8s.io/v1beta1 NodeMetrics and PodMetrics, what `kubectl top` reads (in
// Kubernetes metrics-server serves them; Hale's API server does, from its agents). Field
// numbers follow k8s.io/metrics/pkg/apis/metrics/v1beta1/generated.proto.
import { array, duration, item, map, ref, string, time } from '../schema/dsl.ts';
import { registerDefinitions } from '../schema/registry.ts';

const META = 'io.k8s.apimachinery.pkg.apis.meta.v1';
const METRICS = 'io.k8s.metrics.pkg.apis.metrics.v1beta1';

registerDefinitions({
  [`${METRICS}.NodeMetrics`]: {
    description: 'Resource usage of a node.',
    gvk: [{ group: 'metrics.k8s.io', version: 'v1beta1', kind: 'NodeMetrics' }],
    fields: {
      apiVersion: string(0, 'Versioned schema of this object.'),
      kind: string(0, 'REST resource this object represents.'),
      metadata: ref(`${META}.ObjectMeta`, 1, 'Standard object metadata.'),
      timestamp: time(2, 'When the usage was measured: the end of the window.'),
      window: duration(3, 'The interval the usage was measured over.'),
      usage: map(item.quantity, 4, 'CPU (cores) and memory (working set) in use.'),
    },
  },
  [`${METRICS}.PodMetrics`]: {
    description: 'Resource usage of a pod, by container.',
    gvk: [{ group: 'metrics.k8s.io', version: 'v1beta1', kind: 'PodMetrics' }],
    fields: {
      apiVersion: string(0, 'Versioned schema of this object.'),
      kind: string(0, 'REST resource this object represents.'),
      metadata: ref(`${META}.ObjectMeta`, 1, 'Standard object metadata.'),
      timestamp: time(2, 'When the usage was measured: the end of the window.'),
      window: duration(3, 'The interval the usage was measured over.'),
      containers: array(item.ref(`${METRICS}.ContainerMetrics`), 4, 'Usage of each container.', { listType: 'atomic' }),
    },
  },
  [`${METRICS}.ContainerMetrics`]: {
    description: 'Resource usage of a container.',
    required: ['name', 'usage'],
    fields: {
      name: string(1, 'Container name.'),
      usage: map(item.quantity, 2, 'CPU (cores) and memory (working set) in use.'),
    },
  },
});

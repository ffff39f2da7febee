// Descriptors of the built-in resources components talk to most, so callers need not
// spell group/version/plural each time.
import type { ResourceDescriptor } from './resource-path.ts';

const core = (plural: string, namespaced = true): ResourceDescriptor => ({ group: '', version: 'v1', plural, namespaced });
const of = (group: string, version: string, plural: string, namespaced = true): ResourceDescriptor => ({
  group,
  version,
  plural,
  namespaced,
});

export const resources = {
  pods: core('pods'),
  nodes: core('nodes', false),
  namespaces: core('namespaces', false),
  services: core('services'),
  endpoints: core('endpoints'),
  configMaps: core('configmaps'),
  secrets: core('secrets'),
  events: core('events'),
  serviceAccounts: core('serviceaccounts'),
  persistentVolumes: core('persistentvolumes', false),
  persistentVolumeClaims: core('persistentvolumeclaims'),
  replicationControllers: core('replicationcontrollers'),
  resourceQuotas: core('resourcequotas'),
  limitRanges: core('limitranges'),
  deployments: of('apps', 'v1', 'deployments'),
  replicaSets: of('apps', 'v1', 'replicasets'),
  statefulSets: of('apps', 'v1', 'statefulsets'),
  daemonSets: of('apps', 'v1', 'daemonsets'),
  controllerRevisions: of('apps', 'v1', 'controllerrevisions'),
  jobs: of('batch', 'v1', 'jobs'),
  cronJobs: of('batch', 'v1', 'cronjobs'),
  leases: of('coordination.k8s.io', 'v1', 'leases'),
  endpointSlices: of('discovery.k8s.io', 'v1', 'endpointslices'),
  horizontalPodAutoscalers: of('autoscaling', 'v2', 'horizontalpodautoscalers'),
  podDisruptionBudgets: of('policy', 'v1', 'poddisruptionbudgets'),
  storageClasses: of('storage.k8s.io', 'v1', 'storageclasses', false),
} as const satisfies Record<string, ResourceDescriptor>;

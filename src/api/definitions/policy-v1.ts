// Schema of the policy/v1 group: PodDisruptionBudget and Eviction (the body POSTed to
// pods/eviction). Field numbers follow k8s.io/api/policy/v1/generated.proto.
import { array, int32, int64, intOrString, item, map, ref, string } from '../schema/dsl.ts';
import { registerDefinitions } from '../schema/registry.ts';

const META = 'io.k8s.apimachinery.pkg.apis.meta.v1';
const POLICY = 'io.k8s.api.policy.v1';

registerDefinitions({
  [`${POLICY}.PodDisruptionBudget`]: {
    description: 'Limits how many pods of a set may be down at once through voluntary disruptions.',
    gvk: [{ group: 'policy', version: 'v1', kind: 'PodDisruptionBudget' }],
    fields: {
      apiVersion: string(0, 'Versioned schema of this object; the server may convert to its own.'),
      kind: string(0, 'REST resource this object represents, in CamelCase.'),
      metadata: ref(`${META}.ObjectMeta`, 1, 'Standard object metadata.'),
      spec: ref(`${POLICY}.PodDisruptionBudgetSpec`, 2, 'Which pods are protected and how much disruption is allowed.'),
      status: ref(`${POLICY}.PodDisruptionBudgetStatus`, 3, 'Observed state of the budget.'),
    },
  },
  [`${POLICY}.PodDisruptionBudgetList`]: {
    description: 'A list of PodDisruptionBudget objects.',
    gvk: [{ group: 'policy', version: 'v1', kind: 'PodDisruptionBudgetList' }],
    required: ['items'],
    fields: {
      apiVersion: string(0, 'Versioned schema of this list.'),
      kind: string(0, 'REST resource this list represents.'),
      metadata: ref(`${META}.ListMeta`, 1, 'Standard list metadata.'),
      items: array(item.ref(`${POLICY}.PodDisruptionBudget`), 2, 'The budgets.'),
    },
  },
  [`${POLICY}.PodDisruptionBudgetSpec`]: {
    description: 'Selected pods and the disruption they may take.',
    fields: {
      minAvailable: intOrString(1, 'Pods (number or percentage) that must stay available after an eviction.'),
      selector: ref(`${META}.LabelSelector`, 2, 'Pods covered by the budget; null selects none, {} selects all.', {
        patchStrategy: 'replace',
      }),
      maxUnavailable: intOrString(3, 'Pods (number or percentage) that may be unavailable after an eviction.'),
      unhealthyPodEvictionPolicy: string(4, 'When unhealthy pods may be evicted: IfHealthyBudget or AlwaysAllow.', {
        enum: ['AlwaysAllow', 'IfHealthyBudget'],
      }),
    },
  },
  [`${POLICY}.PodDisruptionBudgetStatus`]: {
    description: 'Observed state of a PodDisruptionBudget.',
    required: ['disruptionsAllowed', 'currentHealthy', 'desiredHealthy', 'expectedPods'],
    fields: {
      observedGeneration: int64(1, 'Generation the status was computed from.'),
      disruptedPods: map({ type: 'string', format: 'date-time' }, 2, 'Pods evicted but not yet seen deleted, with the eviction time.'),
      disruptionsAllowed: int32(3, 'Evictions allowed right now.'),
      currentHealthy: int32(4, 'Healthy pods now.'),
      desiredHealthy: int32(5, 'Healthy pods required.'),
      expectedPods: int32(6, 'Pods counted by the budget.'),
      conditions: array(item.ref(`${META}.Condition`), 7, 'Conditions such as DisruptionAllowed.', {
        patchStrategy: 'merge',
        patchMergeKey: 'type',
        listType: 'map',
        listMapKeys: ['type'],
      }),
    },
  },
  [`${POLICY}.Eviction`]: {
    description: 'Asks for a pod to be deleted while respecting disruption budgets.',
    gvk: [{ group: 'policy', version: 'v1', kind: 'Eviction' }],
    fields: {
      apiVersion: string(0, 'Versioned schema of this object.'),
      kind: string(0, 'REST resource this object represents.'),
      metadata: ref(`${META}.ObjectMeta`, 1, 'Names the pod to evict.'),
      deleteOptions: ref(`${META}.DeleteOptions`, 2, 'Options for the deletion.'),
    },
  },
});

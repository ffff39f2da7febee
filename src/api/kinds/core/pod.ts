// The core/v1 Pod resource: defaults, validation, create-time status (phase and QoS class),
// field selectors and `kubectl get pods` printing (the pod registry strategy of kube-apiserver).
import '../../definitions/core-v1-pod.ts';
import type { FieldError } from '../../field-errors.ts';
import { forbidden } from '../../field-errors.ts';
import { parseQuantity, type Quantity } from '../../quantity.ts';
import type { KubeObject, ResourceType } from '../../resource-type.ts';
import { defaultPod, fillPodConditionTimes } from './pod-defaults.ts';
import { podTable } from './pod-table.ts';
import { validateEphemeralContainersUpdate, validatePodSpec, validatePodSpecUpdate } from './pod-validation.ts';

type Json = Record<string, any>;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const listOf = (v: unknown): Json[] => (Array.isArray(v) ? v.filter(isObject) : []);

export type QOSClass = 'Guaranteed' | 'Burstable' | 'BestEffort';

/** Positive amounts of cpu and memory in a resource list (the only resources QoS looks at). */
function qosAmounts(list: unknown): Map<string, Quantity> {
  const out = new Map<string, Quantity>();
  if (!isObject(list)) return out;
  for (const name of ['cpu', 'memory']) {
    if (list[name] == null) continue;
    try {
      const q = parseQuantity(list[name]);
      if (q.sign() > 0) out.set(name, q);
    } catch {
      // Invalid quantities are reported by validation; they do not count here.
    }
  }
  return out;
}

function addInto(total: Map<string, Quantity>, amounts: Map<string, Quantity>): void {
  for (const [name, q] of amounts) {
    const sum = total.get(name);
    total.set(name, sum ? sum.add(q) : q);
  }
}

/**
 * The QoS class (GetPodQOS): Guaranteed when every container limits cpu and memory and the pod's
 * requests equal its limits; BestEffort when nothing is requested or limited; Burstable otherwise.
 */
export function podQOSClass(pod: KubeObject): QOSClass {
  const spec: Json = pod.spec ?? {};
  const requests = new Map<string, Quantity>();
  const limits = new Map<string, Quantity>();
  let guaranteed = true;
  for (const container of [...listOf(spec.containers), ...listOf(spec.initContainers)]) {
    const resources: Json = isObject(container.resources) ? container.resources : {};
    const containerLimits = qosAmounts(resources.limits);
    addInto(requests, qosAmounts(resources.requests));
    addInto(limits, containerLimits);
    if (!containerLimits.has('cpu') || !containerLimits.has('memory')) guaranteed = false;
  }
  if (requests.size === 0 && limits.size === 0) return 'BestEffort';
  if (guaranteed) {
    for (const [name, req] of requests) {
      const lim = limits.get(name);
      if (lim?.cmp(req) !== 0) {
        guaranteed = false;
        break;
      }
    }
  }
  return guaranteed && requests.size === limits.size ? 'Guaranteed' : 'Burstable';
}

/** matchLabelKeys / mismatchLabelKeys become In / NotIn requirements on the pod's own label values. */
function applyMatchLabelKeys(term: Json, labels: Record<string, string>): void {
  if (!isObject(term.labelSelector)) return;
  const add = (key: string, operator: 'In' | 'NotIn'): void => {
    if (!(key in labels)) return;
    term.labelSelector.matchExpressions ??= [];
    term.labelSelector.matchExpressions.push({ key, operator, values: [labels[key]] });
  };
  for (const key of Array.isArray(term.matchLabelKeys) ? term.matchLabelKeys : []) add(key, 'In');
  for (const key of Array.isArray(term.mismatchLabelKeys) ? term.mismatchLabelKeys : []) add(key, 'NotIn');
}

function mutatePodAffinity(pod: KubeObject): void {
  const affinity = pod.spec?.affinity;
  if (!isObject(affinity)) return;
  const labels: Record<string, string> = pod.metadata?.labels ?? {};
  for (const kind of ['podAffinity', 'podAntiAffinity']) {
    const rules = affinity[kind];
    if (!isObject(rules)) continue;
    for (const weighted of listOf(rules.preferredDuringSchedulingIgnoredDuringExecution)) {
      if (isObject(weighted.podAffinityTerm)) applyMatchLabelKeys(weighted.podAffinityTerm, labels);
    }
    for (const term of listOf(rules.requiredDuringSchedulingIgnoredDuringExecution)) applyMatchLabelKeys(term, labels);
  }
}

/** What the pod strategy does on create: a fresh Pending status, plus the scheduling-gated condition. */
export function preparePodForCreate(pod: KubeObject): void {
  pod.status = { phase: 'Pending', qosClass: podQOSClass(pod) };
  if (listOf(pod.spec?.schedulingGates).length > 0) {
    pod.status.conditions = [
      {
        type: 'PodScheduled',
        status: 'False',
        reason: 'SchedulingGated',
        message: 'Scheduling is blocked due to non-empty scheduling gates',
      },
    ];
  }
  mutatePodAffinity(pod);
}

export function validatePod(pod: KubeObject): FieldError[] {
  const errs = validatePodSpec(pod.spec, 'spec', { isPod: true });
  // Ephemeral containers only arrive through their subresource. A stored pod always has a
  // resourceVersion, so its absence marks a create (validate() also runs on updates).
  if (!pod.metadata?.resourceVersion && listOf(pod.spec?.ephemeralContainers).length > 0) {
    errs.push(forbidden('spec.ephemeralContainers', 'cannot be set on create'));
  }
  return errs;
}

export function podSelectableFields(pod: KubeObject): Record<string, string> {
  const spec: Json = pod.spec ?? {};
  const status: Json = pod.status ?? {};
  return {
    'spec.nodeName': spec.nodeName ?? '',
    'spec.restartPolicy': spec.restartPolicy ?? '',
    'spec.schedulerName': spec.schedulerName ?? '',
    'spec.serviceAccountName': spec.serviceAccountName ?? '',
    'spec.hostNetwork': String(spec.hostNetwork === true),
    'status.phase': status.phase ?? '',
    'status.podIP': listOf(status.podIPs)[0]?.ip ?? '',
    'status.nominatedNodeName': status.nominatedNodeName ?? '',
  };
}

export const podResource: ResourceType = {
  group: '',
  version: 'v1',
  kind: 'Pod',
  plural: 'pods',
  singular: 'pod',
  namespaced: true,
  shortNames: ['po'],
  categories: ['all'],
  schema: 'io.k8s.api.core.v1.Pod',
  subresources: { status: true, ephemeralContainers: true },
  defaults: defaultPod,
  normalize: fillPodConditionTimes,
  validate: validatePod,
  validateUpdate: (pod, old) => validatePodSpecUpdate(pod.spec, old.spec, 'spec'),
  validateEphemeralContainersUpdate: (pod, old) => validateEphemeralContainersUpdate(pod.spec, old.spec),
  prepareForCreate: preparePodForCreate,
  selectableFields: podSelectableFields,
  table: podTable,
};

// What the Endpoints and EndpointSlice controllers share: which pods back a Service, how a
// Service port maps to a port on each pod (numeric or named targetPort, as Kubernetes'
// podutil.FindPort), whether a pod is ready, serving or terminating, and its DNS hostname.
import type { KubeObject } from '../../api/resource-type.ts';
import { labelSelectorFromSet } from '../../api/selectors/label-selector.ts';
import type { Informer } from '../../client/informer.ts';
import { sameContent } from '../job/api-object.ts';

/**
 * Whether the Service selects pods. `selector: {}` counts as none, as in Kubernetes, which stores
 * an empty selector as nil (Hale's API server drops it too; this covers Services stored before).
 */
export function hasSelector(svc: KubeObject): boolean {
  const selector = svc.spec?.selector;
  return selector != null && typeof selector === 'object' && Object.keys(selector).length > 0;
}

/** Services the controllers manage: with a selector, and not ExternalName. */
export function managesEndpoints(svc: KubeObject): boolean {
  return hasSelector(svc) && svc.spec?.type !== 'ExternalName';
}

export function podIP(pod: KubeObject): string | undefined {
  return pod.status?.podIP || pod.status?.podIPs?.[0]?.ip || undefined;
}

export function isPodReady(pod: KubeObject): boolean {
  const conditions: { type: string; status: string }[] = pod.status?.conditions ?? [];
  return conditions.some((c) => c.type === 'Ready' && c.status === 'True');
}

export const isTerminating = (pod: KubeObject): boolean => Boolean(pod.metadata?.deletionTimestamp);

/** ShouldPodBeInEndpoints: has an IP, is not finished, and (unless included) is not terminating. */
export function shouldPodBeInEndpoints(pod: KubeObject, includeTerminating: boolean): boolean {
  const phase = pod.status?.phase;
  if (phase === 'Succeeded' || phase === 'Failed') return false;
  if (!podIP(pod)) return false;
  return includeTerminating || !isTerminating(pod);
}

/** The pods in the Service's namespace its selector picks. */
export function selectedPods(pods: Informer, svc: KubeObject): KubeObject[] {
  const matcher = labelSelectorFromSet(svc.spec?.selector);
  return pods.list(svc.metadata?.namespace).filter((pod) => matcher.matches(pod.metadata?.labels ?? {}));
}

/** Services of the pod's namespace whose selector picks it (for event routing). */
export function servicesSelecting(services: Informer, pod: KubeObject): KubeObject[] {
  return services
    .list(pod.metadata?.namespace)
    .filter((svc) => managesEndpoints(svc) && labelSelectorFromSet(svc.spec.selector).matches(pod.metadata?.labels ?? {}));
}

/** podutil.FindPort: the pod's port for a Service port's targetPort, or undefined when the pod has no such named port. */
export function resolveTargetPort(svcPort: Record<string, any>, pod: KubeObject): number | undefined {
  const target = svcPort.targetPort ?? svcPort.port;
  if (typeof target === 'number') return target;
  if (typeof target === 'string' && /^\d+$/.test(target)) return Number(target);
  const protocol = svcPort.protocol ?? 'TCP';
  for (const c of pod.spec?.containers ?? []) {
    for (const p of c.ports ?? []) if (p.name === target && (p.protocol ?? 'TCP') === protocol) return p.containerPort;
  }
  return undefined;
}

/** The pod's DNS hostname in a headless Service whose name is the pod's subdomain. */
export function endpointHostname(pod: KubeObject, svc: KubeObject): string | undefined {
  const headless = svc.spec?.clusterIP === 'None';
  if (!headless || !pod.spec?.hostname || pod.spec?.subdomain !== svc.metadata?.name) return undefined;
  return pod.metadata?.namespace === svc.metadata?.namespace ? pod.spec.hostname : undefined;
}

export function podTargetRef(pod: KubeObject): Record<string, string> {
  const m = pod.metadata ?? {};
  return { kind: 'Pod', namespace: m.namespace, name: m.name, uid: m.uid };
}

/** Labels both controllers copy from the Service onto what they write. */
export function inheritedLabels(svc: KubeObject): Record<string, string> {
  const labels: Record<string, string> = { ...(svc.metadata?.labels ?? {}) };
  if (svc.spec?.clusterIP === 'None') labels['service.kubernetes.io/headless'] = '';
  return labels;
}

/**
 * Routes Service and pod events to the Service's key: a Service itself, and every Service
 * selecting a pod that came, changed or went (also the Services its old labels selected).
 */
export function enqueueServicesOnChange(services: Informer, pods: Informer, enqueue: (svc: KubeObject) => void): void {
  services.addEventHandler({ onAdd: enqueue, onUpdate: (_o, svc) => enqueue(svc), onDelete: enqueue });
  const enqueueFor = (pod: KubeObject) => {
    for (const svc of servicesSelecting(services, pod)) enqueue(svc);
  };
  pods.addEventHandler({
    onAdd: enqueueFor,
    onUpdate: (old, pod) => {
      enqueueFor(pod);
      if (!sameContent(old.metadata?.labels, pod.metadata?.labels)) enqueueFor(old);
    },
    onDelete: enqueueFor,
  });
}

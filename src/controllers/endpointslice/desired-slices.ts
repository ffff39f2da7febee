// The EndpointSlices a Service should have (Kubernetes' endpointslice reconciler, simplified
// but with the same results): one endpoint per pod with an IP, terminating pods included
// with their conditions, endpoints grouped by their resolved port list, at most 100 per
// slice. Planning keeps each endpoint in the slice it is already in and fills slices with
// room before creating new ones, so a pod changing state rewrites one slice, not all.
import type { KubeObject } from '../../api/resource-type.ts';
import { compareIPs } from '../endpoints/desired-endpoints.ts';
import {
  endpointHostname,
  inheritedLabels,
  isPodReady,
  isTerminating,
  podIP,
  podTargetRef,
  resolveTargetPort,
  shouldPodBeInEndpoints,
} from '../endpoints/service-pods.ts';
import { sameContent } from '../job/api-object.ts';

export const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';
export const MANAGED_BY_LABEL = 'endpointslice.kubernetes.io/managed-by';
export const CONTROLLER_NAME = 'endpointslice-controller.k8s.io';
export const MAX_ENDPOINTS_PER_SLICE = 100;
export const ZONE_LABEL = 'topology.kubernetes.io/zone';

export interface EndpointGroup {
  ports: KubeObject[];
  endpoints: KubeObject[];
}

/** podToEndpoint for every pod that belongs in the Service's slices, grouped by port list. */
export function desiredEndpointGroups(
  svc: KubeObject,
  pods: KubeObject[],
  zoneOf: (nodeName: string) => string | undefined,
): Map<string, EndpointGroup> {
  const groups = new Map<string, EndpointGroup>();
  const publishNotReady = svc.spec?.publishNotReadyAddresses === true;
  const svcPorts: Record<string, any>[] = svc.spec?.ports ?? [];
  const sorted = [...pods].sort((a, b) => compareIPs(podIP(a) ?? '', podIP(b) ?? ''));
  for (const pod of sorted) {
    if (!shouldPodBeInEndpoints(pod, true)) continue;
    const ports: KubeObject[] = [];
    for (const sp of svcPorts) {
      const port = resolveTargetPort(sp, pod);
      if (port === undefined) continue;
      const p: KubeObject = { name: sp.name ?? '', port, protocol: sp.protocol ?? 'TCP' };
      if (sp.appProtocol) p.appProtocol = sp.appProtocol;
      ports.push(p);
    }
    // A pod none of whose ports resolve is still an endpoint, in a slice without ports (as in
    // Kubernetes): the proxy has no port for it, but headless DNS names it.
    const serving = isPodReady(pod);
    const terminating = isTerminating(pod);
    const endpoint: KubeObject = {
      addresses: [podIP(pod)],
      // "ready" is never true for a terminating pod unless the Service publishes not-ready addresses.
      conditions: { ready: publishNotReady || (serving && !terminating), serving, terminating },
    };
    const hostname = endpointHostname(pod, svc);
    if (hostname) endpoint.hostname = hostname;
    endpoint.targetRef = podTargetRef(pod);
    const nodeName: string | undefined = pod.spec?.nodeName;
    if (nodeName) {
      endpoint.nodeName = nodeName;
      const zone = zoneOf(nodeName);
      if (zone) endpoint.zone = zone;
    }
    const signature = portSignature(ports);
    const group = groups.get(signature) ?? { ports, endpoints: [] };
    groups.set(signature, group);
    group.endpoints.push(endpoint);
  }
  return groups;
}

export function portSignature(ports: KubeObject[] | undefined): string {
  const normalized = (ports ?? []).map((p) => [p.name ?? '', p.port ?? 0, p.protocol ?? 'TCP', p.appProtocol ?? '']);
  return JSON.stringify(normalized.sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1)));
}

export function sliceLabels(svc: KubeObject): Record<string, string> {
  const labels = inheritedLabels(svc);
  delete labels[SERVICE_NAME_LABEL];
  return { ...labels, [SERVICE_NAME_LABEL]: svc.metadata?.name, [MANAGED_BY_LABEL]: CONTROLLER_NAME };
}

export interface SlicePlan {
  create: KubeObject[];
  update: KubeObject[];
  delete: KubeObject[];
}

/** Who the slices belong to: the metadata every slice of the set carries. */
export interface SliceOwner {
  namespace: string;
  generateName: string;
  labels: Record<string, string>;
  ownerReferences: KubeObject[];
}

/** The slices of a Service with a selector, written by this controller. */
export function serviceSliceOwner(svc: KubeObject): SliceOwner {
  const meta = svc.metadata ?? {};
  return {
    namespace: meta.namespace,
    generateName: `${meta.name}-`,
    labels: sliceLabels(svc),
    ownerReferences: [{ apiVersion: 'v1', kind: 'Service', name: meta.name, uid: meta.uid, controller: true, blockOwnerDeletion: true }],
  };
}

const endpointKey = (ep: KubeObject) => String(ep.addresses?.[0] ?? '');

/** Turns the existing slices of an owner into the desired ones with the fewest writes. */
export function planSlices(
  owner: SliceOwner,
  groups: Map<string, EndpointGroup>,
  existing: KubeObject[],
  maxPerSlice = MAX_ENDPOINTS_PER_SLICE,
): SlicePlan {
  const plan: SlicePlan = { create: [], update: [], delete: [] };
  const { labels } = owner;
  const newSlice = (ports: KubeObject[], endpoints: KubeObject[]): KubeObject => ({
    metadata: { generateName: owner.generateName, namespace: owner.namespace, labels, ownerReferences: owner.ownerReferences },
    addressType: 'IPv4',
    endpoints,
    ports,
  });
  const changed = (slice: KubeObject, endpoints: KubeObject[], ports: KubeObject[]) =>
    !sameContent(slice.endpoints ?? [], endpoints) ||
    !sameContent(slice.ports ?? [], ports) ||
    !sameContent(slice.metadata?.labels ?? {}, labels);
  const updated = (slice: KubeObject, endpoints: KubeObject[], ports: KubeObject[]) => ({
    ...structuredClone(slice),
    metadata: { ...structuredClone(slice.metadata), labels },
    endpoints,
    ports,
  });

  const totalEndpoints = [...groups.values()].reduce((n, g) => n + g.endpoints.length, 0);
  if (totalEndpoints === 0) {
    // Like Kubernetes, a Service without endpoints keeps one empty placeholder slice.
    const [keep, ...rest] = existing;
    if (!keep) plan.create.push(newSlice([], []));
    else if (changed(keep, [], [])) plan.update.push(updated(keep, [], []));
    plan.delete.push(...rest);
    return plan;
  }

  const bySignature = new Map<string, KubeObject[]>();
  for (const slice of existing) {
    const sig = portSignature(slice.ports);
    if (!groups.has(sig) || (slice.endpoints ?? []).length === 0) {
      plan.delete.push(slice);
      continue;
    }
    bySignature.set(sig, [...(bySignature.get(sig) ?? []), slice]);
  }
  for (const [sig, group] of groups) {
    const remaining = new Map(group.endpoints.map((ep) => [endpointKey(ep), ep]));
    const slices = (bySignature.get(sig) ?? []).map((slice) => {
      // Endpoints stay in the slice that has them, updated to their desired state.
      const kept: KubeObject[] = [];
      for (const ep of slice.endpoints ?? []) {
        const want = remaining.get(endpointKey(ep));
        if (want && kept.length < maxPerSlice) {
          kept.push(want);
          remaining.delete(endpointKey(ep));
        }
      }
      return { slice, endpoints: kept };
    });
    const rest = [...remaining.values()];
    for (const s of slices) while (rest.length && s.endpoints.length < maxPerSlice) s.endpoints.push(rest.shift()!);
    for (const s of slices) {
      if (s.endpoints.length === 0) plan.delete.push(s.slice);
      else if (changed(s.slice, s.endpoints, group.ports)) plan.update.push(updated(s.slice, s.endpoints, group.ports));
    }
    while (rest.length) plan.create.push(newSlice(group.ports, rest.splice(0, maxPerSlice)));
  }
  return plan;
}

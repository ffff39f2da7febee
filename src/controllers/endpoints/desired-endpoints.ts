// The core/v1 Endpoints a Service should have (Kubernetes' endpoints controller, syncService):
// one address per pod with an IP, ready pods under `addresses` and the rest under
// `notReadyAddresses` (all under `addresses` with publishNotReadyAddresses), terminating
// pods left out, and addresses grouped into subsets by their port list (RepackSubsets).
import type { KubeObject } from '../../api/resource-type.ts';
import { endpointHostname, isPodReady, podIP, podTargetRef, resolveTargetPort, shouldPodBeInEndpoints } from './service-pods.ts';

/** Kubernetes truncates Endpoints beyond this many addresses (EndpointSlices have no such cap). */
export const MAX_ENDPOINT_ADDRESSES = 1000;
export const OVER_CAPACITY_ANNOTATION = 'endpoints.kubernetes.io/over-capacity';

interface Subset {
  addresses?: KubeObject[];
  notReadyAddresses?: KubeObject[];
  ports?: KubeObject[];
}

export interface DesiredEndpoints {
  subsets: Subset[];
  truncated: boolean;
}

export function desiredEndpoints(svc: KubeObject, pods: KubeObject[]): DesiredEndpoints {
  const publishNotReady = svc.spec?.publishNotReadyAddresses === true;
  const svcPorts: Record<string, any>[] = svc.spec?.ports ?? [];
  const headlessWithoutPorts = svc.spec?.clusterIP === 'None' && svcPorts.length === 0;
  const bySignature = new Map<string, Subset>();
  let total = 0;
  const sorted = [...pods].sort((a, b) => compareIPs(podIP(a) ?? '', podIP(b) ?? ''));
  for (const pod of sorted) {
    if (!shouldPodBeInEndpoints(pod, publishNotReady)) continue;
    const address: KubeObject = { ip: podIP(pod) };
    const hostname = endpointHostname(pod, svc);
    if (hostname) address.hostname = hostname;
    if (pod.spec?.nodeName) address.nodeName = pod.spec.nodeName;
    address.targetRef = podTargetRef(pod);
    const ports: KubeObject[] = [];
    for (const sp of svcPorts) {
      const port = resolveTargetPort(sp, pod);
      if (port === undefined) continue;
      const ep: KubeObject = { port, protocol: sp.protocol ?? 'TCP' };
      if (sp.name) ep.name = sp.name;
      if (sp.appProtocol) ep.appProtocol = sp.appProtocol;
      ports.push(ep);
    }
    // A pod that has none of the Service's ports serves nothing (unless the Service has no ports).
    if (ports.length === 0 && !headlessWithoutPorts) continue;
    if (total >= MAX_ENDPOINT_ADDRESSES) return { subsets: [...bySignature.values()], truncated: true };
    total++;
    const signature = JSON.stringify(ports);
    let subset = bySignature.get(signature);
    if (!subset) {
      subset = ports.length ? { ports } : {};
      bySignature.set(signature, subset);
    }
    const list = publishNotReady || isPodReady(pod) ? 'addresses' : 'notReadyAddresses';
    subset[list] = [...(subset[list] ?? []), address];
  }
  return { subsets: [...bySignature.values()], truncated: false };
}

/** Numeric order of dotted IPv4 addresses (others by text), so subsets read in a stable order. */
export function compareIPs(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  if (pa.length === 4 && pb.length === 4 && [...pa, ...pb].every(Number.isInteger)) {
    for (let i = 0; i < 4; i++) if (pa[i] !== pb[i]) return pa[i] - pb[i];
    return 0;
  }
  return a < b ? -1 : a > b ? 1 : 0;
}

// What the proxy should do, computed from informer data alone: for every port of every
// Service, the virtual addresses it answers on (ClusterIPs, the NodePort, LoadBalancer
// ingress IPs) and the weighted endpoints behind each. Both proxy modes (nftables and
// userspace) apply this same table, so their semantics cannot drift apart.

import type { Pod, Service } from 'kubernetes-types/core/v1.js';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import type { Labels } from '../api/selectors/label-selector.ts';
import { endpointWeights, parseTrafficWeights, TRAFFIC_WEIGHTS_ANNOTATION } from './traffic-weights.ts';

export type ProxyProtocol = 'TCP' | 'UDP';

export interface ProxyEndpoint {
  ip: string;
  port: number;
  /** Relative share of new connections; the weights of one list sum to 1. */
  weight: number;
  /** Runs on this proxy's node. */
  local: boolean;
}

export interface ProxyServicePort {
  /** namespace/name:portName (or :port when unnamed); stable across syncs. */
  id: string;
  namespace: string;
  serviceName: string;
  protocol: ProxyProtocol;
  clusterIPs: string[];
  port: number;
  nodePort?: number;
  loadBalancerIPs: string[];
  /** Set when sessionAffinity is ClientIP. */
  affinityTimeoutSeconds?: number;
  /** For traffic to a ClusterIP (internalTrafficPolicy applied). */
  clusterEndpoints: ProxyEndpoint[];
  /** For traffic to the NodePort and LoadBalancer addresses (externalTrafficPolicy applied). */
  externalEndpoints: ProxyEndpoint[];
  /** externalTrafficPolicy: Local keeps the client's source address (no masquerade). */
  externalLocal: boolean;
}

export interface ServiceTableProblem {
  service: Service;
  reason: string;
  message: string;
}

export interface ServiceTable {
  ports: ProxyServicePort[];
  problems: ServiceTableProblem[];
}

export interface ServiceTableInput {
  nodeName: string;
  services: readonly Service[];
  slices: readonly EndpointSlice[];
  /** Looks up a pod's labels for canary weights (namespace, name). */
  podLabels(namespace: string, name: string): Labels;
}

const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';
const DEFAULT_AFFINITY_SECONDS = 10800;

interface Candidate {
  ip: string;
  port: number;
  ready: boolean;
  serving: boolean;
  terminating: boolean;
  local: boolean;
  labels: Labels;
}

export function buildServiceTable(input: ServiceTableInput): ServiceTable {
  const slicesByService = new Map<string, EndpointSlice[]>();
  for (const slice of input.slices) {
    const svc = slice.metadata?.labels?.[SERVICE_NAME_LABEL];
    if (!svc || (slice.addressType && slice.addressType !== 'IPv4')) continue;
    const key = `${slice.metadata?.namespace}/${svc}`;
    const list = slicesByService.get(key) ?? [];
    list.push(slice);
    slicesByService.set(key, list);
  }

  const ports: ProxyServicePort[] = [];
  const problems: ServiceTableProblem[] = [];
  for (const service of input.services) {
    const spec = service.spec;
    if (!spec || spec.type === 'ExternalName') continue;
    const namespace = service.metadata?.namespace ?? 'default';
    const serviceName = service.metadata?.name ?? '';
    const weights = parseTrafficWeights(service.metadata?.annotations?.[TRAFFIC_WEIGHTS_ANNOTATION]);
    if (!weights.ok) {
      problems.push({
        service,
        reason: 'InvalidTrafficWeights',
        message: `annotation ${TRAFFIC_WEIGHTS_ANNOTATION} ${weights.error}; sending traffic to all endpoints equally`,
      });
    }
    const subsets = weights.ok ? weights.subsets : [];
    const clusterIPs = (spec.clusterIPs?.length ? spec.clusterIPs : [spec.clusterIP]).filter(
      (ip): ip is string => !!ip && ip !== 'None' && isIPv4(ip),
    );
    const loadBalancerIPs =
      spec.type === 'LoadBalancer'
        ? (service.status?.loadBalancer?.ingress ?? []).map((i) => i.ip).filter((ip): ip is string => !!ip && isIPv4(ip))
        : [];
    const slices = slicesByService.get(`${namespace}/${serviceName}`) ?? [];
    const affinityTimeoutSeconds =
      spec.sessionAffinity === 'ClientIP' ? (spec.sessionAffinityConfig?.clientIP?.timeoutSeconds ?? DEFAULT_AFFINITY_SECONDS) : undefined;
    const externalLocal = spec.externalTrafficPolicy === 'Local';
    const internalLocal = spec.internalTrafficPolicy === 'Local';

    for (const port of spec.ports ?? []) {
      const protocol = (port.protocol ?? 'TCP') as string;
      if (protocol !== 'TCP' && protocol !== 'UDP') continue;
      const nodePort = spec.type === 'NodePort' || spec.type === 'LoadBalancer' ? port.nodePort : undefined;
      if (clusterIPs.length === 0 && !nodePort && loadBalancerIPs.length === 0) continue;
      const candidates = candidatesFor(slices, port.name ?? '', protocol, input);
      const usable = usableEndpoints(candidates);
      const weighted = (list: Candidate[]): ProxyEndpoint[] => {
        const w = endpointWeights(
          subsets,
          list.map((c) => c.labels),
        );
        return list.map((c, i) => ({ ip: c.ip, port: c.port, weight: w[i], local: c.local }));
      };
      ports.push({
        id: `${namespace}/${serviceName}:${port.name || port.port}`,
        namespace,
        serviceName,
        protocol,
        clusterIPs,
        port: port.port,
        ...(nodePort ? { nodePort } : {}),
        loadBalancerIPs,
        ...(affinityTimeoutSeconds !== undefined ? { affinityTimeoutSeconds } : {}),
        clusterEndpoints: weighted(internalLocal ? usable.filter((c) => c.local) : usable),
        externalEndpoints: weighted(externalLocal ? usable.filter((c) => c.local) : usable),
        externalLocal,
      });
    }
  }
  ports.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : a.protocol < b.protocol ? -1 : 1));
  return { ports, problems };
}

/** Ready endpoints; when none is ready, the ones still serving while terminating. */
function usableEndpoints(candidates: Candidate[]): Candidate[] {
  const ready = candidates.filter((c) => c.ready);
  if (ready.length > 0) return ready;
  return candidates.filter((c) => c.serving && c.terminating);
}

function candidatesFor(slices: EndpointSlice[], portName: string, protocol: string, input: ServiceTableInput): Candidate[] {
  const seen = new Set<string>();
  const out: Candidate[] = [];
  for (const slice of slices) {
    const slicePort = (slice.ports ?? []).find((p) => (p.name ?? '') === portName && (p.protocol ?? 'TCP') === protocol);
    if (!slicePort?.port) continue;
    for (const ep of slice.endpoints ?? []) {
      const ip = ep.addresses?.[0];
      if (!ip || !isIPv4(ip)) continue;
      const key = `${ip}:${slicePort.port}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const conditions = ep.conditions ?? {};
      // Kubernetes: a nil ready means ready; serving defaults to ready.
      const ready = conditions.ready ?? true;
      const ref = ep.targetRef;
      out.push({
        ip,
        port: slicePort.port,
        ready: ready && !conditions.terminating,
        serving: conditions.serving ?? ready,
        terminating: conditions.terminating ?? false,
        local: ep.nodeName === input.nodeName,
        labels: ref?.kind === 'Pod' && ref.name ? input.podLabels(ref.namespace ?? slice.metadata?.namespace ?? 'default', ref.name) : {},
      });
    }
  }
  return out;
}

export function isIPv4(ip: string): boolean {
  return /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.test(ip) && ip.split('.').every((o) => Number(o) <= 255);
}

/** The labels of a cached pod, for ServiceTableInput.podLabels. */
export function podLabelsFrom(getPod: (namespace: string, name: string) => Pod | undefined) {
  return (namespace: string, name: string): Labels => getPod(namespace, name)?.metadata?.labels ?? {};
}

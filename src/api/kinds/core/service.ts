// core/v1 Service: defaults and validation from pkg/apis/core (SetDefaults_Service,
// ValidateService), and the `kubectl get svc` columns. ClusterIP and node-port allocation
// belong to the apiserver's allocator hook, not to this file.
import { duplicate, type FieldError, forbidden, invalid, notSupported, required } from '../../field-errors.ts';
import { age } from '../../printers/age.ts';
import type { KubeObject, ResourceType } from '../../resource-type.ts';
import { nameIsDNS1035Label, validateLabels } from '../../validation/meta.ts';
import {
  isDNS1123Label,
  isDNS1123Subdomain,
  isQualifiedName,
  isValidCIDR,
  isValidIP,
  isValidPortName,
  isValidPortNum,
} from '../../validation/names.ts';
import { ageColumn, column, formatLabels, nameColumn } from './print-helpers.ts';
import { isObject } from './validation-helpers.ts';
import '../../definitions/core-v1.ts';

const SERVICE_TYPES = ['ClusterIP', 'ExternalName', 'LoadBalancer', 'NodePort'];
const PROTOCOLS = ['SCTP', 'TCP', 'UDP'];
const SESSION_AFFINITIES = ['ClientIP', 'None'];
const TRAFFIC_POLICIES = ['Cluster', 'Local'];
const IP_FAMILY_POLICIES = ['PreferDualStack', 'RequireDualStack', 'SingleStack'];
const IP_FAMILIES = ['IPv4', 'IPv6'];
const DEFAULT_CLIENT_IP_TIMEOUT = 10800;
const MAX_CLIENT_IP_TIMEOUT = 86400;

const needsNodePorts = (type: string | undefined): boolean => type === 'NodePort' || type === 'LoadBalancer';
const needsClusterIP = (type: string | undefined): boolean => type !== 'ExternalName';
const externallyAccessible = (svc: KubeObject): boolean =>
  needsNodePorts(svc.spec?.type) || (svc.spec?.type === 'ClusterIP' && (svc.spec?.externalIPs?.length ?? 0) > 0);

function defaults(svc: KubeObject): void {
  svc.spec ??= {};
  const spec = svc.spec;
  spec.sessionAffinity ||= 'None';
  if (spec.sessionAffinity === 'None') delete spec.sessionAffinityConfig;
  if (spec.sessionAffinity === 'ClientIP' && spec.sessionAffinityConfig?.clientIP?.timeoutSeconds == null) {
    spec.sessionAffinityConfig = { clientIP: { timeoutSeconds: DEFAULT_CLIENT_IP_TIMEOUT } };
  }
  spec.type ||= 'ClusterIP';
  for (const port of Array.isArray(spec.ports) ? spec.ports : []) {
    if (!isObject(port)) continue;
    port.protocol ||= 'TCP';
    if (port.targetPort === undefined || port.targetPort === null || port.targetPort === 0 || port.targetPort === '') {
      port.targetPort = port.port;
    }
  }
  if (externallyAccessible(svc) && !spec.externalTrafficPolicy) spec.externalTrafficPolicy = 'Cluster';
  if (spec.internalTrafficPolicy == null && needsClusterIP(spec.type)) spec.internalTrafficPolicy = 'Cluster';
  if (spec.type === 'LoadBalancer' && spec.allocateLoadBalancerNodePorts == null) spec.allocateLoadBalancerNodePorts = true;
  // Go stores `selector: {}` as no selector (omitempty), so the controllers leave it alone.
  if (isObject(spec.selector) && Object.keys(spec.selector).length === 0) delete spec.selector;
  withLoadBalancerStatus(svc);
}

/**
 * status.loadBalancer is a struct in Go's ServiceStatus, which encoding/json never omits: every
 * Service reads back with `status: {loadBalancer: {}}` at least.
 */
function withLoadBalancerStatus(svc: KubeObject): KubeObject {
  if (!isObject(svc.status)) svc.status = {};
  if (!isObject(svc.status.loadBalancer)) svc.status.loadBalancer = {};
  return svc;
}

const ALTERNATE_FAMILY: Record<string, string> = { IPv4: 'IPv6', IPv6: 'IPv4' };

/**
 * ipFamilyPolicy and, for headless selectorless Services, ipFamilies — Kubernetes'
 * initIPFamilyFields on a single-stack IPv4 cluster (Hale's): an update that leaves the policy
 * out keeps the old one; a new one is SingleStack, except headless selectorless Services, which
 * get RequireDualStack and both families (they take no IP, so the cluster's families do not
 * limit them). Other Services' families are left to the allocator ([IPv4]).
 */
function initIPFamilyFields(svc: KubeObject, old?: KubeObject): void {
  const spec = svc.spec;
  if (!spec || !needsClusterIP(spec.type)) return;
  const headlessSelectorless = (spec.clusterIPs?.[0] ?? spec.clusterIP) === 'None' && !hasSelector(spec);
  if (!spec.ipFamilyPolicy) {
    if (old?.spec?.ipFamilyPolicy) spec.ipFamilyPolicy = old.spec.ipFamilyPolicy;
    else spec.ipFamilyPolicy = headlessSelectorless ? 'RequireDualStack' : 'SingleStack';
  }
  const families: string[] | undefined = Array.isArray(spec.ipFamilies) ? spec.ipFamilies : undefined;
  if (old && spec.ipFamilyPolicy === 'SingleStack' && families && families.length > 1) {
    // Turning SingleStack with unchanged families is taken as dropping the secondary one.
    if (JSON.stringify(families) === JSON.stringify(old.spec?.ipFamilies ?? [])) spec.ipFamilies = families.slice(0, 1);
  }
  if (!headlessSelectorless) return;
  if (!families?.length) spec.ipFamilies = ['IPv4'];
  const alternate = ALTERNATE_FAMILY[spec.ipFamilies[0]];
  if (spec.ipFamilyPolicy !== 'SingleStack' && spec.ipFamilies.length < 2 && alternate) spec.ipFamilies = [...spec.ipFamilies, alternate];
}

const hasSelector = (spec: Record<string, any>): boolean => isObject(spec.selector) && Object.keys(spec.selector).length > 0;

function validatePortNumOrName(value: unknown, path: string): FieldError[] {
  if (typeof value === 'number') return isValidPortNum(value).map((m) => invalid(path, value, m));
  if (typeof value === 'string') return isValidPortName(value).map((m) => invalid(path, value, m));
  return [];
}

function validatePorts(spec: Record<string, any>, errs: FieldError[]): void {
  const ports: any[] = Array.isArray(spec.ports) ? spec.ports : [];
  const names = new Set<string>();
  ports.forEach((p, i) => {
    const path = `spec.ports[${i}]`;
    const port = isObject(p) ? p : {};
    if (ports.length > 1 && !port.name) errs.push(required(`${path}.name`));
    else if (port.name) {
      for (const msg of isDNS1123Label(port.name)) errs.push(invalid(`${path}.name`, port.name, msg));
      if (names.has(port.name)) errs.push(duplicate(`${path}.name`, port.name));
      names.add(port.name);
    }
    for (const msg of isValidPortNum(port.port ?? 0)) errs.push(invalid(`${path}.port`, port.port ?? 0, msg));
    if (!port.protocol) errs.push(required(`${path}.protocol`));
    else if (!PROTOCOLS.includes(port.protocol)) errs.push(notSupported(`${path}.protocol`, port.protocol, PROTOCOLS));
    errs.push(...validatePortNumOrName(port.targetPort, `${path}.targetPort`));
    if (port.appProtocol != null) {
      for (const msg of isQualifiedName(port.appProtocol)) errs.push(invalid(`${path}.appProtocol`, port.appProtocol, msg));
    }
    if (spec.type === 'ClusterIP' && port.nodePort) {
      errs.push(forbidden(`${path}.nodePort`, "may not be used when `type` is 'ClusterIP'"));
    }
    if (port.nodePort) {
      for (const msg of isValidPortNum(port.nodePort)) errs.push(invalid(`${path}.nodePort`, port.nodePort, msg));
    }
  });
  // (protocol, port) pairs and (protocol, nodePort) pairs must be unique.
  const seen = new Set<string>();
  const seenNodePorts = new Set<string>();
  ports.forEach((p, i) => {
    if (!isObject(p)) return;
    const key = `${p.protocol}/${p.port}`;
    if (seen.has(key)) errs.push(duplicate(`spec.ports[${i}]`, { protocol: p.protocol, port: p.port }));
    seen.add(key);
    if (p.nodePort) {
      const nodeKey = `${p.protocol}/${p.nodePort}`;
      if (seenNodePorts.has(nodeKey)) errs.push(duplicate(`spec.ports[${i}].nodePort`, p.nodePort));
      seenNodePorts.add(nodeKey);
    }
  });
}

function validateSessionAffinity(spec: Record<string, any>, errs: FieldError[]): void {
  if (!spec.sessionAffinity) errs.push(required('spec.sessionAffinity'));
  else if (!SESSION_AFFINITIES.includes(spec.sessionAffinity)) {
    errs.push(notSupported('spec.sessionAffinity', spec.sessionAffinity, SESSION_AFFINITIES));
  }
  if (spec.sessionAffinity === 'ClientIP') {
    const path = 'spec.sessionAffinityConfig';
    const config = spec.sessionAffinityConfig;
    if (!config) errs.push(required(path, 'when session affinity type is ClientIP'));
    else if (!config.clientIP) errs.push(required(`${path}.clientIP`, 'when session affinity type is ClientIP'));
    else if (config.clientIP.timeoutSeconds == null) {
      errs.push(required(`${path}.clientIP.timeoutSeconds`, 'when session affinity type is ClientIP'));
    } else {
      const t = config.clientIP.timeoutSeconds;
      if (!(t > 0 && t <= MAX_CLIENT_IP_TIMEOUT)) {
        errs.push(invalid(`${path}.clientIP.timeoutSeconds`, t, `must be greater than 0 and less than ${MAX_CLIENT_IP_TIMEOUT}`));
      }
    }
  } else if (spec.sessionAffinity === 'None' && spec.sessionAffinityConfig != null) {
    errs.push(forbidden('spec.sessionAffinityConfig', 'must not be set when session affinity is None'));
  }
}

function validateClusterIPs(spec: Record<string, any>, errs: FieldError[]): void {
  const clusterIPs: string[] = Array.isArray(spec.clusterIPs) ? spec.clusterIPs : [];
  if (spec.type === 'ExternalName') {
    if (spec.clusterIP) errs.push(forbidden('spec.clusterIP', 'may not be set for ExternalName services'));
    if (clusterIPs.length) errs.push(forbidden('spec.clusterIPs', 'may not be set for ExternalName services'));
    return;
  }
  if (spec.clusterIP && clusterIPs.length && clusterIPs[0] !== spec.clusterIP) {
    errs.push(invalid('spec.clusterIPs', clusterIPs, 'first value must match `clusterIP`'));
  }
  if (clusterIPs.length > 2) errs.push(invalid('spec.clusterIPs', clusterIPs, 'may only hold up to 2 values'));
  // NodePort and LoadBalancer traffic goes through the ClusterIP's rules, so they cannot be headless.
  if (clusterIPs[0] === 'None' && (spec.type === 'NodePort' || spec.type === 'LoadBalancer')) {
    errs.push(invalid('spec.clusterIPs[0]', 'None', `may not be set to 'None' for ${spec.type} services`));
  }
  clusterIPs.forEach((ip, i) => {
    if (ip === 'None') {
      if (clusterIPs.length > 1) errs.push(invalid(`spec.clusterIPs[${i}]`, ip, "must not have 'None' mixed with other values"));
      return;
    }
    for (const msg of isValidIP(ip)) errs.push(invalid(`spec.clusterIPs[${i}]`, ip, msg));
  });
  if (spec.ipFamilyPolicy && !IP_FAMILY_POLICIES.includes(spec.ipFamilyPolicy)) {
    errs.push(notSupported('spec.ipFamilyPolicy', spec.ipFamilyPolicy, IP_FAMILY_POLICIES));
  }
  const families: unknown[] = Array.isArray(spec.ipFamilies) ? spec.ipFamilies : [];
  families.forEach((family, i) => {
    if (!IP_FAMILIES.includes(String(family))) errs.push(notSupported(`spec.ipFamilies[${i}]`, family, IP_FAMILIES));
  });
}

function validate(svc: KubeObject): FieldError[] {
  const errs: FieldError[] = [];
  const spec: Record<string, any> = isObject(svc.spec) ? svc.spec : {};
  const ports: unknown[] = Array.isArray(spec.ports) ? spec.ports : [];

  if (!spec.type) errs.push(required('spec.type'));
  else if (!SERVICE_TYPES.includes(spec.type)) errs.push(notSupported('spec.type', spec.type, SERVICE_TYPES));

  if (spec.type === 'ExternalName') {
    if (!spec.externalName) errs.push(required('spec.externalName'));
    else {
      // A trailing dot (fully-qualified name) is allowed.
      const name = String(spec.externalName).replace(/\.$/, '');
      for (const msg of isDNS1123Subdomain(name)) errs.push(invalid('spec.externalName', spec.externalName, msg));
    }
  } else if (ports.length === 0 && spec.clusterIP !== 'None') {
    errs.push(required('spec.ports'));
  }

  validateClusterIPs(spec, errs);
  validatePorts(spec, errs);
  errs.push(...validateLabels(spec.selector, 'spec.selector'));
  validateSessionAffinity(spec, errs);

  const externalIPs: unknown[] = Array.isArray(spec.externalIPs) ? spec.externalIPs : [];
  externalIPs.forEach((ip, i) => {
    for (const msg of isValidIP(String(ip))) errs.push(invalid(`spec.externalIPs[${i}]`, ip, msg));
  });

  const ranges: unknown[] = Array.isArray(spec.loadBalancerSourceRanges) ? spec.loadBalancerSourceRanges : [];
  if (ranges.length && spec.type !== 'LoadBalancer') {
    errs.push(forbidden('spec.loadBalancerSourceRanges', "may only be used when `type` is 'LoadBalancer'"));
  }
  ranges.forEach((cidr, i) => {
    for (const msg of isValidCIDR(String(cidr).trim())) errs.push(invalid(`spec.loadBalancerSourceRanges[${i}]`, cidr, msg));
  });

  if (spec.externalTrafficPolicy) {
    if (!externallyAccessible(svc)) {
      errs.push(invalid('spec.externalTrafficPolicy', spec.externalTrafficPolicy, 'may only be set for externally-accessible services'));
    } else if (!TRAFFIC_POLICIES.includes(spec.externalTrafficPolicy)) {
      errs.push(notSupported('spec.externalTrafficPolicy', spec.externalTrafficPolicy, TRAFFIC_POLICIES));
    }
  } else if (externallyAccessible(svc)) {
    errs.push(required('spec.externalTrafficPolicy'));
  }
  if (spec.internalTrafficPolicy && !TRAFFIC_POLICIES.includes(spec.internalTrafficPolicy)) {
    errs.push(notSupported('spec.internalTrafficPolicy', spec.internalTrafficPolicy, TRAFFIC_POLICIES));
  }
  if (spec.allocateLoadBalancerNodePorts != null && spec.type !== 'LoadBalancer') {
    errs.push(forbidden('spec.allocateLoadBalancerNodePorts', "may only be used when `type` is 'LoadBalancer'"));
  }
  if (spec.loadBalancerClass != null) {
    if (spec.type !== 'LoadBalancer') errs.push(forbidden('spec.loadBalancerClass', "may only be used when `type` is 'LoadBalancer'"));
    for (const msg of isQualifiedName(spec.loadBalancerClass)) errs.push(invalid('spec.loadBalancerClass', spec.loadBalancerClass, msg));
  }
  if (spec.healthCheckNodePort && !(spec.type === 'LoadBalancer' && spec.externalTrafficPolicy === 'Local')) {
    errs.push(
      invalid(
        'spec.healthCheckNodePort',
        spec.healthCheckNodePort,
        "may only be set when `type` is 'LoadBalancer' and `externalTrafficPolicy` is 'Local'",
      ),
    );
  }
  return errs;
}

function validateUpdate(svc: KubeObject, old: KubeObject): FieldError[] {
  const errs: FieldError[] = [];
  // The primary cluster IP cannot change, unless the service moves to or from ExternalName.
  if (needsClusterIP(svc.spec?.type) && needsClusterIP(old.spec?.type)) {
    const oldIPs: string[] = old.spec?.clusterIPs ?? (old.spec?.clusterIP ? [old.spec.clusterIP] : []);
    const newIPs: string[] = svc.spec?.clusterIPs ?? [];
    oldIPs.forEach((ip, i) => {
      if (i < newIPs.length && newIPs[i] !== ip) errs.push(invalid(`spec.clusterIPs[${i}]`, newIPs, 'may not change once set'));
    });
  }
  if (old.spec?.loadBalancerClass != null && svc.spec?.type === 'LoadBalancer' && old.spec?.type === 'LoadBalancer') {
    if (svc.spec?.loadBalancerClass !== old.spec.loadBalancerClass) {
      errs.push(invalid('spec.loadBalancerClass', svc.spec?.loadBalancerClass ?? null, 'may not change once set'));
    }
  }
  return errs;
}

/** Fill the plural clusterIPs from the singular field, as old clients only send clusterIP. */
function normalizeClusterIPs(svc: KubeObject, old?: KubeObject): void {
  const spec = svc.spec;
  if (!spec) return;
  if (!old) {
    if (spec.clusterIP && !spec.clusterIPs?.length) spec.clusterIPs = [spec.clusterIP];
    return;
  }
  if (!spec.clusterIP) return;
  if (!spec.clusterIPs?.length) {
    spec.clusterIPs = [spec.clusterIP];
    return;
  }
  const sameIPs = JSON.stringify(spec.clusterIPs) === JSON.stringify(old.spec?.clusterIPs ?? []);
  if (spec.clusterIP !== old.spec?.clusterIP && sameIPs) spec.clusterIPs = [spec.clusterIP];
}

/** Keep allocated values a client left out of an update (patchAllocatedValues in Kubernetes). */
function keepAllocatedValues(svc: KubeObject, old: KubeObject): void {
  const spec = svc.spec;
  if (!spec) return;
  if (needsClusterIP(spec.type) && needsClusterIP(old.spec?.type)) {
    if (!spec.clusterIP && old.spec?.clusterIP) spec.clusterIP = old.spec.clusterIP;
    if (!spec.clusterIPs?.length && old.spec?.clusterIPs?.length) spec.clusterIPs = [...old.spec.clusterIPs];
  }
  if (needsNodePorts(spec.type) && needsNodePorts(old.spec?.type)) {
    for (const port of spec.ports ?? []) {
      if (port.nodePort) continue;
      const match = (old.spec?.ports ?? []).find((p: any) => p.port === port.port && p.protocol === port.protocol);
      if (match?.nodePort) port.nodePort = match.nodePort;
    }
  }
  if (
    spec.type === 'LoadBalancer' &&
    spec.externalTrafficPolicy === 'Local' &&
    !spec.healthCheckNodePort &&
    old.spec?.healthCheckNodePort
  ) {
    spec.healthCheckNodePort = old.spec.healthCheckNodePort;
  }
}

/** Clear fields that no longer apply after a type change (dropTypeDependentFields). */
function dropTypeDependentFields(svc: KubeObject, old: KubeObject): void {
  const spec = svc.spec;
  if (!spec || spec.type === old.spec?.type) return;
  if (!needsClusterIP(spec.type)) {
    delete spec.clusterIP;
    delete spec.clusterIPs;
    delete spec.ipFamilies;
    delete spec.ipFamilyPolicy;
    delete spec.internalTrafficPolicy;
  }
  if (!needsNodePorts(spec.type) && needsNodePorts(old.spec?.type)) {
    for (const port of spec.ports ?? []) {
      const match = (old.spec?.ports ?? []).find((p: any) => p.port === port.port && p.protocol === port.protocol);
      if (match && port.nodePort === match.nodePort) delete port.nodePort;
    }
  }
  if (spec.type !== 'LoadBalancer') {
    delete spec.allocateLoadBalancerNodePorts;
    delete spec.loadBalancerClass;
  }
  if (!(spec.type === 'LoadBalancer' && spec.externalTrafficPolicy === 'Local')) delete spec.healthCheckNodePort;
  if (!externallyAccessible(svc)) delete spec.externalTrafficPolicy;
}

function prepareForCreate(svc: KubeObject): void {
  svc.status = { loadBalancer: {} };
  normalizeClusterIPs(svc);
  initIPFamilyFields(svc);
}

function prepareForUpdate(svc: KubeObject, old: KubeObject): void {
  normalizeClusterIPs(svc, old);
  keepAllocatedValues(svc, old);
  dropTypeDependentFields(svc, old);
  initIPFamilyFields(svc, old);
}

/** getServiceExternalIP (server-side printing is always "wide", so nothing is truncated). */
export function serviceExternalIP(svc: KubeObject): string {
  const externalIPs: string[] = svc.spec?.externalIPs ?? [];
  switch (svc.spec?.type) {
    case 'ClusterIP':
    case 'NodePort':
      return externalIPs.length ? externalIPs.join(',') : '<none>';
    case 'LoadBalancer': {
      const ingress: any[] = svc.status?.loadBalancer?.ingress ?? [];
      const lbIPs = [...new Set(ingress.map((i) => i.ip || i.hostname).filter(Boolean) as string[])].sort();
      if (externalIPs.length) return [...lbIPs, ...externalIPs].join(',');
      return lbIPs.length ? lbIPs.join(',') : '<pending>';
    }
    case 'ExternalName':
      return svc.spec?.externalName ?? '';
    default:
      return '<unknown>';
  }
}

/** makePortString: "80/TCP", "80:30080/TCP", joined by ','. */
export function servicePorts(svc: KubeObject): string {
  const ports: any[] = svc.spec?.ports ?? [];
  if (!ports.length) return '<none>';
  return ports.map((p) => (p.nodePort > 0 ? `${p.port}:${p.nodePort}/${p.protocol}` : `${p.port}/${p.protocol}`)).join(',');
}

export const serviceResource: ResourceType = {
  group: '',
  version: 'v1',
  kind: 'Service',
  plural: 'services',
  singular: 'service',
  namespaced: true,
  nameValidator: nameIsDNS1035Label,
  shortNames: ['svc'],
  categories: ['all'],
  schema: 'io.k8s.api.core.v1.Service',
  generation: false,
  subresources: { status: true },
  defaults,
  validate,
  validateUpdate,
  prepareForCreate,
  prepareForUpdate,
  // Reads serve the Go form too: Services stored before, or status writes that left loadBalancer out.
  fromStorage: withLoadBalancerStatus,
  // Kubernetes 1.30 and 1.31 made these selectable (kube-proxy skips headless services with spec.clusterIP!=None).
  selectableFields: (svc) => ({ 'spec.clusterIP': svc.spec?.clusterIP ?? '', 'spec.type': svc.spec?.type ?? '' }),
  table: {
    columns: [
      nameColumn,
      column('Type', 'How the service is exposed.'),
      column('Cluster-IP', 'Virtual IP of the service.'),
      column('External-IP', 'Addresses outside the cluster that reach the service.'),
      column('Port(s)', 'Ports exposed by the service.'),
      ageColumn,
      column('Selector', 'Labels selecting the backing pods.', 1),
    ],
    row: (svc, now) => [
      svc.metadata?.name ?? '',
      svc.spec?.type ?? '',
      svc.spec?.clusterIP || '<none>',
      serviceExternalIP(svc),
      servicePorts(svc),
      age(svc.metadata?.creationTimestamp, now),
      formatLabels(svc.spec?.selector),
    ],
  },
};

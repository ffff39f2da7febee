// core/v1 Service: defaults and validation from pkg/apis/core (SetDefaults_Service,
// ValidateService), and the `kubectl get svc` columns. ClusterIP and node-port allocation
// belong to the apiserver's allocator hook, not to this file.
import { isIPv6 } from 'node:net';
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
  // Dropping the secondary family without turning SingleStack is refused (validateUpdate), not undone.
  if (old && spec.ipFamilyPolicy !== 'SingleStack' && families?.length && families.length < (old.spec?.ipFamilies?.length ?? 0)) return;
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

/** The type-specific clusterIPs rules of ValidateService; the rest is clusterIPsRelatedErrors'. */
function validateClusterIPs(spec: Record<string, any>, errs: FieldError[]): void {
  const clusterIPs: string[] = Array.isArray(spec.clusterIPs) ? spec.clusterIPs : [];
  if (spec.type === 'ExternalName') {
    if (spec.clusterIP) errs.push(forbidden('spec.clusterIP', 'may not be set for ExternalName services'));
    if (clusterIPs.length) errs.push(forbidden('spec.clusterIPs', 'may not be set for ExternalName services'));
    if (Array.isArray(spec.ipFamilies) && spec.ipFamilies.length) {
      errs.push(forbidden('spec.ipFamilies', 'may not be set for ExternalName services'));
    }
    if (spec.ipFamilyPolicy != null) errs.push(forbidden('spec.ipFamilyPolicy', 'may not be set for ExternalName services'));
    return;
  }
  // NodePort and LoadBalancer traffic goes through the ClusterIP's rules, so they cannot be headless.
  if (isHeadless(spec) && (spec.type === 'NodePort' || spec.type === 'LoadBalancer')) {
    errs.push(invalid('spec.clusterIPs[0]', 'None', `may not be set to 'None' for ${spec.type} services`));
  }
}

/**
 * The IP families Service ClusterIPs can come from: Hale's --service-cidr is a single IPv4
 * range (ip-range.ts parses nothing else), so clusters are single-stack IPv4.
 */
const CLUSTER_IP_FAMILIES: readonly string[] = ['IPv4'];

const isHeadless = (spec: Record<string, any>): boolean =>
  Array.isArray(spec.clusterIPs) && spec.clusterIPs.length === 1 && spec.clusterIPs[0] === 'None';

/** netutils.IsIPv6String: an IPv4-mapped IPv6 address counts as IPv4, as Go's To4 sees it. */
const isIPv6Address = (ip: string): boolean => isIPv6(ip) && !/^::ffff:\d+\.\d+\.\d+\.\d+$/i.test(ip);

/**
 * ValidateServiceClusterIPsRelatedFields: clusterIPs agree with clusterIP, with each other
 * (at most one per family) and with ipFamilies; ipFamilies and ipFamilyPolicy hold known values.
 */
function clusterIPsRelatedErrors(spec: Record<string, any>): FieldError[] {
  if (spec.type === 'ExternalName') return [];
  const errs: FieldError[] = [];
  const clusterIPs: string[] = Array.isArray(spec.clusterIPs) ? spec.clusterIPs : [];
  const families: unknown[] = Array.isArray(spec.ipFamilies) ? spec.ipFamilies : [];
  if (spec.clusterIP && clusterIPs.length && clusterIPs[0] !== spec.clusterIP) {
    errs.push(invalid('spec.clusterIPs', clusterIPs, 'first value must match `clusterIP`'));
  }
  const seen = new Set<string>();
  families.forEach((family, i) => {
    if (!IP_FAMILIES.includes(String(family))) errs.push(notSupported(`spec.ipFamilies[${i}]`, family, IP_FAMILIES));
    if (seen.has(String(family))) errs.push(duplicate(`spec.ipFamilies[${i}]`, family));
    seen.add(String(family));
  });
  if (spec.ipFamilyPolicy != null && !IP_FAMILY_POLICIES.includes(spec.ipFamilyPolicy)) {
    errs.push(notSupported('spec.ipFamilyPolicy', spec.ipFamilyPolicy, IP_FAMILY_POLICIES));
  }
  let invalidIPs = false;
  clusterIPs.forEach((ip, i) => {
    if (i === 0 && ip === 'None') {
      if (clusterIPs.length > 1) {
        invalidIPs = true;
        errs.push(invalid('spec.clusterIPs', clusterIPs, "'None' must be the first and only value"));
      }
      return;
    }
    for (const msg of isValidIP(String(ip))) {
      invalidIPs = true;
      errs.push(invalid(`spec.clusterIPs[${i}]`, ip, msg));
    }
  });
  if (clusterIPs.length > 2) errs.push(invalid('spec.clusterIPs', clusterIPs, 'may only hold up to 2 values'));
  // Bad or misplaced addresses would only skew the family checks below.
  if (invalidIPs) return errs;
  if (clusterIPs.length > 1 && !(clusterIPs.some(isIPv6Address) && clusterIPs.some((ip) => !isIPv6Address(ip)))) {
    errs.push(invalid('spec.clusterIPs', clusterIPs, 'may specify no more than one IP for each IP family'));
  }
  if (!isHeadless(spec)) {
    clusterIPs.slice(0, families.length).forEach((ip, i) => {
      if (families[i] === 'IPv4' && isIPv6Address(ip)) {
        errs.push(invalid(`spec.clusterIPs[${i}]`, ip, `expected an IPv4 value as indicated by \`ipFamilies[${i}]\``));
      }
      if (families[i] === 'IPv6' && !isIPv6Address(ip)) {
        errs.push(invalid(`spec.clusterIPs[${i}]`, ip, `expected an IPv6 value as indicated by \`ipFamilies[${i}]\``));
      }
    });
  }
  return errs;
}

/**
 * The checks of Kubernetes' initIPFamilyFields (registry/core/service/storage/alloc.go) against
 * the cluster's families, on a Service whose ipFamilyPolicy is already defaulted: SingleStack
 * cannot hold two IPs or families, requested IPs and families must be the cluster's, and
 * RequireDualStack needs a dual-stack cluster. Headless selectorless Services take no IP, so
 * only the first group applies to them.
 */
function ipFamilyAllocationErrors(spec: Record<string, any>): FieldError[] {
  if (!needsClusterIP(spec.type)) return [];
  const errs: FieldError[] = [];
  const clusterIPs: string[] = Array.isArray(spec.clusterIPs) ? spec.clusterIPs : [];
  const families: string[] = Array.isArray(spec.ipFamilies) ? spec.ipFamilies : [];
  if (spec.ipFamilyPolicy === 'SingleStack') {
    if (clusterIPs.length === 2) {
      errs.push(
        invalid(
          'spec.ipFamilyPolicy',
          spec.ipFamilyPolicy,
          "must be 'RequireDualStack' or 'PreferDualStack' when multiple cluster IPs are specified",
        ),
      );
    }
    if (families.length === 2) {
      errs.push(
        invalid(
          'spec.ipFamilyPolicy',
          spec.ipFamilyPolicy,
          "must be 'RequireDualStack' or 'PreferDualStack' when multiple IP families are specified",
        ),
      );
    }
  }
  // An IP with no family beside it names its family itself (the family is inferred from it).
  for (const [i, ip] of clusterIPs.entries()) {
    if (ip === 'None') break;
    const family = isIPv6Address(ip) ? 'IPv6' : 'IPv4';
    if (i >= families.length && !CLUSTER_IP_FAMILIES.includes(family)) {
      errs.push(invalid(`spec.clusterIPs[${i}]`, clusterIPs, `${family} is not configured on this cluster`));
    }
  }
  if (errs.length) return errs;
  if (spec.clusterIP === 'None' && !hasSelector(spec)) return [];
  if (spec.ipFamilyPolicy === 'RequireDualStack' && CLUSTER_IP_FAMILIES.length < 2) {
    errs.push(invalid('spec.ipFamilyPolicy', spec.ipFamilyPolicy, 'this cluster is not configured for dual-stack services'));
  }
  families.forEach((family, i) => {
    if (!CLUSTER_IP_FAMILIES.includes(family)) errs.push(invalid(`spec.ipFamilies[${i}]`, family, 'not configured on this cluster'));
  });
  return errs;
}

/**
 * Kubernetes checks the IP fields as it allocates, before it validates the rest, and answers
 * with those errors alone: so do these.
 */
function ipFieldErrors(spec: Record<string, any>): FieldError[] {
  const errs = clusterIPsRelatedErrors(spec);
  return errs.length ? errs : ipFamilyAllocationErrors(spec);
}

function validate(svc: KubeObject): FieldError[] {
  const spec: Record<string, any> = isObject(svc.spec) ? svc.spec : {};
  const ipErrs = ipFieldErrors(spec);
  if (ipErrs.length) return ipErrs;
  const errs: FieldError[] = [];
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
  const spec: Record<string, any> = isObject(svc.spec) ? svc.spec : {};
  const oldSpec: Record<string, any> = isObject(old.spec) ? old.spec : {};
  // initIPFamilyFields' update checks; like the rest of it, they stand alone (validate says the others).
  const released = releasedSecondaryErrors(spec, oldSpec);
  if (released.length || ipFieldErrors(spec).length) return released;
  const errs: FieldError[] = [...upgradeDowngradeClusterIPErrors(spec, oldSpec), ...upgradeDowngradeIPFamilyErrors(spec, oldSpec)];
  if (old.spec?.loadBalancerClass != null && svc.spec?.type === 'LoadBalancer' && old.spec?.type === 'LoadBalancer') {
    if (svc.spec?.loadBalancerClass !== old.spec.loadBalancerClass) {
      errs.push(invalid('spec.loadBalancerClass', svc.spec?.loadBalancerClass ?? null, 'may not change once set'));
    }
  }
  return errs;
}

const sameList = (a: unknown, b: unknown): boolean => JSON.stringify(a ?? []) === JSON.stringify(b ?? []);

/**
 * A policy other than SingleStack may not drop the secondary IP or family (alloc.go); an
 * unchanged PreferDualStack Service is left alone, as Kubernetes does not re-plan those.
 */
function releasedSecondaryErrors(spec: Record<string, any>, oldSpec: Record<string, any>): FieldError[] {
  if (!needsClusterIP(spec.type) || spec.ipFamilyPolicy === 'SingleStack') return [];
  const unchangedPreferDualStack =
    spec.type === oldSpec.type &&
    spec.ipFamilyPolicy === 'PreferDualStack' &&
    (oldSpec.ipFamilyPolicy ?? 'PreferDualStack') === 'PreferDualStack' &&
    sameList(spec.clusterIPs, oldSpec.clusterIPs) &&
    sameList(spec.ipFamilies, oldSpec.ipFamilies);
  if (unchangedPreferDualStack) return [];
  const errs: FieldError[] = [];
  const shorter = (field: string) => (spec[field]?.length ?? 0) > 0 && spec[field].length < (oldSpec[field]?.length ?? 0);
  if (shorter('clusterIPs')) {
    errs.push(invalid('spec.ipFamilyPolicy', spec.ipFamilyPolicy ?? null, "must be 'SingleStack' to release the secondary cluster IP"));
  }
  if (shorter('ipFamilies')) {
    errs.push(invalid('spec.ipFamilyPolicy', spec.ipFamilyPolicy ?? null, "must be 'SingleStack' to release the secondary IP family"));
  }
  return errs;
}

/** validateUpgradeDowngradeClusterIPs: the primary IP never changes; dropping the secondary needs SingleStack. */
function upgradeDowngradeClusterIPErrors(spec: Record<string, any>, oldSpec: Record<string, any>): FieldError[] {
  if (!needsClusterIP(spec.type) || !needsClusterIP(oldSpec.type) || (isHeadless(spec) && isHeadless(oldSpec))) return [];
  const ips: string[] = spec.clusterIPs ?? [];
  const oldIPs: string[] = oldSpec.clusterIPs ?? [];
  const errs: FieldError[] = [];
  if (oldIPs.length === ips.length) {
    oldIPs.forEach((ip, i) => {
      if (ip !== ips[i]) errs.push(invalid(`spec.clusterIPs[${i}]`, ips, 'may not change once set'));
    });
  } else if (oldIPs.length > ips.length) {
    if (!ips.length) errs.push(invalid('spec.clusterIPs[0]', ips, 'primary clusterIP can not be unset'));
    if (ips.length && ips[0] !== oldIPs[0]) errs.push(invalid('spec.clusterIPs[0]', ips, 'may not change once set'));
    if (ips.length === 1 && spec.ipFamilyPolicy !== 'SingleStack') {
      errs.push(
        invalid('spec.ipFamilyPolicy', spec.ipFamilyPolicy ?? null, "must be set to 'SingleStack' when releasing the secondary clusterIP"),
      );
    }
  } else if (oldIPs.length && ips[0] !== oldIPs[0]) {
    errs.push(invalid('spec.clusterIPs[0]', ips, 'may not change once set'));
  }
  return errs;
}

/**
 * validateUpgradeDowngradeIPFamilies: the primary family never changes (headless Services
 * excepted); dropping the secondary needs SingleStack. Kubernetes reports some of these
 * with clusterIPs as the value, and so does this.
 */
function upgradeDowngradeIPFamilyErrors(spec: Record<string, any>, oldSpec: Record<string, any>): FieldError[] {
  if (!needsClusterIP(spec.type) || !needsClusterIP(oldSpec.type) || isHeadless(spec) || isHeadless(oldSpec)) return [];
  const families: string[] = spec.ipFamilies ?? [];
  const oldFamilies: string[] = oldSpec.ipFamilies ?? [];
  const ips: string[] = spec.clusterIPs ?? [];
  const errs: FieldError[] = [];
  if (oldFamilies.length === families.length) {
    oldFamilies.forEach((family, i) => {
      if (family !== families[i]) errs.push(invalid('spec.ipFamilies[0]', families, 'may not change once set'));
    });
  } else if (oldFamilies.length > families.length) {
    if (!ips.length) errs.push(invalid('spec.ipFamilies[0]', families, 'primary ipFamily can not be unset'));
    if (families.length && families[0] !== oldFamilies[0]) errs.push(invalid('spec.ipFamilies[0]', ips, 'may not change once set'));
    if (families.length === 1 && spec.ipFamilyPolicy !== 'SingleStack') {
      errs.push(
        invalid('spec.ipFamilyPolicy', spec.ipFamilyPolicy ?? null, "must be set to 'SingleStack' when releasing the secondary ipFamily"),
      );
    }
  } else if (oldFamilies.length && families.length && families[0] !== oldFamilies[0]) {
    errs.push(invalid('spec.ipFamilies[0]', ips, 'may not change once set'));
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

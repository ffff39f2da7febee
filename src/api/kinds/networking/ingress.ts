// networking.k8s.io/v1 Ingress: HTTP(S) routing rules from hosts and paths to Services.
// Stored and validated like Kubernetes (pkg/apis/networking/validation); Hale ships no
// ingress controller, so nothing acts on an Ingress and its status stays empty until a
// controller writes one — exactly as on a Kubernetes cluster without a controller.
import { type FieldError, GoValue, invalid, notSupported, required } from '../../field-errors.ts';
import { age } from '../../printers/age.ts';
import type { KubeObject, ResourceType } from '../../resource-type.ts';
import { nameIsDNS1035Label, nameIsDNSSubdomain } from '../../validation/meta.ts';
import {
  isDNS1123Subdomain,
  isValidPathSegmentName,
  isValidPortName,
  isValidPortNum,
  isWildcardDNS1123Subdomain,
  parseableIP,
} from '../../validation/names.ts';
import { ageColumn, column, nameColumn } from '../apps/printing.ts';

/** The legacy annotation naming the class; must agree with spec.ingressClassName when both are set. */
export const INGRESS_CLASS_ANNOTATION = 'kubernetes.io/ingress.class';

/** sets.NewString(...).List(): the supported path types, sorted. */
const supportedPathTypes = ['Exact', 'ImplementationSpecific', 'Prefix'];
const invalidPathSequences = ['//', '/./', '/../', '%2f', '%2F'];
const invalidPathSuffixes = ['/..', '/.'];

type Json = Record<string, any>;

const isObject = (v: unknown): v is Json => v !== null && typeof v === 'object' && !Array.isArray(v);
const list = (v: unknown): any[] => (Array.isArray(v) ? v : []);

/** validateIngressTypedLocalObjectReference: apiGroup, kind and name of a referenced object. */
export function validateTypedLocalObjectReference(ref: Json, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (ref.apiGroup != null) {
    for (const msg of isDNS1123Subdomain(String(ref.apiGroup))) errs.push(invalid(`${path}.apiGroup`, ref.apiGroup, msg));
  }
  for (const key of ['kind', 'name'] as const) {
    const value = typeof ref[key] === 'string' ? ref[key] : '';
    if (!value) errs.push(required(`${path}.${key}`, `${key} is required`));
    else for (const msg of isValidPathSegmentName(value)) errs.push(invalid(`${path}.${key}`, value, msg));
  }
  return errs;
}

/** validateIngressBackend: exactly one of service and resource; a service needs a name and one port. */
function validateIngressBackend(backend: unknown, path: string): FieldError[] {
  const b = isObject(backend) ? backend : {};
  const hasResource = b.resource != null;
  const hasService = b.service != null;
  if (hasResource && hasService) return [invalid(path, '', 'cannot set both resource and service backends')];
  if (hasResource) return validateTypedLocalObjectReference(isObject(b.resource) ? b.resource : {}, `${path}.resource`);
  if (!hasService) return [invalid(path, '', 'resource or service backend is required')];

  const errs: FieldError[] = [];
  const service = isObject(b.service) ? b.service : {};
  const name = typeof service.name === 'string' ? service.name : '';
  if (!name) errs.push(required(`${path}.service.name`, ''));
  else for (const msg of nameIsDNS1035Label(name, false)) errs.push(invalid(`${path}.service.name`, name, msg));

  const port = isObject(service.port) ? service.port : {};
  const portName = typeof port.name === 'string' ? port.name : '';
  const portNumber = typeof port.number === 'number' ? port.number : 0;
  if (portName && portNumber !== 0) {
    errs.push(invalid(path, '', 'cannot set both port name & port number'));
  } else if (portName) {
    for (const msg of isValidPortName(portName)) errs.push(invalid(`${path}.service.port.name`, portName, msg));
  } else if (portNumber !== 0) {
    for (const msg of isValidPortNum(portNumber)) errs.push(invalid(`${path}.service.port.number`, portNumber, msg));
  } else {
    errs.push(required(path, 'port name or number is required'));
  }
  return errs;
}

function validateHTTPIngressPath(p: unknown, path: string): FieldError[] {
  const entry = isObject(p) ? p : {};
  if (entry.pathType == null) return [required(`${path}.pathType`, 'pathType must be specified')];
  const errs: FieldError[] = [];
  const value = typeof entry.path === 'string' ? entry.path : '';
  switch (entry.pathType) {
    case 'Exact':
    case 'Prefix':
      if (!value.startsWith('/')) errs.push(invalid(`${path}.path`, value, 'must be an absolute path'));
      for (const seq of invalidPathSequences) {
        if (value.includes(seq)) errs.push(invalid(`${path}.path`, value, `must not contain '${seq}'`));
      }
      for (const suffix of invalidPathSuffixes) {
        if (value.endsWith(suffix)) errs.push(invalid(`${path}.path`, value, `cannot end with '${suffix}'`));
      }
      break;
    case 'ImplementationSpecific':
      if (value.length > 0 && !value.startsWith('/')) errs.push(invalid(`${path}.path`, value, 'must be an absolute path'));
      break;
    default:
      errs.push(notSupported(`${path}.pathType`, entry.pathType, supportedPathTypes));
  }
  errs.push(...validateIngressBackend(entry.backend, `${path}.backend`));
  return errs;
}

/** A rule or TLS host: a DNS subdomain, or a wildcard one when it holds a '*'. */
function hostErrors(host: string): string[] {
  return host.includes('*') ? isWildcardDNS1123Subdomain(host) : isDNS1123Subdomain(host);
}

function validateIngressRules(rules: unknown[], path: string): FieldError[] {
  const errs: FieldError[] = [];
  rules.forEach((r, i) => {
    const rule = isObject(r) ? r : {};
    const host = typeof rule.host === 'string' ? rule.host : '';
    if (host) {
      if (parseableIP(host)) errs.push(invalid(`${path}[${i}].host`, host, 'must be a DNS name, not an IP address'));
      for (const msg of hostErrors(host)) errs.push(invalid(`${path}[${i}].host`, host, msg));
    }
    if (rule.http != null) {
      const http = isObject(rule.http) ? rule.http : {};
      const paths = list(http.paths);
      if (paths.length === 0) errs.push(required(`${path}[${i}].http.paths`, ''));
      paths.forEach((p, j) => {
        errs.push(...validateHTTPIngressPath(p, `${path}[${i}].http.paths[${j}]`));
      });
    }
  });
  return errs;
}

function validateIngressTLS(tls: unknown[], path: string): FieldError[] {
  const errs: FieldError[] = [];
  tls.forEach((t, i) => {
    const entry = isObject(t) ? t : {};
    list(entry.hosts).forEach((host, j) => {
      const h = String(host ?? '');
      for (const msg of hostErrors(h)) errs.push(invalid(`${path}[${i}].hosts[${j}]`, h, msg));
    });
    const secretName = typeof entry.secretName === 'string' ? entry.secretName : '';
    if (secretName) {
      for (const msg of nameIsDNSSubdomain(secretName, false)) errs.push(invalid(`${path}[${i}].secretName`, secretName, msg));
    }
  });
  return errs;
}

/** ValidateIngressSpec. */
export function validateIngressSpec(spec: Json, path = 'spec'): FieldError[] {
  const errs: FieldError[] = [];
  const rules = list(spec.rules);
  if (rules.length === 0 && spec.defaultBackend == null) {
    const shown = new GoValue(Array.isArray(spec.rules) ? '[]networking.IngressRule{}' : '[]networking.IngressRule(nil)');
    errs.push(invalid(path, shown, 'either `defaultBackend` or `rules` must be specified'));
  }
  if (spec.defaultBackend != null) errs.push(...validateIngressBackend(spec.defaultBackend, `${path}.defaultBackend`));
  if (rules.length > 0) errs.push(...validateIngressRules(rules, `${path}.rules`));
  const tls = list(spec.tls);
  if (tls.length > 0) errs.push(...validateIngressTLS(tls, `${path}.tls`));
  const className = spec.ingressClassName;
  if (typeof className === 'string' && className.length > 0) {
    for (const msg of nameIsDNSSubdomain(className, false)) errs.push(invalid(`${path}.ingressClassName`, className, msg));
  }
  return errs;
}

/**
 * ValidateIngressCreate: the spec, and the legacy class annotation agreeing with
 * spec.ingressClassName. (Kubernetes checks the annotation on create only; Hale's hook runs
 * on updates too, which only matters when an update introduces the disagreement.)
 */
export function validateIngress(obj: KubeObject): FieldError[] {
  const spec = isObject(obj.spec) ? obj.spec : {};
  const errs = validateIngressSpec(spec);
  const annotations = obj.metadata?.annotations ?? {};
  if (Object.hasOwn(annotations, INGRESS_CLASS_ANNOTATION) && spec.ingressClassName != null) {
    const value = annotations[INGRESS_CLASS_ANNOTATION];
    if (value !== spec.ingressClassName) {
      errs.push(invalid(`annotations.${INGRESS_CLASS_ANNOTATION}`, value, 'must match `ingressClassName` when both are specified'));
    }
  }
  return errs;
}

/** formatHosts: up to three hosts, "*" when no rule names one. */
export function formatHosts(rules: unknown[]): string {
  const max = 3;
  const hosts: string[] = [];
  let more = false;
  for (const r of rules) {
    if (hosts.length === max) more = true;
    const host = isObject(r) && typeof r.host === 'string' ? r.host : '';
    if (!more && host) hosts.push(host);
  }
  if (hosts.length === 0) return '*';
  const joined = hosts.join(',');
  return more ? `${joined} + ${rules.length - max} more...` : joined;
}

/** ingressLoadBalancerStatusStringer (server-side tables are always wide: never clipped). */
export function formatLoadBalancerAddresses(status: unknown): string {
  const ingress = isObject(status) && isObject(status.loadBalancer) ? list(status.loadBalancer.ingress) : [];
  const addresses = new Set<string>();
  for (const entry of ingress) {
    if (!isObject(entry)) continue;
    if (entry.ip) addresses.add(String(entry.ip));
    else if (entry.hostname) addresses.add(String(entry.hostname));
  }
  return [...addresses].sort().join(',');
}

export const ingresses: ResourceType = {
  group: 'networking.k8s.io',
  version: 'v1',
  kind: 'Ingress',
  plural: 'ingresses',
  singular: 'ingress',
  namespaced: true,
  shortNames: ['ing'],
  schema: 'io.k8s.api.networking.v1.Ingress',
  subresources: { status: true },
  validate: validateIngress,
  prepareForCreate: (obj) => {
    obj.status = { loadBalancer: {} };
  },
  table: {
    columns: [
      nameColumn,
      column('Class', 'string', 'The name of the IngressClass resource that should be used to handle this Ingress'),
      column('Hosts', 'string', 'Hosts that incoming requests are matched against before the ingress rule'),
      column('Address', 'string', 'Address is a list containing ingress points for the load-balancer'),
      column('Ports', 'string', 'Ports of TLS configurations that open'),
      ageColumn,
    ],
    row: (obj, now) => [
      obj.metadata?.name ?? '',
      obj.spec?.ingressClassName ?? '<none>',
      formatHosts(list(obj.spec?.rules)),
      formatLoadBalancerAddresses(obj.status),
      list(obj.spec?.tls).length > 0 ? '80, 443' : '80',
      age(obj.metadata?.creationTimestamp, now),
    ],
  },
};

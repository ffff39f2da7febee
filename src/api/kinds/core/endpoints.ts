// core/v1 Endpoints: the addresses behind a service (written by the endpoints controller).
import { type FieldError, invalid, notSupported, required } from '../../field-errors.ts';
import { age } from '../../printers/age.ts';
import type { KubeObject, ResourceType } from '../../resource-type.ts';
import { isDNS1123Label, isDNS1123Subdomain, isValidIP, isValidPortNum } from '../../validation/names.ts';
import { ageColumn, column, nameColumn } from './print-helpers.ts';
import { isObject } from './validation-helpers.ts';
import '../../definitions/core-v1.ts';

const PROTOCOLS = ['SCTP', 'TCP', 'UDP'];

function defaults(ep: KubeObject): void {
  for (const subset of Array.isArray(ep.subsets) ? ep.subsets : []) {
    for (const port of Array.isArray(subset?.ports) ? subset.ports : []) {
      if (isObject(port)) port.protocol ||= 'TCP';
    }
  }
}

/**
 * validateNonSpecialIP: endpoints may not point at unspecified or link-local addresses.
 * Unlike Kubernetes, loopback is accepted: host-mode pods (and a loopback-bound API server)
 * have 127.x addresses, as EndpointSlices already allow.
 */
function specialIPErrors(ip: string): string[] {
  if (ip === '0.0.0.0' || ip === '::') return ['may not be unspecified (0.0.0.0)'];
  if (ip.startsWith('169.254.') || /^fe[89ab][0-9a-f]:/i.test(ip))
    return ['may not be in the link-local range (169.254.0.0/16, fe80::/10)'];
  if (ip.startsWith('224.0.0.') || /^ff02:/i.test(ip)) {
    return ['may not be in the link-local multicast range (224.0.0.0/24, ff02::/10)'];
  }
  return [];
}

function validateAddress(addr: Record<string, any>, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const ip = String(addr.ip ?? '');
  const ipErrs = isValidIP(ip);
  for (const msg of ipErrs) errs.push(invalid(`${path}.ip`, ip, msg));
  if (!ipErrs.length) for (const msg of specialIPErrors(ip)) errs.push(invalid(`${path}.ip`, ip, msg));
  if (addr.hostname) for (const msg of isDNS1123Label(addr.hostname)) errs.push(invalid(`${path}.hostname`, addr.hostname, msg));
  if (addr.nodeName) for (const msg of isDNS1123Subdomain(addr.nodeName)) errs.push(invalid(`${path}.nodeName`, addr.nodeName, msg));
  return errs;
}

function validate(ep: KubeObject): FieldError[] {
  const errs: FieldError[] = [];
  const subsets: unknown[] = Array.isArray(ep.subsets) ? ep.subsets : [];
  subsets.forEach((s, i) => {
    const path = `subsets[${i}]`;
    const subset = isObject(s) ? s : {};
    const addresses: unknown[] = Array.isArray(subset.addresses) ? subset.addresses : [];
    const notReady: unknown[] = Array.isArray(subset.notReadyAddresses) ? subset.notReadyAddresses : [];
    if (!addresses.length && !notReady.length) errs.push(required(path, 'must specify `addresses` or `notReadyAddresses`'));
    addresses.forEach((a, j) => {
      errs.push(...validateAddress(isObject(a) ? a : {}, `${path}.addresses[${j}]`));
    });
    notReady.forEach((a, j) => {
      errs.push(...validateAddress(isObject(a) ? a : {}, `${path}.notReadyAddresses[${j}]`));
    });
    const ports: unknown[] = Array.isArray(subset.ports) ? subset.ports : [];
    ports.forEach((p, j) => {
      const port = isObject(p) ? p : {};
      const portPath = `${path}.ports[${j}]`;
      if (ports.length > 1 && !port.name) errs.push(required(`${portPath}.name`));
      else if (port.name) for (const msg of isDNS1123Label(port.name)) errs.push(invalid(`${portPath}.name`, port.name, msg));
      for (const msg of isValidPortNum(port.port ?? 0)) errs.push(invalid(`${portPath}.port`, port.port ?? 0, msg));
      if (!port.protocol) errs.push(required(`${portPath}.protocol`));
      else if (!PROTOCOLS.includes(port.protocol)) errs.push(notSupported(`${portPath}.protocol`, port.protocol, PROTOCOLS));
    });
  });
  return errs;
}

/** formatEndpoints: up to three ip:port pairs, then "+ N more...". */
export function formatEndpoints(ep: KubeObject): string {
  const subsets: any[] = ep.subsets ?? [];
  if (!subsets.length) return '<none>';
  const max = 3;
  const list: string[] = [];
  let count = 0;
  let more = false;
  const hostPort = (ip: string, port: number): string => (ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`);
  for (const subset of subsets) {
    const addresses: any[] = subset.addresses ?? [];
    const ports: any[] = subset.ports ?? [];
    if (!ports.length) {
      // Headless services may have addresses without ports.
      count += addresses.length;
      for (const addr of addresses) {
        if (list.length === max) {
          more = true;
          break;
        }
        list.push(addr.ip);
      }
      continue;
    }
    for (const port of ports) {
      count += addresses.length;
      for (const addr of addresses) {
        if (list.length === max) {
          more = true;
          break;
        }
        list.push(hostPort(addr.ip, port.port));
      }
    }
  }
  const joined = list.join(',');
  return more ? `${joined} + ${count - max} more...` : joined;
}

export const endpointsResource: ResourceType = {
  group: '',
  version: 'v1',
  kind: 'Endpoints',
  listKind: 'EndpointsList',
  plural: 'endpoints',
  singular: 'endpoints',
  namespaced: true,
  shortNames: ['ep'],
  schema: 'io.k8s.api.core.v1.Endpoints',
  generation: false,
  deprecationWarning: 'v1 Endpoints is deprecated in v1.33+; use discovery.k8s.io/v1 EndpointSlice',
  defaults,
  validate,
  table: {
    columns: [nameColumn, column('Endpoints', 'Addresses and ports backing the service.'), ageColumn],
    row: (ep, now) => [ep.metadata?.name ?? '', formatEndpoints(ep), age(ep.metadata?.creationTimestamp, now)],
  },
};

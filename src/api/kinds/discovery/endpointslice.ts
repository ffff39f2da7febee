// discovery.k8s.io/v1 EndpointSlice: the backends of a Service, in slices.
import { duplicate, type FieldError, invalid, notSupported, required, tooMany } from '../../field-errors.ts';
import { age } from '../../printers/age.ts';
import type { KubeObject, ResourceType } from '../../resource-type.ts';
import { validateLabels } from '../../validation/meta.ts';
import {
  isDNS1123Label,
  isDNS1123Subdomain,
  isQualifiedName,
  isValidIPv4Address,
  isValidIPv6Address,
  isValidLabelValue,
} from '../../validation/names.ts';
import { ageColumn, column, nameColumn } from '../apps/printing.ts';
import { validateImmutableField } from '../apps/workload-validation.ts';

const addressTypes = ['FQDN', 'IPv4', 'IPv6'];
const protocols = ['SCTP', 'TCP', 'UDP'];
const MAX_ADDRESSES = 100;
const MAX_PORTS = 20000;
const MAX_ENDPOINTS = 1000;
const MAX_TOPOLOGY_LABELS = 16;
const MAX_HINTS = 8;

/** SetDefaults_EndpointPort: name "" and protocol TCP. */
export function defaultEndpointSlice(obj: KubeObject): void {
  for (const port of Array.isArray(obj.ports) ? obj.ports : []) {
    port.name ??= '';
    port.protocol ??= 'TCP';
  }
  emptyListsAsNull(obj);
}

/**
 * `endpoints` and `ports` have no omitempty, and Kubernetes stores an empty list as none (nil):
 * a slice without them reads back with `endpoints: null` / `ports: null`, as kubectl shows for a
 * Service's placeholder slice.
 */
function emptyListsAsNull(obj: KubeObject): KubeObject {
  for (const field of ['endpoints', 'ports']) {
    if (obj[field] === undefined || (Array.isArray(obj[field]) && obj[field].length === 0)) obj[field] = null;
  }
  return obj;
}

/** validation.IsFullyQualifiedDomainName. */
function validateFQDN(value: string, path: string): FieldError[] {
  if (!value) return [required(path, '')];
  const name = value.endsWith('.') ? value.slice(0, -1) : value;
  const subdomainErrs = isDNS1123Subdomain(name);
  if (subdomainErrs.length > 0) return [invalid(path, name, subdomainErrs.join(','))];
  const labels = name.split('.');
  if (labels.length < 2) return [invalid(path, name, 'should be a domain with at least two segments separated by dots')];
  for (const label of labels) {
    const errs = isDNS1123Label(label);
    if (errs.length > 0) return [invalid(path, label, errs.join(','))];
  }
  return [];
}

// Unlike Kubernetes, loopback and link-local addresses are accepted: Hale's process
// runtime gives pods loopback addresses, and their slices must be storable.
function validateAddress(address: string, addressType: string, path: string): FieldError[] {
  switch (addressType) {
    case 'IPv4':
      return isValidIPv4Address(address).map((msg) => invalid(path, address, msg));
    case 'IPv6':
      return isValidIPv6Address(address).map((msg) => invalid(path, address, msg));
    case 'FQDN':
      return validateFQDN(address, path);
    default:
      return [];
  }
}

function validateHints(hints: KubeObject, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const check = (key: 'forZones' | 'forNodes') => {
    const list: KubeObject[] = Array.isArray(hints[key]) ? hints[key] : [];
    if (list.length > MAX_HINTS) {
      errs.push(tooMany(`${path}.${key}`, list.length, MAX_HINTS));
      return;
    }
    const seen = new Set<string>();
    list.forEach((hint, i) => {
      const namePath = `${path}.${key}[${i}].name`;
      const name = String(hint?.name ?? '');
      if (seen.has(name)) errs.push(duplicate(namePath, name));
      seen.add(name);
      const msgs = key === 'forZones' ? isValidLabelValue(name) : isDNS1123Subdomain(name);
      for (const msg of msgs) errs.push(invalid(namePath, name, msg));
    });
  };
  check('forZones');
  check('forNodes');
  return errs;
}

function validateEndpoints(endpoints: KubeObject[], addressType: string): FieldError[] {
  if (endpoints.length > MAX_ENDPOINTS) return [tooMany('endpoints', endpoints.length, MAX_ENDPOINTS)];
  const errs: FieldError[] = [];
  endpoints.forEach((endpoint, i) => {
    const path = `endpoints[${i}]`;
    const addresses: string[] = Array.isArray(endpoint?.addresses) ? endpoint.addresses : [];
    if (addresses.length === 0) errs.push(required(`${path}.addresses`, 'must contain at least 1 address'));
    else if (addresses.length > MAX_ADDRESSES) errs.push(tooMany(`${path}.addresses`, addresses.length, MAX_ADDRESSES));
    addresses.forEach((address, j) => {
      errs.push(...validateAddress(String(address), addressType, `${path}.addresses[${j}]`));
    });
    if (endpoint?.nodeName != null) {
      for (const msg of isDNS1123Subdomain(endpoint.nodeName)) errs.push(invalid(`${path}.nodeName`, endpoint.nodeName, msg));
    }
    const topology = endpoint?.deprecatedTopology;
    if (topology && Object.keys(topology).length > MAX_TOPOLOGY_LABELS) {
      errs.push(tooMany(`${path}.deprecatedTopology`, Object.keys(topology).length, MAX_TOPOLOGY_LABELS));
    }
    errs.push(...validateLabels(topology, `${path}.deprecatedTopology`));
    if (endpoint?.hostname != null) {
      for (const msg of isDNS1123Label(endpoint.hostname)) errs.push(invalid(`${path}.hostname`, endpoint.hostname, msg));
    }
    if (endpoint?.hints) errs.push(...validateHints(endpoint.hints, `${path}.hints`));
  });
  return errs;
}

function validatePorts(ports: KubeObject[]): FieldError[] {
  if (ports.length > MAX_PORTS) return [tooMany('ports', ports.length, MAX_PORTS)];
  const errs: FieldError[] = [];
  const names = new Set<string>();
  ports.forEach((port, i) => {
    const path = `ports[${i}]`;
    const name = String(port?.name ?? '');
    if (name) for (const msg of isDNS1123Label(name)) errs.push(invalid(`${path}.name`, name, msg));
    if (names.has(name)) errs.push(duplicate(`${path}.name`, name));
    names.add(name);
    if (port?.protocol == null) errs.push(required(`${path}.protocol`, ''));
    else if (!protocols.includes(port.protocol)) errs.push(notSupported(`${path}.protocol`, port.protocol, protocols));
    if (port?.appProtocol != null) {
      for (const msg of isQualifiedName(port.appProtocol)) errs.push(invalid(`${path}.appProtocol`, port.appProtocol, msg));
    }
  });
  return errs;
}

export function validateEndpointSlice(obj: KubeObject): FieldError[] {
  const errs: FieldError[] = [];
  if (!obj.addressType) errs.push(required('addressType', ''));
  else if (!addressTypes.includes(obj.addressType)) errs.push(notSupported('addressType', obj.addressType, addressTypes));
  errs.push(...validateEndpoints(Array.isArray(obj.endpoints) ? obj.endpoints : [], obj.addressType));
  errs.push(...validatePorts(Array.isArray(obj.ports) ? obj.ports : []));
  return errs;
}

/** At most `max` entries joined by ",", then " + N more..."; "<unset>" when empty. */
function listWithMore(items: string[], max = 3): string {
  if (items.length === 0) return '<unset>';
  const shown = items.slice(0, max).join(',');
  return items.length > max ? `${shown} + ${items.length - max} more...` : shown;
}

export const endpointSliceRow = (obj: KubeObject, now: Date) => {
  const ports: KubeObject[] = Array.isArray(obj.ports) ? obj.ports : [];
  const endpoints: KubeObject[] = Array.isArray(obj.endpoints) ? obj.endpoints : [];
  const portCells = ports.map((p) => (p?.port != null ? String(p.port) : p?.name != null ? String(p.name) : '*'));
  const addresses = endpoints.flatMap((e) => (Array.isArray(e?.addresses) ? e.addresses.map(String) : []));
  return [
    obj.metadata?.name ?? '',
    obj.addressType ?? '',
    listWithMore(portCells),
    listWithMore(addresses),
    age(obj.metadata?.creationTimestamp, now),
  ];
};

export const endpointSlices: ResourceType = {
  group: 'discovery.k8s.io',
  version: 'v1',
  kind: 'EndpointSlice',
  plural: 'endpointslices',
  singular: 'endpointslice',
  namespaced: true,
  schema: 'io.k8s.api.discovery.v1.EndpointSlice',
  defaults: defaultEndpointSlice,
  // Slices stored before empty lists were written as null read back the same way.
  fromStorage: emptyListsAsNull,
  validate: validateEndpointSlice,
  validateUpdate: (obj, old) => validateImmutableField(obj.addressType, old.addressType, 'addressType'),
  table: {
    columns: [
      nameColumn,
      column('AddressType', 'string', 'Type of the addresses in the slice.'),
      column('Ports', 'string', 'Ports exposed by the endpoints.'),
      column('Endpoints', 'string', 'Addresses of the endpoints.'),
      ageColumn,
    ],
    row: endpointSliceRow,
  },
};

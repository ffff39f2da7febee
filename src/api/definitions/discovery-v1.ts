// Schema of discovery.k8s.io/v1 EndpointSlice. Field numbers follow
// k8s.io/api/discovery/v1/generated.proto.
import { array, bool, int32, item, map, ref, string } from '../schema/dsl.ts';
import { registerDefinitions } from '../schema/registry.ts';

const META = 'io.k8s.apimachinery.pkg.apis.meta.v1';
const DISCOVERY = 'io.k8s.api.discovery.v1';

registerDefinitions({
  [`${DISCOVERY}.EndpointSlice`]: {
    description: 'A subset of the network endpoints behind a Service.',
    gvk: [{ group: 'discovery.k8s.io', version: 'v1', kind: 'EndpointSlice' }],
    required: ['addressType', 'endpoints'],
    fields: {
      apiVersion: string(0, 'Versioned schema of this object; the server may convert to its own.'),
      kind: string(0, 'REST resource this object represents, in CamelCase.'),
      metadata: ref(`${META}.ObjectMeta`, 1, 'Standard object metadata.'),
      addressType: string(4, 'IPv4, IPv6 or FQDN; immutable.', { enum: ['FQDN', 'IPv4', 'IPv6'] }),
      endpoints: array(item.ref(`${DISCOVERY}.Endpoint`), 2, 'Endpoints of this slice; at most 1000.', { listType: 'atomic' }),
      ports: array(item.ref(`${DISCOVERY}.EndpointPort`), 3, 'Ports every endpoint exposes; at most 100.', { listType: 'atomic' }),
    },
  },
  [`${DISCOVERY}.EndpointSliceList`]: {
    description: 'A list of EndpointSlice objects.',
    gvk: [{ group: 'discovery.k8s.io', version: 'v1', kind: 'EndpointSliceList' }],
    required: ['items'],
    fields: {
      apiVersion: string(0, 'Versioned schema of this list.'),
      kind: string(0, 'REST resource this list represents.'),
      metadata: ref(`${META}.ListMeta`, 1, 'Standard list metadata.'),
      items: array(item.ref(`${DISCOVERY}.EndpointSlice`), 2, 'The endpoint slices.'),
    },
  },
  [`${DISCOVERY}.Endpoint`]: {
    description: 'One backend of a Service.',
    required: ['addresses'],
    fields: {
      addresses: array(item.string, 1, 'Addresses of the endpoint, of the slice addressType; 1 to 100.', { listType: 'set' }),
      conditions: ref(`${DISCOVERY}.EndpointConditions`, 2, 'Readiness of the endpoint.'),
      hostname: string(3, 'Hostname of the endpoint, a DNS label.'),
      targetRef: ref('io.k8s.api.core.v1.ObjectReference', 4, 'The object (usually a Pod) behind this endpoint.'),
      deprecatedTopology: map(item.string, 5, 'Topology from v1beta1; ignored on writes through v1.'),
      nodeName: string(6, 'Node hosting the endpoint.'),
      zone: string(7, 'Zone of the endpoint.'),
      hints: ref(`${DISCOVERY}.EndpointHints`, 8, 'How consumers should route to this endpoint.'),
    },
  },
  [`${DISCOVERY}.EndpointConditions`]: {
    description: 'Current condition of an endpoint.',
    fields: {
      ready: bool(1, 'Ready to receive traffic; unknown (treated as ready) when unset.'),
      serving: bool(2, 'Like ready, but also set while terminating.'),
      terminating: bool(3, 'The endpoint is terminating.'),
    },
  },
  [`${DISCOVERY}.EndpointHints`]: {
    description: 'Routing hints for an endpoint.',
    fields: {
      forZones: array(item.ref(`${DISCOVERY}.ForZone`), 1, 'Zones that should use this endpoint.', { listType: 'atomic' }),
      forNodes: array(item.ref(`${DISCOVERY}.ForNode`), 2, 'Nodes that should use this endpoint.', { listType: 'atomic' }),
    },
  },
  [`${DISCOVERY}.ForZone`]: {
    description: 'A zone that should consume an endpoint.',
    required: ['name'],
    fields: { name: string(1, 'Zone name.') },
  },
  [`${DISCOVERY}.ForNode`]: {
    description: 'A node that should consume an endpoint.',
    required: ['name'],
    fields: { name: string(1, 'Node name.') },
  },
  [`${DISCOVERY}.EndpointPort`]: {
    description: 'A port exposed by the endpoints of a slice.',
    fields: {
      name: string(1, 'Port name, unique in the slice; matches the Service port name.'),
      protocol: string(2, 'TCP (the default), UDP or SCTP.', { enum: ['SCTP', 'TCP', 'UDP'] }),
      port: int32(3, 'Port number; all ports when unset.'),
      appProtocol: string(4, 'Application protocol hint, e.g. kubernetes.io/h2c.'),
    },
  },
});

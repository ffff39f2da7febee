// Schema of the networking.k8s.io/v1 group: Ingress and IngressClass. Field numbers follow
// k8s.io/api/networking/v1/generated.proto. (NetworkPolicy and the IP allocation kinds of
// this group are not served.)
import { array, int32, item, ref, string } from '../schema/dsl.ts';
import { registerDefinitions } from '../schema/registry.ts';

const META = 'io.k8s.apimachinery.pkg.apis.meta.v1';
const CORE = 'io.k8s.api.core.v1';
const NET = 'io.k8s.api.networking.v1';
const n = (name: string): string => `${NET}.${name}`;

registerDefinitions({
  [n('Ingress')]: {
    description:
      'A collection of rules that allow inbound connections to reach the endpoints defined by a backend. An Ingress can be configured to give services externally-reachable urls, load balance traffic, terminate SSL, offer name based virtual hosting etc.',
    gvk: [{ group: 'networking.k8s.io', version: 'v1', kind: 'Ingress' }],
    fields: {
      apiVersion: string(0, 'Versioned schema of this object; the server may convert to its own.'),
      kind: string(0, 'REST resource this object represents, in CamelCase.'),
      metadata: ref(`${META}.ObjectMeta`, 1, 'Standard object metadata.'),
      spec: ref(n('IngressSpec'), 2, 'Desired state of the Ingress.'),
      status: ref(n('IngressStatus'), 3, 'Current state of the Ingress, written by its ingress controller.'),
    },
  },
  [n('IngressList')]: {
    description: 'A list of Ingress objects.',
    gvk: [{ group: 'networking.k8s.io', version: 'v1', kind: 'IngressList' }],
    required: ['items'],
    fields: {
      apiVersion: string(0, 'Versioned schema of this list.'),
      kind: string(0, 'REST resource this list represents.'),
      metadata: ref(`${META}.ListMeta`, 1, 'Standard list metadata.'),
      items: array(item.ref(n('Ingress')), 2, 'The ingresses.'),
    },
  },
  [n('IngressSpec')]: {
    description: 'The Ingress a user wishes to exist.',
    fields: {
      ingressClassName: string(
        4,
        'Name of the IngressClass cluster resource whose controller implements this Ingress; when unset, the default IngressClass (if any) applies.',
      ),
      defaultBackend: ref(n('IngressBackend'), 1, 'Backend for requests that match no rule; controller-specific when unset.'),
      tls: array(item.ref(n('IngressTLS')), 2, 'TLS configuration: hosts and the Secret holding their certificate.', {
        listType: 'atomic',
      }),
      rules: array(item.ref(n('IngressRule')), 3, 'Host rules; traffic matching no rule goes to the default backend.', {
        listType: 'atomic',
      }),
    },
  },
  [n('IngressTLS')]: {
    description: 'Transport layer security of an ingress.',
    fields: {
      hosts: array(item.string, 1, 'Hosts included in the TLS certificate; must match the hosts of the rules.', {
        listType: 'atomic',
      }),
      secretName: string(2, 'Name of the Secret holding the certificate and key used to terminate TLS on port 443.'),
    },
  },
  [n('IngressRule')]: {
    description:
      'Maps the paths under a host to backends. Requests for the host are matched against the paths; without a host the rule applies to all inbound HTTP traffic to the IP.',
    inline: [{ proto: 2, ref: n('IngressRuleValue') }],
    fields: {
      host: string(
        1,
        'Fully qualified domain name of a network host (RFC 3986), not an IP; a leading "*." label makes it a wildcard matching exactly one label.',
      ),
    },
  },
  [n('IngressRuleValue')]: {
    description: 'How requests of a rule are sent to backends; exactly one member is set.',
    fields: {
      http: ref(n('HTTPIngressRuleValue'), 1, 'HTTP paths of the rule.'),
    },
  },
  [n('HTTPIngressRuleValue')]: {
    description: 'A list of HTTP path selectors pointing to backends, e.g. http://<host>/<path>?<searchpart> -> backend.',
    required: ['paths'],
    fields: {
      paths: array(item.ref(n('HTTPIngressPath')), 1, 'Paths mapped to backends.', { listType: 'atomic' }),
    },
  },
  [n('HTTPIngressPath')]: {
    description: 'Associates a path with a backend; requests matching the path go to the backend.',
    required: ['pathType', 'backend'],
    fields: {
      path: string(1, 'Path matched against the path of a request; must begin with "/" for the Exact and Prefix path types.'),
      pathType: string(
        3,
        'How the path is matched: Exact (the URL path exactly), Prefix (by path elements split on "/"), or ImplementationSpecific (up to the IngressClass).',
      ),
      backend: ref(n('IngressBackend'), 2, 'Service (or resource) the matching traffic is sent to.'),
    },
  },
  [n('IngressBackend')]: {
    description: 'The referenced service or resource; exactly one of service and resource is set.',
    fields: {
      service: ref(n('IngressServiceBackend'), 4, 'A Service backend; mutually exclusive with resource.'),
      resource: ref(
        `${CORE}.TypedLocalObjectReference`,
        3,
        'Another object in the namespace of the Ingress; mutually exclusive with service.',
      ),
    },
  },
  [n('IngressServiceBackend')]: {
    description: 'A referenced Service as a backend.',
    required: ['name'],
    fields: {
      name: string(1, 'Name of the referenced Service, in the namespace of the Ingress.'),
      port: ref(n('ServiceBackendPort'), 2, 'Port of the referenced Service; a port name or number is required.'),
    },
  },
  [n('ServiceBackendPort')]: {
    description: 'A Service port: by name or by number.',
    fields: {
      name: string(1, 'Name of the port on the Service; mutually exclusive with number.'),
      number: int32(2, 'Numerical port on the Service; mutually exclusive with name.', { omitZero: true }),
    },
  },
  [n('IngressStatus')]: {
    description: 'Current state of the Ingress.',
    fields: {
      loadBalancer: ref(n('IngressLoadBalancerStatus'), 1, 'Current state of the load balancer.'),
    },
  },
  [n('IngressLoadBalancerStatus')]: {
    description: 'Status of the load balancer of an Ingress.',
    fields: {
      ingress: array(item.ref(n('IngressLoadBalancerIngress')), 1, 'Ingress points of the load balancer.', {
        listType: 'atomic',
      }),
    },
  },
  [n('IngressLoadBalancerIngress')]: {
    description: 'The endpoint of an ingress point.',
    fields: {
      ip: string(1, 'IP address of the ingress point.'),
      hostname: string(2, 'DNS name of the ingress point.'),
      ports: array(item.ref(n('IngressPortStatus')), 4, 'Information about the ports of the ingress point.', {
        listType: 'atomic',
      }),
    },
  },
  [n('IngressPortStatus')]: {
    description: 'Error condition of a service port.',
    required: ['port', 'protocol'],
    fields: {
      port: int32(1, 'Port number of the ingress port.'),
      protocol: string(2, 'Protocol of the ingress port: TCP, UDP or SCTP.', { enum: ['SCTP', 'TCP', 'UDP'] }),
      error: string(3, 'Problem with this port, as a CamelCase (optionally prefixed) word.'),
    },
  },
  [n('IngressClass')]: {
    description:
      'Represents the class of an Ingress, referenced by its spec.ingressClassName. The annotation ingressclass.kubernetes.io/is-default-class marks the class used for Ingresses that name none.',
    gvk: [{ group: 'networking.k8s.io', version: 'v1', kind: 'IngressClass' }],
    fields: {
      apiVersion: string(0, 'Versioned schema of this object; the server may convert to its own.'),
      kind: string(0, 'REST resource this object represents, in CamelCase.'),
      metadata: ref(`${META}.ObjectMeta`, 1, 'Standard object metadata.'),
      spec: ref(n('IngressClassSpec'), 2, 'Desired state of the IngressClass.'),
    },
  },
  [n('IngressClassList')]: {
    description: 'A list of IngressClass objects.',
    gvk: [{ group: 'networking.k8s.io', version: 'v1', kind: 'IngressClassList' }],
    required: ['items'],
    fields: {
      apiVersion: string(0, 'Versioned schema of this list.'),
      kind: string(0, 'REST resource this list represents.'),
      metadata: ref(`${META}.ListMeta`, 1, 'Standard list metadata.'),
      items: array(item.ref(n('IngressClass')), 2, 'The ingress classes.'),
    },
  },
  [n('IngressClassSpec')]: {
    description: 'The IngressClass a user wishes to exist.',
    fields: {
      controller: string(
        1,
        'Name of the controller that implements this class, a domain-prefixed path such as "acme.io/ingress-controller"; immutable.',
      ),
      parameters: ref(n('IngressClassParametersReference'), 2, 'A resource holding further configuration for the controller.'),
    },
  },
  [n('IngressClassParametersReference')]: {
    description: 'Identifies an API object (cluster- or namespace-scoped) holding parameters of an IngressClass.',
    required: ['kind', 'name'],
    fields: {
      apiGroup: string(1, 'API group of the referenced resource; the core group when unset.'),
      kind: string(2, 'Kind of the referenced resource.'),
      name: string(3, 'Name of the referenced resource.'),
      scope: string(4, 'Cluster (the default) or Namespace: the scope of the referenced resource.'),
      namespace: string(5, 'Namespace of the referenced resource; required when scope is Namespace, forbidden when Cluster.'),
    },
  },
});

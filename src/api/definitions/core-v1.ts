// io.k8s.api.core.v1 definitions for the core kinds other than Pod: Namespace, Service,
// Endpoints, ConfigMap, Secret, ServiceAccount, Node, Event, PersistentVolume(Claim),
// ReplicationController, Binding, and the PV-only volume sources. Field numbers are those
// of k8s.io/api/core/v1/generated.proto. Pod-shared types (PodTemplateSpec, NodeSelector,
// LocalObjectReference, the pod *VolumeSource types) are defined by the pod definitions.
import { array, bool, int32, int64, intOrString, item, map, microTime, ref, string, time } from '../schema/dsl.ts';
import { registerDefinitions } from '../schema/registry.ts';
import type { Definition, Definitions } from '../schema/types.ts';

const core = (name: string): string => `io.k8s.api.core.v1.${name}`;
const meta = (name: string): string => `io.k8s.apimachinery.pkg.apis.meta.v1.${name}`;

const OBJECT_META = meta('ObjectMeta');
const LIST_META = meta('ListMeta');

/** Top-level kind with apiVersion/kind/metadata plus its own fields. */
function kind(kindName: string, description: string, fields: Definition['fields'], extra: Partial<Definition> = {}): Definition {
  return {
    description,
    gvk: [{ group: '', version: 'v1', kind: kindName }],
    ...extra,
    fields: {
      apiVersion: string(0, 'Versioned schema of this object; lets clients interpret it.'),
      kind: string(0, 'The REST resource type this object represents, in CamelCase.'),
      metadata: ref(OBJECT_META, 1, "The object's standard metadata."),
      ...fields,
    },
  };
}

/** The <Kind>List wrapper. */
function list(kindName: string, description: string): Definition {
  return {
    description,
    gvk: [{ group: '', version: 'v1', kind: `${kindName}List` }],
    required: ['items'],
    fields: {
      apiVersion: string(0, 'Versioned schema of this object; lets clients interpret it.'),
      kind: string(0, 'The REST resource type this object represents, in CamelCase.'),
      metadata: ref(LIST_META, 1, 'Standard list metadata (resourceVersion, continue token).'),
      items: array(item.ref(core(kindName)), 2, `The ${kindName} objects in this list.`),
    },
  };
}

const conditionFields = {
  type: string(1, 'Which condition this is.'),
  status: string(2, 'True, False or Unknown.'),
};

const namespaceDefs: Definitions = {
  [core('Namespace')]: kind('Namespace', 'A scope for names; most objects live in exactly one namespace.', {
    spec: ref(core('NamespaceSpec'), 2, 'Desired behaviour of the namespace.'),
    status: ref(core('NamespaceStatus'), 3, 'Observed state of the namespace.'),
  }),
  [core('NamespaceList')]: list('Namespace', 'A list of namespaces.'),
  [core('NamespaceSpec')]: {
    description: 'Attributes of a namespace.',
    fields: {
      finalizers: array(item.string, 1, 'Opaque values that must all be removed before the namespace is deleted for good.', {
        listType: 'atomic',
      }),
    },
  },
  [core('NamespaceStatus')]: {
    description: 'Observed state of a namespace.',
    fields: {
      phase: string(1, 'Lifecycle phase: Active or Terminating.', { enum: ['Active', 'Terminating'] }),
      conditions: array(item.ref(core('NamespaceCondition')), 2, 'Latest observations of the namespace state.', {
        patchStrategy: 'merge',
        patchMergeKey: 'type',
        listType: 'map',
        listMapKeys: ['type'],
      }),
    },
  },
  [core('NamespaceCondition')]: {
    description: 'One observation about a namespace.',
    required: ['type', 'status'],
    fields: {
      ...conditionFields,
      lastTransitionTime: time(4, 'When the condition last changed status.'),
      reason: string(5, 'One-word CamelCase reason for the last transition.'),
      message: string(6, 'Human-readable details about the last transition.'),
    },
  },
};

const serviceDefs: Definitions = {
  [core('Service')]: kind('Service', 'A stable virtual address and port set in front of the pods matched by a selector.', {
    spec: ref(core('ServiceSpec'), 2, 'Desired behaviour of the service.'),
    status: ref(core('ServiceStatus'), 3, 'Observed state of the service.'),
  }),
  [core('ServiceList')]: list('Service', 'A list of services.'),
  [core('ServiceSpec')]: {
    description: 'What a user asks of a service.',
    fields: {
      ports: array(item.ref(core('ServicePort')), 1, 'Ports this service exposes.', {
        patchStrategy: 'merge',
        patchMergeKey: 'port',
        listType: 'map',
        listMapKeys: ['port', 'protocol'],
      }),
      selector: map(item.string, 2, 'Pods whose labels match receive the traffic; empty means endpoints are managed externally.'),
      clusterIP: string(3, 'Virtual IP of the service; "None" makes a headless service. Usually allocated.'),
      clusterIPs: array(item.string, 18, 'All virtual IPs of the service (one per IP family); the first equals clusterIP.', {
        listType: 'atomic',
      }),
      type: string(4, 'How the service is exposed: ClusterIP (default), NodePort, LoadBalancer or ExternalName.', {
        enum: ['ClusterIP', 'ExternalName', 'LoadBalancer', 'NodePort'],
      }),
      externalIPs: array(item.string, 5, 'Extra IPs on which nodes also accept traffic for this service.', { listType: 'atomic' }),
      sessionAffinity: string(7, 'ClientIP keeps a client on one endpoint; None (default) does not.', { enum: ['ClientIP', 'None'] }),
      loadBalancerIP: string(8, 'Deprecated: requested load-balancer IP, where the provider supports it.'),
      loadBalancerSourceRanges: array(item.string, 9, 'Client CIDRs allowed through the load balancer.', { listType: 'atomic' }),
      externalName: string(10, 'DNS name this service aliases (type ExternalName only).'),
      externalTrafficPolicy: string(
        11,
        'Cluster (default) spreads external traffic to all endpoints; Local keeps it on the receiving node.',
        {
          enum: ['Cluster', 'Local'],
        },
      ),
      healthCheckNodePort: int32(12, 'Node port answering health checks for LoadBalancer services with Local traffic policy.', {
        omitZero: true,
      }),
      publishNotReadyAddresses: bool(13, 'Publish endpoints even when their pods are not ready.', { omitZero: true }),
      sessionAffinityConfig: ref(core('SessionAffinityConfig'), 14, 'Settings for session affinity.'),
      ipFamilies: array(item.string, 19, 'IP families (IPv4, IPv6) of the service, in clusterIPs order.', { listType: 'atomic' }),
      ipFamilyPolicy: string(17, 'SingleStack, PreferDualStack or RequireDualStack.', {
        enum: ['PreferDualStack', 'RequireDualStack', 'SingleStack'],
      }),
      allocateLoadBalancerNodePorts: bool(20, 'Whether LoadBalancer services get node ports allocated (default true).'),
      loadBalancerClass: string(21, 'Load-balancer implementation that handles this service.'),
      internalTrafficPolicy: string(22, 'Cluster (default) or Local routing of traffic sent to the cluster IP.', {
        enum: ['Cluster', 'Local'],
      }),
      trafficDistribution: string(23, 'Hint on how to spread traffic across endpoints, e.g. PreferClose.'),
    },
  },
  [core('ServicePort')]: {
    description: 'One port of a service.',
    required: ['port'],
    fields: {
      name: string(1, 'Port name (a DNS label); required when the service has several ports.'),
      protocol: string(2, 'TCP (default), UDP or SCTP.', { enum: ['SCTP', 'TCP', 'UDP'] }),
      appProtocol: string(6, 'Application protocol hint, e.g. http or kubernetes.io/h2c.'),
      port: int32(3, 'Port the service listens on.'),
      targetPort: intOrString(4, 'Port number or name on the pods; defaults to port.'),
      nodePort: int32(5, 'Port opened on every node for NodePort and LoadBalancer services; usually allocated.', { omitZero: true }),
    },
  },
  [core('ServiceStatus')]: {
    description: 'Observed state of a service.',
    fields: {
      loadBalancer: ref(core('LoadBalancerStatus'), 1, 'State of the load balancer, if any.'),
      conditions: array(item.ref(meta('Condition')), 2, 'Current service conditions.', {
        patchStrategy: 'merge',
        patchMergeKey: 'type',
        listType: 'map',
        listMapKeys: ['type'],
      }),
    },
  },
  [core('LoadBalancerStatus')]: {
    description: 'State of a load balancer.',
    fields: {
      ingress: array(item.ref(core('LoadBalancerIngress')), 1, 'Addresses where the load balancer receives traffic.', {
        listType: 'atomic',
      }),
    },
  },
  [core('LoadBalancerIngress')]: {
    description: 'One entry point of a load balancer.',
    fields: {
      ip: string(1, 'IP address of the entry point.'),
      hostname: string(2, 'DNS name of the entry point.'),
      ipMode: string(3, 'VIP or Proxy: how traffic to the IP reaches nodes.'),
      ports: array(item.ref(core('PortStatus')), 4, 'Per-port status records.', { listType: 'atomic' }),
    },
  },
  [core('PortStatus')]: {
    description: 'Error state of one service port.',
    required: ['port', 'protocol'],
    fields: {
      port: int32(1, 'Service port number.'),
      protocol: string(2, 'Service port protocol.'),
      error: string(3, 'Problem with this port, as a CamelCase (optionally prefixed) word.'),
    },
  },
  [core('SessionAffinityConfig')]: {
    description: 'Session affinity settings.',
    fields: { clientIP: ref(core('ClientIPConfig'), 1, 'Settings for ClientIP affinity.') },
  },
  [core('ClientIPConfig')]: {
    description: 'ClientIP affinity settings.',
    fields: { timeoutSeconds: int32(1, 'How long a client sticks to an endpoint (1..86400, default 10800).') },
  },
};

const endpointsDefs: Definitions = {
  [core('Endpoints')]: kind('Endpoints', 'The addresses and ports that currently back a service.', {
    subsets: array(item.ref(core('EndpointSubset')), 2, 'Groups of addresses that share the same ports.', { listType: 'atomic' }),
  }),
  [core('EndpointsList')]: list('Endpoints', 'A list of endpoints.'),
  [core('EndpointSubset')]: {
    description: 'Addresses sharing a set of ports; the endpoints are every address with every port.',
    fields: {
      addresses: array(item.ref(core('EndpointAddress')), 1, 'Ready addresses.', { listType: 'atomic' }),
      notReadyAddresses: array(item.ref(core('EndpointAddress')), 2, 'Addresses not ready for traffic yet.', { listType: 'atomic' }),
      ports: array(item.ref(core('EndpointPort')), 3, 'Ports available on the addresses.', { listType: 'atomic' }),
    },
  },
  [core('EndpointAddress')]: {
    description: 'One endpoint IP.',
    required: ['ip'],
    fields: {
      ip: string(1, 'The endpoint IP.'),
      hostname: string(3, 'Hostname of the endpoint.'),
      nodeName: string(4, 'Node hosting the endpoint.'),
      targetRef: ref(core('ObjectReference'), 2, 'The object (usually a pod) providing the endpoint.'),
    },
  },
  [core('EndpointPort')]: {
    description: 'One endpoint port.',
    required: ['port'],
    fields: {
      name: string(1, "Must match the name of the service's port; optional when there is one port."),
      port: int32(2, 'Port number.'),
      protocol: string(3, 'TCP (default), UDP or SCTP.', { enum: ['SCTP', 'TCP', 'UDP'] }),
      appProtocol: string(4, 'Application protocol hint.'),
    },
  },
};

const configDefs: Definitions = {
  [core('ConfigMap')]: kind('ConfigMap', 'Non-secret configuration data for pods.', {
    immutable: bool(4, 'When true, data and binaryData can no longer change.'),
    data: map(item.string, 2, 'UTF-8 configuration values by key.'),
    binaryData: map(item.bytes, 3, 'Binary values by key (base64 in JSON); keys may not repeat those of data.'),
  }),
  [core('ConfigMapList')]: list('ConfigMap', 'A list of config maps.'),
  [core('Secret')]: kind('Secret', 'Sensitive data (passwords, tokens, keys) for pods.', {
    immutable: bool(5, 'When true, data can no longer change.'),
    data: map(item.bytes, 2, 'Secret values by key, base64-encoded in JSON.'),
    stringData: map(item.string, 4, 'Write-only plain-text values merged into data on write.'),
    type: string(3, 'Kind of secret, e.g. Opaque or kubernetes.io/tls; decides which keys are required.'),
  }),
  [core('SecretList')]: list('Secret', 'A list of secrets.'),
  [core('ServiceAccount')]: kind('ServiceAccount', 'An identity for processes running in pods.', {
    secrets: array(item.ref(core('ObjectReference')), 2, 'Secrets pods of this account may use.', {
      patchStrategy: 'merge',
      patchMergeKey: 'name',
      listType: 'map',
      listMapKeys: ['name'],
    }),
    imagePullSecrets: array(item.ref(core('LocalObjectReference')), 3, 'Secrets used to pull images for pods of this account.', {
      listType: 'atomic',
    }),
    automountServiceAccountToken: bool(4, "Whether pods get this account's API token mounted by default."),
  }),
  [core('ServiceAccountList')]: list('ServiceAccount', 'A list of service accounts.'),
};

const nodeDefs: Definitions = {
  [core('Node')]: kind('Node', 'A machine that runs pods.', {
    spec: ref(core('NodeSpec'), 2, 'Desired behaviour of the node.'),
    status: ref(core('NodeStatus'), 3, 'Observed state of the node, reported by its agent.'),
  }),
  [core('NodeList')]: list('Node', 'A list of nodes.'),
  [core('NodeSpec')]: {
    description: 'Attributes a node is created with.',
    fields: {
      podCIDR: string(1, 'Pod IP range assigned to the node.'),
      podCIDRs: array(item.string, 7, 'Pod IP ranges, at most one per IP family; the first equals podCIDR.', {
        patchStrategy: 'merge',
        listType: 'set',
      }),
      providerID: string(3, 'Cloud provider ID, <ProviderName>://<ID>.'),
      unschedulable: bool(4, 'When true, no new pods are scheduled here (cordon).'),
      taints: array(item.ref(core('Taint')), 5, 'Taints that repel pods without a matching toleration.', { listType: 'atomic' }),
      configSource: ref(core('NodeConfigSource'), 6, 'Deprecated: dynamic kubelet config source.'),
      externalID: string(2, 'Deprecated.'),
    },
  },
  [core('NodeStatus')]: {
    description: 'Observed state of a node.',
    fields: {
      capacity: map(item.quantity, 1, 'Total resources of the node.'),
      allocatable: map(item.quantity, 2, 'Resources available for pods; defaults to capacity.'),
      phase: string(3, 'Deprecated and unused.'),
      conditions: array(item.ref(core('NodeCondition')), 4, 'Current node conditions such as Ready.', {
        patchStrategy: 'merge',
        patchMergeKey: 'type',
        listType: 'map',
        listMapKeys: ['type'],
      }),
      addresses: array(item.ref(core('NodeAddress')), 5, 'Addresses of the node.', {
        patchStrategy: 'merge',
        patchMergeKey: 'type',
        listType: 'map',
        listMapKeys: ['type'],
      }),
      daemonEndpoints: ref(core('NodeDaemonEndpoints'), 6, 'Ports of daemons on the node.'),
      nodeInfo: ref(core('NodeSystemInfo'), 7, 'Identity and versions reported by the node.'),
      images: array(item.ref(core('ContainerImage')), 8, 'Images present on the node.', { listType: 'atomic' }),
      volumesInUse: array(item.string, 9, 'Attachable volumes in use on the node.', { listType: 'atomic' }),
      volumesAttached: array(item.ref(core('AttachedVolume')), 10, 'Volumes attached to the node.', { listType: 'atomic' }),
      config: ref(core('NodeConfigStatus'), 11, 'Deprecated dynamic config status.'),
      runtimeHandlers: array(item.ref(core('NodeRuntimeHandler')), 12, 'Runtime handlers available on the node.', {
        listType: 'atomic',
      }),
      features: ref(core('NodeFeatures'), 13, 'Features the container runtime implements.'),
    },
  },
  [core('NodeCondition')]: {
    description: 'One observation about a node.',
    required: ['type', 'status'],
    fields: {
      ...conditionFields,
      lastHeartbeatTime: time(3, 'Last time the condition was reported.'),
      lastTransitionTime: time(4, 'When the condition last changed status.'),
      reason: string(5, 'Short reason for the last transition.'),
      message: string(6, 'Human-readable details about the last transition.'),
    },
  },
  [core('NodeAddress')]: {
    description: 'One address of a node.',
    required: ['type', 'address'],
    fields: {
      type: string(1, 'Hostname, InternalIP, ExternalIP, InternalDNS or ExternalDNS.'),
      address: string(2, 'The address.'),
    },
  },
  [core('NodeDaemonEndpoints')]: {
    description: 'Ports opened by daemons on the node.',
    fields: { kubeletEndpoint: ref(core('DaemonEndpoint'), 1, 'Where the node agent listens.') },
  },
  [core('DaemonEndpoint')]: {
    description: 'One daemon port.',
    required: ['Port'],
    fields: { Port: int32(1, 'Port number.') },
  },
  [core('NodeSystemInfo')]: {
    description: 'Identifiers and versions reported by a node.',
    required: [
      'machineID',
      'systemUUID',
      'bootID',
      'kernelVersion',
      'osImage',
      'containerRuntimeVersion',
      'kubeletVersion',
      'kubeProxyVersion',
      'operatingSystem',
      'architecture',
    ],
    fields: {
      machineID: string(1, 'Machine ID of the host.'),
      systemUUID: string(2, 'System UUID of the host.'),
      bootID: string(3, 'Boot ID; changes on every reboot.'),
      kernelVersion: string(4, 'Kernel version (uname -r).'),
      osImage: string(5, 'OS name from /etc/os-release.'),
      containerRuntimeVersion: string(6, 'Runtime name and version, e.g. containerd://1.7.0.'),
      kubeletVersion: string(7, 'Version of the node agent.'),
      kubeProxyVersion: string(8, 'Deprecated: version of the service proxy.'),
      operatingSystem: string(9, 'Operating system, e.g. linux.'),
      architecture: string(10, 'CPU architecture, e.g. amd64.'),
      swap: ref(core('NodeSwapStatus'), 11, 'Swap memory of the node.'),
    },
  },
  [core('NodeSwapStatus')]: {
    description: 'Swap memory of a node.',
    fields: { capacity: int64(1, 'Total swap in bytes.') },
  },
  [core('ContainerImage')]: {
    description: 'An image present on a node.',
    fields: {
      names: array(item.string, 1, 'Names the image is known by.', { listType: 'atomic' }),
      sizeBytes: int64(2, 'Image size in bytes.'),
    },
  },
  [core('AttachedVolume')]: {
    description: 'A volume attached to a node.',
    required: ['name', 'devicePath'],
    fields: {
      name: string(1, 'Name of the attached volume.'),
      devicePath: string(2, 'Device path where the volume is available.'),
    },
  },
  [core('Taint')]: {
    description: 'A mark on a node that repels pods not tolerating it.',
    required: ['key', 'effect'],
    fields: {
      key: string(1, 'Taint key.'),
      value: string(2, 'Taint value.'),
      effect: string(3, 'NoSchedule, PreferNoSchedule or NoExecute.', { enum: ['NoExecute', 'NoSchedule', 'PreferNoSchedule'] }),
      timeAdded: time(4, 'When the taint was added (NoExecute taints).'),
    },
  },
  [core('NodeConfigSource')]: {
    description: 'Deprecated: source of dynamic node configuration.',
    fields: { configMap: ref(core('ConfigMapNodeConfigSource'), 2, 'ConfigMap holding the configuration.') },
  },
  [core('ConfigMapNodeConfigSource')]: {
    description: 'Deprecated: a ConfigMap used as node configuration.',
    required: ['namespace', 'name', 'kubeletConfigKey'],
    fields: {
      namespace: string(1, 'Namespace of the ConfigMap.'),
      name: string(2, 'Name of the ConfigMap.'),
      uid: string(3, 'UID of the ConfigMap.'),
      resourceVersion: string(4, 'resourceVersion of the ConfigMap.'),
      kubeletConfigKey: string(5, 'Key holding the configuration.'),
    },
  },
  [core('NodeConfigStatus')]: {
    description: 'Deprecated: status of dynamic node configuration.',
    fields: {
      assigned: ref(core('NodeConfigSource'), 1, 'Configuration the node will try to use.'),
      active: ref(core('NodeConfigSource'), 2, 'Configuration in use.'),
      lastKnownGood: ref(core('NodeConfigSource'), 3, 'Fallback configuration.'),
      error: string(4, 'Problem applying the configuration.'),
    },
  },
  [core('NodeRuntimeHandler')]: {
    description: 'A runtime handler available on a node.',
    fields: {
      name: string(1, 'Handler name; empty for the default handler.'),
      features: ref(core('NodeRuntimeHandlerFeatures'), 2, 'Features of the handler.'),
    },
  },
  [core('NodeRuntimeHandlerFeatures')]: {
    description: 'Features a runtime handler supports.',
    fields: {
      recursiveReadOnlyMounts: bool(1, 'Supports recursive read-only mounts.'),
      userNamespaces: bool(2, 'Supports user namespaces.'),
    },
  },
  [core('NodeFeatures')]: {
    description: 'Features the container runtime implements.',
    fields: { supplementalGroupsPolicy: bool(1, 'Supports supplementalGroupsPolicy and container users.') },
  },
};

const eventDefs: Definitions = {
  [core('Event')]: kind(
    'Event',
    'A report of something that happened to an object; kept for a limited time.',
    {
      involvedObject: ref(core('ObjectReference'), 2, 'The object the event is about.'),
      reason: string(3, 'Short machine-readable reason, e.g. Scheduled.'),
      message: string(4, 'Human-readable description.'),
      source: ref(core('EventSource'), 5, 'Component that reported the event.'),
      firstTimestamp: time(6, 'When the event was first recorded.'),
      lastTimestamp: time(7, 'When the event was most recently recorded.'),
      count: int32(8, 'How many times the event happened.'),
      type: string(9, 'Normal or Warning.'),
      eventTime: microTime(10, 'When the event was first observed (new-style events).'),
      series: ref(core('EventSeries'), 11, 'Series data when the event repeats.'),
      action: string(12, 'What was done or failed about the object.'),
      related: ref(core('ObjectReference'), 13, 'A secondary object involved.'),
      reportingComponent: string(14, 'Controller that emitted the event, e.g. kubernetes.io/kubelet.'),
      reportingInstance: string(15, 'Instance of that controller, e.g. kubelet-node1.'),
    },
    { required: ['metadata', 'involvedObject'] },
  ),
  [core('EventList')]: list('Event', 'A list of events.'),
  [core('EventSource')]: {
    description: 'Where an event came from.',
    fields: {
      component: string(1, 'Reporting component.'),
      host: string(2, 'Node the event was generated on.'),
    },
  },
  [core('EventSeries')]: {
    description: 'A repeating event.',
    fields: {
      count: int32(1, 'Occurrences so far.'),
      lastObservedTime: microTime(2, 'Time of the latest occurrence.'),
    },
  },
  [core('ObjectReference')]: {
    description: 'A reference to another object.',
    fields: {
      kind: string(1, 'Kind of the referent.'),
      namespace: string(2, 'Namespace of the referent.'),
      name: string(3, 'Name of the referent.'),
      uid: string(4, 'UID of the referent.'),
      apiVersion: string(5, 'API version of the referent.'),
      resourceVersion: string(6, 'Specific resourceVersion referred to, if any.'),
      fieldPath: string(7, 'Part of the object referred to, e.g. spec.containers{web}.'),
    },
  },
  [core('Binding')]: kind(
    'Binding',
    'Ties one object to another, e.g. a pod to the node that will run it.',
    { target: ref(core('ObjectReference'), 2, 'The object to bind to.') },
    { required: ['target'] },
  ),
};

const secretRefFields = {
  name: string(1, 'Name of the secret.'),
  namespace: string(2, 'Namespace of the secret.'),
};

const pvSourceDefs: Definitions = {
  [core('PersistentVolumeSource')]: {
    description: 'Where the storage of a persistent volume lives; exactly one member is set.',
    fields: {
      gcePersistentDisk: ref(core('GCEPersistentDiskVolumeSource'), 1, 'Deprecated: a GCE persistent disk.'),
      awsElasticBlockStore: ref(core('AWSElasticBlockStoreVolumeSource'), 2, 'Deprecated: an AWS EBS disk.'),
      hostPath: ref(core('HostPathVolumeSource'), 3, 'A directory on the host (single-node testing only).'),
      glusterfs: ref(core('GlusterfsPersistentVolumeSource'), 4, 'Deprecated: a Glusterfs volume.'),
      nfs: ref(core('NFSVolumeSource'), 5, 'An NFS export.'),
      rbd: ref(core('RBDPersistentVolumeSource'), 6, 'Deprecated: a Rados block device.'),
      iscsi: ref(core('ISCSIPersistentVolumeSource'), 7, 'An iSCSI disk.'),
      cinder: ref(core('CinderPersistentVolumeSource'), 8, 'Deprecated: an OpenStack Cinder volume.'),
      cephfs: ref(core('CephFSPersistentVolumeSource'), 9, 'Deprecated: a CephFS mount.'),
      fc: ref(core('FCVolumeSource'), 10, 'A Fibre Channel disk.'),
      flocker: ref(core('FlockerVolumeSource'), 11, 'Deprecated: a Flocker dataset.'),
      flexVolume: ref(core('FlexPersistentVolumeSource'), 12, 'Deprecated: an exec-plugin volume.'),
      azureFile: ref(core('AzureFilePersistentVolumeSource'), 13, 'Deprecated: an Azure File share.'),
      vsphereVolume: ref(core('VsphereVirtualDiskVolumeSource'), 14, 'Deprecated: a vSphere disk.'),
      quobyte: ref(core('QuobyteVolumeSource'), 15, 'Deprecated: a Quobyte volume.'),
      azureDisk: ref(core('AzureDiskVolumeSource'), 16, 'Deprecated: an Azure data disk.'),
      photonPersistentDisk: ref(core('PhotonPersistentDiskVolumeSource'), 17, 'Deprecated: a Photon Controller disk.'),
      portworxVolume: ref(core('PortworxVolumeSource'), 18, 'Deprecated: a Portworx volume.'),
      scaleIO: ref(core('ScaleIOPersistentVolumeSource'), 19, 'Deprecated: a ScaleIO volume.'),
      local: ref(core('LocalVolumeSource'), 20, 'Storage directly attached to one node.'),
      storageos: ref(core('StorageOSPersistentVolumeSource'), 21, 'Deprecated: a StorageOS volume.'),
      csi: ref(core('CSIPersistentVolumeSource'), 22, 'Storage handled by an external CSI driver.'),
    },
  },
  [core('CSIPersistentVolumeSource')]: {
    description: 'A volume managed by an external CSI driver.',
    required: ['driver', 'volumeHandle'],
    fields: {
      driver: string(1, 'Name of the CSI driver.'),
      volumeHandle: string(2, "The driver's unique ID of the volume."),
      readOnly: bool(3, 'Publish read-only.'),
      fsType: string(4, 'Filesystem type to mount.'),
      volumeAttributes: map(item.string, 5, 'Driver-specific attributes.'),
      controllerPublishSecretRef: ref(core('SecretReference'), 6, 'Secret for controller publish/unpublish calls.'),
      nodeStageSecretRef: ref(core('SecretReference'), 7, 'Secret for node stage/unstage calls.'),
      nodePublishSecretRef: ref(core('SecretReference'), 8, 'Secret for node publish/unpublish calls.'),
      controllerExpandSecretRef: ref(core('SecretReference'), 9, 'Secret for controller expand calls.'),
      nodeExpandSecretRef: ref(core('SecretReference'), 10, 'Secret for node expand calls.'),
    },
  },
  [core('LocalVolumeSource')]: {
    description: 'Storage attached to one node (a directory or block device).',
    required: ['path'],
    fields: {
      path: string(1, 'Full path of the directory or device on the node.'),
      fsType: string(2, 'Filesystem type, for block devices only.'),
    },
  },
  [core('ISCSIPersistentVolumeSource')]: {
    description: 'An iSCSI disk for a persistent volume.',
    required: ['targetPortal', 'iqn', 'lun'],
    fields: {
      targetPortal: string(1, 'Target portal: an IP or ip:port.'),
      iqn: string(2, 'Target iSCSI qualified name.'),
      lun: int32(3, 'Target LUN number.'),
      iscsiInterface: string(4, "iSCSI interface name (default 'default')."),
      fsType: string(5, 'Filesystem type to mount.'),
      readOnly: bool(6, 'Mount read-only.'),
      portals: array(item.string, 7, 'Additional target portals.', { listType: 'atomic' }),
      chapAuthDiscovery: bool(8, 'Use CHAP for discovery.'),
      chapAuthSession: bool(11, 'Use CHAP for sessions.'),
      secretRef: ref(core('SecretReference'), 10, 'CHAP secret.'),
      initiatorName: string(12, 'Custom initiator name.'),
    },
  },
  [core('CephFSPersistentVolumeSource')]: {
    description: 'A CephFS mount for a persistent volume.',
    required: ['monitors'],
    fields: {
      monitors: array(item.string, 1, 'Ceph monitors.', { listType: 'atomic' }),
      path: string(2, 'Mounted root within the Ceph tree (default /).'),
      user: string(3, 'RADOS user (default admin).'),
      secretFile: string(4, 'Path to the key ring.'),
      secretRef: ref(core('SecretReference'), 5, 'Authentication secret.'),
      readOnly: bool(6, 'Mount read-only.'),
    },
  },
  [core('CinderPersistentVolumeSource')]: {
    description: 'An OpenStack Cinder volume for a persistent volume.',
    required: ['volumeID'],
    fields: {
      volumeID: string(1, 'Cinder volume ID.'),
      fsType: string(2, 'Filesystem type to mount.'),
      readOnly: bool(3, 'Mount read-only.'),
      secretRef: ref(core('SecretReference'), 4, 'Secret with OpenStack connection parameters.'),
    },
  },
  [core('AzureFilePersistentVolumeSource')]: {
    description: 'An Azure File share for a persistent volume.',
    required: ['secretName', 'shareName'],
    fields: {
      secretName: string(1, 'Secret with the storage account name and key.'),
      shareName: string(2, 'Share name.'),
      readOnly: bool(3, 'Mount read-only.'),
      secretNamespace: string(4, "Namespace of the secret (default: the pod's)."),
    },
  },
  [core('FlexPersistentVolumeSource')]: {
    description: 'An exec-plugin volume for a persistent volume.',
    required: ['driver'],
    fields: {
      driver: string(1, 'Driver name.'),
      fsType: string(2, 'Filesystem type to mount.'),
      secretRef: ref(core('SecretReference'), 3, 'Secret passed to the plugin.'),
      readOnly: bool(4, 'Mount read-only.'),
      options: map(item.string, 5, 'Extra plugin options.'),
    },
  },
  [core('RBDPersistentVolumeSource')]: {
    description: 'A Rados block device for a persistent volume.',
    required: ['monitors', 'image'],
    fields: {
      monitors: array(item.string, 1, 'Ceph monitors.', { listType: 'atomic' }),
      image: string(2, 'RADOS image name.'),
      fsType: string(3, 'Filesystem type to mount.'),
      pool: string(4, 'RADOS pool (default rbd).'),
      user: string(5, 'RADOS user (default admin).'),
      keyring: string(6, 'Key ring path (default /etc/ceph/keyring).'),
      secretRef: ref(core('SecretReference'), 7, 'Authentication secret; overrides keyring.'),
      readOnly: bool(8, 'Mount read-only.'),
    },
  },
  [core('ScaleIOPersistentVolumeSource')]: {
    description: 'A ScaleIO volume for a persistent volume.',
    required: ['gateway', 'system', 'secretRef'],
    fields: {
      gateway: string(1, 'ScaleIO API gateway address.'),
      system: string(2, 'ScaleIO storage system name.'),
      secretRef: ref(core('SecretReference'), 3, 'Secret with ScaleIO credentials.'),
      sslEnabled: bool(4, 'Use SSL to talk to the gateway.'),
      protectionDomain: string(5, 'Protection domain.'),
      storagePool: string(6, 'Storage pool.'),
      storageMode: string(7, 'ThickProvisioned or ThinProvisioned (default).'),
      volumeName: string(8, 'Existing ScaleIO volume name.'),
      fsType: string(9, 'Filesystem type (default xfs).'),
      readOnly: bool(10, 'Mount read-only.'),
    },
  },
  [core('StorageOSPersistentVolumeSource')]: {
    description: 'A StorageOS volume for a persistent volume.',
    fields: {
      volumeName: string(1, 'StorageOS volume name.'),
      volumeNamespace: string(2, 'StorageOS namespace of the volume.'),
      fsType: string(3, 'Filesystem type to mount.'),
      readOnly: bool(4, 'Mount read-only.'),
      secretRef: ref(core('ObjectReference'), 5, 'Secret with StorageOS API credentials.'),
    },
  },
  [core('GlusterfsPersistentVolumeSource')]: {
    description: 'A Glusterfs volume for a persistent volume.',
    required: ['endpoints', 'path'],
    fields: {
      endpoints: string(1, 'Endpoints object describing the Glusterfs topology.'),
      path: string(2, 'Glusterfs volume path.'),
      readOnly: bool(3, 'Mount read-only.'),
      endpointsNamespace: string(4, 'Namespace of the endpoints object.'),
    },
  },
  [core('SecretReference')]: {
    description: 'A secret in any namespace.',
    fields: secretRefFields,
  },
  [core('VolumeNodeAffinity')]: {
    description: 'Nodes from which a volume can be used.',
    fields: { required: ref(core('NodeSelector'), 1, 'Hard node constraints.') },
  },
};

const pvDefs: Definitions = {
  [core('PersistentVolume')]: kind('PersistentVolume', 'A piece of storage provisioned for the cluster, claimed by PVCs.', {
    spec: ref(core('PersistentVolumeSpec'), 2, 'What the volume is and how it may be used.'),
    status: ref(core('PersistentVolumeStatus'), 3, 'Observed state of the volume.'),
  }),
  [core('PersistentVolumeList')]: list('PersistentVolume', 'A list of persistent volumes.'),
  [core('PersistentVolumeSpec')]: {
    description: 'Specification of a persistent volume.',
    inline: [{ proto: 2, ref: core('PersistentVolumeSource') }],
    fields: {
      capacity: map(item.quantity, 1, 'Resources of the volume; only storage is allowed.'),
      accessModes: array(item.string, 3, 'ReadWriteOnce, ReadOnlyMany, ReadWriteMany or ReadWriteOncePod.', { listType: 'atomic' }),
      claimRef: ref(core('ObjectReference'), 4, 'The claim bound to this volume.'),
      persistentVolumeReclaimPolicy: string(5, 'What happens when released: Retain (default), Delete or Recycle.', {
        enum: ['Delete', 'Recycle', 'Retain'],
      }),
      storageClassName: string(6, 'StorageClass of the volume; empty means none.'),
      mountOptions: array(item.string, 7, 'Mount options, e.g. ro or soft.', { listType: 'atomic' }),
      volumeMode: string(8, 'Filesystem (default) or Block.', { enum: ['Block', 'Filesystem'] }),
      nodeAffinity: ref(core('VolumeNodeAffinity'), 9, 'Nodes from which the volume is reachable.'),
      volumeAttributesClassName: string(10, 'VolumeAttributesClass of the volume.'),
    },
  },
  [core('PersistentVolumeStatus')]: {
    description: 'Observed state of a persistent volume.',
    fields: {
      phase: string(1, 'Pending, Available, Bound, Released or Failed.', {
        enum: ['Available', 'Bound', 'Failed', 'Pending', 'Released'],
      }),
      message: string(2, 'Why the volume is in this state.'),
      reason: string(3, 'Short CamelCase reason for a failure.'),
      lastPhaseTransitionTime: time(4, 'When the phase last changed.'),
    },
  },
  [core('PersistentVolumeClaim')]: kind('PersistentVolumeClaim', "A user's request for storage, bound to a persistent volume.", {
    spec: ref(core('PersistentVolumeClaimSpec'), 2, 'The storage asked for.'),
    status: ref(core('PersistentVolumeClaimStatus'), 3, 'Observed state of the claim.'),
  }),
  [core('PersistentVolumeClaimList')]: list('PersistentVolumeClaim', 'A list of persistent volume claims.'),
  [core('PersistentVolumeClaimSpec')]: {
    description: 'The storage a claim asks for.',
    fields: {
      accessModes: array(item.string, 1, 'Access modes the volume must offer.', { listType: 'atomic' }),
      selector: ref(meta('LabelSelector'), 4, 'Only volumes with matching labels are considered.'),
      resources: ref(core('VolumeResourceRequirements'), 2, 'Minimum resources (storage) the volume must have.'),
      volumeName: string(3, 'The volume bound to this claim.'),
      storageClassName: string(5, 'StorageClass the claim needs.'),
      volumeMode: string(6, 'Filesystem (default) or Block.', { enum: ['Block', 'Filesystem'] }),
      dataSource: ref(core('TypedLocalObjectReference'), 7, 'Snapshot or claim to populate the new volume from.'),
      dataSourceRef: ref(core('TypedObjectReference'), 8, 'Any populator object to fill the new volume from.'),
      volumeAttributesClassName: string(9, 'VolumeAttributesClass to apply to the volume.'),
    },
  },
  [core('PersistentVolumeClaimStatus')]: {
    description: 'Observed state of a claim.',
    fields: {
      phase: string(1, 'Pending, Bound or Lost.', { enum: ['Bound', 'Lost', 'Pending'] }),
      accessModes: array(item.string, 2, 'Access modes of the bound volume.', { listType: 'atomic' }),
      capacity: map(item.quantity, 3, 'Actual resources of the bound volume.'),
      conditions: array(item.ref(core('PersistentVolumeClaimCondition')), 4, 'Current claim conditions, e.g. Resizing.', {
        patchStrategy: 'merge',
        patchMergeKey: 'type',
        listType: 'map',
        listMapKeys: ['type'],
      }),
      allocatedResources: map(item.quantity, 5, 'Resources allocated to the claim, including pending expansions.'),
      allocatedResourceStatuses: map(item.string, 7, 'Resize progress per resource.'),
      currentVolumeAttributesClassName: string(8, 'VolumeAttributesClass currently applied.'),
      modifyVolumeStatus: ref(core('ModifyVolumeStatus'), 9, 'Progress of a volume attribute change.'),
    },
  },
  [core('PersistentVolumeClaimCondition')]: {
    description: 'One observation about a claim.',
    required: ['type', 'status'],
    fields: {
      ...conditionFields,
      lastProbeTime: time(3, 'When the condition was last probed.'),
      lastTransitionTime: time(4, 'When the condition last changed status.'),
      reason: string(5, 'Short reason for the last transition.'),
      message: string(6, 'Human-readable details about the last transition.'),
    },
  },
  [core('ModifyVolumeStatus')]: {
    description: 'Progress of a volume attribute change.',
    required: ['status'],
    fields: {
      targetVolumeAttributesClassName: string(1, 'VolumeAttributesClass being applied.'),
      status: string(2, 'Pending, InProgress or Infeasible.'),
    },
  },
  [core('VolumeResourceRequirements')]: {
    description: 'Storage resources for a volume.',
    fields: {
      limits: map(item.quantity, 1, 'Maximum resources.'),
      requests: map(item.quantity, 2, 'Minimum resources.'),
    },
  },
  [core('TypedLocalObjectReference')]: {
    description: 'A typed reference to an object in the same namespace.',
    required: ['kind', 'name'],
    fields: {
      apiGroup: string(1, 'API group of the referent; empty for the core group.'),
      kind: string(2, 'Kind of the referent.'),
      name: string(3, 'Name of the referent.'),
    },
  },
  [core('TypedObjectReference')]: {
    description: 'A typed reference to an object, possibly in another namespace.',
    required: ['kind', 'name'],
    fields: {
      apiGroup: string(1, 'API group of the referent; empty for the core group.'),
      kind: string(2, 'Kind of the referent.'),
      name: string(3, 'Name of the referent.'),
      namespace: string(4, 'Namespace of the referent.'),
    },
  },
};

const rcDefs: Definitions = {
  [core('ReplicationController')]: kind(
    'ReplicationController',
    'Keeps a number of pod replicas running (the predecessor of ReplicaSet).',
    {
      spec: ref(core('ReplicationControllerSpec'), 2, 'Desired behaviour of the controller.'),
      status: ref(core('ReplicationControllerStatus'), 3, 'Observed state of the controller.'),
    },
  ),
  [core('ReplicationControllerList')]: list('ReplicationController', 'A list of replication controllers.'),
  [core('ReplicationControllerSpec')]: {
    description: 'Desired behaviour of a replication controller.',
    fields: {
      replicas: int32(1, 'Desired number of pods (default 1).'),
      minReadySeconds: int32(4, 'Seconds a new pod must be ready before it counts as available.', { omitZero: true }),
      selector: map(item.string, 2, 'Labels of the pods counted; defaults to the template labels.'),
      template: ref(core('PodTemplateSpec'), 3, 'Pod created when replicas are missing.'),
    },
  },
  [core('ReplicationControllerStatus')]: {
    description: 'Observed state of a replication controller.',
    required: ['replicas'],
    fields: {
      replicas: int32(1, 'Pods currently counted.'),
      fullyLabeledReplicas: int32(2, 'Pods whose labels match the template labels.'),
      readyReplicas: int32(4, 'Ready pods.'),
      availableReplicas: int32(5, 'Pods ready for at least minReadySeconds.'),
      observedGeneration: int64(3, 'Generation last acted on.'),
      conditions: array(item.ref(core('ReplicationControllerCondition')), 6, 'Current conditions.', {
        patchStrategy: 'merge',
        patchMergeKey: 'type',
        listType: 'map',
        listMapKeys: ['type'],
      }),
    },
  },
  [core('ReplicationControllerCondition')]: {
    description: 'One observation about a replication controller.',
    required: ['type', 'status'],
    fields: {
      ...conditionFields,
      lastTransitionTime: time(3, 'When the condition last changed status.'),
      reason: string(4, 'Reason for the last transition.'),
      message: string(5, 'Human-readable details about the last transition.'),
    },
  },
};

registerDefinitions({
  ...namespaceDefs,
  ...serviceDefs,
  ...endpointsDefs,
  ...configDefs,
  ...nodeDefs,
  ...eventDefs,
  ...pvSourceDefs,
  ...pvDefs,
  ...rcDefs,
});

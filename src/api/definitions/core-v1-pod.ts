// Schema of the core/v1 Pod and everything a pod spec can hold: containers, probes, security
// contexts, scheduling constraints, every volume source, and the pod status.
// Field numbers follow k8s.io/api/core/v1/generated.proto (fields as of Kubernetes 1.33).
import { array, bool, int32, int64, intOrString, item, map, quantity, ref, string, time } from '../schema/dsl.ts';
import { registerDefinitions } from '../schema/registry.ts';
import type { Definition, Definitions, Field } from '../schema/types.ts';
import { META } from './meta-v1.ts';

const CORE = 'io.k8s.api.core.v1';
const c = (name: string): string => `${CORE}.${name}`;
const LOCAL_REF = c('LocalObjectReference');

/** A list merged by `key` in strategic merge patch and treated as a map by server-side apply. */
const mergeList = (of: string, proto: number, description: string, key: string, extraKeys: string[] = []): Field =>
  array(item.ref(c(of)), proto, description, {
    patchStrategy: 'merge',
    patchMergeKey: key,
    listType: 'map',
    listMapKeys: [key, ...extraKeys],
  });

const atomicList = (of: string, proto: number, description: string): Field =>
  array(item.ref(c(of)), proto, description, { listType: 'atomic' });

const stringList = (proto: number, description: string): Field => array(item.string, proto, description, { listType: 'atomic' });

const quantityMap = (proto: number, description: string): Field => map(item.quantity, proto, description);

/** The `name` of a referenced object, as every embedded LocalObjectReference carries it. */
const inlineLocalRef = [{ proto: 1, ref: LOCAL_REF }];

// Container and EphemeralContainerCommon share every field; only their descriptions differ a little.
function containerFields(ephemeral: boolean): Record<string, Field> {
  const notForEphemeral = ephemeral ? ' Not allowed for ephemeral containers.' : '';
  return {
    name: string(
      1,
      ephemeral
        ? 'Name of the ephemeral container, unique among all containers of the pod.'
        : 'Name of the container (DNS label), unique within the pod.',
    ),
    image: string(2, 'Container image reference.'),
    command: stringList(3, 'Entrypoint to run instead of the image ENTRYPOINT; $(VAR) references are expanded.'),
    args: stringList(4, 'Arguments to the entrypoint, replacing the image CMD; $(VAR) references are expanded.'),
    workingDir: string(5, 'Working directory of the process; defaults to the image setting.'),
    ports: mergeList(
      'ContainerPort',
      6,
      'Ports the container listens on; informational, for naming and host ports.' + notForEphemeral,
      'containerPort',
      ['protocol'],
    ),
    envFrom: atomicList('EnvFromSource', 19, 'ConfigMaps and Secrets whose keys all become environment variables.'),
    env: mergeList('EnvVar', 7, 'Environment variables to set in the container.', 'name'),
    resources: ref(c('ResourceRequirements'), 8, 'Compute resources the container requests and is limited to.' + notForEphemeral),
    resizePolicy: atomicList('ContainerResizePolicy', 23, 'How the container reacts when its resources are resized in place.'),
    restartPolicy: string(
      24,
      ephemeral
        ? 'Not allowed for ephemeral containers.'
        : 'Only for init containers: "Always" turns the init container into a sidecar that keeps running.',
    ),
    volumeMounts: mergeList('VolumeMount', 9, 'Pod volumes to mount into the container filesystem.', 'mountPath'),
    volumeDevices: mergeList('VolumeDevice', 21, 'Raw block devices to map into the container.', 'devicePath'),
    livenessProbe: ref(c('Probe'), 10, 'Periodic check; the container is restarted when it fails.' + notForEphemeral),
    readinessProbe: ref(c('Probe'), 11, 'Periodic check; the pod is taken out of service endpoints while it fails.' + notForEphemeral),
    startupProbe: ref(c('Probe'), 22, 'Check that must succeed once before the other probes start.' + notForEphemeral),
    lifecycle: ref(c('Lifecycle'), 12, 'Hooks run after start and before stop.' + notForEphemeral),
    terminationMessagePath: string(13, 'File whose content becomes the termination message; defaults to /dev/termination-log.'),
    terminationMessagePolicy: string(20, 'File, or FallbackToLogsOnError to use the log tail when the file is empty.', {
      enum: ['FallbackToLogsOnError', 'File'],
    }),
    imagePullPolicy: string(14, 'Always, Never or IfNotPresent; defaults to Always for :latest or untagged images.', {
      enum: ['Always', 'IfNotPresent', 'Never'],
    }),
    securityContext: ref(c('SecurityContext'), 15, 'Security options for this container, overriding the pod-level ones.'),
    stdin: bool(16, 'Keep a stdin buffer open for attach.', { omitZero: true }),
    stdinOnce: bool(17, 'Close stdin after the first attach session ends.', { omitZero: true }),
    tty: bool(18, 'Allocate a terminal; needs stdin too.', { omitZero: true }),
  };
}

function object(description: string, fields: Record<string, Field>, required?: string[]): Definition {
  return required ? { description, fields, required } : { description, fields };
}

const containers: Definitions = {
  [c('Container')]: object('One application container of a pod.', containerFields(false), ['name']),
  [c('EphemeralContainer')]: {
    description: 'A temporary container added to a running pod, for debugging. It is never restarted.',
    required: ['name'],
    inline: [{ proto: 1, ref: c('EphemeralContainerCommon') }],
    fields: {
      targetContainerName: string(2, 'Container whose namespaces (process, IPC, ...) this one joins.'),
    },
  },
  [c('EphemeralContainerCommon')]: object('The container fields an ephemeral container shares with Container.', containerFields(true), [
    'name',
  ]),
  [c('ContainerPort')]: object(
    'A network port of a container.',
    {
      name: string(1, 'IANA service name for the port, unique within the pod; services can refer to it.'),
      hostPort: int32(2, 'Port to expose on the node; rarely needed.', { omitZero: true }),
      containerPort: int32(3, 'Port number on the pod IP, 1-65535.'),
      protocol: string(4, 'TCP, UDP or SCTP; defaults to TCP.'),
      hostIP: string(5, 'Node IP to bind the host port to.'),
    },
    ['containerPort'],
  ),
  [c('EnvVar')]: object(
    'An environment variable of a container.',
    {
      name: string(1, 'Variable name.'),
      value: string(2, 'Literal value; $(VAR) references to earlier variables are expanded.'),
      valueFrom: ref(c('EnvVarSource'), 3, 'Where to read the value from, when value is empty.'),
    },
    ['name'],
  ),
  [c('EnvVarSource')]: object('Source of an environment variable value; exactly one field is set.', {
    fieldRef: ref(c('ObjectFieldSelector'), 1, 'A field of the pod, e.g. metadata.name or status.podIP.'),
    resourceFieldRef: ref(c('ResourceFieldSelector'), 2, 'A resource limit or request of the container.'),
    configMapKeyRef: ref(c('ConfigMapKeySelector'), 3, 'A key of a ConfigMap.'),
    secretKeyRef: ref(c('SecretKeySelector'), 4, 'A key of a Secret in the pod namespace.'),
  }),
  [c('ConfigMapKeySelector')]: {
    description: 'One key of a ConfigMap.',
    required: ['key'],
    inline: inlineLocalRef,
    fields: {
      key: string(2, 'The key to read.'),
      optional: bool(3, 'Do not fail when the ConfigMap or key is missing.'),
    },
  },
  [c('SecretKeySelector')]: {
    description: 'One key of a Secret.',
    required: ['key'],
    inline: inlineLocalRef,
    fields: {
      key: string(2, 'The key to read.'),
      optional: bool(3, 'Do not fail when the Secret or key is missing.'),
    },
  },
  [c('ObjectFieldSelector')]: object(
    'Selects a field of the pod by path.',
    {
      apiVersion: string(1, 'API version the path is written against; defaults to v1.'),
      fieldPath: string(2, "Path of the field, e.g. metadata.labels['app']."),
    },
    ['fieldPath'],
  ),
  [c('ResourceFieldSelector')]: object(
    'Selects a resource limit or request of a container.',
    {
      containerName: string(1, 'Container to read from; required in volumes, optional in env.'),
      resource: string(2, 'e.g. limits.cpu or requests.memory.'),
      divisor: quantity(3, 'Unit the value is divided by; defaults to 1.'),
    },
    ['resource'],
  ),
  [c('EnvFromSource')]: object('A ConfigMap or Secret whose keys become environment variables.', {
    prefix: string(1, 'Text prepended to every variable name.'),
    configMapRef: ref(c('ConfigMapEnvSource'), 2, 'The ConfigMap to read.'),
    secretRef: ref(c('SecretEnvSource'), 3, 'The Secret to read.'),
  }),
  [c('ConfigMapEnvSource')]: {
    description: 'A ConfigMap whose data becomes environment variables.',
    inline: inlineLocalRef,
    fields: { optional: bool(2, 'Do not fail when the ConfigMap is missing.') },
  },
  [c('SecretEnvSource')]: {
    description: 'A Secret whose data becomes environment variables.',
    inline: inlineLocalRef,
    fields: { optional: bool(2, 'Do not fail when the Secret is missing.') },
  },
  [c('ResourceRequirements')]: object('Compute resources requested and allowed.', {
    limits: quantityMap(1, 'Most of each resource the container may use, e.g. cpu: 500m, memory: 128Mi.'),
    requests: quantityMap(2, 'Amount of each resource reserved for scheduling; defaults to the limits when only those are set.'),
    claims: array(item.ref(c('ResourceClaim')), 3, 'Names of pod resource claims this container uses.', {
      listType: 'map',
      listMapKeys: ['name'],
    }),
  }),
  [c('ResourceClaim')]: object(
    'Use of one entry of pod.spec.resourceClaims by a container.',
    {
      name: string(1, 'Name of the entry in pod.spec.resourceClaims.'),
      request: string(2, 'Only this request of the claim, when set.'),
    },
    ['name'],
  ),
  [c('VolumeMount')]: object(
    'Mounts a pod volume into a container.',
    {
      name: string(1, 'Name of the pod volume.'),
      readOnly: bool(2, 'Mount read-only.'),
      recursiveReadOnly: string(7, 'Disabled, IfPossible or Enabled: make read-only mounts read-only all the way down.'),
      mountPath: string(3, 'Path inside the container; must not contain ":".'),
      subPath: string(4, 'Sub-path of the volume to mount instead of its root.'),
      mountPropagation: string(5, 'None, HostToContainer or Bidirectional.'),
      subPathExpr: string(6, 'Like subPath, with $(VAR) references expanded; exclusive with subPath.'),
    },
    ['name', 'mountPath'],
  ),
  [c('VolumeDevice')]: object(
    'Maps a raw block volume into a container.',
    {
      name: string(1, 'Name of a persistentVolumeClaim volume of the pod.'),
      devicePath: string(2, 'Device path inside the container.'),
    },
    ['name', 'devicePath'],
  ),
  [c('ContainerResizePolicy')]: object(
    'Whether resizing one resource in place needs a container restart.',
    {
      resourceName: string(1, 'cpu or memory.'),
      restartPolicy: string(2, 'NotRequired (default) or RestartContainer.', { enum: ['NotRequired', 'RestartContainer'] }),
    },
    ['resourceName', 'restartPolicy'],
  ),
};

const probesAndHooks: Definitions = {
  [c('Probe')]: {
    description: 'A health check run against a container.',
    inline: [{ proto: 1, ref: c('ProbeHandler') }],
    fields: {
      initialDelaySeconds: int32(2, 'Seconds after container start before the first check.', { omitZero: true }),
      timeoutSeconds: int32(3, 'Seconds before a check times out; defaults to 1.', { omitZero: true }),
      periodSeconds: int32(4, 'Seconds between checks; defaults to 10.', { omitZero: true }),
      successThreshold: int32(5, 'Consecutive successes needed after a failure; defaults to 1 and must be 1 for liveness and startup.', {
        omitZero: true,
      }),
      failureThreshold: int32(6, 'Consecutive failures before the probe counts as failed; defaults to 3.', { omitZero: true }),
      terminationGracePeriodSeconds: int64(7, 'Grace period used when this probe kills the container, overriding the pod one.'),
    },
  },
  [c('ProbeHandler')]: object('The action a probe performs; exactly one is set.', {
    exec: ref(c('ExecAction'), 1, 'Run a command in the container; exit code 0 is success.'),
    httpGet: ref(c('HTTPGetAction'), 2, 'HTTP GET; a 2xx or 3xx status is success.'),
    tcpSocket: ref(c('TCPSocketAction'), 3, 'Open a TCP connection; connecting is success.'),
    grpc: ref(c('GRPCAction'), 4, 'gRPC health check.'),
  }),
  [c('ExecAction')]: object('Runs a command inside the container, without a shell.', {
    command: stringList(1, 'Command line to run; the working directory is /.'),
  }),
  [c('HTTPGetAction')]: object(
    'An HTTP GET request.',
    {
      path: string(1, 'Request path; defaults to /.'),
      port: intOrString(2, 'Port number or container port name.'),
      host: string(3, 'Host to connect to; defaults to the pod IP.'),
      scheme: string(4, 'HTTP or HTTPS; defaults to HTTP.'),
      httpHeaders: atomicList('HTTPHeader', 5, 'Extra request headers.'),
    },
    ['port'],
  ),
  [c('HTTPHeader')]: object(
    'One HTTP header.',
    {
      name: string(1, 'Header name.'),
      value: string(2, 'Header value.'),
    },
    ['name', 'value'],
  ),
  [c('TCPSocketAction')]: object(
    'Opens a TCP connection.',
    {
      port: intOrString(1, 'Port number or container port name.'),
      host: string(2, 'Host to connect to; defaults to the pod IP.'),
    },
    ['port'],
  ),
  [c('GRPCAction')]: object(
    'A gRPC health check request.',
    {
      port: int32(1, 'Port of the gRPC service, 1-65535.'),
      service: string(2, 'Service name sent in the health check request.'),
    },
    ['port'],
  ),
  [c('Lifecycle')]: object('Actions run at container lifecycle events.', {
    postStart: ref(c('LifecycleHandler'), 1, 'Runs right after the container is created; failure restarts it.'),
    preStop: ref(c('LifecycleHandler'), 2, 'Runs before the container is stopped, within the grace period.'),
    stopSignal: string(3, 'Signal sent to stop the container, e.g. SIGTERM; needs spec.os.name.'),
  }),
  [c('LifecycleHandler')]: object('The action of a lifecycle hook; exactly one is set.', {
    exec: ref(c('ExecAction'), 1, 'Run a command in the container.'),
    httpGet: ref(c('HTTPGetAction'), 2, 'Send an HTTP GET.'),
    tcpSocket: ref(c('TCPSocketAction'), 3, 'Deprecated and unsupported for hooks; kept for compatibility.'),
    sleep: ref(c('SleepAction'), 4, 'Wait a number of seconds.'),
  }),
  [c('SleepAction')]: object('Waits before continuing.', { seconds: int64(1, 'Seconds to sleep.') }, ['seconds']),
};

const security: Definitions = {
  [c('SecurityContext')]: object('Security settings of one container; they override the pod-level ones.', {
    capabilities: ref(c('Capabilities'), 1, 'POSIX capabilities to add and drop.'),
    privileged: bool(2, 'Run privileged, close to root on the host.'),
    seLinuxOptions: ref(c('SELinuxOptions'), 3, 'SELinux labels of the container.'),
    windowsOptions: ref(c('WindowsSecurityContextOptions'), 10, 'Windows-specific settings.'),
    runAsUser: int64(4, 'UID of the container process.'),
    runAsGroup: int64(8, 'GID of the container process.'),
    runAsNonRoot: bool(5, 'Refuse to start when the process would run as UID 0.'),
    readOnlyRootFilesystem: bool(6, 'Mount the root filesystem read-only.'),
    allowPrivilegeEscalation: bool(7, 'Whether a process may gain more privileges than its parent (no_new_privs).'),
    procMount: string(9, 'Default or Unmasked /proc mount.'),
    seccompProfile: ref(c('SeccompProfile'), 11, 'Seccomp profile of the container.'),
    appArmorProfile: ref(c('AppArmorProfile'), 12, 'AppArmor profile of the container.'),
  }),
  [c('PodSecurityContext')]: object('Security settings applied to every container of the pod.', {
    seLinuxOptions: ref(c('SELinuxOptions'), 1, 'SELinux labels for all containers.'),
    windowsOptions: ref(c('WindowsSecurityContextOptions'), 8, 'Windows-specific settings.'),
    runAsUser: int64(2, 'UID of container processes.'),
    runAsGroup: int64(6, 'GID of container processes.'),
    runAsNonRoot: bool(3, 'Refuse to start containers that would run as UID 0.'),
    supplementalGroups: array(item.int64, 4, 'Extra groups of the first process of every container.', { listType: 'atomic' }),
    supplementalGroupsPolicy: string(12, 'Merge (default) or Strict handling of groups from the image.'),
    fsGroup: int64(5, 'Group that owns supported volumes; new files get it too.'),
    sysctls: atomicList('Sysctl', 7, 'Namespaced kernel parameters for the pod.'),
    fsGroupChangePolicy: string(9, 'OnRootMismatch or Always: when to change volume ownership.'),
    seccompProfile: ref(c('SeccompProfile'), 10, 'Seccomp profile for all containers.'),
    appArmorProfile: ref(c('AppArmorProfile'), 11, 'AppArmor profile for all containers.'),
    seLinuxChangePolicy: string(13, 'MountOption or Recursive: how SELinux labels reach volumes.'),
  }),
  [c('Capabilities')]: object('POSIX capabilities to add and remove.', {
    add: stringList(1, 'Capabilities to add.'),
    drop: stringList(2, 'Capabilities to remove.'),
  }),
  [c('SELinuxOptions')]: object('SELinux labels.', {
    user: string(1, 'SELinux user label.'),
    role: string(2, 'SELinux role label.'),
    type: string(3, 'SELinux type label.'),
    level: string(4, 'SELinux level label.'),
  }),
  [c('SeccompProfile')]: object(
    'A seccomp profile.',
    {
      type: string(1, 'RuntimeDefault, Unconfined or Localhost.'),
      localhostProfile: string(2, 'Profile file on the node, relative to the kubelet seccomp directory; only for Localhost.'),
    },
    ['type'],
  ),
  [c('AppArmorProfile')]: object(
    'An AppArmor profile.',
    {
      type: string(1, 'RuntimeDefault, Unconfined or Localhost.'),
      localhostProfile: string(2, 'Name of a profile loaded on the node; only for Localhost.'),
    },
    ['type'],
  ),
  [c('WindowsSecurityContextOptions')]: object('Windows-specific security settings.', {
    gmsaCredentialSpecName: string(1, 'Name of the GMSA credential spec to use.'),
    gmsaCredentialSpec: string(2, 'Content of the GMSA credential spec.'),
    runAsUserName: string(3, 'Windows user name of the container process.'),
    hostProcess: bool(4, 'Run as a host process container.'),
  }),
  [c('Sysctl')]: object(
    'One kernel parameter.',
    {
      name: string(1, 'Parameter name.'),
      value: string(2, 'Parameter value.'),
    },
    ['name', 'value'],
  ),
};

const scheduling: Definitions = {
  [c('Affinity')]: object('Affinity and anti-affinity scheduling rules.', {
    nodeAffinity: ref(c('NodeAffinity'), 1, 'Which nodes the pod prefers or requires.'),
    podAffinity: ref(c('PodAffinity'), 2, 'Pods this pod should run near.'),
    podAntiAffinity: ref(c('PodAntiAffinity'), 3, 'Pods this pod should run away from.'),
  }),
  [c('NodeAffinity')]: object('Node affinity rules.', {
    requiredDuringSchedulingIgnoredDuringExecution: ref(c('NodeSelector'), 1, 'Hard rule checked at scheduling time.'),
    preferredDuringSchedulingIgnoredDuringExecution: atomicList(
      'PreferredSchedulingTerm',
      2,
      'Soft rules; matching nodes get the weight added.',
    ),
  }),
  [c('NodeSelector')]: object(
    'A node query: any of the terms may match.',
    { nodeSelectorTerms: atomicList('NodeSelectorTerm', 1, 'Terms, ORed.') },
    ['nodeSelectorTerms'],
  ),
  [c('NodeSelectorTerm')]: object('Requirements that must all hold; an empty term matches nothing.', {
    matchExpressions: atomicList('NodeSelectorRequirement', 1, 'Requirements on node labels.'),
    matchFields: atomicList('NodeSelectorRequirement', 2, 'Requirements on node fields.'),
  }),
  [c('NodeSelectorRequirement')]: object(
    'One requirement on a node label or field.',
    {
      key: string(1, 'Label key or field name.'),
      operator: string(2, 'In, NotIn, Exists, DoesNotExist, Gt or Lt.', { enum: ['DoesNotExist', 'Exists', 'Gt', 'In', 'Lt', 'NotIn'] }),
      values: stringList(3, 'Values; one integer for Gt/Lt, none for Exists/DoesNotExist.'),
    },
    ['key', 'operator'],
  ),
  [c('PreferredSchedulingTerm')]: object(
    'A weighted node preference.',
    {
      weight: int32(1, 'Weight, 1-100.'),
      preference: ref(c('NodeSelectorTerm'), 2, 'The node term.'),
    },
    ['weight', 'preference'],
  ),
  [c('PodAffinity')]: object('Rules to place the pod near other pods.', {
    requiredDuringSchedulingIgnoredDuringExecution: atomicList('PodAffinityTerm', 1, 'Hard rules, all must hold.'),
    preferredDuringSchedulingIgnoredDuringExecution: atomicList('WeightedPodAffinityTerm', 2, 'Soft rules with weights.'),
  }),
  [c('PodAntiAffinity')]: object('Rules to keep the pod away from other pods.', {
    requiredDuringSchedulingIgnoredDuringExecution: atomicList('PodAffinityTerm', 1, 'Hard rules, all must hold.'),
    preferredDuringSchedulingIgnoredDuringExecution: atomicList('WeightedPodAffinityTerm', 2, 'Soft rules with weights.'),
  }),
  [c('PodAffinityTerm')]: object(
    'A set of pods and the topology domain to be (or not be) co-located with them in.',
    {
      labelSelector: ref(`${META}.LabelSelector`, 1, 'Which pods count.'),
      namespaces: stringList(2, 'Namespaces to look in, besides those namespaceSelector picks.'),
      topologyKey: string(3, 'Node label whose value defines a topology domain, e.g. kubernetes.io/hostname.'),
      namespaceSelector: ref(`${META}.LabelSelector`, 4, 'Namespaces to look in, by label; empty means all.'),
      matchLabelKeys: stringList(5, 'Label keys whose values on this pod are added to labelSelector with In.'),
      mismatchLabelKeys: stringList(6, 'Label keys whose values on this pod are added to labelSelector with NotIn.'),
    },
    ['topologyKey'],
  ),
  [c('WeightedPodAffinityTerm')]: object(
    'A weighted pod affinity term.',
    {
      weight: int32(1, 'Weight, 1-100.'),
      podAffinityTerm: ref(c('PodAffinityTerm'), 2, 'The pod affinity term.'),
    },
    ['weight', 'podAffinityTerm'],
  ),
  [c('Toleration')]: object('Lets the pod be scheduled onto (or stay on) nodes with a matching taint.', {
    key: string(1, 'Taint key; empty with operator Exists matches every taint.'),
    operator: string(2, 'Equal (default) or Exists.', { enum: ['Equal', 'Exists'] }),
    value: string(3, 'Taint value to match; empty for Exists.'),
    effect: string(4, 'NoSchedule, PreferNoSchedule or NoExecute; empty matches all.', {
      enum: ['NoExecute', 'NoSchedule', 'PreferNoSchedule'],
    }),
    tolerationSeconds: int64(5, 'For NoExecute: seconds the pod may stay after the taint appears.'),
  }),
  [c('TopologySpreadConstraint')]: object(
    'How evenly matching pods must be spread across topology domains.',
    {
      maxSkew: int32(1, 'Largest allowed difference in matching pods between domains; at least 1.'),
      topologyKey: string(2, 'Node label that defines the domains.'),
      whenUnsatisfiable: string(3, 'DoNotSchedule or ScheduleAnyway.'),
      labelSelector: ref(`${META}.LabelSelector`, 4, 'Which pods are counted.'),
      minDomains: int32(5, 'Minimum number of eligible domains; only with DoNotSchedule.'),
      nodeAffinityPolicy: string(6, 'Honor or Ignore the pod node affinity when counting domains.'),
      nodeTaintsPolicy: string(7, 'Honor or Ignore node taints when counting domains.'),
      matchLabelKeys: stringList(8, 'Label keys whose values on this pod narrow labelSelector.'),
    },
    ['maxSkew', 'topologyKey', 'whenUnsatisfiable'],
  ),
  [c('PodSchedulingGate')]: object('A gate that holds the pod back from scheduling while present.', { name: string(1, 'Gate name.') }, [
    'name',
  ]),
  [c('PodReadinessGate')]: object(
    'An extra pod condition that must be True for the pod to be ready.',
    { conditionType: string(1, 'Type of the pod condition.') },
    ['conditionType'],
  ),
  [c('PodResourceClaim')]: object(
    'A dynamic resource claim used by the pod, by name or from a template.',
    {
      name: string(1, 'Name of the claim inside the pod (DNS label).'),
      resourceClaimName: string(3, 'Existing ResourceClaim to use.'),
      resourceClaimTemplateName: string(4, 'ResourceClaimTemplate to create a claim from.'),
    },
    ['name'],
  ),
  [c('PodOS')]: object('Operating system the pod needs.', { name: string(1, 'linux or windows.') }, ['name']),
};

const podSpec: Definitions = {
  [c('PodSpec')]: object(
    'Desired state of a pod.',
    {
      volumes: array(item.ref(c('Volume')), 1, 'Volumes the containers can mount.', {
        patchStrategy: 'merge,retainKeys',
        patchMergeKey: 'name',
        listType: 'map',
        listMapKeys: ['name'],
      }),
      initContainers: mergeList('Container', 20, 'Containers run one after another, to completion, before the main containers.', 'name'),
      containers: mergeList('Container', 2, 'The main containers; at least one.', 'name'),
      ephemeralContainers: mergeList(
        'EphemeralContainer',
        34,
        'Debug containers added through the ephemeralcontainers subresource.',
        'name',
      ),
      restartPolicy: string(3, 'Always (default), OnFailure or Never.', { enum: ['Always', 'Never', 'OnFailure'] }),
      terminationGracePeriodSeconds: int64(4, 'Seconds between the stop signal and the kill; defaults to 30.'),
      activeDeadlineSeconds: int64(5, 'Seconds the pod may run before it is failed.'),
      dnsPolicy: string(6, 'ClusterFirst (default), ClusterFirstWithHostNet, Default or None.', {
        enum: ['ClusterFirst', 'ClusterFirstWithHostNet', 'Default', 'None'],
      }),
      nodeSelector: map(item.string, 7, 'Node labels that must all match for the pod to be placed on a node.'),
      serviceAccountName: string(8, 'Service account the pod runs as.'),
      serviceAccount: string(9, 'Deprecated alias of serviceAccountName.'),
      automountServiceAccountToken: bool(21, 'Whether to mount an API token automatically.'),
      nodeName: string(10, 'Node the pod is bound to; normally set by the scheduler.'),
      hostNetwork: bool(11, "Use the node's network namespace.", { omitZero: true }),
      hostPID: bool(12, "Use the node's process namespace.", { omitZero: true }),
      hostIPC: bool(13, "Use the node's IPC namespace.", { omitZero: true }),
      shareProcessNamespace: bool(27, 'One process namespace shared by all containers of the pod.'),
      securityContext: ref(c('PodSecurityContext'), 14, 'Pod-wide security settings.'),
      imagePullSecrets: mergeList('LocalObjectReference', 15, 'Secrets used to pull the images.', 'name'),
      hostname: string(16, 'Hostname of the pod; defaults to a system value.'),
      subdomain: string(17, 'Subdomain giving the pod the name <hostname>.<subdomain>.<namespace>.svc.<domain>.'),
      affinity: ref(c('Affinity'), 18, 'Scheduling constraints.'),
      schedulerName: string(19, 'Scheduler that places the pod; defaults to default-scheduler.'),
      tolerations: atomicList('Toleration', 22, 'Taints the pod tolerates.'),
      hostAliases: mergeList('HostAlias', 23, 'Extra /etc/hosts entries.', 'ip'),
      priorityClassName: string(24, 'PriorityClass giving the pod its priority.'),
      priority: int32(25, 'Priority value, filled in from priorityClassName.'),
      dnsConfig: ref(c('PodDNSConfig'), 26, 'DNS settings added to those dnsPolicy produces.'),
      readinessGates: atomicList('PodReadinessGate', 28, 'Extra conditions required for readiness.'),
      runtimeClassName: string(29, 'RuntimeClass to run the pod with.'),
      enableServiceLinks: bool(30, 'Inject service environment variables, docker-links style; defaults to true.'),
      preemptionPolicy: string(31, 'PreemptLowerPriority (default) or Never.', { enum: ['Never', 'PreemptLowerPriority'] }),
      overhead: quantityMap(32, 'Resources the runtime itself uses for the pod, set from the RuntimeClass.'),
      topologySpreadConstraints: mergeList(
        'TopologySpreadConstraint',
        33,
        'How to spread matching pods across topology domains.',
        'topologyKey',
        ['whenUnsatisfiable'],
      ),
      setHostnameAsFQDN: bool(35, 'Make the kernel hostname the fully qualified name.'),
      os: ref(c('PodOS'), 36, 'Operating system of the pod; restricts OS-specific fields.'),
      hostUsers: bool(37, "Use the node's user namespace; false creates a new one."),
      schedulingGates: mergeList('PodSchedulingGate', 38, 'Gates that must all be removed before the pod is scheduled.', 'name'),
      resourceClaims: array(item.ref(c('PodResourceClaim')), 39, 'Dynamic resource claims the pod needs.', {
        patchStrategy: 'merge,retainKeys',
        patchMergeKey: 'name',
        listType: 'map',
        listMapKeys: ['name'],
      }),
      resources: ref(c('ResourceRequirements'), 40, 'Resources for the pod as a whole (cpu, memory, hugepages).'),
    },
    ['containers'],
  ),
  [c('LocalObjectReference')]: object('Names an object in the same namespace.', { name: string(1, 'Name of the object.') }),
  [c('HostAlias')]: object(
    'An /etc/hosts entry.',
    {
      ip: string(1, 'IP address.'),
      hostnames: stringList(2, 'Host names for the address.'),
    },
    ['ip'],
  ),
  [c('PodDNSConfig')]: object('DNS settings of a pod.', {
    nameservers: stringList(1, 'Name server IPs, at most 3.'),
    searches: stringList(2, 'Search domains.'),
    options: atomicList('PodDNSConfigOption', 3, 'Resolver options.'),
  }),
  [c('PodDNSConfigOption')]: object('One resolver option.', {
    name: string(1, 'Option name.'),
    value: string(2, 'Option value.'),
  }),
};

const podStatus: Definitions = {
  [c('PodStatus')]: object('Observed state of a pod.', {
    observedGeneration: int64(17, 'metadata.generation this status was computed from.'),
    phase: string(1, 'Pending, Running, Succeeded, Failed or Unknown.', { enum: ['Failed', 'Pending', 'Running', 'Succeeded', 'Unknown'] }),
    conditions: mergeList('PodCondition', 2, 'Current conditions of the pod.', 'type'),
    message: string(3, 'Human-readable detail of the pod state.'),
    reason: string(4, 'Brief CamelCase reason for the pod state, e.g. Evicted.'),
    nominatedNodeName: string(11, 'Node where the pod will likely run after preemption finishes.'),
    hostIP: string(5, 'IP of the node the pod runs on.'),
    hostIPs: array(item.ref(c('HostIP')), 16, 'IPs of the node the pod runs on.', {
      patchStrategy: 'merge',
      patchMergeKey: 'ip',
      listType: 'atomic',
    }),
    podIP: string(6, 'IP allocated to the pod.'),
    podIPs: mergeList('PodIP', 12, 'IPs allocated to the pod, at most one per family.', 'ip'),
    startTime: time(7, 'When the node agent accepted the pod.'),
    initContainerStatuses: atomicList('ContainerStatus', 10, 'Status of each init container.'),
    containerStatuses: atomicList('ContainerStatus', 8, 'Status of each container.'),
    qosClass: string(9, 'Guaranteed, Burstable or BestEffort.', { enum: ['BestEffort', 'Burstable', 'Guaranteed'] }),
    ephemeralContainerStatuses: atomicList('ContainerStatus', 13, 'Status of each ephemeral container.'),
    resize: string(14, 'Deprecated state of an in-place resize.'),
    resourceClaimStatuses: array(item.ref(c('PodResourceClaimStatus')), 15, 'Names of the claims generated for the pod.', {
      patchStrategy: 'merge,retainKeys',
      patchMergeKey: 'name',
      listType: 'map',
      listMapKeys: ['name'],
    }),
  }),
  [c('PodCondition')]: object(
    'One condition of a pod, e.g. Ready or PodScheduled.',
    {
      type: string(1, 'Condition type.'),
      observedGeneration: int64(7, 'metadata.generation the condition was computed from.'),
      status: string(2, 'True, False or Unknown.'),
      lastProbeTime: time(3, 'When the condition was last checked.'),
      lastTransitionTime: time(4, 'When the status last changed.'),
      reason: string(5, 'CamelCase cause of the last change.'),
      message: string(6, 'Human-readable detail of the last change.'),
    },
    ['type', 'status'],
  ),
  [c('PodIP')]: object('One IP address of a pod.', { ip: string(1, 'The address.') }, ['ip']),
  [c('HostIP')]: object('One IP address of the node.', { ip: string(1, 'The address.') }, ['ip']),
  [c('ContainerStatus')]: object(
    'Observed state of one container.',
    {
      name: string(1, 'Container name.'),
      state: ref(c('ContainerState'), 2, 'Current state.'),
      lastState: ref(c('ContainerState'), 3, 'Previous termination, kept to help debug restarts.'),
      ready: bool(4, 'Whether the container passes its readiness check.'),
      restartCount: int32(5, 'Number of restarts.'),
      image: string(6, 'Image the container runs.'),
      imageID: string(7, 'ID of that image.'),
      containerID: string(8, 'Runtime container ID, as <type>://<id>.'),
      started: bool(9, 'Whether the startup probe and postStart hook have passed.'),
      allocatedResources: quantityMap(10, 'Resources the node allocated to the container.'),
      resources: ref(c('ResourceRequirements'), 11, 'Resources actually applied to the running container.'),
      volumeMounts: mergeList('VolumeMountStatus', 12, 'Status of the volume mounts.', 'mountPath'),
      user: ref(c('ContainerUser'), 13, 'Identity of the first process of the container.'),
      allocatedResourcesStatus: mergeList('ResourceStatus', 14, 'Health of resources allocated to the container.', 'name'),
      stopSignal: string(15, 'Signal that will stop this container.'),
    },
    ['name', 'ready', 'restartCount', 'image', 'imageID'],
  ),
  [c('ContainerState')]: object('State of a container; at most one member is set, waiting when none.', {
    waiting: ref(c('ContainerStateWaiting'), 1, 'Details of a waiting container.'),
    running: ref(c('ContainerStateRunning'), 2, 'Details of a running container.'),
    terminated: ref(c('ContainerStateTerminated'), 3, 'Details of a terminated container.'),
  }),
  [c('ContainerStateWaiting')]: object('A container that is not running yet.', {
    reason: string(1, 'Why it is waiting, e.g. ContainerCreating or CrashLoopBackOff.'),
    message: string(2, 'Human-readable detail.'),
  }),
  [c('ContainerStateRunning')]: object('A running container.', { startedAt: time(1, 'When it last (re)started.') }),
  [c('ContainerStateTerminated')]: object(
    'A container that has exited.',
    {
      exitCode: int32(1, 'Exit status.'),
      signal: int32(2, 'Signal that ended it.'),
      reason: string(3, 'Brief reason, e.g. Completed, Error or OOMKilled.'),
      message: string(4, 'Termination message.'),
      startedAt: time(5, 'When this run started.'),
      finishedAt: time(6, 'When this run ended.'),
      containerID: string(7, 'Runtime container ID, as <type>://<id>.'),
    },
    ['exitCode'],
  ),
  [c('ContainerUser')]: object('Identity of a container process.', {
    linux: ref(c('LinuxContainerUser'), 1, 'Linux user and groups.'),
  }),
  [c('LinuxContainerUser')]: object(
    'Linux identity of a container process.',
    {
      uid: int64(1, 'Primary UID.'),
      gid: int64(2, 'Primary GID.'),
      supplementalGroups: array(item.int64, 3, 'Supplemental groups.', { listType: 'atomic' }),
    },
    ['uid', 'gid'],
  ),
  [c('VolumeMountStatus')]: object(
    'Observed state of one volume mount.',
    {
      name: string(1, 'Volume name.'),
      mountPath: string(2, 'Mount path.'),
      readOnly: bool(3, 'Whether mounted read-only.'),
      recursiveReadOnly: string(4, 'Disabled or Enabled, as actually applied.'),
    },
    ['name', 'mountPath'],
  ),
  [c('ResourceStatus')]: object(
    'Health of one resource allocated to a container.',
    {
      name: string(1, 'Resource name, or claim:<claim>/<request> for dynamic resources.'),
      resources: array(item.ref(c('ResourceHealth')), 2, 'Health of each device.', { listType: 'map', listMapKeys: ['resourceID'] }),
    },
    ['name'],
  ),
  [c('ResourceHealth')]: object(
    'Health of one device.',
    {
      resourceID: string(1, 'Device identifier.'),
      health: string(2, 'Healthy, Unhealthy or Unknown.'),
    },
    ['resourceID'],
  ),
  [c('PodResourceClaimStatus')]: object(
    'Name of the ResourceClaim generated for one pod claim.',
    {
      name: string(1, 'Name of the entry in pod.spec.resourceClaims.'),
      resourceClaimName: string(2, 'Generated ResourceClaim name, if one was needed.'),
    },
    ['name'],
  ),
};

const topLevel: Definitions = {
  [c('Pod')]: {
    description: 'A group of containers that run together on one node, sharing network and volumes.',
    gvk: [{ group: '', version: 'v1', kind: 'Pod' }],
    fields: {
      apiVersion: string(0, 'Versioned schema of this object.'),
      kind: string(0, 'REST resource this object represents.'),
      metadata: ref(`${META}.ObjectMeta`, 1, 'Standard object metadata.'),
      spec: ref(c('PodSpec'), 2, 'Desired state of the pod.'),
      status: ref(c('PodStatus'), 3, 'Observed state of the pod; written by the system.'),
    },
  },
  [c('PodList')]: {
    description: 'A list of pods.',
    gvk: [{ group: '', version: 'v1', kind: 'PodList' }],
    required: ['items'],
    fields: {
      apiVersion: string(0, 'Versioned schema of this list.'),
      kind: string(0, 'REST resource this list represents.'),
      metadata: ref(`${META}.ListMeta`, 1, 'Standard list metadata.'),
      items: array(item.ref(c('Pod')), 2, 'The pods.'),
    },
  },
  [c('PodTemplateSpec')]: object('Metadata and spec of pods created from a template.', {
    metadata: ref(`${META}.ObjectMeta`, 1, 'Metadata given to the created pods.'),
    spec: ref(c('PodSpec'), 2, 'Spec of the created pods.'),
  }),
  [c('PodTemplate')]: {
    description: 'A stored pod template.',
    gvk: [{ group: '', version: 'v1', kind: 'PodTemplate' }],
    fields: {
      apiVersion: string(0, 'Versioned schema of this object.'),
      kind: string(0, 'REST resource this object represents.'),
      metadata: ref(`${META}.ObjectMeta`, 1, 'Standard object metadata.'),
      template: ref(c('PodTemplateSpec'), 2, 'The pod template.'),
    },
  },
  [c('PodTemplateList')]: {
    description: 'A list of pod templates.',
    gvk: [{ group: '', version: 'v1', kind: 'PodTemplateList' }],
    required: ['items'],
    fields: {
      apiVersion: string(0, 'Versioned schema of this list.'),
      kind: string(0, 'REST resource this list represents.'),
      metadata: ref(`${META}.ListMeta`, 1, 'Standard list metadata.'),
      items: array(item.ref(c('PodTemplate')), 2, 'The pod templates.'),
    },
  },
};

// ---------------------------------------------------------------------------------------------
// Volumes
// ---------------------------------------------------------------------------------------------

const readOnly = (proto: number): Field => bool(proto, 'Force the volume to be mounted read-only.');
const fsType = (proto: number): Field => string(proto, 'Filesystem type, e.g. ext4 or xfs.');
const defaultMode = (proto: number): Field =>
  int32(proto, 'Permission bits of created files, 0-0777 (octal in YAML, decimal in JSON); defaults to 0644.');
const keyItems = (proto: number, what: string): Field =>
  atomicList('KeyToPath', proto, `Keys of the ${what} to project and the paths to write them to; all keys when empty.`);

const volumeSourceFields: Record<string, Field> = {
  hostPath: ref(c('HostPathVolumeSource'), 1, 'A file or directory of the node.'),
  emptyDir: ref(c('EmptyDirVolumeSource'), 2, 'A scratch directory that lives as long as the pod.'),
  gcePersistentDisk: ref(c('GCEPersistentDiskVolumeSource'), 3, 'Deprecated: a GCE persistent disk.'),
  awsElasticBlockStore: ref(c('AWSElasticBlockStoreVolumeSource'), 4, 'Deprecated: an AWS EBS volume.'),
  gitRepo: ref(c('GitRepoVolumeSource'), 5, 'Deprecated: a git repository checked out at pod start.'),
  secret: ref(c('SecretVolumeSource'), 6, 'The data of a Secret, as files.'),
  nfs: ref(c('NFSVolumeSource'), 7, 'An NFS export.'),
  iscsi: ref(c('ISCSIVolumeSource'), 8, 'An iSCSI disk.'),
  glusterfs: ref(c('GlusterfsVolumeSource'), 9, 'Deprecated: a Glusterfs volume.'),
  persistentVolumeClaim: ref(c('PersistentVolumeClaimVolumeSource'), 10, 'A PersistentVolumeClaim in the pod namespace.'),
  rbd: ref(c('RBDVolumeSource'), 11, 'Deprecated: a Ceph RBD image.'),
  flexVolume: ref(c('FlexVolumeSource'), 12, 'Deprecated: a volume handled by an exec plugin.'),
  cinder: ref(c('CinderVolumeSource'), 13, 'Deprecated: an OpenStack Cinder volume.'),
  cephfs: ref(c('CephFSVolumeSource'), 14, 'Deprecated: a CephFS mount.'),
  flocker: ref(c('FlockerVolumeSource'), 15, 'Deprecated: a Flocker dataset.'),
  downwardAPI: ref(c('DownwardAPIVolumeSource'), 16, 'Pod fields and container resources, as files.'),
  fc: ref(c('FCVolumeSource'), 17, 'A Fibre Channel disk.'),
  azureFile: ref(c('AzureFileVolumeSource'), 18, 'Deprecated: an Azure File share.'),
  configMap: ref(c('ConfigMapVolumeSource'), 19, 'The data of a ConfigMap, as files.'),
  vsphereVolume: ref(c('VsphereVirtualDiskVolumeSource'), 20, 'Deprecated: a vSphere disk.'),
  quobyte: ref(c('QuobyteVolumeSource'), 21, 'Deprecated: a Quobyte volume.'),
  azureDisk: ref(c('AzureDiskVolumeSource'), 22, 'Deprecated: an Azure data disk.'),
  photonPersistentDisk: ref(c('PhotonPersistentDiskVolumeSource'), 23, 'Deprecated: a Photon Controller disk.'),
  projected: ref(c('ProjectedVolumeSource'), 26, 'Several sources (secrets, configmaps, downward API, tokens) in one directory.'),
  portworxVolume: ref(c('PortworxVolumeSource'), 24, 'Deprecated: a Portworx volume.'),
  scaleIO: ref(c('ScaleIOVolumeSource'), 25, 'Deprecated: a ScaleIO volume.'),
  storageos: ref(c('StorageOSVolumeSource'), 27, 'Deprecated: a StorageOS volume.'),
  csi: ref(c('CSIVolumeSource'), 28, 'An ephemeral volume from a CSI driver.'),
  ephemeral: ref(c('EphemeralVolumeSource'), 29, 'A claim created with the pod and deleted with it.'),
  image: ref(c('ImageVolumeSource'), 30, 'The content of an OCI image or artifact, read-only.'),
};

const volumes: Definitions = {
  [c('Volume')]: {
    description: 'A named volume the containers of the pod can mount; exactly one source is set.',
    required: ['name'],
    inline: [{ proto: 2, ref: c('VolumeSource') }],
    fields: { name: string(1, 'Volume name (DNS label), unique within the pod.') },
  },
  [c('VolumeSource')]: object('Where a volume comes from; exactly one member is set.', volumeSourceFields),
  [c('HostPathVolumeSource')]: object(
    'A path on the node.',
    {
      path: string(1, 'Path on the node; symlinks are followed.'),
      type: string(2, 'Expected kind of path: "", DirectoryOrCreate, Directory, FileOrCreate, File, Socket, CharDevice or BlockDevice.'),
    },
    ['path'],
  ),
  [c('EmptyDirVolumeSource')]: object('A scratch directory.', {
    medium: string(1, 'Storage medium: "" for the node default, or Memory.'),
    sizeLimit: quantity(2, 'Most local storage the directory may use.'),
  }),
  [c('SecretVolumeSource')]: object('Files from a Secret.', {
    secretName: string(1, 'Name of the Secret in the pod namespace.'),
    items: keyItems(2, 'Secret'),
    defaultMode: defaultMode(3),
    optional: bool(4, 'Do not fail when the Secret or a key is missing.'),
  }),
  [c('ConfigMapVolumeSource')]: {
    description: 'Files from a ConfigMap.',
    inline: inlineLocalRef,
    fields: {
      items: keyItems(2, 'ConfigMap'),
      defaultMode: defaultMode(3),
      optional: bool(4, 'Do not fail when the ConfigMap or a key is missing.'),
    },
  },
  [c('KeyToPath')]: object(
    'Maps one key to a file path.',
    {
      key: string(1, 'Key to project.'),
      path: string(2, 'Relative file path; no "..".'),
      mode: int32(3, 'Permission bits of this file, 0-0777; defaults to the volume defaultMode.'),
    },
    ['key', 'path'],
  ),
  [c('DownwardAPIVolumeSource')]: object('Files holding pod fields and container resources.', {
    items: atomicList('DownwardAPIVolumeFile', 1, 'Files to create.'),
    defaultMode: defaultMode(2),
  }),
  [c('DownwardAPIVolumeFile')]: object(
    'One downward API file.',
    {
      path: string(1, 'Relative file path; no "..".'),
      fieldRef: ref(c('ObjectFieldSelector'), 2, 'Pod field: annotations, labels, name, namespace or uid.'),
      resourceFieldRef: ref(c('ResourceFieldSelector'), 3, 'Container resource limit or request.'),
      mode: int32(4, 'Permission bits of this file, 0-0777.'),
    },
    ['path'],
  ),
  [c('ProjectedVolumeSource')]: object('Several sources projected into one directory.', {
    sources: atomicList('VolumeProjection', 1, 'The sources; one member set in each.'),
    defaultMode: defaultMode(2),
  }),
  [c('VolumeProjection')]: object('One source of a projected volume; exactly one member is set.', {
    secret: ref(c('SecretProjection'), 1, 'Keys of a Secret.'),
    downwardAPI: ref(c('DownwardAPIProjection'), 2, 'Pod fields and container resources.'),
    configMap: ref(c('ConfigMapProjection'), 3, 'Keys of a ConfigMap.'),
    serviceAccountToken: ref(c('ServiceAccountTokenProjection'), 4, 'A service account token, rotated automatically.'),
    clusterTrustBundle: ref(c('ClusterTrustBundleProjection'), 5, 'Certificates of ClusterTrustBundle objects.'),
  }),
  [c('SecretProjection')]: {
    description: 'Keys of a Secret in a projected volume.',
    inline: inlineLocalRef,
    fields: {
      items: keyItems(2, 'Secret'),
      optional: bool(4, 'Do not fail when the Secret or a key is missing.'),
    },
  },
  [c('ConfigMapProjection')]: {
    description: 'Keys of a ConfigMap in a projected volume.',
    inline: inlineLocalRef,
    fields: {
      items: keyItems(2, 'ConfigMap'),
      optional: bool(4, 'Do not fail when the ConfigMap or a key is missing.'),
    },
  },
  [c('DownwardAPIProjection')]: object('Downward API files in a projected volume.', {
    items: atomicList('DownwardAPIVolumeFile', 1, 'Files to create.'),
  }),
  [c('ServiceAccountTokenProjection')]: object(
    'A service account token file.',
    {
      audience: string(1, 'Intended audience of the token; defaults to the API server.'),
      expirationSeconds: int64(2, 'Requested lifetime; defaults to 3600, at least 600.'),
      path: string(3, 'Relative path of the token file.'),
    },
    ['path'],
  ),
  [c('ClusterTrustBundleProjection')]: object(
    'Certificates of ClusterTrustBundle objects, written to one file.',
    {
      name: string(1, 'A single bundle by name.'),
      signerName: string(2, 'All bundles of this signer.'),
      labelSelector: ref(`${META}.LabelSelector`, 3, 'Narrows the bundles of signerName.'),
      optional: bool(5, 'Do not block pod start when no bundle is found.'),
      path: string(4, 'Relative path of the file.'),
    },
    ['path'],
  ),
  [c('PersistentVolumeClaimVolumeSource')]: object(
    'A PersistentVolumeClaim used as a volume.',
    {
      claimName: string(1, 'Name of the claim in the pod namespace.'),
      readOnly: readOnly(2),
    },
    ['claimName'],
  ),
  [c('EphemeralVolumeSource')]: object('A volume backed by a claim created for the pod.', {
    volumeClaimTemplate: ref(c('PersistentVolumeClaimTemplate'), 1, 'Template of the claim, named <pod>-<volume>.'),
  }),
  [c('PersistentVolumeClaimTemplate')]: object(
    'Template of a PersistentVolumeClaim created for an ephemeral volume.',
    {
      metadata: ref(`${META}.ObjectMeta`, 1, 'Labels and annotations copied to the claim.'),
      spec: ref(c('PersistentVolumeClaimSpec'), 2, 'Spec of the claim.'),
    },
    ['spec'],
  ),
  [c('CSIVolumeSource')]: object(
    'An ephemeral volume from a CSI driver.',
    {
      driver: string(1, 'Name of the CSI driver.'),
      readOnly: readOnly(2),
      fsType: fsType(3),
      volumeAttributes: map(item.string, 4, 'Driver-specific properties.'),
      nodePublishSecretRef: ref(LOCAL_REF, 5, 'Secret passed to the driver when publishing.'),
    },
    ['driver'],
  ),
  [c('ImageVolumeSource')]: object('An OCI image or artifact mounted read-only.', {
    reference: string(1, 'Image or artifact reference.'),
    pullPolicy: string(2, 'Always, Never or IfNotPresent; defaults like a container image.'),
  }),
  [c('NFSVolumeSource')]: object(
    'An NFS export.',
    {
      server: string(1, 'NFS server host name or IP.'),
      path: string(2, 'Exported path.'),
      readOnly: readOnly(3),
    },
    ['server', 'path'],
  ),
  [c('ISCSIVolumeSource')]: object(
    'An iSCSI disk.',
    {
      targetPortal: string(1, 'Target portal, IP or IP:port.'),
      iqn: string(2, 'Target iSCSI qualified name.'),
      lun: int32(3, 'Target LUN number.'),
      iscsiInterface: string(4, 'iSCSI transport interface; defaults to "default".'),
      fsType: fsType(5),
      readOnly: readOnly(6),
      portals: stringList(7, 'More target portals.'),
      chapAuthDiscovery: bool(8, 'Use CHAP authentication for discovery.'),
      chapAuthSession: bool(11, 'Use CHAP authentication for the session.'),
      secretRef: ref(LOCAL_REF, 10, 'Secret with the CHAP credentials.'),
      initiatorName: string(12, 'Custom initiator name.'),
    },
    ['targetPortal', 'iqn', 'lun'],
  ),
  [c('GlusterfsVolumeSource')]: object(
    'A Glusterfs volume.',
    {
      endpoints: string(1, 'Endpoints object naming the Glusterfs servers.'),
      path: string(2, 'Glusterfs volume path.'),
      readOnly: readOnly(3),
    },
    ['endpoints', 'path'],
  ),
  [c('RBDVolumeSource')]: object(
    'A Ceph RBD image.',
    {
      monitors: stringList(1, 'Ceph monitors.'),
      image: string(2, 'RADOS image name.'),
      fsType: fsType(3),
      pool: string(4, 'RADOS pool; defaults to rbd.'),
      user: string(5, 'RADOS user; defaults to admin.'),
      keyring: string(6, 'Keyring path; defaults to /etc/ceph/keyring.'),
      secretRef: ref(LOCAL_REF, 7, 'Secret with the user key, overriding keyring.'),
      readOnly: readOnly(8),
    },
    ['monitors', 'image'],
  ),
  [c('FlexVolumeSource')]: object(
    'A volume handled by an exec plugin.',
    {
      driver: string(1, 'Name of the plugin driver.'),
      fsType: fsType(2),
      secretRef: ref(LOCAL_REF, 3, 'Secret passed to the plugin.'),
      readOnly: readOnly(4),
      options: map(item.string, 5, 'Extra options for the plugin.'),
    },
    ['driver'],
  ),
  [c('CinderVolumeSource')]: object(
    'An OpenStack Cinder volume.',
    {
      volumeID: string(1, 'Cinder volume ID.'),
      fsType: fsType(2),
      readOnly: readOnly(3),
      secretRef: ref(LOCAL_REF, 4, 'Secret with OpenStack connection parameters.'),
    },
    ['volumeID'],
  ),
  [c('CephFSVolumeSource')]: object(
    'A CephFS mount.',
    {
      monitors: stringList(1, 'Ceph monitors.'),
      path: string(2, 'Root of the mount inside CephFS; defaults to /.'),
      user: string(3, 'RADOS user; defaults to admin.'),
      secretFile: string(4, 'Keyring path; defaults to /etc/ceph/user.secret.'),
      secretRef: ref(LOCAL_REF, 5, 'Secret with the user key.'),
      readOnly: readOnly(6),
    },
    ['monitors'],
  ),
  [c('FlockerVolumeSource')]: object('A Flocker dataset; set one of the two fields.', {
    datasetName: string(1, 'Dataset name (deprecated).'),
    datasetUUID: string(2, 'Dataset UUID.'),
  }),
  [c('FCVolumeSource')]: object('A Fibre Channel disk.', {
    targetWWNs: stringList(1, 'Target world wide names.'),
    lun: int32(2, 'Target LUN.'),
    fsType: fsType(3),
    readOnly: readOnly(4),
    wwids: stringList(5, 'Volume world wide identifiers; exclusive with targetWWNs plus lun.'),
  }),
  [c('AzureFileVolumeSource')]: object(
    'An Azure File share.',
    {
      secretName: string(1, 'Secret with the storage account name and key.'),
      shareName: string(2, 'Share name.'),
      readOnly: readOnly(3),
    },
    ['secretName', 'shareName'],
  ),
  [c('VsphereVirtualDiskVolumeSource')]: object(
    'A vSphere disk.',
    {
      volumePath: string(1, 'Path of the vmdk.'),
      fsType: fsType(2),
      storagePolicyName: string(3, 'Storage policy name.'),
      storagePolicyID: string(4, 'Storage policy ID.'),
    },
    ['volumePath'],
  ),
  [c('QuobyteVolumeSource')]: object(
    'A Quobyte volume.',
    {
      registry: string(1, 'Quobyte registry services, host:port, comma separated.'),
      volume: string(2, 'Existing Quobyte volume name.'),
      readOnly: readOnly(3),
      user: string(4, 'User to map access to.'),
      group: string(5, 'Group to map access to.'),
      tenant: string(6, 'Tenant owning the volume.'),
    },
    ['registry', 'volume'],
  ),
  [c('AzureDiskVolumeSource')]: object(
    'An Azure data disk.',
    {
      diskName: string(1, 'Name of the data disk.'),
      diskURI: string(2, 'URI of the data disk.'),
      cachingMode: string(3, 'None, ReadOnly or ReadWrite; defaults to ReadWrite.'),
      fsType: string(4, 'Filesystem type; defaults to ext4.'),
      readOnly: readOnly(5),
      kind: string(6, 'Shared, Dedicated or Managed; defaults to Shared.'),
    },
    ['diskName', 'diskURI'],
  ),
  [c('PhotonPersistentDiskVolumeSource')]: object(
    'A Photon Controller disk.',
    {
      pdID: string(1, 'Disk ID.'),
      fsType: fsType(2),
    },
    ['pdID'],
  ),
  [c('PortworxVolumeSource')]: object(
    'A Portworx volume.',
    {
      volumeID: string(1, 'Volume ID.'),
      fsType: fsType(2),
      readOnly: readOnly(3),
    },
    ['volumeID'],
  ),
  [c('ScaleIOVolumeSource')]: object(
    'A ScaleIO volume.',
    {
      gateway: string(1, 'ScaleIO API gateway address.'),
      system: string(2, 'ScaleIO storage system name.'),
      secretRef: ref(LOCAL_REF, 3, 'Secret with the ScaleIO credentials.'),
      sslEnabled: bool(4, 'Use TLS to talk to the gateway.'),
      protectionDomain: string(5, 'Protection domain.'),
      storagePool: string(6, 'Storage pool.'),
      storageMode: string(7, 'ThickProvisioned or ThinProvisioned (default).'),
      volumeName: string(8, 'Existing volume name.'),
      fsType: string(9, 'Filesystem type; defaults to xfs.'),
      readOnly: readOnly(10),
    },
    ['gateway', 'system', 'secretRef'],
  ),
  [c('StorageOSVolumeSource')]: object('A StorageOS volume.', {
    volumeName: string(1, 'Volume name.'),
    volumeNamespace: string(2, 'StorageOS namespace; defaults to the pod namespace.'),
    fsType: fsType(3),
    readOnly: readOnly(4),
    secretRef: ref(LOCAL_REF, 5, 'Secret with the StorageOS API credentials.'),
  }),
  [c('GCEPersistentDiskVolumeSource')]: object(
    'A GCE persistent disk.',
    {
      pdName: string(1, 'Disk name.'),
      fsType: fsType(2),
      partition: int32(3, 'Partition to mount; the whole disk when unset.'),
      readOnly: readOnly(4),
    },
    ['pdName'],
  ),
  [c('AWSElasticBlockStoreVolumeSource')]: object(
    'An AWS EBS volume.',
    {
      volumeID: string(1, 'EBS volume ID.'),
      fsType: fsType(2),
      partition: int32(3, 'Partition to mount; the whole disk when unset.'),
      readOnly: readOnly(4),
    },
    ['volumeID'],
  ),
  [c('GitRepoVolumeSource')]: object(
    'A git checkout.',
    {
      repository: string(1, 'Repository URL.'),
      revision: string(2, 'Commit to check out.'),
      directory: string(3, 'Target directory; "." for the volume root. No "..".'),
    },
    ['repository'],
  ),
};

registerDefinitions({ ...containers, ...probesAndHooks, ...security, ...scheduling, ...podSpec, ...podStatus, ...topLevel, ...volumes });

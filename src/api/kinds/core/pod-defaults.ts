// Kubernetes' defaulting of pods and pod templates (k8s.io/kubernetes pkg/apis/core/v1
// defaults.go): the values the API server fills in so that stored objects are complete.
// Some defaults apply only to Pods, not to templates inside workloads; defaultPod() adds those.
import type { KubeObject } from '../../resource-type.ts';

type Json = Record<string, any>;

/** 0644, the file mode of secret, configMap, downwardAPI and projected volumes. */
export const DEFAULT_VOLUME_MODE = 0o644;
export const DEFAULT_TERMINATION_GRACE_PERIOD_SECONDS = 30;
export const DEFAULT_SCHEDULER_NAME = 'default-scheduler';
export const DEFAULT_TERMINATION_MESSAGE_PATH = '/dev/termination-log';

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const listOf = (v: unknown): Json[] => (Array.isArray(v) ? v.filter(isObject) : []);

/**
 * The tag of an image reference, as the docker reference parser sees it: "latest" when neither
 * tag nor digest is given, "" when only a digest is given or the reference does not parse.
 */
export function imageTag(image: string): string {
  if (!image || image !== image.trim()) return '';
  const at = image.indexOf('@');
  const named = at >= 0 ? image.slice(0, at) : image;
  const lastSlash = named.lastIndexOf('/');
  const colon = named.indexOf(':', lastSlash + 1);
  if (colon >= 0) return named.slice(colon + 1);
  return at >= 0 ? '' : 'latest';
}

/** Always for ":latest" and untagged images, IfNotPresent otherwise. */
export function defaultImagePullPolicy(image: string): string {
  return imageTag(image) === 'latest' ? 'Always' : 'IfNotPresent';
}

function defaultProbeHandler(handler: Json): void {
  if (isObject(handler.httpGet)) {
    handler.httpGet.path ||= '/';
    handler.httpGet.scheme ||= 'HTTP';
  }
  if (isObject(handler.grpc) && handler.grpc.service == null) handler.grpc.service = '';
}

function defaultProbe(probe: unknown): void {
  if (!isObject(probe)) return;
  defaultProbeHandler(probe);
  // Zero and unset both mean "use the default" for these counters.
  probe.timeoutSeconds ||= 1;
  probe.periodSeconds ||= 10;
  probe.successThreshold ||= 1;
  probe.failureThreshold ||= 3;
}

function defaultLifecycle(lifecycle: unknown): void {
  if (!isObject(lifecycle)) return;
  for (const hook of [lifecycle.postStart, lifecycle.preStop]) {
    if (isObject(hook) && isObject(hook.httpGet)) {
      hook.httpGet.path ||= '/';
      hook.httpGet.scheme ||= 'HTTP';
    }
  }
}

function defaultFieldRef(fieldRef: unknown): void {
  if (isObject(fieldRef)) fieldRef.apiVersion ||= 'v1';
}

/** Defaults of one container (regular, init or ephemeral). */
export function defaultContainer(container: Json): void {
  if (!container.imagePullPolicy)
    container.imagePullPolicy = defaultImagePullPolicy(typeof container.image === 'string' ? container.image : '');
  container.terminationMessagePath ||= DEFAULT_TERMINATION_MESSAGE_PATH;
  container.terminationMessagePolicy ||= 'File';
  for (const port of listOf(container.ports)) port.protocol ||= 'TCP';
  for (const env of listOf(container.env)) {
    if (isObject(env.valueFrom)) defaultFieldRef(env.valueFrom.fieldRef);
  }
  defaultProbe(container.livenessProbe);
  defaultProbe(container.readinessProbe);
  defaultProbe(container.startupProbe);
  defaultLifecycle(container.lifecycle);
}

function defaultDownwardAPIItems(items: unknown): void {
  for (const file of listOf(items)) defaultFieldRef(file.fieldRef);
}

/** Defaults of one volume; a volume without any source becomes an emptyDir. */
export function defaultVolume(volume: Json): void {
  const sources = Object.keys(volume).filter((k) => k !== 'name' && volume[k] != null);
  if (sources.length === 0) volume.emptyDir = {};

  if (isObject(volume.hostPath) && volume.hostPath.type == null) volume.hostPath.type = '';
  if (isObject(volume.secret) && volume.secret.defaultMode == null) volume.secret.defaultMode = DEFAULT_VOLUME_MODE;
  if (isObject(volume.configMap) && volume.configMap.defaultMode == null) volume.configMap.defaultMode = DEFAULT_VOLUME_MODE;
  if (isObject(volume.downwardAPI)) {
    if (volume.downwardAPI.defaultMode == null) volume.downwardAPI.defaultMode = DEFAULT_VOLUME_MODE;
    defaultDownwardAPIItems(volume.downwardAPI.items);
  }
  if (isObject(volume.projected)) {
    if (volume.projected.defaultMode == null) volume.projected.defaultMode = DEFAULT_VOLUME_MODE;
    for (const source of listOf(volume.projected.sources)) {
      if (isObject(source.downwardAPI)) defaultDownwardAPIItems(source.downwardAPI.items);
      if (isObject(source.serviceAccountToken) && source.serviceAccountToken.expirationSeconds == null) {
        source.serviceAccountToken.expirationSeconds = 3600;
      }
    }
  }
  if (isObject(volume.iscsi)) volume.iscsi.iscsiInterface ||= 'default';
  if (isObject(volume.rbd)) {
    volume.rbd.pool ||= 'rbd';
    volume.rbd.user ||= 'admin';
    volume.rbd.keyring ||= '/etc/ceph/keyring';
  }
  if (isObject(volume.azureDisk)) {
    const disk = volume.azureDisk;
    if (disk.cachingMode == null) disk.cachingMode = 'ReadWrite';
    if (disk.kind == null) disk.kind = 'Shared';
    if (disk.fsType == null) disk.fsType = 'ext4';
    if (disk.readOnly == null) disk.readOnly = false;
  }
  if (isObject(volume.scaleIO)) {
    volume.scaleIO.storageMode ||= 'ThinProvisioned';
    volume.scaleIO.fsType ||= 'xfs';
  }
  const claimSpec = volume.ephemeral?.volumeClaimTemplate?.spec;
  if (isObject(claimSpec) && claimSpec.volumeMode == null) claimSpec.volumeMode = 'Filesystem';
}

/** Defaults shared by Pods and pod templates (SetDefaults_PodSpec and the nested types). */
export function defaultPodSpec(spec: Json): void {
  spec.dnsPolicy ||= 'ClusterFirst';
  spec.restartPolicy ||= 'Always';
  if (!isObject(spec.securityContext)) spec.securityContext = {};
  if (spec.terminationGracePeriodSeconds == null) spec.terminationGracePeriodSeconds = DEFAULT_TERMINATION_GRACE_PERIOD_SECONDS;
  spec.schedulerName ||= DEFAULT_SCHEDULER_NAME;

  // v1 keeps the deprecated serviceAccount field as a mirror of serviceAccountName.
  if (!spec.serviceAccountName && spec.serviceAccount) spec.serviceAccountName = spec.serviceAccount;
  if (spec.serviceAccountName) spec.serviceAccount = spec.serviceAccountName;

  for (const container of listOf(spec.containers)) defaultContainer(container);
  for (const container of listOf(spec.initContainers)) defaultContainer(container);
  for (const container of listOf(spec.ephemeralContainers)) defaultContainer(container);
  for (const volume of listOf(spec.volumes)) defaultVolume(volume);
}

export function defaultPodTemplateSpec(template: Json | null | undefined): void {
  if (!isObject(template)) return;
  if (!isObject(template.spec)) template.spec = {};
  defaultPodSpec(template.spec);
}

/** Requests default to limits, resource by resource, when only the limit is given. */
function defaultRequestsFromLimits(container: Json): void {
  const resources = container.resources;
  if (!isObject(resources) || !isObject(resources.limits)) return;
  const limits = resources.limits;
  if (Object.keys(limits).length === 0) return;
  if (!isObject(resources.requests)) resources.requests = {};
  for (const [name, value] of Object.entries(limits)) {
    if (!(name in resources.requests)) resources.requests[name] = value;
  }
}

/** Defaults Kubernetes applies to Pods only (SetDefaults_Pod), then the spec defaults. */
export function defaultPod(pod: KubeObject): void {
  if (!isObject(pod.spec)) pod.spec = {};
  const spec = pod.spec;
  for (const container of [...listOf(spec.containers), ...listOf(spec.initContainers)]) defaultRequestsFromLimits(container);
  if (spec.enableServiceLinks == null) spec.enableServiceLinks = true;
  // With host networking the host port is the container port.
  if (spec.hostNetwork === true) {
    for (const container of [...listOf(spec.containers), ...listOf(spec.initContainers)]) {
      for (const port of listOf(container.ports)) {
        if (!port.hostPort) port.hostPort = port.containerPort;
      }
    }
  }
  defaultPodSpec(spec);
}

/**
 * Every pod condition carries lastProbeTime and lastTransitionTime, null when unset: they are
 * metav1.Time in Kubernetes' PodCondition, which encoding/json never omits (kubectl get -o yaml
 * shows `lastProbeTime: null`). A strategic merge patch's `lastProbeTime: null` deletes the key,
 * so writes fill it in again.
 */
export function fillPodConditionTimes(pod: KubeObject): void {
  const conditions = pod.status?.conditions;
  if (!Array.isArray(conditions)) return;
  for (const c of conditions) {
    if (!isObject(c)) continue;
    if (c.lastProbeTime === undefined) c.lastProbeTime = null;
    if (c.lastTransitionTime === undefined) c.lastTransitionTime = null;
  }
}

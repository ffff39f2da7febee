// Validation of pod specs and pod templates, with Kubernetes' field paths and messages
// (pkg/apis/core/validation: ValidatePodSpec, ValidatePodTemplateSpec, ValidatePodUpdate).
// Specs are validated after defaulting, as kube-apiserver does, so defaulted fields are present.
import { duplicate, type FieldError, forbidden, invalid, notSupported, required } from '../../field-errors.ts';
import { parseQuantity, type Quantity } from '../../quantity.ts';
import { validateAnnotations, validateLabelName, validateLabelSelector, validateLabels } from '../../validation/meta.ts';
import {
  inclusiveRangeError,
  isConfigMapKey,
  isDNS1123Label,
  isDNS1123Subdomain,
  isHTTPHeaderName,
  isQualifiedName,
  isValidIP,
  isValidLabelValue,
  isValidPortName,
  isValidPortNum,
} from '../../validation/names.ts';
import { tokenExpirationProblem } from './serviceaccount.ts';

type Json = Record<string, any>;
type VolumeMap = Map<string, Json>;

export interface PodValidationOptions {
  /** True for a Pod itself, false for a template inside a workload (a few rules differ). */
  isPod?: boolean;
}

const MAX_INT32 = 2147483647;
const FILE_MODE_ERROR = 'must be a number between 0 and 0777 (octal), both inclusive';
const NOT_POSITIVE_ERROR = 'must be greater than zero';
const NEGATIVE_ERROR = 'must be greater than or equal to 0';

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const listOf = (v: unknown): Json[] => (Array.isArray(v) ? v.map((x) => (isObject(x) ? x : {})) : []);
const strings = (v: unknown): string[] => (Array.isArray(v) ? v.map((x) => (typeof x === 'string' ? x : String(x))) : []);
const str = (v: unknown): string => (typeof v === 'string' ? v : '');
const notFound = (field: string, value: unknown): FieldError => ({ type: 'FieldValueNotFound', field, value });
const keyPath = (path: string, key: string): string => `${path}[${key}]`;

function messagesAt(path: string, value: unknown, messages: string[]): FieldError[] {
  return messages.map((msg) => invalid(path, value, msg));
}

function dns1123Label(value: string, path: string): FieldError[] {
  return messagesAt(path, value, isDNS1123Label(value));
}

function dns1123Subdomain(value: string, path: string): FieldError[] {
  return messagesAt(path, value, isDNS1123Subdomain(value));
}

function nonNegative(value: unknown, path: string): FieldError[] {
  return typeof value === 'number' && value < 0 ? [invalid(path, value, NEGATIVE_ERROR)] : [];
}

// ---------------------------------------------------------------------------------------------
// Paths inside volumes
// ---------------------------------------------------------------------------------------------

function pathNoBacksteps(target: string, path: string): FieldError[] {
  return target.split('/').includes('..') ? [invalid(path, target, "must not contain '..'")] : [];
}

/** validateHostPathVolumeSource, for pods' and PersistentVolumes' hostPath. */
export function validateHostPathSource(value: Json, path: string): FieldError[] {
  if (!str(value.path)) return [required(`${path}.path`, '')];
  const errs = pathNoBacksteps(value.path, `${path}.path`);
  const type = value.type ?? '';
  if (!HOST_PATH_TYPES.includes(type)) errs.push(notSupported(`${path}.type`, type, HOST_PATH_TYPES));
  return errs;
}

/** validateLocalVolumeSource: a PersistentVolume's local path. */
export function validateLocalPathSource(value: Json, path: string): FieldError[] {
  return str(value.path) ? pathNoBacksteps(value.path, `${path}.path`) : [required(`${path}.path`, '')];
}

function localDescendingPath(target: string, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (target.startsWith('/')) errs.push(invalid(path, target, 'must be a relative path'));
  errs.push(...pathNoBacksteps(target, path));
  return errs;
}

function localNonReservedPath(target: string, path: string): FieldError[] {
  const errs = localDescendingPath(target, path);
  if (target.startsWith('..') && !target.startsWith('../')) errs.push(invalid(path, target, "must not start with '..'"));
  return errs;
}

function fileMode(mode: unknown, path: string): FieldError[] {
  if (typeof mode === 'number' && (mode > 0o777 || mode < 0)) return [invalid(path, mode, FILE_MODE_ERROR)];
  return [];
}

function keyToPath(kp: Json, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (!str(kp.key)) errs.push(required(`${path}.key`, ''));
  if (!str(kp.path)) errs.push(required(`${path}.path`, ''));
  errs.push(...localNonReservedPath(str(kp.path), `${path}.path`));
  errs.push(...fileMode(kp.mode, `${path}.mode`));
  return errs;
}

// ---------------------------------------------------------------------------------------------
// Downward API selectors
// ---------------------------------------------------------------------------------------------

const ENV_FIELD_PATHS = [
  'metadata.name',
  'metadata.namespace',
  'metadata.uid',
  'spec.nodeName',
  'spec.serviceAccountName',
  'status.hostIP',
  'status.hostIPs',
  'status.podIP',
  'status.podIPs',
];
const VOLUME_FIELD_PATHS = ['metadata.annotations', 'metadata.labels', 'metadata.name', 'metadata.namespace', 'metadata.uid'];
const RESOURCE_FIELD_PATHS = [
  'limits.cpu',
  'limits.ephemeral-storage',
  'limits.memory',
  'requests.cpu',
  'requests.ephemeral-storage',
  'requests.memory',
];

/** `metadata.labels['key']` / `metadata.annotations['key']`: [prefix, key] or undefined. */
function splitSubscript(fieldPath: string): [string, string] | undefined {
  const m = /^(metadata\.(?:labels|annotations))\['(.*)'\]$/.exec(fieldPath);
  return m ? [m[1], m[2]] : undefined;
}

function objectFieldSelector(sel: Json, valid: string[], path: string): FieldError[] {
  const errs: FieldError[] = [];
  const fieldPath = str(sel.fieldPath);
  if (!str(sel.apiVersion)) {
    errs.push(required(`${path}.apiVersion`, ''));
    return errs;
  }
  if (!fieldPath) {
    errs.push(required(`${path}.fieldPath`, ''));
    return errs;
  }
  if (sel.apiVersion !== 'v1') {
    errs.push(invalid(`${path}.fieldPath`, fieldPath, `error converting fieldPath: field label not supported: ${fieldPath}`));
    return errs;
  }
  const subscript = splitSubscript(fieldPath);
  if (subscript) {
    const [prefix, key] = subscript;
    if (prefix === 'metadata.annotations') {
      for (const msg of isQualifiedName(key.toLowerCase())) errs.push(invalid(`${path}.fieldPath`, fieldPath, `invalid key: ${msg}`));
    } else {
      for (const msg of isQualifiedName(key)) errs.push(invalid(`${path}.fieldPath`, fieldPath, `invalid key: ${msg}`));
    }
    return errs;
  }
  if (!valid.includes(fieldPath)) errs.push(notSupported(`${path}.fieldPath`, fieldPath, [...valid].sort()));
  return errs;
}

function resourceFieldSelector(sel: Json, path: string, containerNameRequired: boolean): FieldError[] {
  const errs: FieldError[] = [];
  const resource = str(sel.resource);
  if (containerNameRequired && !str(sel.containerName)) errs.push(required(`${path}.containerName`, ''));
  if (!resource) errs.push(required(`${path}.resource`, ''));
  else if (!RESOURCE_FIELD_PATHS.includes(resource) && !/^(limits|requests)\.hugepages-/.test(resource)) {
    errs.push(notSupported(`${path}.resource`, resource, RESOURCE_FIELD_PATHS));
  }
  if (sel.divisor != null) {
    try {
      parseQuantity(sel.divisor);
    } catch (e) {
      errs.push(invalid(`${path}.divisor`, String(sel.divisor), (e as Error).message));
    }
  }
  return errs;
}

function keySelector(sel: Json, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (!str(sel.name)) errs.push(required(`${path}.name`, ''));
  const key = str(sel.key);
  if (!key) errs.push(required(`${path}.key`, ''));
  else errs.push(...messagesAt(`${path}.key`, key, isConfigMapKey(key)));
  return errs;
}

// ---------------------------------------------------------------------------------------------
// Volumes
// ---------------------------------------------------------------------------------------------

const HOST_PATH_TYPES = ['', 'BlockDevice', 'CharDevice', 'Directory', 'DirectoryOrCreate', 'File', 'FileOrCreate', 'Socket'];
const PULL_POLICIES = ['Always', 'IfNotPresent', 'Never'];

/** The order kube-apiserver checks volume sources in; a second source is reported by its name. */
const VOLUME_SOURCES = [
  ...'emptyDir hostPath gitRepo gcePersistentDisk awsElasticBlockStore secret nfs iscsi glusterfs flocker'.split(' '),
  ...'persistentVolumeClaim rbd cinder cephfs quobyte downwardAPI fc flexVolume configMap azureFile'.split(' '),
  ...'vsphereVolume photonPersistentDisk portworxVolume azureDisk storageos projected scaleIO csi ephemeral image'.split(' '),
];

function downwardAPIFile(file: Json, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (!str(file.path)) errs.push(required(`${path}.path`, ''));
  errs.push(...localNonReservedPath(str(file.path), `${path}.path`));
  if (isObject(file.fieldRef)) {
    errs.push(...objectFieldSelector(file.fieldRef, VOLUME_FIELD_PATHS, `${path}.fieldRef`));
    if (isObject(file.resourceFieldRef)) {
      errs.push(invalid(path, 'resource', 'fieldRef and resourceFieldRef can not be specified simultaneously'));
    }
  } else if (isObject(file.resourceFieldRef)) {
    errs.push(...resourceFieldSelector(file.resourceFieldRef, `${path}.resourceFieldRef`, true));
  } else {
    errs.push(required(path, 'one of fieldRef and resourceFieldRef is required'));
  }
  errs.push(...fileMode(file.mode, `${path}.mode`));
  return errs;
}

function projectedSources(projected: Json, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const seenPaths = new Set<string>();
  const notePath = (p: unknown, conflictValue: unknown): void => {
    const s = str(p);
    if (!s) return;
    if (seenPaths.has(s)) errs.push(invalid(path, conflictValue, 'conflicting duplicate paths'));
    seenPaths.add(s);
  };
  listOf(projected.sources).forEach((source, i) => {
    const srcPath = `${path}.sources[${i}]`;
    let count = 0;
    for (const kind of ['secret', 'configMap'] as const) {
      const proj = source[kind];
      if (!isObject(proj)) continue;
      count++;
      if (!str(proj.name)) errs.push(required(`${srcPath}.${kind}.name`, ''));
      listOf(proj.items).forEach((kp, j) => {
        errs.push(...keyToPath(kp, `${srcPath}.${kind}.items[${j}]`));
        notePath(kp.path, proj.name ?? '');
      });
    }
    if (isObject(source.downwardAPI)) {
      count++;
      listOf(source.downwardAPI.items).forEach((file, j) => {
        errs.push(...downwardAPIFile(file, `${srcPath}.downwardAPI.items[${j}]`));
        notePath(file.path, '');
      });
    }
    const token = source.serviceAccountToken;
    if (isObject(token)) {
      count++;
      const seconds = token.expirationSeconds;
      const problem = typeof seconds === 'number' ? tokenExpirationProblem(seconds) : undefined;
      if (problem) errs.push(invalid(`${srcPath}.serviceAccountToken.expirationSeconds`, seconds, problem));
      if (!str(token.path)) errs.push(required(`${srcPath}.serviceAccountToken.path`, ''));
      else {
        errs.push(...localNonReservedPath(token.path, `${srcPath}.serviceAccountToken.path`));
        notePath(token.path, token.path);
      }
    }
    const bundle = source.clusterTrustBundle;
    if (isObject(bundle)) {
      count++;
      if (!str(bundle.path)) errs.push(required(`${srcPath}.clusterTrustBundle.path`, ''));
      else {
        errs.push(...localNonReservedPath(bundle.path, `${srcPath}.clusterTrustBundle.path`));
        notePath(bundle.path, bundle.path);
      }
    }
    if (count > 1) errs.push(forbidden(srcPath, 'may not specify more than 1 volume type per source'));
  });
  return errs;
}

function volumeSourceErrors(source: string, value: Json, path: string, opts: PodValidationOptions): FieldError[] {
  const errs: FieldError[] = [];
  switch (source) {
    case 'hostPath':
      errs.push(...validateHostPathSource(value, path));
      break;
    case 'emptyDir':
      if (value.sizeLimit != null) {
        try {
          if (parseQuantity(value.sizeLimit).sign() < 0) {
            errs.push(forbidden(`${path}.sizeLimit`, 'SizeLimit field must be a valid resource quantity'));
          }
        } catch (e) {
          errs.push(invalid(`${path}.sizeLimit`, String(value.sizeLimit), (e as Error).message));
        }
      }
      break;
    case 'secret':
      if (!str(value.secretName)) errs.push(required(`${path}.secretName`, ''));
      errs.push(...fileMode(value.defaultMode, `${path}.defaultMode`));
      listOf(value.items).forEach((kp, i) => {
        errs.push(...keyToPath(kp, `${path}.items[${i}]`));
      });
      break;
    case 'configMap':
      if (!str(value.name)) errs.push(required(`${path}.name`, ''));
      errs.push(...fileMode(value.defaultMode, `${path}.defaultMode`));
      listOf(value.items).forEach((kp, i) => {
        errs.push(...keyToPath(kp, `${path}.items[${i}]`));
      });
      break;
    case 'downwardAPI':
      listOf(value.items).forEach((file, i) => {
        errs.push(...downwardAPIFile(file, `${path}.items[${i}]`));
      });
      errs.push(...fileMode(value.defaultMode, `${path}.defaultMode`));
      break;
    case 'projected':
      errs.push(...projectedSources(value, path));
      errs.push(...fileMode(value.defaultMode, `${path}.defaultMode`));
      break;
    case 'persistentVolumeClaim':
      if (!str(value.claimName)) errs.push(required(`${path}.claimName`, ''));
      break;
    case 'nfs':
      if (!str(value.server)) errs.push(required(`${path}.server`, ''));
      if (!str(value.path)) errs.push(required(`${path}.path`, ''));
      else if (!value.path.startsWith('/')) errs.push(invalid(`${path}.path`, value.path, 'must be an absolute path'));
      break;
    case 'gitRepo':
      if (!str(value.repository)) errs.push(required(`${path}.repository`, ''));
      errs.push(...pathNoBacksteps(str(value.directory), `${path}.directory`));
      break;
    case 'iscsi':
      if (!str(value.targetPortal)) errs.push(required(`${path}.targetPortal`, ''));
      if (!str(value.iqn)) errs.push(required(`${path}.iqn`, ''));
      break;
    case 'csi':
      if (!str(value.driver)) errs.push(required(`${path}.driver`, ''));
      break;
    case 'ephemeral':
      if (!isObject(value.volumeClaimTemplate)) errs.push(required(`${path}.volumeClaimTemplate`, ''));
      break;
    case 'image':
      if (opts.isPod && !str(value.reference)) errs.push(required(`${path}.reference`, ''));
      if (value.pullPolicy && !PULL_POLICIES.includes(value.pullPolicy)) {
        errs.push(notSupported(`${path}.pullPolicy`, value.pullPolicy, PULL_POLICIES));
      }
      break;
  }
  return errs;
}

function validateVolume(volume: Json, path: string, opts: PodValidationOptions): FieldError[] {
  const errs: FieldError[] = [];
  let count = 0;
  for (const source of VOLUME_SOURCES) {
    const value = volume[source];
    if (value == null) continue;
    if (count > 0) {
      errs.push(forbidden(`${path}.${source}`, 'may not specify more than 1 volume type'));
      continue;
    }
    count++;
    errs.push(...volumeSourceErrors(source, isObject(value) ? value : {}, `${path}.${source}`, opts));
  }
  if (count === 0) errs.push(required(path, 'must specify a volume type'));
  return errs;
}

/** Validates spec.volumes and returns the valid ones by name, for the mount checks. */
function validateVolumes(volumes: Json[], path: string, opts: PodValidationOptions): [VolumeMap, FieldError[]] {
  const errs: FieldError[] = [];
  const byName: VolumeMap = new Map();
  volumes.forEach((volume, i) => {
    const idx = `${path}[${i}]`;
    const name = str(volume.name);
    const volErrs = validateVolume(volume, idx, opts);
    if (!name) volErrs.push(required(`${idx}.name`, ''));
    else volErrs.push(...dns1123Label(name, `${idx}.name`));
    if (byName.has(name)) volErrs.push(duplicate(`${idx}.name`, name));
    if (volErrs.length === 0) byName.set(name, volume);
    else errs.push(...volErrs);
  });
  return [byName, errs];
}

// ---------------------------------------------------------------------------------------------
// Containers
// ---------------------------------------------------------------------------------------------

const PROTOCOLS = ['SCTP', 'TCP', 'UDP'];
const TERMINATION_MESSAGE_POLICIES = ['File', 'FallbackToLogsOnError'];
const MOUNT_PROPAGATIONS = ['Bidirectional', 'HostToContainer', 'None'];
const RECURSIVE_READ_ONLY_MODES = ['Disabled', 'Enabled', 'IfPossible'];

function validatePorts(ports: Json[], path: string): FieldError[] {
  const errs: FieldError[] = [];
  const names = new Set<string>();
  ports.forEach((port, i) => {
    const idx = `${path}[${i}]`;
    const name = str(port.name);
    if (name) {
      const msgs = isValidPortName(name);
      if (msgs.length) errs.push(...messagesAt(`${idx}.name`, name, msgs));
      else if (names.has(name)) errs.push(duplicate(`${idx}.name`, name));
      else names.add(name);
    }
    if (!port.containerPort) errs.push(required(`${idx}.containerPort`, ''));
    else errs.push(...messagesAt(`${idx}.containerPort`, port.containerPort, isValidPortNum(port.containerPort)));
    if (port.hostPort) errs.push(...messagesAt(`${idx}.hostPort`, port.hostPort, isValidPortNum(port.hostPort)));
    if (!port.protocol) errs.push(required(`${idx}.protocol`, ''));
    else if (!PROTOCOLS.includes(port.protocol)) errs.push(notSupported(`${idx}.protocol`, port.protocol, PROTOCOLS));
  });
  return errs;
}

/** Since Kubernetes 1.32 any printable ASCII except '=' is allowed in variable names. */
function envVarNameErrors(name: string): string[] {
  for (const ch of name) {
    const code = ch.charCodeAt(0);
    if (ch === '=' || code < 0x20 || code > 0x7e) {
      return ["a valid environment variable name must consist only of printable ASCII characters other than '='"];
    }
  }
  return [];
}

function validateEnvValueFrom(env: Json, path: string): FieldError[] {
  const from = env.valueFrom;
  if (!isObject(from)) return [];
  const errs: FieldError[] = [];
  let count = 0;
  if (isObject(from.fieldRef)) {
    count++;
    errs.push(...objectFieldSelector(from.fieldRef, ENV_FIELD_PATHS, `${path}.fieldRef`));
  }
  if (isObject(from.resourceFieldRef)) {
    count++;
    errs.push(...resourceFieldSelector(from.resourceFieldRef, `${path}.resourceFieldRef`, false));
  }
  if (isObject(from.configMapKeyRef)) {
    count++;
    errs.push(...keySelector(from.configMapKeyRef, `${path}.configMapKeyRef`));
  }
  if (isObject(from.secretKeyRef)) {
    count++;
    errs.push(...keySelector(from.secretKeyRef, `${path}.secretKeyRef`));
  }
  if (count === 0) {
    errs.push(invalid(path, '', 'must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`'));
  } else if (str(env.value)) {
    errs.push(invalid(path, '', 'may not be specified when `value` is not empty'));
  } else if (count > 1) {
    errs.push(invalid(path, '', 'may not have more than one field specified at a time'));
  }
  return errs;
}

function validateEnv(env: Json[], path: string): FieldError[] {
  const errs: FieldError[] = [];
  env.forEach((ev, i) => {
    const idx = `${path}[${i}]`;
    const name = str(ev.name);
    if (!name) errs.push(required(`${idx}.name`, ''));
    errs.push(...messagesAt(`${idx}.name`, name, envVarNameErrors(name)));
    errs.push(...validateEnvValueFrom(ev, `${idx}.valueFrom`));
  });
  return errs;
}

function validateEnvFrom(envFrom: Json[], path: string): FieldError[] {
  const errs: FieldError[] = [];
  envFrom.forEach((ef, i) => {
    const idx = `${path}[${i}]`;
    if (str(ef.prefix)) errs.push(...messagesAt(`${idx}.prefix`, ef.prefix, envVarNameErrors(ef.prefix)));
    let count = 0;
    for (const kind of ['configMapRef', 'secretRef'] as const) {
      const ref = ef[kind];
      if (!isObject(ref)) continue;
      count++;
      const name = str(ref.name);
      if (!name) errs.push(required(`${idx}.${kind}.name`, ''));
      else errs.push(...dns1123Subdomain(name, `${idx}.${kind}.name`));
    }
    if (count === 0) errs.push(invalid(idx, '', 'must specify one of: `configMapRef` or `secretRef`'));
    else if (count > 1) errs.push(invalid(idx, '', 'may not have more than one field specified at a time'));
  });
  return errs;
}

function validateVolumeMounts(container: Json, volumes: VolumeMap, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const mountPaths = new Set<string>();
  const devices = listOf(container.volumeDevices);
  listOf(container.volumeMounts).forEach((mount, i) => {
    const idx = `${path}[${i}]`;
    const name = str(mount.name);
    const mountPath = str(mount.mountPath);
    if (!name) errs.push(required(`${idx}.name`, ''));
    if (!volumes.has(name)) errs.push(notFound(`${idx}.name`, name));
    if (!mountPath) errs.push(required(`${idx}.mountPath`, ''));
    if (mountPaths.has(mountPath)) errs.push(invalid(`${idx}.mountPath`, mountPath, 'must be unique'));
    mountPaths.add(mountPath);
    if (devices.some((d) => d.name === name)) errs.push(invalid(`${idx}.name`, name, 'must not already exist in volumeDevices'));
    if (devices.some((d) => d.devicePath === mountPath)) {
      errs.push(invalid(`${idx}.mountPath`, mountPath, 'must not already exist as a path in volumeDevices'));
    }
    // Kubernetes reports these two at the list path, not the item; kept for identical messages.
    if (str(mount.subPath)) errs.push(...localDescendingPath(mount.subPath, `${path}.subPath`));
    if (str(mount.subPathExpr)) {
      if (str(mount.subPath)) errs.push(invalid(`${idx}.subPathExpr`, mount.subPathExpr, 'subPathExpr and subPath are mutually exclusive'));
      errs.push(...localDescendingPath(mount.subPathExpr, `${path}.subPathExpr`));
    }
    if (mount.mountPropagation != null) {
      const mode = mount.mountPropagation;
      if (!MOUNT_PROPAGATIONS.includes(mode)) errs.push(notSupported(`${path}.mountPropagation`, mode, MOUNT_PROPAGATIONS));
      else if (mode === 'Bidirectional' && container.securityContext?.privileged !== true) {
        errs.push(forbidden(`${path}.mountPropagation`, 'Bidirectional mount propagation is available only to privileged containers'));
      }
    }
    if (mount.recursiveReadOnly != null) {
      const mode = mount.recursiveReadOnly;
      if (!RECURSIVE_READ_ONLY_MODES.includes(mode)) {
        errs.push(notSupported(`${path}.recursiveReadOnly`, mode, RECURSIVE_READ_ONLY_MODES));
      } else if (mode !== 'Disabled' && mount.readOnly !== true) {
        errs.push(forbidden(`${path}.recursiveReadOnly`, 'may only be specified when readOnly is true'));
      }
    }
  });
  return errs;
}

function validateVolumeDevices(container: Json, volumes: VolumeMap, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const paths = new Set<string>();
  const names = new Set<string>();
  const mounts = listOf(container.volumeMounts);
  listOf(container.volumeDevices).forEach((device, i) => {
    const idx = `${path}[${i}]`;
    const name = str(device.name);
    const devicePath = str(device.devicePath);
    if (!name) errs.push(required(`${idx}.name`, ''));
    if (names.has(name)) errs.push(invalid(`${idx}.name`, name, 'must be unique'));
    names.add(name);
    const volume = volumes.get(name);
    if (!volume) errs.push(notFound(`${idx}.name`, name));
    else if (volume.persistentVolumeClaim == null && volume.ephemeral == null) {
      errs.push(invalid(`${idx}.name`, name, 'can only use volume source type of PersistentVolumeClaim or Ephemeral for block mode'));
    }
    if (!devicePath) errs.push(required(`${idx}.devicePath`, ''));
    if (paths.has(devicePath)) errs.push(invalid(`${idx}.devicePath`, devicePath, 'must be unique'));
    paths.add(devicePath);
    if (devicePath && (devicePath.includes('..') || !devicePath.startsWith('/'))) {
      if (!devicePath.startsWith('/')) errs.push(invalid(`${idx}.devicePath`, devicePath, 'must be an absolute path'));
      errs.push(...pathNoBacksteps(devicePath, `${idx}.devicePath`));
    }
    if (mounts.some((m) => m.name === name)) errs.push(invalid(`${idx}.name`, name, 'must not already exist in volumeMounts'));
    if (mounts.some((m) => m.mountPath === devicePath)) {
      errs.push(invalid(`${idx}.devicePath`, devicePath, 'must not already exist as a path in volumeMounts'));
    }
  });
  return errs;
}

/** Resource names without a domain are Kubernetes' own: cpu, memory, hugepages-*, storage... */
function isNativeResource(name: string): boolean {
  return !name.includes('/') || name.includes('kubernetes.io/');
}

function isHugePages(name: string): boolean {
  return name.startsWith('hugepages-');
}

function isStandardContainerResource(name: string): boolean {
  return ['cpu', 'memory', 'ephemeral-storage'].includes(name) || isHugePages(name);
}

function isExtendedResource(name: string): boolean {
  if (isNativeResource(name) || name.startsWith('requests.')) return false;
  return isQualifiedName(`requests.${name}`).length === 0;
}

/** Native resources other than hugepages may have requests below limits. */
function overcommitAllowed(name: string): boolean {
  return isNativeResource(name) && !isHugePages(name);
}

function containerResourceName(name: string, path: string): FieldError[] {
  const errs = messagesAt(path, name, isQualifiedName(name));
  if (!name.includes('/')) {
    if (!isStandardContainerResource(name)) errs.push(invalid(path, name, 'must be a standard resource for containers'));
  } else if (!isNativeResource(name) && !isExtendedResource(name)) {
    errs.push(invalid(path, name, "doesn't follow extended resource name standard"));
  }
  return errs;
}

function quantityValue(name: string, raw: unknown, path: string): [Quantity | undefined, FieldError[]] {
  let q: Quantity;
  try {
    q = parseQuantity(raw as string | number);
  } catch (e) {
    return [undefined, [invalid(path, String(raw), (e as Error).message)]];
  }
  const errs: FieldError[] = [];
  if (q.sign() < 0) errs.push(invalid(path, q.toString(), NEGATIVE_ERROR));
  if (isExtendedResource(name) && q.milliValue() % 1000 !== 0) errs.push(invalid(path, q.toString(), 'must be an integer'));
  return [q, errs];
}

/** ValidateResourceRequirements: names, quantities, and requests never above limits. */
export function validateResourceRequirements(resources: unknown, path: string, claimNames?: Set<string>): FieldError[] {
  if (!isObject(resources)) return [];
  const errs: FieldError[] = [];
  const limPath = `${path}.limits`;
  const reqPath = `${path}.requests`;
  const limits = new Map<string, Quantity>();
  let hasCpuOrMemory = false;
  let hasHugePages = false;
  for (const [name, raw] of Object.entries(isObject(resources.limits) ? resources.limits : {})) {
    const at = keyPath(limPath, name);
    errs.push(...containerResourceName(name, at));
    const [q, qErrs] = quantityValue(name, raw, at);
    errs.push(...qErrs);
    if (q) limits.set(name, q);
    if (name === 'cpu' || name === 'memory') hasCpuOrMemory = true;
    if (isHugePages(name)) hasHugePages = true;
  }
  for (const [name, raw] of Object.entries(isObject(resources.requests) ? resources.requests : {})) {
    const at = keyPath(reqPath, name);
    errs.push(...containerResourceName(name, at));
    const [q, qErrs] = quantityValue(name, raw, at);
    errs.push(...qErrs);
    if (name === 'cpu' || name === 'memory') hasCpuOrMemory = true;
    if (isHugePages(name)) hasHugePages = true;
    const limit = limits.get(name);
    if (q && limit) {
      if (q.cmp(limit) !== 0 && !overcommitAllowed(name)) {
        errs.push(invalid(reqPath, q.toString(), `must be equal to ${name} limit of ${limit.toString()}`));
      } else if (q.cmp(limit) > 0) {
        errs.push(invalid(reqPath, q.toString(), `must be less than or equal to ${name} limit of ${limit.toString()}`));
      }
    } else if (q && !limit && !overcommitAllowed(name)) {
      errs.push(required(limPath, 'Limit must be set for non overcommitable resources'));
    }
  }
  if (hasHugePages && !hasCpuOrMemory) errs.push(forbidden(path, 'HugePages require cpu or memory'));
  const claims = listOf(resources.claims);
  const seenClaims = new Set<string>();
  claims.forEach((claim, i) => {
    const at = `${path}.claims[${i}]`;
    const name = str(claim.name);
    if (!name) errs.push(required(`${at}.name`, ''));
    else if (seenClaims.has(name)) errs.push(duplicate(at, name));
    else if (claimNames && !claimNames.has(name)) errs.push(notFound(`${at}.name`, name));
    seenClaims.add(name);
  });
  return errs;
}

function validatePortNumOrName(port: unknown, path: string): FieldError[] {
  if (typeof port === 'number') return messagesAt(path, port, isValidPortNum(port));
  if (typeof port === 'string') {
    if (!port) return [required(path, '')];
    return messagesAt(path, port, isValidPortName(port));
  }
  return [required(path, '')];
}

function validateHTTPGet(action: Json, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (!str(action.path)) errs.push(required(`${path}.path`, ''));
  errs.push(...validatePortNumOrName(action.port, `${path}.port`));
  const scheme = action.scheme ?? '';
  if (!['HTTP', 'HTTPS'].includes(scheme)) errs.push(notSupported(`${path}.scheme`, scheme, ['HTTP', 'HTTPS']));
  for (const header of listOf(action.httpHeaders)) {
    for (const msg of isHTTPHeaderName(str(header.name))) errs.push(invalid(`${path}.httpHeaders`, str(header.name), msg));
  }
  return errs;
}

/** The handler of a probe (exec, httpGet, tcpSocket, grpc) or lifecycle hook (exec, httpGet, sleep). */
function validateHandler(handler: Json, kinds: string[], path: string, gracePeriod: number | undefined): FieldError[] {
  const errs: FieldError[] = [];
  let count = 0;
  for (const kind of kinds) {
    const action = handler[kind];
    if (action == null) continue;
    if (count > 0) {
      errs.push(forbidden(`${path}.${kind}`, 'may not specify more than 1 handler type'));
      continue;
    }
    count++;
    const a = isObject(action) ? action : {};
    const at = `${path}.${kind}`;
    switch (kind) {
      case 'exec':
        if (strings(a.command).length === 0) errs.push(required(`${at}.command`, ''));
        break;
      case 'httpGet':
        errs.push(...validateHTTPGet(a, at));
        break;
      case 'tcpSocket':
        errs.push(...validatePortNumOrName(a.port, `${at}.port`));
        break;
      case 'grpc':
        errs.push(...messagesAt(`${at}.port`, a.port ?? 0, isValidPortNum(a.port ?? 0)));
        break;
      case 'sleep': {
        const seconds = typeof a.seconds === 'number' ? a.seconds : 0;
        const grace = gracePeriod ?? 30;
        if (seconds < 0 || seconds > grace) {
          errs.push(invalid(`${at}.seconds`, seconds, `must be non-negative and less than terminationGracePeriodSeconds (${grace})`));
        }
        break;
      }
    }
  }
  if (count === 0) errs.push(required(path, 'must specify a handler type'));
  return errs;
}

function validateProbe(probe: unknown, path: string, kind: 'liveness' | 'readiness' | 'startup'): FieldError[] {
  if (!isObject(probe)) return [];
  const errs = validateHandler(probe, ['exec', 'httpGet', 'tcpSocket', 'grpc'], path, undefined);
  errs.push(...nonNegative(probe.initialDelaySeconds, `${path}.initialDelaySeconds`));
  errs.push(...nonNegative(probe.timeoutSeconds, `${path}.timeoutSeconds`));
  errs.push(...nonNegative(probe.periodSeconds, `${path}.periodSeconds`));
  errs.push(...nonNegative(probe.successThreshold, `${path}.successThreshold`));
  errs.push(...nonNegative(probe.failureThreshold, `${path}.failureThreshold`));
  const grace = probe.terminationGracePeriodSeconds;
  if (typeof grace === 'number' && grace <= 0) errs.push(invalid(`${path}.terminationGracePeriodSeconds`, grace, 'must be greater than 0'));
  if (kind !== 'readiness' && probe.successThreshold !== 1)
    errs.push(invalid(`${path}.successThreshold`, probe.successThreshold, 'must be 1'));
  if (kind === 'readiness' && grace != null) {
    errs.push(invalid(`${path}.terminationGracePeriodSeconds`, grace, 'must not be set for readinessProbes'));
  }
  return errs;
}

function validateLifecycle(lifecycle: unknown, path: string, gracePeriod: number | undefined): FieldError[] {
  if (!isObject(lifecycle)) return [];
  const errs: FieldError[] = [];
  for (const hook of ['postStart', 'preStop'] as const) {
    if (lifecycle[hook] != null) {
      errs.push(
        ...validateHandler(
          isObject(lifecycle[hook]) ? lifecycle[hook] : {},
          ['exec', 'httpGet', 'tcpSocket', 'sleep'],
          `${path}.${hook}`,
          gracePeriod,
        ),
      );
    }
  }
  return errs;
}

const PROC_MOUNTS = ['Default', 'Unmasked'];
const PROFILE_TYPES = ['Localhost', 'RuntimeDefault', 'Unconfined'];

function validateProfile(profile: unknown, path: string, what: 'seccomp' | 'AppArmor'): FieldError[] {
  if (!isObject(profile)) return [];
  const errs: FieldError[] = [];
  const type = str(profile.type);
  if (!PROFILE_TYPES.includes(type)) {
    if (!type) errs.push(required(`${path}.type`, ''));
    else errs.push(notSupported(`${path}.type`, type, PROFILE_TYPES));
  } else if (type === 'Localhost' && !str(profile.localhostProfile)) {
    errs.push(required(`${path}.localhostProfile`, `must be set when ${what} type is Localhost`));
  } else if (type !== 'Localhost' && profile.localhostProfile != null) {
    errs.push(invalid(`${path}.localhostProfile`, profile.localhostProfile, `can only be set when ${what} type is Localhost`));
  }
  return errs;
}

function idRange(value: unknown, path: string): FieldError[] {
  if (typeof value !== 'number' || (value >= 0 && value <= MAX_INT32)) return [];
  return [invalid(path, value, inclusiveRangeError(0, MAX_INT32))];
}

function validateContainerSecurityContext(sc: unknown, path: string, hostUsers: boolean): FieldError[] {
  if (!isObject(sc)) return [];
  const errs: FieldError[] = [];
  errs.push(...idRange(sc.runAsUser, `${path}.runAsUser`));
  errs.push(...idRange(sc.runAsGroup, `${path}.runAsGroup`));
  if (sc.procMount != null) {
    if (!PROC_MOUNTS.includes(sc.procMount)) errs.push(notSupported(`${path}.procMount`, sc.procMount, PROC_MOUNTS));
    else if (hostUsers && sc.procMount === 'Unmasked') {
      errs.push(invalid(`${path}.procMount`, sc.procMount, '`hostUsers` must be false to use `Unmasked`'));
    }
  }
  errs.push(...validateProfile(sc.seccompProfile, `${path}.seccompProfile`, 'seccomp'));
  if (sc.allowPrivilegeEscalation === false) {
    if (sc.privileged === true) errs.push(invalid(path, sc, 'cannot set `allowPrivilegeEscalation` to false and `privileged` to true'));
    if (strings(sc.capabilities?.add).includes('CAP_SYS_ADMIN')) {
      errs.push(invalid(path, sc, 'cannot set `allowPrivilegeEscalation` to false and `capabilities.Add` CAP_SYS_ADMIN'));
    }
  }
  errs.push(...validateProfile(sc.appArmorProfile, `${path}.appArmorProfile`, 'AppArmor'));
  return errs;
}

const RESIZE_RESOURCES = ['cpu', 'memory'];
const RESIZE_POLICIES = ['NotRequired', 'RestartContainer'];

function validateResizePolicy(policies: Json[], path: string, podRestartPolicy: string): FieldError[] {
  const errs: FieldError[] = [];
  const seen = new Set<string>();
  policies.forEach((p, i) => {
    const idx = `${path}[${i}]`;
    const name = str(p.resourceName);
    if (seen.has(name)) errs.push(duplicate(`${idx}.resourceName`, name));
    else if (!RESIZE_RESOURCES.includes(name)) errs.push(notSupported(`${idx}.resourceName`, name, RESIZE_RESOURCES));
    seen.add(name);
    const policy = str(p.restartPolicy);
    if (!RESIZE_POLICIES.includes(policy)) {
      if (!policy) errs.push(required(`${idx}.restartPolicy`, ''));
      else errs.push(notSupported(`${idx}.restartPolicy`, policy, RESIZE_POLICIES));
    } else if (podRestartPolicy !== 'Always' && policy !== 'NotRequired') {
      errs.push(invalid(`${idx}.restartPolicy`, policy, `must be 'NotRequired' when \`restartPolicy\` is '${podRestartPolicy}'`));
    }
  });
  return errs;
}

interface ContainerContext {
  volumes: VolumeMap;
  claimNames: Set<string>;
  podRestartPolicy: string;
  hostUsers: boolean;
}

/** Checks every container kind shares (validateContainerCommon). */
function validateContainerCommon(container: Json, path: string, ctx: ContainerContext): FieldError[] {
  const errs: FieldError[] = [];
  const name = str(container.name);
  if (!name) errs.push(required(`${path}.name`, ''));
  else errs.push(...dns1123Label(name, `${path}.name`));
  if (!str(container.image)) errs.push(required(`${path}.image`, ''));

  const policy = container.terminationMessagePolicy ?? '';
  if (!policy) errs.push(required(`${path}.terminationMessagePolicy`, ''));
  else if (!TERMINATION_MESSAGE_POLICIES.includes(policy)) {
    errs.push(notSupported(`${path}.terminationMessagePolicy`, policy, TERMINATION_MESSAGE_POLICIES));
  }

  errs.push(...validatePorts(listOf(container.ports), `${path}.ports`));
  errs.push(...validateEnv(listOf(container.env), `${path}.env`));
  errs.push(...validateEnvFrom(listOf(container.envFrom), `${path}.envFrom`));
  errs.push(...validateVolumeMounts(container, ctx.volumes, `${path}.volumeMounts`));
  errs.push(...validateVolumeDevices(container, ctx.volumes, `${path}.volumeDevices`));

  const pull = container.imagePullPolicy ?? '';
  if (!pull) errs.push(required(`${path}.imagePullPolicy`, ''));
  else if (!PULL_POLICIES.includes(pull)) errs.push(notSupported(`${path}.imagePullPolicy`, pull, PULL_POLICIES));

  errs.push(...validateResourceRequirements(container.resources, `${path}.resources`, ctx.claimNames));
  errs.push(...validateResizePolicy(listOf(container.resizePolicy), `${path}.resizePolicy`, ctx.podRestartPolicy));
  errs.push(...validateContainerSecurityContext(container.securityContext, `${path}.securityContext`, ctx.hostUsers));
  return errs;
}

function hostPortConflicts(containers: Json[], path: string): FieldError[] {
  const errs: FieldError[] = [];
  const seen = new Set<string>();
  containers.forEach((container, ci) => {
    listOf(container.ports).forEach((port, pi) => {
      if (!port.hostPort) return;
      const key = `${port.hostIP ?? ''}/${port.protocol ?? ''}/${port.hostPort}`;
      if (seen.has(key)) errs.push(duplicate(`${path}[${ci}].ports[${pi}].hostPort`, key));
      seen.add(key);
    });
  });
  return errs;
}

function validateContainers(containers: Json[], path: string, ctx: ContainerContext, grace: number | undefined): FieldError[] {
  const errs: FieldError[] = [];
  if (containers.length === 0) errs.push(required(path, ''));
  const names = new Set<string>();
  containers.forEach((container, i) => {
    const idx = `${path}[${i}]`;
    errs.push(...validateContainerCommon(container, idx, ctx));
    const name = str(container.name);
    if (names.has(name)) errs.push(duplicate(`${idx}.name`, name));
    else names.add(name);
    errs.push(...validateLifecycle(container.lifecycle, `${idx}.lifecycle`, grace));
    errs.push(...validateProbe(container.livenessProbe, `${idx}.livenessProbe`, 'liveness'));
    errs.push(...validateProbe(container.readinessProbe, `${idx}.readinessProbe`, 'readiness'));
    errs.push(...validateProbe(container.startupProbe, `${idx}.startupProbe`, 'startup'));
    if (container.restartPolicy != null) errs.push(forbidden(`${idx}.restartPolicy`, 'may not be set for non-init containers'));
  });
  errs.push(...hostPortConflicts(containers, path));
  return errs;
}

function validateInitContainers(
  inits: Json[],
  regular: Json[],
  path: string,
  ctx: ContainerContext,
  grace: number | undefined,
): FieldError[] {
  const errs: FieldError[] = [];
  const names = new Set(regular.map((c) => str(c.name)));
  inits.forEach((container, i) => {
    const idx = `${path}[${i}]`;
    errs.push(...validateContainerCommon(container, idx, ctx));
    const name = str(container.name);
    if (names.has(name)) errs.push(duplicate(`${idx}.name`, name));
    else names.add(name);

    const restartPolicy = container.restartPolicy;
    const sidecar = restartPolicy === 'Always';
    if (restartPolicy != null && !sidecar) errs.push(notSupported(`${idx}.restartPolicy`, restartPolicy, ['Always']));
    if (sidecar) {
      errs.push(...validateLifecycle(container.lifecycle, `${idx}.lifecycle`, grace));
      errs.push(...validateProbe(container.livenessProbe, `${idx}.livenessProbe`, 'liveness'));
      errs.push(...validateProbe(container.readinessProbe, `${idx}.readinessProbe`, 'readiness'));
      errs.push(...validateProbe(container.startupProbe, `${idx}.startupProbe`, 'startup'));
    } else {
      // Run-to-completion init containers have no hooks and no probes.
      if (container.lifecycle != null)
        errs.push(forbidden(`${idx}.lifecycle`, 'may not be set for init containers without restartPolicy=Always'));
      if (container.livenessProbe != null)
        errs.push(forbidden(`${idx}.livenessProbe`, 'may not be set for init containers without restartPolicy=Always'));
      if (container.readinessProbe != null)
        errs.push(forbidden(`${idx}.readinessProbe`, 'may not be set for init containers without restartPolicy=Always'));
      if (container.startupProbe != null)
        errs.push(forbidden(`${idx}.startupProbe`, 'may not be set for init containers without restartPolicy=Always'));
    }
  });
  errs.push(...hostPortConflicts(inits, path));
  return errs;
}

function validateEphemeralContainers(ephemeral: Json[], others: Json[], path: string, ctx: ContainerContext): FieldError[] {
  const errs: FieldError[] = [];
  const otherNames = new Set(others.map((c) => str(c.name)));
  const names = new Set<string>();
  ephemeral.forEach((container, i) => {
    const idx = `${path}[${i}]`;
    errs.push(...validateContainerCommon(container, idx, ctx));
    const name = str(container.name);
    if (otherNames.has(name) || names.has(name)) errs.push(duplicate(`${idx}.name`, name));
    names.add(name);
    for (const f of ['lifecycle', 'livenessProbe', 'readinessProbe', 'startupProbe', 'restartPolicy'] as const) {
      if (container[f] != null) errs.push(forbidden(`${idx}.${f}`, 'cannot be set for an Ephemeral Container'));
    }
    if (listOf(container.ports).length) errs.push(forbidden(`${idx}.ports`, 'cannot be set for an Ephemeral Container'));
    const res = container.resources;
    if (isObject(res) && (Object.keys(res.limits ?? {}).length || Object.keys(res.requests ?? {}).length)) {
      errs.push(forbidden(`${idx}.resources`, 'cannot be set for an Ephemeral Container'));
    }
    if (listOf(container.resizePolicy).length) errs.push(forbidden(`${idx}.resizePolicy`, 'cannot be set for an Ephemeral Container'));
    const target = str(container.targetContainerName);
    if (target && !otherNames.has(target)) errs.push(notFound(`${idx}.targetContainerName`, target));
    listOf(container.volumeMounts).forEach((m, j) => {
      if (str(m.subPath)) errs.push(forbidden(`${idx}.volumeMounts[${j}].subPath`, 'cannot be set for an Ephemeral Container'));
      if (str(m.subPathExpr)) errs.push(forbidden(`${idx}.volumeMounts[${j}].subPathExpr`, 'cannot be set for an Ephemeral Container'));
    });
  });
  return errs;
}

// ---------------------------------------------------------------------------------------------
// Pod-level fields
// ---------------------------------------------------------------------------------------------

const RESTART_POLICIES = ['Always', 'OnFailure', 'Never'];
const DNS_POLICIES = ['ClusterFirstWithHostNet', 'ClusterFirst', 'Default', 'None'];
const TAINT_EFFECTS = ['NoSchedule', 'PreferNoSchedule', 'NoExecute'];
const FS_GROUP_CHANGE_POLICIES = ['Always', 'OnRootMismatch'];
const SUPPLEMENTAL_GROUPS_POLICIES = ['Merge', 'Strict'];
const SELINUX_CHANGE_POLICIES = ['MountOption', 'Recursive'];
const WHEN_UNSATISFIABLE = ['DoNotSchedule', 'ScheduleAnyway'];
const NODE_INCLUSION_POLICIES = ['Honor', 'Ignore'];
const PREEMPTION_POLICIES = ['Never', 'PreemptLowerPriority'];
const OS_NAMES = ['linux', 'windows'];

function validateSupported(value: unknown, path: string, supported: string[]): FieldError[] {
  const v = typeof value === 'string' ? value : '';
  if (!v) return [required(path, '')];
  return supported.includes(v) ? [] : [notSupported(path, v, supported)];
}

function validatePodSecurityContext(spec: Json, path: string): FieldError[] {
  const sc = spec.securityContext;
  if (!isObject(sc)) return [];
  const errs: FieldError[] = [];
  errs.push(...idRange(sc.fsGroup, `${path}.fsGroup`));
  errs.push(...idRange(sc.runAsUser, `${path}.runAsUser`));
  errs.push(...idRange(sc.runAsGroup, `${path}.runAsGroup`));
  (Array.isArray(sc.supplementalGroups) ? sc.supplementalGroups : []).forEach((gid: unknown, i: number) => {
    errs.push(...idRange(gid, `${path}.supplementalGroups[${i}]`));
  });
  if (spec.shareProcessNamespace === true && spec.hostPID === true) {
    errs.push(invalid(`${path}.shareProcessNamespace`, true, 'ShareProcessNamespace and HostPID cannot both be enabled'));
  }
  const sysctlNames = new Set<string>();
  listOf(sc.sysctls).forEach((s, i) => {
    const at = `${path}.sysctls[${i}].name`;
    const name = str(s.name);
    if (!name) errs.push(required(at, ''));
    else if (!/^([a-z0-9]([-_a-z0-9]*[a-z0-9])?[./])*[a-z0-9]([-_a-z0-9]*[a-z0-9])?$/.test(name) || name.length > 253) {
      errs.push(
        invalid(
          at,
          name,
          'must have at most 253 characters and match regex ^([a-z0-9]([-_a-z0-9]*[a-z0-9])?[\\./])*[a-z0-9]([-_a-z0-9]*[a-z0-9])?$',
        ),
      );
    } else if (sysctlNames.has(name)) errs.push(duplicate(at, name));
    sysctlNames.add(name);
  });
  if (sc.fsGroupChangePolicy != null && !FS_GROUP_CHANGE_POLICIES.includes(sc.fsGroupChangePolicy)) {
    errs.push(notSupported(`${path}.fsGroupChangePolicy`, sc.fsGroupChangePolicy, FS_GROUP_CHANGE_POLICIES));
  }
  errs.push(...validateProfile(sc.seccompProfile, `${path}.seccompProfile`, 'seccomp'));
  errs.push(...validateProfile(sc.appArmorProfile, `${path}.appArmorProfile`, 'AppArmor'));
  if (sc.supplementalGroupsPolicy != null && !SUPPLEMENTAL_GROUPS_POLICIES.includes(sc.supplementalGroupsPolicy)) {
    errs.push(notSupported(`${path}.supplementalGroupsPolicy`, sc.supplementalGroupsPolicy, SUPPLEMENTAL_GROUPS_POLICIES));
  }
  if (sc.seLinuxChangePolicy != null && !SELINUX_CHANGE_POLICIES.includes(sc.seLinuxChangePolicy)) {
    errs.push(notSupported(`${path}.seLinuxChangePolicy`, sc.seLinuxChangePolicy, SELINUX_CHANGE_POLICIES));
  }
  return errs;
}

function validateNodeSelectorRequirement(req: Json, path: string, isField: boolean): FieldError[] {
  const errs: FieldError[] = [];
  const values = strings(req.values);
  switch (req.operator) {
    case 'In':
    case 'NotIn':
      if (values.length === 0) errs.push(required(`${path}.values`, "must be specified when `operator` is 'In' or 'NotIn'"));
      break;
    case 'Exists':
    case 'DoesNotExist':
      if (values.length > 0) errs.push(forbidden(`${path}.values`, "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"));
      break;
    case 'Gt':
    case 'Lt':
      if (values.length !== 1) errs.push(required(`${path}.values`, "must be specified single value when `operator` is 'Lt' or 'Gt'"));
      break;
    default:
      errs.push(invalid(`${path}.operator`, req.operator ?? '', 'not a valid selector operator'));
  }
  if (isField) {
    if (req.key !== 'metadata.name') errs.push(invalid(`${path}.key`, req.key ?? '', 'not a valid field selector key'));
  } else {
    errs.push(...validateLabelName(str(req.key), `${path}.key`));
  }
  return errs;
}

function validateNodeSelectorTerm(term: Json, path: string): FieldError[] {
  const errs: FieldError[] = [];
  listOf(term.matchExpressions).forEach((r, i) => {
    errs.push(...validateNodeSelectorRequirement(r, `${path}.matchExpressions[${i}]`, false));
  });
  listOf(term.matchFields).forEach((r, i) => {
    errs.push(...validateNodeSelectorRequirement(r, `${path}.matchFields[${i}]`, true));
  });
  return errs;
}

function validateWeight(weight: unknown, path: string): FieldError[] {
  if (typeof weight === 'number' && weight >= 1 && weight <= 100) return [];
  return [invalid(path, weight ?? 0, 'must be in the range 1-100')];
}

function validatePodAffinityTerm(term: Json, path: string): FieldError[] {
  const errs = validateLabelSelector(term.labelSelector, `${path}.labelSelector`);
  errs.push(...validateLabelSelector(term.namespaceSelector, `${path}.namespaceSelector`));
  strings(term.namespaces).forEach((ns) => {
    errs.push(...messagesAt(`${path}.namespace`, ns, isDNS1123Label(ns)));
  });
  if (!str(term.topologyKey)) errs.push(required(`${path}.topologyKey`, 'can not be empty'));
  else errs.push(...validateLabelName(term.topologyKey, `${path}.topologyKey`));
  return errs;
}

function validateAffinity(affinity: unknown, path: string): FieldError[] {
  if (!isObject(affinity)) return [];
  const errs: FieldError[] = [];
  const node = affinity.nodeAffinity;
  if (isObject(node)) {
    const requiredSel = node.requiredDuringSchedulingIgnoredDuringExecution;
    const at = `${path}.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution`;
    if (isObject(requiredSel)) {
      const terms = listOf(requiredSel.nodeSelectorTerms);
      if (terms.length === 0) errs.push(required(`${at}.nodeSelectorTerms`, 'must have at least one node selector term'));
      terms.forEach((t, i) => {
        errs.push(...validateNodeSelectorTerm(t, `${at}.nodeSelectorTerms[${i}]`));
      });
    }
    listOf(node.preferredDuringSchedulingIgnoredDuringExecution).forEach((p, i) => {
      const pAt = `${path}.nodeAffinity.preferredDuringSchedulingIgnoredDuringExecution[${i}]`;
      errs.push(...validateWeight(p.weight, `${pAt}.weight`));
      errs.push(...validateNodeSelectorTerm(isObject(p.preference) ? p.preference : {}, `${pAt}.preference`));
    });
  }
  for (const kind of ['podAffinity', 'podAntiAffinity'] as const) {
    const a = affinity[kind];
    if (!isObject(a)) continue;
    listOf(a.requiredDuringSchedulingIgnoredDuringExecution).forEach((t, i) => {
      errs.push(...validatePodAffinityTerm(t, `${path}.${kind}.requiredDuringSchedulingIgnoredDuringExecution[${i}]`));
    });
    listOf(a.preferredDuringSchedulingIgnoredDuringExecution).forEach((w, i) => {
      const at = `${path}.${kind}.preferredDuringSchedulingIgnoredDuringExecution[${i}]`;
      errs.push(...validateWeight(w.weight, `${at}.weight`));
      errs.push(...validatePodAffinityTerm(isObject(w.podAffinityTerm) ? w.podAffinityTerm : {}, `${at}.podAffinityTerm`));
    });
  }
  return errs;
}

function validateDNSConfig(spec: Json, path: string): FieldError[] {
  const config = spec.dnsConfig;
  const errs: FieldError[] = [];
  if (spec.dnsPolicy === 'None') {
    if (!isObject(config)) return [required(path, 'must provide `dnsConfig` when `dnsPolicy` is None')];
    if (strings(config.nameservers).length === 0) {
      return [required(`${path}.nameservers`, 'must provide at least one DNS nameserver when `dnsPolicy` is None')];
    }
  }
  if (!isObject(config)) return errs;
  const nameservers = strings(config.nameservers);
  if (nameservers.length > 3) errs.push(invalid(`${path}.nameservers`, nameservers, 'must not have more than 3 nameservers'));
  nameservers.forEach((ns, i) => {
    errs.push(...messagesAt(`${path}.nameservers[${i}]`, ns, isValidIP(ns)));
  });
  const searches = strings(config.searches);
  if (searches.length > 32) errs.push(invalid(`${path}.searches`, searches, 'must not have more than 32 search paths'));
  if (searches.join(' ').length > 2048) {
    errs.push(invalid(`${path}.searches`, searches, 'must not have more than 2048 characters (including spaces) in the search list'));
  }
  searches.forEach((s, i) => {
    const trimmed = s.endsWith('.') ? s.slice(0, -1) : s;
    errs.push(...dns1123Subdomain(trimmed, `${path}.searches[${i}]`));
  });
  listOf(config.options).forEach((o, i) => {
    if (!str(o.name)) errs.push(required(`${path}.options[${i}]`, 'must not be empty'));
  });
  return errs;
}

export function validateTolerations(tolerations: Json[], path: string): FieldError[] {
  const errs: FieldError[] = [];
  tolerations.forEach((t, i) => {
    const idx = `${path}[${i}]`;
    const key = str(t.key);
    const operator = t.operator ?? '';
    if (key) errs.push(...validateLabelName(key, `${idx}.key`));
    if (!key && operator !== 'Exists') {
      errs.push(
        invalid(`${idx}.operator`, operator, 'operator must be Exists when `key` is empty, which means "match all values and all keys"'),
      );
    }
    if (t.tolerationSeconds != null && t.effect !== 'NoExecute') {
      errs.push(invalid(`${idx}.effect`, t.effect ?? '', "effect must be 'NoExecute' when `tolerationSeconds` is set"));
    }
    switch (operator) {
      case 'Equal':
      case '': {
        const msgs = isValidLabelValue(str(t.value));
        if (msgs.length) errs.push(invalid(`${idx}.operator`, str(t.value), msgs.join(';')));
        break;
      }
      case 'Exists':
        if (str(t.value)) errs.push(invalid(`${idx}.operator`, t, "value must be empty when `operator` is 'Exists'"));
        break;
      default:
        errs.push(notSupported(`${idx}.operator`, operator, ['Equal', 'Exists']));
    }
    if (t.effect) {
      if (!TAINT_EFFECTS.includes(t.effect)) errs.push(notSupported(`${idx}.effect`, t.effect, TAINT_EFFECTS));
    }
  });
  return errs;
}

function validateTopologySpread(constraints: Json[], path: string): FieldError[] {
  const errs: FieldError[] = [];
  const pairs = new Set<string>();
  constraints.forEach((c, i) => {
    const idx = `${path}[${i}]`;
    if (!(typeof c.maxSkew === 'number' && c.maxSkew > 0)) errs.push(invalid(`${idx}.maxSkew`, c.maxSkew ?? 0, NOT_POSITIVE_ERROR));
    const key = str(c.topologyKey);
    if (!key) errs.push(required(`${idx}.topologyKey`, 'can not be empty'));
    else errs.push(...validateLabelName(key, `${idx}.topologyKey`));
    const when = str(c.whenUnsatisfiable);
    if (!WHEN_UNSATISFIABLE.includes(when)) errs.push(notSupported(`${idx}.whenUnsatisfiable`, when, WHEN_UNSATISFIABLE));
    if (c.minDomains != null) {
      if (!(typeof c.minDomains === 'number' && c.minDomains > 0))
        errs.push(invalid(`${idx}.minDomains`, c.minDomains, NOT_POSITIVE_ERROR));
      else if (when !== 'DoNotSchedule') {
        errs.push(invalid(`${idx}.minDomains`, c.minDomains, `can only use minDomains if whenUnsatisfiable=DoNotSchedule, not ${when}`));
      }
    }
    const pair = `{${key}, ${when}}`;
    if (pairs.has(pair)) errs.push(duplicate(idx, pair));
    pairs.add(pair);
    for (const f of ['nodeAffinityPolicy', 'nodeTaintsPolicy'] as const) {
      if (c[f] != null && !NODE_INCLUSION_POLICIES.includes(c[f])) errs.push(notSupported(`${idx}.${f}`, c[f], NODE_INCLUSION_POLICIES));
    }
    errs.push(...validateLabelSelector(c.labelSelector, `${idx}.labelSelector`));
  });
  return errs;
}

function validateHostAliases(aliases: Json[], path: string): FieldError[] {
  const errs: FieldError[] = [];
  aliases.forEach((a, i) => {
    const idx = `${path}[${i}]`;
    errs.push(...messagesAt(`${idx}.ip`, str(a.ip), isValidIP(str(a.ip))));
    strings(a.hostnames).forEach((h, j) => {
      errs.push(...dns1123Subdomain(h, `${idx}.hostnames[${j}]`));
    });
  });
  return errs;
}

function validateResourceClaims(claims: Json[], path: string): FieldError[] {
  const errs: FieldError[] = [];
  const names = new Set<string>();
  claims.forEach((claim, i) => {
    const idx = `${path}[${i}]`;
    const name = str(claim.name);
    if (!name) errs.push(required(`${idx}.name`, ''));
    else errs.push(...dns1123Label(name, `${idx}.name`));
    if (names.has(name)) errs.push(duplicate(idx, name));
    names.add(name);
    const byName = str(claim.resourceClaimName);
    const byTemplate = str(claim.resourceClaimTemplateName);
    if (!byName && !byTemplate) errs.push(invalid(idx, claim, 'must specify one of: `resourceClaimName`, `resourceClaimTemplateName`'));
    else if (byName && byTemplate)
      errs.push(invalid(idx, claim, 'at most one of `resourceClaimName` or `resourceClaimTemplateName` may be specified'));
  });
  return errs;
}

/** ValidatePodSpec: the rules of a pod spec, wherever it appears (Pod or template). */
export function validatePodSpec(spec: Json | null | undefined, path: string, opts: PodValidationOptions = {}): FieldError[] {
  const s: Json = isObject(spec) ? spec : {};
  const errs: FieldError[] = [];
  const grace = typeof s.terminationGracePeriodSeconds === 'number' ? s.terminationGracePeriodSeconds : undefined;
  if (s.terminationGracePeriodSeconds == null) errs.push(required(`${path}.terminationGracePeriodSeconds`, ''));

  const [volumes, volumeErrs] = validateVolumes(listOf(s.volumes), `${path}.volumes`, opts);
  errs.push(...volumeErrs);
  const claims = listOf(s.resourceClaims);
  errs.push(...validateResourceClaims(claims, `${path}.resourceClaims`));
  const ctx: ContainerContext = {
    volumes,
    claimNames: new Set(claims.map((c) => str(c.name))),
    podRestartPolicy: str(s.restartPolicy),
    hostUsers: s.hostUsers !== false,
  };
  const containers = listOf(s.containers);
  const inits = listOf(s.initContainers);
  errs.push(...validateContainers(containers, `${path}.containers`, ctx, grace));
  errs.push(...validateInitContainers(inits, containers, `${path}.initContainers`, ctx, grace));
  errs.push(...validateEphemeralContainers(listOf(s.ephemeralContainers), [...containers, ...inits], `${path}.ephemeralContainers`, ctx));

  if (s.hostNetwork === true) {
    containers.forEach((container, i) => {
      listOf(container.ports).forEach((port, j) => {
        if (port.hostPort !== port.containerPort) {
          errs.push(
            invalid(
              `${path}.containers[${i}].ports[${j}].containerPort`,
              port.containerPort,
              'must match `hostPort` when `hostNetwork` is true',
            ),
          );
        }
      });
    });
  }
  errs.push(...validateSupported(s.restartPolicy, `${path}.restartPolicy`, RESTART_POLICIES));
  errs.push(...validateSupported(s.dnsPolicy, `${path}.dnsPolicy`, DNS_POLICIES));
  errs.push(...validateLabels(s.nodeSelector, `${path}.nodeSelector`));
  errs.push(...validatePodSecurityContext(s, `${path}.securityContext`));
  listOf(s.imagePullSecrets).forEach((secret, i) => {
    const extra = Object.keys(secret).filter((k) => k !== 'name');
    if (extra.length) errs.push(invalid(`${path}.imagePullSecrets[${i}]`, secret, 'only name may be set'));
  });
  errs.push(...validateAffinity(s.affinity, `${path}.affinity`));
  errs.push(...validateDNSConfig(s, `${path}.dnsConfig`));
  listOf(s.readinessGates).forEach((gate, i) => {
    errs.push(
      ...messagesAt(`${path}.readinessGates[${i}].conditionType`, str(gate.conditionType), isQualifiedName(str(gate.conditionType))),
    );
  });
  const gates = new Set<string>();
  listOf(s.schedulingGates).forEach((gate, i) => {
    const name = str(gate.name);
    errs.push(...messagesAt(`${path}.schedulingGates[${i}].name`, name, isQualifiedName(name)));
    if (gates.has(name)) errs.push(duplicate(`${path}.schedulingGates[${i}]`, name));
    gates.add(name);
  });
  errs.push(...validateTopologySpread(listOf(s.topologySpreadConstraints), `${path}.topologySpreadConstraints`));

  if (str(s.serviceAccountName)) errs.push(...dns1123Subdomain(s.serviceAccountName, `${path}.serviceAccountName`));
  if (str(s.nodeName)) errs.push(...dns1123Subdomain(s.nodeName, `${path}.nodeName`));
  if (s.activeDeadlineSeconds != null) {
    const v = s.activeDeadlineSeconds;
    if (typeof v !== 'number' || v < 1 || v > MAX_INT32) {
      errs.push(invalid(`${path}.activeDeadlineSeconds`, v, inclusiveRangeError(1, MAX_INT32)));
    }
  }
  if (str(s.hostname)) errs.push(...dns1123Label(s.hostname, `${path}.hostname`));
  if (str(s.subdomain)) errs.push(...dns1123Label(s.subdomain, `${path}.subdomain`));
  errs.push(...validateTolerations(listOf(s.tolerations), `${path}.tolerations`));
  errs.push(...validateHostAliases(listOf(s.hostAliases), `${path}.hostAliases`));
  if (str(s.priorityClassName)) errs.push(...dns1123Subdomain(s.priorityClassName, `${path}.priorityClassName`));
  if (s.runtimeClassName != null) errs.push(...dns1123Subdomain(str(s.runtimeClassName), `${path}.runtimeClassName`));
  if (s.preemptionPolicy != null && !PREEMPTION_POLICIES.includes(s.preemptionPolicy)) {
    errs.push(notSupported(`${path}.preemptionPolicy`, s.preemptionPolicy, PREEMPTION_POLICIES));
  }
  if (isObject(s.overhead)) {
    for (const [name, raw] of Object.entries(s.overhead)) {
      const at = keyPath(`${path}.overhead`, name);
      errs.push(...quantityValue(name, raw, at)[1]);
    }
  }
  if (isObject(s.os)) {
    const name = str(s.os.name);
    if (!name) errs.push(required(`${path}.os.name`, ''));
    else if (!OS_NAMES.includes(name)) errs.push(notSupported(`${path}.os.name`, name, OS_NAMES));
  }
  if (isObject(s.resources)) errs.push(...validateResourceRequirements(s.resources, `${path}.resources`));
  return errs;
}

/** ValidatePodTemplateSpec: a template's labels, annotations and spec (spec.template in workloads). */
export function validatePodTemplateSpec(template: Json | null | undefined, path: string, opts: PodValidationOptions = {}): FieldError[] {
  const t: Json = isObject(template) ? template : {};
  const meta: Json = isObject(t.metadata) ? t.metadata : {};
  const errs: FieldError[] = [];
  errs.push(...validateLabels(meta.labels, `${path}.labels`));
  errs.push(...validateAnnotations(meta.annotations, `${path}.annotations`));
  errs.push(...validatePodSpec(t.spec, `${path}.spec`, { ...opts, isPod: false }));
  if (listOf(t.spec?.ephemeralContainers).length > 0) {
    errs.push(forbidden(`${path}.spec.ephemeralContainers`, 'ephemeral containers not allowed in pod template'));
  }
  return errs;
}

// ---------------------------------------------------------------------------------------------
// Updates
// ---------------------------------------------------------------------------------------------

/** Go's semantic equality of decoded JSON: absent, null and empty maps/lists are alike. */
export function semanticallyEqual(a: unknown, b: unknown): boolean {
  return JSON.stringify(normalize(a)) === JSON.stringify(normalize(b));
}

function normalize(v: unknown): unknown {
  if (v === null || v === undefined) return undefined;
  if (Array.isArray(v)) return v.length ? v.map((x) => normalize(x) ?? null) : undefined;
  if (typeof v === 'object') {
    const out: Json = {};
    for (const key of Object.keys(v as Json).sort()) {
      const n = normalize((v as Json)[key]);
      if (n !== undefined) out[key] = n;
    }
    return Object.keys(out).length ? out : undefined;
  }
  return v;
}

const POD_UPDATE_FORBIDDEN =
  'pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)';

/** A short diff of two specs by top-level field, in the spirit of the cmp.Diff Kubernetes appends. */
function specDiff(oldSpec: Json, newSpec: Json, typeName = 'core.PodSpec'): string {
  const lines = [`  ${typeName}{`];
  const keys = [...new Set([...Object.keys(oldSpec), ...Object.keys(newSpec)])].sort();
  for (const key of keys) {
    if (semanticallyEqual(oldSpec[key], newSpec[key])) continue;
    if (oldSpec[key] !== undefined) lines.push(`- \t${key}: ${JSON.stringify(oldSpec[key])},`);
    if (newSpec[key] !== undefined) lines.push(`+ \t${key}: ${JSON.stringify(newSpec[key])},`);
  }
  lines.push('  }');
  return lines.join('\n');
}

function validateContainerUpdates(newList: Json[], oldList: Json[], path: string): [FieldError[], boolean] {
  if (newList.length !== oldList.length) return [[forbidden(path, 'pod updates may not add or remove containers')], true];
  const errs: FieldError[] = [];
  newList.forEach((c, i) => {
    const image = str(c.image);
    if (!image) errs.push(required(`${path}[${i}].image`, ''));
    if (image.trim().length !== image.length)
      errs.push(invalid(`${path}[${i}].image`, image, 'must not have leading or trailing whitespace'));
  });
  return [errs, false];
}

function validateOnlyAddedTolerations(newTols: Json[], oldTols: Json[], path: string): FieldError[] {
  for (const old of oldTols) {
    const found = newTols.some((t) => semanticallyEqual({ ...old, tolerationSeconds: t.tolerationSeconds }, t));
    if (!found) return [forbidden(path, 'existing toleration can not be modified except its tolerationSeconds')];
  }
  return validateTolerations(newTols, path);
}

function validateOnlyDeletedSchedulingGates(newGates: Json[], oldGates: Json[], path: string): FieldError[] {
  if (newGates.length === 0) return [];
  const oldNames = new Set(oldGates.map((g) => str(g.name)));
  for (const gate of newGates) {
    if (!oldNames.has(str(gate.name))) return [forbidden(path, 'only deletion is allowed, but found new scheduling gate')];
  }
  return [];
}

/**
 * ValidatePodEphemeralContainersUpdate's own rule: ephemeral containers are only ever added.
 * The patch may reorder them, so each old one is looked up by name.
 */
export function validateEphemeralContainersUpdate(newSpecIn: unknown, oldSpecIn: unknown, path = 'spec.ephemeralContainers'): FieldError[] {
  const newSpec: Json = isObject(newSpecIn) ? newSpecIn : {};
  const oldSpec: Json = isObject(oldSpecIn) ? oldSpecIn : {};
  const byName = new Map(listOf(newSpec.ephemeralContainers).map((c) => [str(c.name), c]));
  const errs: FieldError[] = [];
  for (const old of listOf(oldSpec.ephemeralContainers)) {
    const name = str(old.name);
    const now = byName.get(name);
    if (!now) errs.push(forbidden(path, `existing ephemeral containers "${name}" may not be removed\n`));
    else if (!semanticallyEqual(old, now)) {
      errs.push(
        forbidden(path, `existing ephemeral containers "${name}" may not be changed\n${specDiff(old, now, 'core.EphemeralContainer')}`),
      );
    }
  }
  return errs;
}

/** ValidatePodUpdate's spec rules: only images, activeDeadlineSeconds, tolerations and gates may change. */
export function validatePodSpecUpdate(newSpecIn: unknown, oldSpecIn: unknown, path = 'spec'): FieldError[] {
  const newSpec: Json = isObject(newSpecIn) ? newSpecIn : {};
  const oldSpec: Json = isObject(oldSpecIn) ? oldSpecIn : {};
  const errs: FieldError[] = [];
  for (const kind of ['containers', 'initContainers'] as const) {
    const [cErrs, stop] = validateContainerUpdates(listOf(newSpec[kind]), listOf(oldSpec[kind]), `${path}.${kind}`);
    errs.push(...cErrs);
    if (stop) return errs;
  }

  const newDeadline = newSpec.activeDeadlineSeconds;
  const oldDeadline = oldSpec.activeDeadlineSeconds;
  if (newDeadline != null) {
    if (typeof newDeadline !== 'number' || newDeadline < 0 || newDeadline > MAX_INT32) {
      errs.push(invalid(`${path}.activeDeadlineSeconds`, newDeadline, inclusiveRangeError(0, MAX_INT32)));
      return errs;
    }
    if (typeof oldDeadline === 'number' && oldDeadline < newDeadline) {
      errs.push(invalid(`${path}.activeDeadlineSeconds`, newDeadline, 'must be less than or equal to previous value'));
      return errs;
    }
  } else if (oldDeadline != null) {
    errs.push(invalid(`${path}.activeDeadlineSeconds`, null, 'must not update from a positive integer to nil value'));
  }

  errs.push(...validateOnlyAddedTolerations(listOf(newSpec.tolerations), listOf(oldSpec.tolerations), `${path}.tolerations`));
  errs.push(
    ...validateOnlyDeletedSchedulingGates(listOf(newSpec.schedulingGates), listOf(oldSpec.schedulingGates), `${path}.schedulingGates`),
  );

  if (semanticallyEqual(newSpec, oldSpec)) return errs;

  // Put the old values of the mutable fields into a copy; whatever still differs is forbidden.
  const munged: Json = structuredClone(newSpec);
  for (const kind of ['containers', 'initContainers'] as const) {
    listOf(munged[kind]).forEach((c, i) => {
      c.image = oldSpec[kind][i].image;
    });
  }
  munged.activeDeadlineSeconds = oldSpec.activeDeadlineSeconds;
  munged.schedulingGates = oldSpec.schedulingGates;
  munged.tolerations = oldSpec.tolerations;
  const oldGrace = oldSpec.terminationGracePeriodSeconds;
  if (typeof oldGrace === 'number' && oldGrace < 0 && munged.terminationGracePeriodSeconds === 1)
    munged.terminationGracePeriodSeconds = oldGrace;
  // Gated pods may gain nodeSelector entries and node affinity before they are scheduled.
  if (listOf(oldSpec.schedulingGates).length > 0) {
    const oldSelector: Json = isObject(oldSpec.nodeSelector) ? oldSpec.nodeSelector : {};
    const newSelector: Json = isObject(munged.nodeSelector) ? munged.nodeSelector : {};
    const onlyAdded = Object.entries(oldSelector).every(([k, v]) => newSelector[k] === v);
    if (onlyAdded) munged.nodeSelector = oldSpec.nodeSelector;
    else errs.push(forbidden(`${path}.nodeSelector`, 'only additions to spec.nodeSelector are allowed (no mutations or deletions)'));
    // Kubernetes only lets node affinity narrow here; Hale accepts any node affinity change.
    const oldNodeAffinity = oldSpec.affinity?.nodeAffinity;
    if (isObject(munged.affinity)) {
      if (oldNodeAffinity == null) delete munged.affinity.nodeAffinity;
      else munged.affinity.nodeAffinity = oldNodeAffinity;
    } else if (oldNodeAffinity != null && Object.keys(oldSpec.affinity).length === 1) {
      munged.affinity = oldSpec.affinity;
    }
  }

  if (!semanticallyEqual(munged, oldSpec)) errs.push(forbidden(path, `${POD_UPDATE_FORBIDDEN}\n${specDiff(oldSpec, munged)}`));
  return errs;
}

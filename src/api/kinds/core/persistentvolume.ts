// core/v1 PersistentVolume: cluster-scoped storage. Exactly one volume source must be set;
// the source is immutable once created.
import path from 'node:path';
import { type FieldError, forbidden, invalid, notSupported, required } from '../../field-errors.ts';
import { age } from '../../printers/age.ts';
import { parseQuantity } from '../../quantity.ts';
import type { KubeObject, ResourceType } from '../../resource-type.ts';
import { isDNS1123Subdomain } from '../../validation/names.ts';
import { validateHostPathSource, validateLocalPathSource } from './pod-validation.ts';
import { accessModesString, ageColumn, column, nameColumn, storageClassOf } from './print-helpers.ts';
import { immutableField, isObject, keyPath, sameJson } from './validation-helpers.ts';
import '../../definitions/core-v1.ts';

/** Keeps a Bound volume from going away (controllers/persistentvolume/protection-controller.ts). */
export const PV_PROTECTION_FINALIZER = 'kubernetes.io/pv-protection';
export const ACCESS_MODES = ['ReadOnlyMany', 'ReadWriteMany', 'ReadWriteOnce', 'ReadWriteOncePod'];
export const VOLUME_MODES = ['Block', 'Filesystem'];
const RECLAIM_POLICIES = ['Delete', 'Recycle', 'Retain'];

/** JSON names of the PersistentVolumeSource members (inlined into the spec). */
export const PV_SOURCES = [
  'gcePersistentDisk',
  'awsElasticBlockStore',
  'hostPath',
  'glusterfs',
  'nfs',
  'rbd',
  'iscsi',
  'cinder',
  'cephfs',
  'fc',
  'flocker',
  'flexVolume',
  'azureFile',
  'vsphereVolume',
  'quobyte',
  'azureDisk',
  'photonPersistentDisk',
  'portworxVolume',
  'scaleIO',
  'local',
  'storageos',
  'csi',
];

/** SetDefaults_* of the volume sources a PV may use. */
function defaultSources(spec: Record<string, any>): void {
  if (isObject(spec.hostPath) && spec.hostPath.type == null) spec.hostPath.type = '';
  if (isObject(spec.iscsi)) spec.iscsi.iscsiInterface ||= 'default';
  if (isObject(spec.rbd)) {
    spec.rbd.pool ||= 'rbd';
    spec.rbd.user ||= 'admin';
    spec.rbd.keyring ||= '/etc/ceph/keyring';
  }
  if (isObject(spec.azureDisk)) {
    spec.azureDisk.cachingMode ??= 'ReadWrite';
    spec.azureDisk.kind ??= 'Shared';
    spec.azureDisk.fsType ??= 'ext4';
    spec.azureDisk.readOnly ??= false;
  }
  if (isObject(spec.scaleIO)) {
    spec.scaleIO.storageMode ||= 'ThinProvisioned';
    spec.scaleIO.fsType ||= 'xfs';
  }
}

function defaults(pv: KubeObject): void {
  pv.spec ??= {};
  const spec = pv.spec;
  spec.persistentVolumeReclaimPolicy ||= 'Retain';
  spec.volumeMode ||= 'Filesystem';
  defaultSources(spec);
  pv.status ??= {};
  pv.status.phase ||= 'Pending';
}

/** Access modes: required, known, and ReadWriteOncePod alone. Shared with PVC validation. */
export function validateAccessModes(modes: unknown, path: string, requiredDetail = ''): FieldError[] {
  const list: unknown[] = Array.isArray(modes) ? modes : [];
  if (!list.length) return [required(path, requiredDetail)];
  const errs: FieldError[] = [];
  for (const mode of list) if (!ACCESS_MODES.includes(String(mode))) errs.push(notSupported(path, mode, ACCESS_MODES));
  if (list.includes('ReadWriteOncePod') && list.length > 1) {
    errs.push(forbidden(path, 'may not use ReadWriteOncePod with other access modes'));
  }
  return errs;
}

function validateSource(spec: Record<string, any>, errs: FieldError[]): void {
  const present = PV_SOURCES.filter((s) => spec[s] != null);
  if (present.length === 0) errs.push(required('spec', 'must specify a volume type'));
  for (const extra of present.slice(1)) errs.push(forbidden(`spec.${extra}`, 'may not specify more than 1 volume type'));
  const need = (source: string, field: string): void => {
    if (isObject(spec[source]) && !spec[source][field]) errs.push(required(`spec.${source}.${field}`));
  };
  if (isObject(spec.hostPath)) {
    errs.push(...validateHostPathSource(spec.hostPath, 'spec.hostPath'));
    // The recycler would scrub the whole host.
    if (path.posix.normalize(String(spec.hostPath.path)) === '/' && spec.persistentVolumeReclaimPolicy === 'Recycle') {
      errs.push(forbidden('spec.persistentVolumeReclaimPolicy', "may not be 'recycle' for a hostPath mount of '/'"));
    }
  }
  if (isObject(spec.local)) errs.push(...validateLocalPathSource(spec.local, 'spec.local'));
  need('nfs', 'server');
  need('nfs', 'path');
  need('csi', 'driver');
  need('csi', 'volumeHandle');
  need('iscsi', 'targetPortal');
  need('iscsi', 'iqn');
  if (isObject(spec.local) && !spec.nodeAffinity) errs.push(required('spec.nodeAffinity', 'Local volumes require node affinity'));
}

function validate(pv: KubeObject): FieldError[] {
  const spec: Record<string, any> = isObject(pv.spec) ? pv.spec : {};
  const errs = validateAccessModes(spec.accessModes, 'spec.accessModes');
  const capacity: Record<string, unknown> = isObject(spec.capacity) ? spec.capacity : {};
  if (Object.keys(capacity).length === 0) errs.push(required('spec.capacity'));
  else if (!('storage' in capacity) || Object.keys(capacity).length > 1) {
    errs.push(notSupported('spec.capacity', capacity, ['storage']));
  }
  for (const [name, value] of Object.entries(capacity)) {
    try {
      const quantity = parseQuantity(value as string);
      if (quantity.sign() < 0) errs.push(invalid(keyPath('spec.capacity', name), quantity.value(), 'must be a valid resource quantity'));
      if (quantity.sign() <= 0) errs.push(invalid(keyPath('spec.capacity', name), quantity.toString(), 'must be greater than zero'));
    } catch {
      // Malformed quantities are rejected when the body is decoded.
    }
  }
  if (spec.persistentVolumeReclaimPolicy && !RECLAIM_POLICIES.includes(spec.persistentVolumeReclaimPolicy)) {
    errs.push(notSupported('spec.persistentVolumeReclaimPolicy', spec.persistentVolumeReclaimPolicy, RECLAIM_POLICIES));
  }
  if (spec.storageClassName) {
    for (const msg of isDNS1123Subdomain(spec.storageClassName)) errs.push(invalid('spec.storageClassName', spec.storageClassName, msg));
  }
  if (spec.volumeMode && !VOLUME_MODES.includes(spec.volumeMode)) errs.push(notSupported('spec.volumeMode', spec.volumeMode, VOLUME_MODES));
  if (spec.volumeAttributesClassName === '') errs.push(required('spec.volumeAttributesClassName', 'an empty string is disallowed'));
  validateSource(spec, errs);
  return errs;
}

const sourceOf = (spec: Record<string, any> | undefined): Record<string, unknown> =>
  Object.fromEntries(PV_SOURCES.filter((s) => spec?.[s] != null).map((s) => [s, spec?.[s]]));

function validateUpdate(pv: KubeObject, old: KubeObject): FieldError[] {
  const errs: FieldError[] = [];
  if (!sameJson(sourceOf(pv.spec), sourceOf(old.spec))) {
    errs.push(forbidden('spec.persistentvolumesource', 'spec.persistentvolumesource is immutable after creation'));
  }
  errs.push(...immutableField(pv.spec?.volumeMode, old.spec?.volumeMode, 'volumeMode'));
  if (old.spec?.nodeAffinity) errs.push(...immutableField(pv.spec?.nodeAffinity, old.spec.nodeAffinity, 'nodeAffinity'));
  return errs;
}

function prepareForCreate(pv: KubeObject): void {
  pv.status = { phase: 'Pending', lastPhaseTransitionTime: new Date().toISOString().replace(/\.\d+Z$/, 'Z') };
}

function prepareForUpdate(pv: KubeObject, old: KubeObject): void {
  // A phase change stamps the transition time (done by the status strategy in Kubernetes).
  if (
    pv.status?.phase &&
    pv.status.phase !== old.status?.phase &&
    pv.status.lastPhaseTransitionTime === old.status?.lastPhaseTransitionTime
  ) {
    pv.status.lastPhaseTransitionTime = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  }
}

/** Canonical quantity text, as Quantity.String() prints it; the raw text if it does not parse. */
export function quantityCell(value: unknown): string {
  if (value === undefined || value === null || value === '') return '0';
  try {
    return parseQuantity(value as string).toString();
  } catch {
    return String(value);
  }
}

export const persistentVolumeResource: ResourceType = {
  group: '',
  version: 'v1',
  kind: 'PersistentVolume',
  plural: 'persistentvolumes',
  singular: 'persistentvolume',
  namespaced: false,
  shortNames: ['pv'],
  schema: 'io.k8s.api.core.v1.PersistentVolume',
  generation: false,
  subresources: { status: true },
  defaults,
  validate,
  validateUpdate,
  prepareForCreate,
  prepareForUpdate,
  table: {
    columns: [
      nameColumn,
      column('Capacity', 'Storage capacity of the volume.'),
      column('Access Modes', 'Ways the volume can be mounted.'),
      column('Reclaim Policy', 'What happens when the claim is released.'),
      column('Status', 'Phase of the volume.'),
      column('Claim', 'The claim bound to the volume.'),
      column('StorageClass', 'StorageClass of the pv'),
      column('VolumeAttributesClass', 'VolumeAttributesClass of the pv'),
      column('Reason', 'Reason for a failure.'),
      ageColumn,
      column('VolumeMode', 'Filesystem or Block.', 1),
    ],
    row: (pv, now) => {
      const claim = pv.spec?.claimRef ? `${pv.spec.claimRef.namespace ?? ''}/${pv.spec.claimRef.name ?? ''}` : '';
      return [
        pv.metadata?.name ?? '',
        quantityCell(pv.spec?.capacity?.storage),
        accessModesString(pv.spec?.accessModes),
        pv.spec?.persistentVolumeReclaimPolicy ?? '',
        pv.metadata?.deletionTimestamp ? 'Terminating' : (pv.status?.phase ?? ''),
        claim,
        storageClassOf(pv),
        pv.spec?.volumeAttributesClassName ?? '<unset>',
        pv.status?.reason ?? '',
        age(pv.metadata?.creationTimestamp, now),
        pv.spec?.volumeMode ?? '<unset>',
      ];
    },
  },
};

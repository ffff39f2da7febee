// core/v1 PersistentVolumeClaim: a request for storage. After creation only the storage
// request (of a bound claim) and volumeAttributesClassName may change; volumeName may be set once.
import { type FieldError, forbidden, invalid, notSupported, required } from '../../field-errors.ts';
import { age } from '../../printers/age.ts';
import { parseQuantity, type Quantity } from '../../quantity.ts';
import type { KubeObject, ResourceType } from '../../resource-type.ts';
import { validateLabelSelector } from '../../validation/meta.ts';
import { isDNS1123Subdomain } from '../../validation/names.ts';
import { quantityCell, VOLUME_MODES, validateAccessModes } from './persistentvolume.ts';
import { accessModesString, ageColumn, column, nameColumn, storageClassOf } from './print-helpers.ts';
import { immutableField, isObject, keyPath, sameJson } from './validation-helpers.ts';
import '../../definitions/core-v1.ts';

/** Keeps a claim a pod uses from going away (controllers/persistentvolume/protection-controller.ts). */
export const PVC_PROTECTION_FINALIZER = 'kubernetes.io/pvc-protection';

const SPEC_IMMUTABLE_MSG = 'spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims';

function toQuantity(value: unknown): Quantity | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  try {
    return parseQuantity(value as string);
  } catch {
    return undefined;
  }
}

function defaults(pvc: KubeObject): void {
  pvc.spec ??= {};
  const spec = pvc.spec;
  spec.volumeMode ||= 'Filesystem';
  pvc.status ??= {};
  pvc.status.phase ||= 'Pending';
}

function validate(pvc: KubeObject): FieldError[] {
  const spec: Record<string, any> = isObject(pvc.spec) ? pvc.spec : {};
  const errs = validateAccessModes(spec.accessModes, 'spec.accessModes', 'at least 1 access mode is required');
  errs.push(...validateLabelSelector(spec.selector, 'spec.selector'));
  const storagePath = keyPath('spec.resources', 'storage');
  const requests = isObject(spec.resources?.requests) ? spec.resources.requests : {};
  if (!('storage' in requests)) errs.push(required(storagePath));
  else {
    const q = toQuantity(requests.storage);
    if (q && q.sign() <= 0) errs.push(invalid(storagePath, q.toString(), 'must be greater than zero'));
  }
  if (spec.storageClassName) {
    for (const msg of isDNS1123Subdomain(spec.storageClassName)) errs.push(invalid('spec.storageClassName', spec.storageClassName, msg));
  }
  if (spec.volumeMode && !VOLUME_MODES.includes(spec.volumeMode)) errs.push(notSupported('spec.volumeMode', spec.volumeMode, VOLUME_MODES));
  if (isObject(spec.dataSource) && !spec.dataSource.name) errs.push(required('spec.dataSource.name'));
  if (isObject(spec.dataSourceRef) && !spec.dataSourceRef.name) errs.push(required('spec.dataSourceRef.name'));
  return errs;
}

function validateUpdate(pvc: KubeObject, old: KubeObject): FieldError[] {
  const errs: FieldError[] = [];
  const newSpec = structuredClone(pvc.spec ?? {});
  const oldSpec = structuredClone(old.spec ?? {});
  // volumeName may be set once (by the binder); volumeAttributesClassName may always change.
  if (!oldSpec.volumeName) oldSpec.volumeName = newSpec.volumeName;
  delete newSpec.volumeAttributesClassName;
  delete oldSpec.volumeAttributesClassName;
  // A bound claim may change its storage request.
  if (pvc.status?.phase === 'Bound' && isObject(newSpec.resources?.requests)) {
    newSpec.resources.requests.storage = old.spec?.resources?.requests?.storage;
  }
  if (!sameJson(newSpec, oldSpec)) errs.push(forbidden('spec', SPEC_IMMUTABLE_MSG));

  const newSize = toQuantity(pvc.spec?.resources?.requests?.storage);
  const oldSize = toQuantity(old.spec?.resources?.requests?.storage);
  if (newSize && oldSize && newSize.cmp(oldSize) < 0) {
    // Shrinking is allowed down to (not including) the recorded capacity, to recover from a failed expansion.
    const statusSize = toQuantity(old.status?.capacity?.storage) ?? parseQuantity('0');
    if (newSize.cmp(statusSize) <= 0) errs.push(forbidden('spec.resources.requests.storage', 'field can not be less than status.capacity'));
  }
  errs.push(...immutableField(pvc.spec?.volumeMode, old.spec?.volumeMode, 'volumeMode'));
  return errs;
}

/** Keep dataSource and dataSourceRef in step, as Kubernetes does for same-namespace sources. */
function normalizeDataSources(pvc: KubeObject): void {
  const spec = pvc.spec;
  if (!isObject(spec)) return;
  if (isObject(spec.dataSource) && !spec.dataSourceRef) spec.dataSourceRef = { ...spec.dataSource };
  else if (isObject(spec.dataSourceRef) && !spec.dataSource && !spec.dataSourceRef.namespace) {
    const { namespace: _ns, ...local } = spec.dataSourceRef;
    spec.dataSource = local;
  }
}

function prepareForCreate(pvc: KubeObject): void {
  pvc.status = { phase: 'Pending' };
  normalizeDataSources(pvc);
}

export const persistentVolumeClaimResource: ResourceType = {
  group: '',
  version: 'v1',
  kind: 'PersistentVolumeClaim',
  plural: 'persistentvolumeclaims',
  singular: 'persistentvolumeclaim',
  namespaced: true,
  shortNames: ['pvc'],
  schema: 'io.k8s.api.core.v1.PersistentVolumeClaim',
  generation: false,
  subresources: { status: true },
  defaults,
  validate,
  validateUpdate,
  prepareForCreate,
  table: {
    columns: [
      nameColumn,
      column('Status', 'Phase of the claim.'),
      column('Volume', 'The volume bound to the claim.'),
      column('Capacity', 'Capacity of the bound volume.'),
      column('Access Modes', 'Access modes of the bound volume.'),
      column('StorageClass', 'StorageClass of the pvc'),
      column('VolumeAttributesClass', 'VolumeAttributesClass of the pvc'),
      ageColumn,
      column('VolumeMode', 'Filesystem or Block.', 1),
    ],
    row: (pvc, now) => {
      const bound = Boolean(pvc.spec?.volumeName);
      return [
        pvc.metadata?.name ?? '',
        pvc.metadata?.deletionTimestamp ? 'Terminating' : (pvc.status?.phase ?? ''),
        pvc.spec?.volumeName ?? '',
        bound ? quantityCell(pvc.status?.capacity?.storage) : '',
        bound ? accessModesString(pvc.status?.accessModes) : '',
        storageClassOf(pvc),
        pvc.spec?.volumeAttributesClassName ?? '<unset>',
        age(pvc.metadata?.creationTimestamp, now),
        pvc.spec?.volumeMode ?? '<unset>',
      ];
    },
  },
};

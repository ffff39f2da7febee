// storage.k8s.io/v1 StorageClass: a kind of storage volumes can be provisioned from.
import { duplicate, type FieldError, forbidden, invalid, notSupported, required, tooLong } from '../../field-errors.ts';
import { age } from '../../printers/age.ts';
import type { KubeObject, ResourceType } from '../../resource-type.ts';
import { validateLabelName } from '../../validation/meta.ts';
import { isQualifiedName } from '../../validation/names.ts';
import { ageColumn, column, nameColumn } from '../apps/printing.ts';
import { deepEqual, validateImmutableField } from '../apps/workload-validation.ts';

export const DEFAULT_CLASS_ANNOTATION = 'storageclass.kubernetes.io/is-default-class';
const BETA_DEFAULT_CLASS_ANNOTATION = 'storageclass.beta.kubernetes.io/is-default-class';
const MAX_PARAMETERS = 512;
const MAX_PARAMETERS_SIZE = 256 * 1024;
const reclaimPolicies = ['Delete', 'Retain'];
const bindingModes = ['Immediate', 'WaitForFirstConsumer'];

export function isDefaultStorageClass(obj: KubeObject): boolean {
  const annotations = obj.metadata?.annotations ?? {};
  return annotations[DEFAULT_CLASS_ANNOTATION] === 'true' || annotations[BETA_DEFAULT_CLASS_ANNOTATION] === 'true';
}

export function defaultStorageClass(obj: KubeObject): void {
  obj.reclaimPolicy ??= 'Delete';
  obj.volumeBindingMode ??= 'Immediate';
}

function validateParameters(params: Record<string, string> | undefined): FieldError[] {
  const entries = Object.entries(params ?? {});
  if (entries.length > MAX_PARAMETERS) return [tooLong('parameters', 'Provisioner Parameters exceeded max allowed', MAX_PARAMETERS)];
  const errs: FieldError[] = [];
  let size = 0;
  for (const [key, value] of entries) {
    if (key.length < 1) errs.push(invalid('parameters', key, 'field can not be empty.'));
    size += Buffer.byteLength(key) + Buffer.byteLength(String(value ?? ''));
  }
  if (size > MAX_PARAMETERS_SIZE) errs.push(tooLong('parameters', '', MAX_PARAMETERS_SIZE));
  return errs;
}

function validateAllowedTopologies(terms: KubeObject[]): FieldError[] {
  const errs: FieldError[] = [];
  const seenTerms: Record<string, string[]>[] = [];
  terms.forEach((term, i) => {
    const termPath = `allowedTopologies[${i}]`;
    const exprMap: Record<string, string[]> = {};
    const exprs: KubeObject[] = Array.isArray(term?.matchLabelExpressions) ? term.matchLabelExpressions : [];
    exprs.forEach((req, j) => {
      const path = `${termPath}.matchLabelExpressions[${j}]`;
      const values: string[] = Array.isArray(req?.values) ? req.values : [];
      if (values.length === 0) errs.push(required(`${path}.values`, 'must specify as least one value'));
      values.forEach((value, k) => {
        if (values.indexOf(value) !== k) errs.push(duplicate(`${path}.values[${k}]`, value));
      });
      errs.push(...validateLabelName(String(req?.key ?? ''), `${path}.key`));
      if (Object.hasOwn(exprMap, req?.key)) errs.push(duplicate(`${path}.key`, req.key));
      exprMap[req?.key] = [...new Set(values)].sort();
    });
    if (seenTerms.some((seen) => deepEqual(seen, exprMap))) errs.push(duplicate(`${termPath}.matchLabelExpressions`, ''));
    seenTerms.push(exprMap);
  });
  return errs;
}

export function validateStorageClass(obj: KubeObject): FieldError[] {
  const errs: FieldError[] = [];
  const provisioner = String(obj.provisioner ?? '');
  if (!provisioner) errs.push(required('provisioner', ''));
  else for (const msg of isQualifiedName(provisioner.toLowerCase())) errs.push(invalid('provisioner', provisioner.toLowerCase(), msg));
  errs.push(...validateParameters(obj.parameters));
  if (obj.reclaimPolicy && !reclaimPolicies.includes(obj.reclaimPolicy))
    errs.push(notSupported('reclaimPolicy', obj.reclaimPolicy, reclaimPolicies));
  if (obj.volumeBindingMode == null) errs.push(required('volumeBindingMode', ''));
  else if (!bindingModes.includes(obj.volumeBindingMode)) errs.push(notSupported('volumeBindingMode', obj.volumeBindingMode, bindingModes));
  errs.push(...validateAllowedTopologies(Array.isArray(obj.allowedTopologies) ? obj.allowedTopologies : []));
  return errs;
}

export function validateStorageClassUpdate(obj: KubeObject, old: KubeObject): FieldError[] {
  const errs: FieldError[] = [];
  if (!deepEqual(obj.parameters ?? {}, old.parameters ?? {})) errs.push(forbidden('parameters', 'updates to parameters are forbidden.'));
  if (obj.provisioner !== old.provisioner) errs.push(forbidden('provisioner', 'updates to provisioner are forbidden.'));
  if (obj.reclaimPolicy !== old.reclaimPolicy) errs.push(forbidden('reclaimPolicy', 'updates to reclaimPolicy are forbidden.'));
  errs.push(...validateImmutableField(obj.volumeBindingMode, old.volumeBindingMode, 'volumeBindingMode'));
  return errs;
}

export const storageClasses: ResourceType = {
  group: 'storage.k8s.io',
  version: 'v1',
  kind: 'StorageClass',
  plural: 'storageclasses',
  singular: 'storageclass',
  namespaced: false,
  shortNames: ['sc'],
  schema: 'io.k8s.api.storage.v1.StorageClass',
  generation: false,
  defaults: defaultStorageClass,
  validate: validateStorageClass,
  validateUpdate: validateStorageClassUpdate,
  table: {
    columns: [
      nameColumn,
      column('Provisioner', 'string', 'Volume provisioner of the class.'),
      column('ReclaimPolicy', 'string', 'What happens to provisioned volumes when released.'),
      column('VolumeBindingMode', 'string', 'When claims are bound and provisioned.'),
      column('AllowVolumeExpansion', 'string', 'Whether claims of this class may grow.'),
      ageColumn,
    ],
    row: (obj, now) => [
      isDefaultStorageClass(obj) ? `${obj.metadata?.name ?? ''} (default)` : (obj.metadata?.name ?? ''),
      obj.provisioner ?? '',
      obj.reclaimPolicy ?? 'Delete',
      obj.volumeBindingMode ?? 'Immediate',
      obj.allowVolumeExpansion === true,
      age(obj.metadata?.creationTimestamp, now),
    ],
  },
};

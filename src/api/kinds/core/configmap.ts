// core/v1 ConfigMap: keys must be valid config keys, values at most 1 MiB in total, and
// `immutable: true` freezes data and binaryData.
import { type FieldError, forbidden, invalid, tooLong } from '../../field-errors.ts';
import { age } from '../../printers/age.ts';
import type { KubeObject, ResourceType } from '../../resource-type.ts';
import { isConfigMapKey } from '../../validation/names.ts';
import { ageColumn, column, nameColumn } from './print-helpers.ts';
import { isObject, keyPath, sameJson } from './validation-helpers.ts';
import '../../definitions/core-v1.ts';

/** Kubernetes' MaxSecretSize, shared by ConfigMaps and Secrets. */
export const MAX_DATA_SIZE = 1024 * 1024;
export const IMMUTABLE_MSG = 'field is immutable when `immutable` is set';

/** Decoded size of a base64 value. */
export const base64Size = (v: unknown): number => Buffer.from(String(v ?? ''), 'base64').length;

function validate(cm: KubeObject): FieldError[] {
  const errs: FieldError[] = [];
  const data: Record<string, unknown> = isObject(cm.data) ? cm.data : {};
  const binaryData: Record<string, unknown> = isObject(cm.binaryData) ? cm.binaryData : {};
  let total = 0;
  for (const [key, value] of Object.entries(data)) {
    for (const msg of isConfigMapKey(key)) errs.push(invalid(keyPath('data', key), key, msg));
    if (key in binaryData) errs.push(invalid(keyPath('data', key), key, 'duplicate of key present in binaryData'));
    total += Buffer.byteLength(String(value ?? ''), 'utf8');
  }
  for (const [key, value] of Object.entries(binaryData)) {
    for (const msg of isConfigMapKey(key)) errs.push(invalid(keyPath('binaryData', key), key, msg));
    total += base64Size(value);
  }
  // Kubernetes reports the size against the whole object (an empty path).
  if (total > MAX_DATA_SIZE) errs.push(tooLong('', '', MAX_DATA_SIZE));
  return errs;
}

function validateUpdate(cm: KubeObject, old: KubeObject): FieldError[] {
  const errs: FieldError[] = [];
  if (old.immutable === true) {
    if (cm.immutable !== true) errs.push(forbidden('immutable', IMMUTABLE_MSG));
    if (!sameJson(cm.data, old.data)) errs.push(forbidden('data', IMMUTABLE_MSG));
    if (!sameJson(cm.binaryData, old.binaryData)) errs.push(forbidden('binaryData', IMMUTABLE_MSG));
  }
  return errs;
}

export const configMapResource: ResourceType = {
  group: '',
  version: 'v1',
  kind: 'ConfigMap',
  plural: 'configmaps',
  singular: 'configmap',
  namespaced: true,
  shortNames: ['cm'],
  schema: 'io.k8s.api.core.v1.ConfigMap',
  generation: false,
  validate,
  validateUpdate,
  table: {
    columns: [nameColumn, column('Data', 'Number of data and binaryData keys.'), ageColumn],
    row: (cm, now) => [
      cm.metadata?.name ?? '',
      Object.keys(cm.data ?? {}).length + Object.keys(cm.binaryData ?? {}).length,
      age(cm.metadata?.creationTimestamp, now),
    ],
  },
};

// core/v1 Secret: stringData is folded into data on write, type defaults to Opaque, the
// well-known types require their keys, and `immutable: true` freezes data.
import { type FieldError, forbidden, invalid, required, tooLong } from '../../field-errors.ts';
import { age } from '../../printers/age.ts';
import type { KubeObject, ResourceType } from '../../resource-type.ts';
import { isConfigMapKey } from '../../validation/names.ts';
import { base64Size, IMMUTABLE_MSG, MAX_DATA_SIZE } from './configmap.ts';
import { ageColumn, column, nameColumn } from './print-helpers.ts';
import { immutableField, isObject, keyPath, sameJson } from './validation-helpers.ts';
import '../../definitions/core-v1.ts';

const SERVICE_ACCOUNT_NAME_ANNOTATION = 'kubernetes.io/service-account.name';

function defaults(secret: KubeObject): void {
  secret.type ||= 'Opaque';
  // stringData is write-only: its values overwrite data (as base64) and it is never stored.
  if (isObject(secret.stringData)) {
    secret.data = isObject(secret.data) ? secret.data : {};
    for (const [key, value] of Object.entries(secret.stringData)) {
      secret.data[key] = Buffer.from(String(value ?? ''), 'utf8').toString('base64');
    }
  }
  delete secret.stringData;
}

/** Well-formed JSON check for docker config secrets; returns Go-ish error text or ''. */
function jsonError(b64: unknown): string {
  try {
    const parsed = JSON.parse(Buffer.from(String(b64 ?? ''), 'base64').toString('utf8'));
    if (!isObject(parsed)) return 'json: cannot unmarshal into Go value of type map[string]interface {}';
    return '';
  } catch (err) {
    return (err as Error).message;
  }
}

function validateTypeKeys(secret: KubeObject, data: Record<string, unknown>, errs: FieldError[]): void {
  const need = (key: string): void => {
    if (!(key in data)) errs.push(required(keyPath('data', key)));
  };
  switch (secret.type) {
    case 'kubernetes.io/service-account-token':
      if (!secret.metadata?.annotations?.[SERVICE_ACCOUNT_NAME_ANNOTATION]) {
        errs.push(required(keyPath('metadata.annotations', SERVICE_ACCOUNT_NAME_ANNOTATION)));
      }
      break;
    case 'kubernetes.io/dockercfg':
    case 'kubernetes.io/dockerconfigjson': {
      const key = secret.type === 'kubernetes.io/dockercfg' ? '.dockercfg' : '.dockerconfigjson';
      if (!(key in data)) need(key);
      else {
        const err = jsonError(data[key]);
        if (err) errs.push(invalid(keyPath('data', key), '<secret contents redacted>', err));
      }
      break;
    }
    case 'kubernetes.io/basic-auth':
      if (!('username' in data) && !('password' in data)) {
        need('username');
        need('password');
      }
      break;
    case 'kubernetes.io/ssh-auth':
      if (!base64Size(data['ssh-privatekey'])) errs.push(required(keyPath('data', 'ssh-privatekey')));
      break;
    case 'kubernetes.io/tls':
      need('tls.crt');
      need('tls.key');
      break;
  }
}

function validate(secret: KubeObject): FieldError[] {
  const errs: FieldError[] = [];
  const data: Record<string, unknown> = isObject(secret.data) ? secret.data : {};
  let total = 0;
  for (const [key, value] of Object.entries(data)) {
    for (const msg of isConfigMapKey(key)) errs.push(invalid(keyPath('data', key), key, msg));
    total += base64Size(value);
  }
  if (total > MAX_DATA_SIZE) errs.push(tooLong('data', '', MAX_DATA_SIZE));
  validateTypeKeys(secret, data, errs);
  return errs;
}

function validateUpdate(secret: KubeObject, old: KubeObject): FieldError[] {
  const errs = immutableField(secret.type, old.type, 'type');
  if (old.immutable === true) {
    if (secret.immutable !== true) errs.push(forbidden('immutable', IMMUTABLE_MSG));
    if (!sameJson(secret.data, old.data)) errs.push(forbidden('data', IMMUTABLE_MSG));
  }
  return errs;
}

export const secretResource: ResourceType = {
  group: '',
  version: 'v1',
  kind: 'Secret',
  plural: 'secrets',
  singular: 'secret',
  namespaced: true,
  schema: 'io.k8s.api.core.v1.Secret',
  generation: false,
  defaults,
  validate,
  validateUpdate,
  selectableFields: (secret) => ({ type: secret.type ?? '' }),
  table: {
    columns: [nameColumn, column('Type', 'Kind of secret.'), column('Data', 'Number of data keys.'), ageColumn],
    row: (secret, now) => [
      secret.metadata?.name ?? '',
      secret.type ?? '',
      Object.keys(secret.data ?? {}).length,
      age(secret.metadata?.creationTimestamp, now),
    ],
  },
};

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatFieldError } from '../../field-errors.ts';
import type { KubeObject } from '../../resource-type.ts';
import { secretResource } from './secret.ts';

const secret = (extra: Record<string, unknown>): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Secret',
  metadata: { name: 's', namespace: 'default', creationTimestamp: '2024-01-01T00:00:00Z' },
  ...extra,
});
const b64 = (s: string): string => Buffer.from(s).toString('base64');
const messages = (o: KubeObject): string[] => (secretResource.validate?.(o) ?? []).map(formatFieldError);

describe('secret', () => {
  it('defaults the type and folds stringData into data', () => {
    const s = secret({ data: { a: b64('old'), b: b64('keep') }, stringData: { a: 'new' } });
    secretResource.defaults?.(s);
    assert.equal(s.type, 'Opaque');
    assert.deepEqual(s.data, { a: b64('new'), b: b64('keep') });
    assert.equal(s.stringData, undefined);
  });

  it('requires the keys of well-known types', () => {
    assert.deepEqual(messages(secret({ type: 'kubernetes.io/tls', data: { 'tls.crt': b64('c') } })), ['data[tls.key]: Required value']);
    assert.deepEqual(messages(secret({ type: 'kubernetes.io/basic-auth', data: {} })), [
      'data[username]: Required value',
      'data[password]: Required value',
    ]);
    assert.deepEqual(messages(secret({ type: 'kubernetes.io/service-account-token' })), [
      'metadata.annotations[kubernetes.io/service-account.name]: Required value',
    ]);
    const bad = messages(secret({ type: 'kubernetes.io/dockerconfigjson', data: { '.dockerconfigjson': b64('{not json') } }));
    assert.equal(bad.length, 1);
    assert.match(bad[0], /^data\[\.dockerconfigjson\]: Invalid value: "<secret contents redacted>": /);
    assert.deepEqual(messages(secret({ type: 'kubernetes.io/dockerconfigjson', data: { '.dockerconfigjson': b64('{"auths":{}}') } })), []);
  });

  it('keeps type immutable and data frozen when immutable is set', () => {
    const old = secret({ type: 'Opaque', immutable: true, data: { a: b64('1') } });
    assert.deepEqual(
      (secretResource.validateUpdate?.(secret({ type: 'kubernetes.io/tls', immutable: true, data: { a: b64('2') } }), old) ?? []).map(
        formatFieldError,
      ),
      ['type: Invalid value: "kubernetes.io/tls": field is immutable', 'data: Forbidden: field is immutable when `immutable` is set'],
    );
  });

  it('prints type and key count, and selects on type', () => {
    const s = secret({ type: 'Opaque', data: { a: b64('1'), b: b64('2') } });
    assert.deepEqual(secretResource.table?.row(s, new Date('2024-01-01T01:00:00Z')), ['s', 'Opaque', 2, '60m']);
    assert.deepEqual(secretResource.selectableFields?.(s), { type: 'Opaque' });
  });
});

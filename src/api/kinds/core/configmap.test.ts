import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatFieldError } from '../../field-errors.ts';
import type { KubeObject } from '../../resource-type.ts';
import { configMapResource } from './configmap.ts';

const cm = (extra: Record<string, unknown>): KubeObject => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name: 'cfg', namespace: 'default', creationTimestamp: '2024-01-01T00:00:00Z' },
  ...extra,
});
const messages = (o: KubeObject): string[] => (configMapResource.validate?.(o) ?? []).map(formatFieldError);

describe('configmap', () => {
  it('accepts valid keys and rejects invalid or duplicated ones', () => {
    assert.deepEqual(messages(cm({ data: { 'app.conf': 'x', KEY_1: 'y' } })), []);
    const msgs = messages(cm({ data: { 'bad/key': 'x', dup: 'y' }, binaryData: { dup: 'AA==' } }));
    assert.equal(msgs.length, 2);
    assert.match(msgs[0], /^data\[bad\/key\]: Invalid value: "bad\/key": a valid config key must consist of alphanumeric characters/);
    assert.equal(msgs[1], 'data[dup]: Invalid value: "dup": duplicate of key present in binaryData');
  });

  it('limits the total size to 1 MiB', () => {
    assert.deepEqual(messages(cm({ data: { big: 'x'.repeat(1024 * 1024) } })), []);
    assert.deepEqual(messages(cm({ data: { big: 'x'.repeat(1024 * 1024) }, binaryData: { b: 'AA==' } })), [
      ': Too long: may not be more than 1048576 bytes',
    ]);
  });

  it('freezes data once immutable is set', () => {
    const old = cm({ immutable: true, data: { a: '1' } });
    assert.deepEqual(configMapResource.validateUpdate?.(cm({ immutable: true, data: { a: '1' } }), old), []);
    assert.deepEqual((configMapResource.validateUpdate?.(cm({ data: { a: '2' } }), old) ?? []).map(formatFieldError), [
      'immutable: Forbidden: field is immutable when `immutable` is set',
      'data: Forbidden: field is immutable when `immutable` is set',
    ]);
    assert.deepEqual(configMapResource.validateUpdate?.(cm({ data: { a: '2' } }), cm({ data: { a: '1' } })), []);
  });

  it('counts data and binaryData keys in the table', () => {
    const row = configMapResource.table?.row(cm({ data: { a: '1', b: '2' }, binaryData: { c: 'AA==' } }), new Date('2024-01-01T00:00:30Z'));
    assert.deepEqual(row, ['cfg', 3, '30s']);
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatFieldError } from '../../field-errors.ts';
import type { KubeObject } from '../../resource-type.ts';
import { namespaceResource } from './namespace.ts';

const ns = (name: string, spec?: Record<string, unknown>): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Namespace',
  metadata: { name },
  spec,
});
const messages = (o: KubeObject): string[] => (namespaceResource.validate?.(o) ?? []).map(formatFieldError);

describe('namespace', () => {
  it('labels itself with its name and starts Active with the kubernetes finalizer', () => {
    const o = ns('team-a');
    namespaceResource.defaults?.(o);
    namespaceResource.prepareForCreate?.(o);
    assert.equal(o.metadata?.labels['kubernetes.io/metadata.name'], 'team-a');
    assert.deepEqual(o.status, { phase: 'Active' });
    assert.deepEqual(o.spec.finalizers, ['kubernetes']);
  });

  it('appends the kubernetes finalizer after user finalizers, once', () => {
    const o = ns('a', { finalizers: ['example.com/cleanup'] });
    namespaceResource.prepareForCreate?.(o);
    namespaceResource.prepareForCreate?.(o);
    assert.deepEqual(o.spec.finalizers, ['example.com/cleanup', 'kubernetes']);
  });

  it('keeps the old finalizers on update (they change through /finalize only)', () => {
    const old = ns('a', { finalizers: ['kubernetes'] });
    const next = ns('a', { finalizers: [] });
    namespaceResource.prepareForUpdate?.(next, old);
    assert.deepEqual(next.spec.finalizers, ['kubernetes']);
  });

  it('requires a DNS-1123 label name and valid finalizer names', () => {
    assert.deepEqual(messages(ns('ok-name')), []);
    // The name rule is applied with the rest of metadata (storage/resource-store.ts).
    assert.deepEqual(namespaceResource.nameValidator?.('a.b', false), ['must not contain dots']);
    assert.match(namespaceResource.nameValidator?.('Bad', false)[0] ?? '', /^a lowercase RFC 1123 label must consist of/);
    assert.deepEqual(messages(ns('a', { finalizers: ['custom'] })), [
      'spec.finalizers: Invalid value: "custom": name is neither a standard finalizer name nor is it fully qualified',
    ]);
  });

  it('prints Name, Status, Age and selects on status.phase', () => {
    const o = ns('default');
    o.metadata!.creationTimestamp = '2024-01-01T00:00:00Z';
    o.status = { phase: 'Terminating' };
    assert.deepEqual(namespaceResource.table?.row(o, new Date('2024-01-03T00:00:00Z')), ['default', 'Terminating', '2d']);
    assert.deepEqual(namespaceResource.selectableFields?.(o), { 'status.phase': 'Terminating' });
  });
});

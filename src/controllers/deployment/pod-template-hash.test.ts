import assert from 'node:assert/strict';
import { test } from 'node:test';
import { computePodTemplateHash, equalIgnoreHash, fnv32a, POD_TEMPLATE_HASH_LABEL, safeEncodeString } from './pod-template-hash.ts';

const template = (image: string, extra: Record<string, unknown> = {}) => ({
  metadata: { labels: { app: 'web' } },
  spec: { containers: [{ name: 'web', image }], ...extra },
});

test('FNV-32a matches the published test vectors', () => {
  assert.equal(fnv32a(Buffer.from('')), 0x811c9dc5);
  assert.equal(fnv32a(Buffer.from('a')), 0xe40c292c);
  assert.equal(fnv32a(Buffer.from('foobar')), 0xbf9cf968);
});

test('SafeEncodeString maps digits onto the vowel-free alphabet', () => {
  assert.equal(safeEncodeString('0123456789'), '456789bcdf');
});

test('the hash is stable, uses only safe characters and ignores key order and empty values', () => {
  const a = computePodTemplateHash(template('nginx:1'));
  assert.match(a, /^[bcdfghjklmnpqrstvwxz2456789]{1,10}$/);
  assert.equal(computePodTemplateHash(template('nginx:1')), a);
  const reordered = { spec: { volumes: [], containers: [{ image: 'nginx:1', name: 'web' }] }, metadata: { labels: { app: 'web' } } };
  assert.equal(computePodTemplateHash(reordered), a);
  assert.notEqual(computePodTemplateHash(template('nginx:2')), a);
});

test('a collision count changes the hash, and each count gives a different one', () => {
  const base = computePodTemplateHash(template('nginx:1'));
  const one = computePodTemplateHash(template('nginx:1'), 1);
  const two = computePodTemplateHash(template('nginx:1'), 2);
  assert.notEqual(one, base);
  assert.notEqual(two, one);
  assert.equal(computePodTemplateHash(template('nginx:1'), 0) === base, false, 'count 0 is still hashed in, as in Kubernetes');
});

test('equalIgnoreHash ignores only the pod-template-hash label', () => {
  const withHash = template('nginx:1');
  withHash.metadata.labels = { app: 'web', [POD_TEMPLATE_HASH_LABEL]: 'abc' } as never;
  assert.equal(equalIgnoreHash(withHash, template('nginx:1')), true);
  assert.equal(equalIgnoreHash(withHash, template('nginx:2')), false);
  const otherLabel = template('nginx:1');
  otherLabel.metadata.labels = { app: 'api' };
  assert.equal(equalIgnoreHash(withHash, otherLabel), false);
  // The input is not modified.
  assert.equal((withHash.metadata.labels as Record<string, string>)[POD_TEMPLATE_HASH_LABEL], 'abc');
});

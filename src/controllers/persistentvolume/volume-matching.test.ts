import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { KubeObject } from '../../api/resource-type.ts';
import { bestVolumeFor, volumeFitsClaim, volumeUnfitFor } from './volume-matching.ts';

const pv = (name: string, storage: string, spec: Record<string, unknown> = {}, labels: Record<string, string> = {}): KubeObject => ({
  metadata: { name, labels },
  spec: { capacity: { storage }, accessModes: ['ReadWriteOnce'], ...spec },
  status: { phase: 'Available' },
});
const claim = (spec: Record<string, unknown> = {}): KubeObject => ({
  metadata: { name: 'c', namespace: 'ns', uid: 'u1' },
  spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } }, ...spec },
});
const onNode = (name: string) => ({
  required: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: [name] }] }] },
});

test('a volume fits by class, access modes, volume mode, size and selector', () => {
  assert.ok(volumeFitsClaim(pv('a', '1Gi'), claim()));
  assert.ok(!volumeFitsClaim(pv('a', '1Gi', { storageClassName: 'fast' }), claim()), 'another class');
  assert.ok(!volumeFitsClaim(pv('a', '1Gi'), claim({ accessModes: ['ReadWriteMany'] })), 'a mode it does not offer');
  assert.ok(!volumeFitsClaim(pv('a', '1Gi', { volumeMode: 'Block' }), claim()), 'another volume mode');
  assert.ok(!volumeFitsClaim(pv('a', '999Mi'), claim()), 'too small');
  assert.ok(volumeFitsClaim(pv('a', '2Gi', {}, { tier: 'gold' }), claim({ selector: { matchLabels: { tier: 'gold' } } })));
  assert.ok(!volumeFitsClaim(pv('a', '2Gi'), claim({ selector: { matchLabels: { tier: 'gold' } } })), 'selector');
});

test('the smallest free volume wins; one pre-bound to the claim comes first; claimed ones are skipped', () => {
  const volumes = [pv('big', '5Gi'), pv('small', '2Gi'), pv('taken', '1Gi', { claimRef: { namespace: 'ns', name: 'other', uid: 'u2' } })];
  assert.equal(bestVolumeFor(claim(), volumes)?.metadata?.name, 'small');
  const preBound = pv('reserved', '9Gi', { claimRef: { namespace: 'ns', name: 'c' } });
  assert.equal(bestVolumeFor(claim(), [...volumes, preBound])?.metadata?.name, 'reserved');
  const node = { name: 'n1', labels: { 'kubernetes.io/hostname': 'n1' } };
  assert.equal(bestVolumeFor(claim(), [pv('elsewhere', '1Gi', { nodeAffinity: onNode('n2') })], node), undefined);
  assert.equal(bestVolumeFor(claim(), [pv('here', '1Gi', { nodeAffinity: onNode('n1') })], node)?.metadata?.name, 'here');
});

test('a volume a claim names is refused in the PV controller words', () => {
  assert.equal(volumeUnfitFor(pv('a', '1Gi'), claim()), undefined);
  assert.equal(volumeUnfitFor(pv('a', '999Mi'), claim()), 'requested PV is too small');
  assert.equal(volumeUnfitFor(pv('a', '1Gi', { storageClassName: 'fast' }), claim()), 'storageClassName does not match');
  assert.equal(volumeUnfitFor(pv('a', '1Gi', { volumeMode: 'Block' }), claim()), 'incompatible volumeMode');
  assert.equal(volumeUnfitFor(pv('a', '1Gi'), claim({ accessModes: ['ReadWriteMany'] })), 'incompatible accessMode');
  const deleting = { ...pv('a', '1Gi'), metadata: { name: 'a', deletionTimestamp: '2025-01-01T00:00:00Z' } };
  assert.equal(volumeUnfitFor(deleting, claim()), 'the volume is marked for deletion "a"');
});

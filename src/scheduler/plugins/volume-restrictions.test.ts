import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { KubeObject } from '../../api/resource-type.ts';
import { fitErrorMessage } from '../fit-error.ts';
import { Rejection, Skip } from '../framework.ts';
import { GenericScheduler } from '../generic-scheduler.ts';
import { clusterOf, podInfo } from './fixtures.ts';
import { readWriteOncePodConflict, volumeRestrictionsFilter } from './volume-restrictions.ts';

const claim = (name: string, accessModes: string[]): KubeObject => ({
  apiVersion: 'v1',
  kind: 'PersistentVolumeClaim',
  metadata: { name, namespace: 'default', uid: `claim-${name}` },
  spec: { accessModes, resources: { requests: { storage: '1Gi' } } },
});
const using = (claimName: string) => ({ volumes: [{ name: 'data', persistentVolumeClaim: { claimName } }] });
const storage = [claim('solo', ['ReadWriteOncePod']), claim('shared', ['ReadWriteOnce'])];

test('a ReadWriteOncePod claim in use by another pod rules out every node', () => {
  const cluster = clusterOf([{ name: 'a' }, { name: 'b' }], [{ name: 'first', nodeName: 'a', spec: using('solo') }], {}, storage);
  const second = podInfo({ name: 'second', spec: using('solo') });
  const state = volumeRestrictionsFilter.preFilter!(second, cluster);
  assert.ok(state instanceof Rejection);
  assert.deepEqual(state.failure.reasons, [readWriteOncePodConflict]);
  const outcome = new GenericScheduler().schedule(second, cluster);
  assert.equal(outcome.kind, 'unschedulable');
  if (outcome.kind !== 'unschedulable') return;
  assert.match(
    fitErrorMessage(outcome.numAllNodes, outcome.statuses, undefined, outcome.preFilterMessage),
    /^0\/2 nodes are available: node has pod using PersistentVolumeClaim with the same name and ReadWriteOncePod access mode\./,
  );
});

test('a free ReadWriteOncePod claim, other access modes and other namespaces do not restrict', () => {
  const cluster = clusterOf(
    [{ name: 'a' }],
    [
      { name: 'first', nodeName: 'a', spec: using('shared') },
      { name: 'elsewhere', namespace: 'other', nodeName: 'a', spec: using('solo') },
    ],
    {},
    storage,
  );
  assert.equal(volumeRestrictionsFilter.preFilter!(podInfo({ spec: using('solo') }), cluster), Skip);
  assert.equal(volumeRestrictionsFilter.preFilter!(podInfo({ spec: using('shared') }), cluster), Skip);
  assert.equal(volumeRestrictionsFilter.preFilter!(podInfo(), cluster), Skip);
});

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { KubeObject } from '../../api/resource-type.ts';
import {
  getOrdinal,
  identityMatches,
  isMemberOf,
  newStatefulSetPod,
  podClaims,
  podInOrdinalRange,
  storageMatches,
} from './stateful-pod.ts';
import { wantedClaimRefs } from './stateful-pod-control.ts';
import { completeRollingUpdate, countReplicas, statusChanged, statusToStore } from './statefulset-status.ts';

function set(spec: KubeObject = {}): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: { name: 'web', namespace: 'prod', uid: 'set-uid' },
    spec: {
      replicas: 3,
      serviceName: 'web-svc',
      selector: { matchLabels: { app: 'web' } },
      template: {
        metadata: { labels: { app: 'web' }, annotations: { note: 'x' } },
        spec: { containers: [{ name: 'c', image: 'nginx' }], volumes: [{ name: 'config', configMap: { name: 'cfg' } }] },
      },
      volumeClaimTemplates: [
        { metadata: { name: 'data', labels: { tier: 'db' } }, spec: { accessModes: ['ReadWriteOnce'] }, status: { phase: 'Pending' } },
        { metadata: { name: 'logs' }, spec: { accessModes: ['ReadWriteOnce'] } },
      ],
      ...spec,
    },
  };
}

describe('identity', () => {
  test('ordinals and membership come from the name', () => {
    const s = set();
    assert.equal(getOrdinal({ metadata: { name: 'web-12' } }), 12);
    assert.equal(getOrdinal({ metadata: { name: 'web' } }), -1);
    assert.ok(isMemberOf(s, { metadata: { name: 'web-0' } }));
    assert.ok(!isMemberOf(s, { metadata: { name: 'web-api-0' } }));
    assert.ok(isMemberOf({ metadata: { name: 'web-api' } }, { metadata: { name: 'web-api-3' } }));
    assert.ok(podInOrdinalRange(s, { metadata: { name: 'web-2' } }));
    assert.ok(!podInOrdinalRange(s, { metadata: { name: 'web-3' } }));
    assert.ok(podInOrdinalRange(set({ ordinals: { start: 5 } }), { metadata: { name: 'web-7' } }));
    assert.ok(!podInOrdinalRange(set({ ordinals: { start: 5 } }), { metadata: { name: 'web-2' } }));
  });

  test('a new pod has its stable name, labels, hostname, subdomain, owner and claim volumes', () => {
    const pod = newStatefulSetPod(set(), 1, 'web-abc');
    assert.equal(pod.metadata?.name, 'web-1');
    assert.equal(pod.metadata?.namespace, 'prod');
    assert.equal(pod.metadata?.generateName, undefined);
    assert.deepEqual(pod.metadata?.labels, {
      app: 'web',
      'statefulset.kubernetes.io/pod-name': 'web-1',
      'apps.kubernetes.io/pod-index': '1',
      'controller-revision-hash': 'web-abc',
    });
    assert.deepEqual(pod.metadata?.annotations, { note: 'x' });
    assert.equal(pod.spec.hostname, 'web-1');
    assert.equal(pod.spec.subdomain, 'web-svc');
    assert.deepEqual(pod.spec.volumes, [
      { name: 'data', persistentVolumeClaim: { claimName: 'data-web-1' } },
      { name: 'logs', persistentVolumeClaim: { claimName: 'logs-web-1' } },
      { name: 'config', configMap: { name: 'cfg' } },
    ]);
    assert.deepEqual(pod.metadata?.ownerReferences, [
      { apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'web', uid: 'set-uid', controller: true, blockOwnerDeletion: true },
    ]);
    assert.ok(identityMatches(set(), pod));
    assert.ok(storageMatches(set(), pod));
  });

  test('a template volume named like a claim template is replaced by the claim', () => {
    const s = set();
    s.spec.template.spec.volumes = [{ name: 'data', emptyDir: {} }];
    const pod = newStatefulSetPod(s, 0, 'r');
    assert.deepEqual(
      pod.spec.volumes.map((v: KubeObject) => v.name),
      ['data', 'logs'],
    );
    assert.deepEqual(pod.spec.volumes[0].persistentVolumeClaim, { claimName: 'data-web-0' });
  });

  test('no serviceName means no subdomain', () => {
    assert.equal(newStatefulSetPod(set({ serviceName: '' }), 0, 'r').spec.subdomain, undefined);
  });

  test('identity and storage mismatches are detected', () => {
    const pod = newStatefulSetPod(set(), 0, 'r');
    const relabelled = structuredClone(pod);
    relabelled.metadata!.labels['statefulset.kubernetes.io/pod-name'] = 'web-9';
    assert.ok(!identityMatches(set(), relabelled));
    const moved = structuredClone(pod);
    moved.metadata!.namespace = 'other';
    assert.ok(!identityMatches(set(), moved));
    const lostVolume = structuredClone(pod);
    lostVolume.spec.volumes = lostVolume.spec.volumes.filter((v: KubeObject) => v.name !== 'logs');
    assert.ok(!storageMatches(set(), lostVolume));
  });

  test('claims carry the template labels plus the selector labels, and no status', () => {
    const claims = podClaims(set(), 2);
    const data = claims.get('data')!;
    assert.equal(data.metadata?.name, 'data-web-2');
    assert.equal(data.metadata?.namespace, 'prod');
    assert.deepEqual(data.metadata?.labels, { tier: 'db', app: 'web' });
    assert.equal(data.status, undefined);
    assert.deepEqual(claims.get('logs')!.metadata?.labels, { app: 'web' });
  });
});

describe('claim owner references by retention policy', () => {
  const pod = (ordinal: number) => ({ metadata: { name: `web-${ordinal}`, uid: `pod-${ordinal}` } });
  const claim = (refs: KubeObject[] = []) => ({ metadata: { name: 'data-web-0', ownerReferences: refs } });
  const policy = (whenDeleted: string, whenScaled: string) => set({ persistentVolumeClaimRetentionPolicy: { whenDeleted, whenScaled } });
  const setRef = { apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'web', uid: 'set-uid' };

  test('Retain/Retain removes references the controller may have set', () => {
    assert.equal(wantedClaimRefs(claim(), policy('Retain', 'Retain'), pod(0)), undefined);
    assert.deepEqual(wantedClaimRefs(claim([setRef]), policy('Retain', 'Retain'), pod(0)), []);
  });

  test('whenDeleted=Delete gives the set a reference', () => {
    assert.deepEqual(wantedClaimRefs(claim(), policy('Delete', 'Retain'), pod(0)), [setRef]);
    assert.equal(wantedClaimRefs(claim([setRef]), policy('Delete', 'Retain'), pod(0)), undefined);
  });

  test('whenScaled=Delete hands a scaled-down pod the claim, and takes it back when in range again', () => {
    const scaledDown = wantedClaimRefs(claim([setRef]), policy('Delete', 'Delete'), pod(5));
    assert.deepEqual(scaledDown, [{ apiVersion: 'v1', kind: 'Pod', name: 'web-5', uid: 'pod-5' }]);
    const back = wantedClaimRefs(claim(scaledDown), policy('Delete', 'Delete'), pod(5 - 5));
    assert.deepEqual(back, [{ apiVersion: 'v1', kind: 'Pod', name: 'web-5', uid: 'pod-5' }, setRef], 'other pods’ references are kept');
    assert.deepEqual(wantedClaimRefs(claim(), policy('Retain', 'Delete'), pod(4)), [
      { apiVersion: 'v1', kind: 'Pod', name: 'web-4', uid: 'pod-4' },
    ]);
    assert.equal(wantedClaimRefs(claim(), policy('Retain', 'Delete'), pod(1)), undefined);
  });
});

describe('status', () => {
  const NOW = Date.parse('2024-05-01T12:00:00Z');
  const p = (revision: string, phase: string, ready: boolean, extra: KubeObject = {}): KubeObject => ({
    metadata: { name: 'x', labels: { 'controller-revision-hash': revision }, ...extra },
    status: { phase, conditions: ready ? [{ type: 'Ready', status: 'True', lastTransitionTime: new Date(NOW - 5000).toISOString() }] : [] },
  });

  test('counts created, ready, available, current and updated pods', () => {
    const pods = [
      p('v1', 'Running', true),
      p('v2', 'Running', true),
      p('v2', 'Pending', false),
      p('v1', 'Running', true, { deletionTimestamp: new Date(NOW).toISOString() }),
      { metadata: { name: 'planned', labels: { 'controller-revision-hash': 'v2' } } },
    ];
    assert.deepEqual(countReplicas(pods, 0, 'v1', 'v2', NOW), {
      replicas: 4,
      readyReplicas: 3,
      availableReplicas: 3,
      currentReplicas: 1,
      updatedReplicas: 2,
    });
    assert.equal(countReplicas(pods, 10, 'v1', 'v2', NOW).availableReplicas, 0);
  });

  test('a rolling update completes when every pod is updated and ready', () => {
    const rolling = set({ updateStrategy: { type: 'RollingUpdate' } });
    const status = {
      replicas: 3,
      readyReplicas: 3,
      updatedReplicas: 3,
      currentReplicas: 0,
      availableReplicas: 3,
      currentRevision: 'v1',
      updateRevision: 'v2',
    };
    completeRollingUpdate(rolling, status);
    assert.equal(status.currentRevision, 'v2');
    assert.equal(status.currentReplicas, 3);
    const unfinished = { ...status, currentRevision: 'v1', readyReplicas: 2 };
    completeRollingUpdate(rolling, unfinished);
    assert.equal(unfinished.currentRevision, 'v1');
    const onDelete = { ...status, currentRevision: 'v1' };
    completeRollingUpdate(set({ updateStrategy: { type: 'OnDelete' } }), onDelete);
    assert.equal(onDelete.currentRevision, 'v1');
  });

  test('stored status omits zero counters Kubernetes omits and keeps conditions', () => {
    const stored = { conditions: [{ type: 'X' }], readyReplicas: 2 };
    const computed = {
      observedGeneration: 2,
      replicas: 0,
      availableReplicas: 0,
      readyReplicas: 0,
      currentRevision: 'a',
      updateRevision: 'a',
      collisionCount: 0,
    };
    assert.ok(statusChanged(stored, computed));
    const out = statusToStore(stored, computed);
    assert.deepEqual(out, {
      conditions: [{ type: 'X' }],
      observedGeneration: 2,
      replicas: 0,
      availableReplicas: 0,
      currentRevision: 'a',
      updateRevision: 'a',
      collisionCount: 0,
    });
    assert.ok(!statusChanged(out, computed));
  });
});

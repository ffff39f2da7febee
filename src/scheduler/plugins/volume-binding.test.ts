import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { KubeObject } from '../../api/resource-type.ts';
import { fitErrorMessage } from '../fit-error.ts';
import { Rejection, Skip } from '../framework.ts';
import { GenericScheduler } from '../generic-scheduler.ts';
import type { PodInfo } from '../pod-info.ts';
import type { SchedulerCache } from '../scheduler-cache.ts';
import { clusterOf, podInfo } from './fixtures.ts';
import { volumeBindingFilter } from './volume-binding.ts';

const nodes = [
  { name: 'a', labels: { zone: 'east' } },
  { name: 'b', labels: { zone: 'west' } },
];

interface ClaimOpts {
  className?: string;
  storage?: string;
  accessModes?: string[];
  volumeName?: string;
  phase?: string;
  annotations?: Record<string, string>;
  deleting?: boolean;
  ownerUid?: string;
}

function claim(name: string, o: ClaimOpts = {}): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: {
      name,
      namespace: 'default',
      uid: `claim-${name}`,
      annotations: o.annotations,
      deletionTimestamp: o.deleting ? '2024-01-01T00:00:00Z' : undefined,
      ownerReferences: o.ownerUid ? [{ apiVersion: 'v1', kind: 'Pod', name: 'p', uid: o.ownerUid, controller: true }] : undefined,
    },
    spec: {
      storageClassName: o.className,
      accessModes: o.accessModes ?? ['ReadWriteOnce'],
      resources: { requests: { storage: o.storage ?? '1Gi' } },
      volumeName: o.volumeName,
      volumeMode: 'Filesystem',
    },
    status: { phase: o.phase ?? 'Pending' },
  };
}

interface VolumeOpts {
  className?: string;
  storage?: string;
  accessModes?: string[];
  onNode?: string;
  phase?: string;
  claimRef?: { namespace: string; name: string };
  volumeMode?: string;
}

function volume(name: string, o: VolumeOpts = {}): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'PersistentVolume',
    metadata: { name },
    spec: {
      storageClassName: o.className ?? 'local',
      capacity: { storage: o.storage ?? '1Gi' },
      accessModes: o.accessModes ?? ['ReadWriteOnce'],
      volumeMode: o.volumeMode ?? 'Filesystem',
      claimRef: o.claimRef,
      nodeAffinity: o.onNode
        ? {
            required: {
              nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: [o.onNode] }] }],
            },
          }
        : undefined,
    },
    status: { phase: o.phase ?? 'Available' },
  };
}

function storageClass(name: string, o: { mode?: string; provisioner?: string; allowedTopologies?: object[] } = {}): KubeObject {
  return {
    apiVersion: 'storage.k8s.io/v1',
    kind: 'StorageClass',
    metadata: { name },
    provisioner: o.provisioner ?? 'kubernetes.io/no-provisioner',
    volumeBindingMode: o.mode ?? 'WaitForFirstConsumer',
    allowedTopologies: o.allowedTopologies,
  };
}

const local = storageClass('local');

function podUsing(...claimNames: string[]): PodInfo {
  return podInfo({
    name: 'app',
    spec: { volumes: claimNames.map((claimName, i) => ({ name: `v${i}`, persistentVolumeClaim: { claimName } })) },
  });
}

/** Each node's first reason, or the preFilter's rejection for all of them. */
function filterAll(cluster: SchedulerCache, pod: PodInfo): Record<string, string | undefined> | string {
  const state = volumeBindingFilter.preFilter!(pod, cluster);
  if (state instanceof Rejection) return state.failure.reasons.join(', ');
  const out: Record<string, string | undefined> = {};
  for (const n of cluster.nodes) out[n.name] = state === Skip ? undefined : volumeBindingFilter.filter(pod, n, state)?.reasons.join(', ');
  return out;
}

const fits = { a: undefined, b: undefined };
const noVolumes = "node(s) didn't find available persistent volumes to bind";

test('pods without claims are not looked at', () => {
  assert.equal(volumeBindingFilter.preFilter!(podInfo(), clusterOf(nodes)), Skip);
});

test('a missing claim rules out every node with one reason, as in Kubernetes', () => {
  const cluster = clusterOf(nodes.slice(0, 1));
  const pod = podUsing('missing');
  assert.equal(filterAll(cluster, pod), 'persistentvolumeclaim "missing" not found');
  const outcome = new GenericScheduler().schedule(pod, cluster);
  assert.equal(outcome.kind, 'unschedulable');
  if (outcome.kind !== 'unschedulable') return;
  assert.equal(
    fitErrorMessage(outcome.numAllNodes, outcome.statuses, undefined, outcome.preFilterMessage),
    '0/1 nodes are available: persistentvolumeclaim "missing" not found. ' +
      'preemption: 0/1 nodes are available: 1 Preemption is not helpful for scheduling.',
  );
});

test('a claim being deleted or lost rules out every node', () => {
  const cluster = clusterOf(nodes, [], {}, [claim('going', { deleting: true }), claim('lost', { phase: 'Lost', volumeName: 'gone-pv' })]);
  assert.equal(filterAll(cluster, podUsing('going')), 'persistentvolumeclaim "going" is being deleted');
  assert.equal(filterAll(cluster, podUsing('lost')), 'persistentvolumeclaim "lost" bound to non-existent persistentvolume "gone-pv"');
});

test('a bound claim needs its volume, and a node the volume admits', () => {
  const cluster = clusterOf(nodes, [], {}, [
    claim('data', { className: 'local', volumeName: 'pv-a', phase: 'Bound' }),
    claim('anywhere', { className: 'local', volumeName: 'pv-net', phase: 'Bound' }),
    claim('orphan', { className: 'local', volumeName: 'pv-gone', phase: 'Bound' }),
    volume('pv-a', { onNode: 'a', phase: 'Bound' }),
    volume('pv-net', { phase: 'Bound' }),
  ]);
  assert.deepEqual(filterAll(cluster, podUsing('data')), { a: undefined, b: 'node(s) had volume node affinity conflict' });
  assert.deepEqual(filterAll(cluster, podUsing('anywhere')), fits);
  const missing = 'node(s) unavailable due to one or more pvc(s) bound to non-existent pv(s)';
  assert.deepEqual(filterAll(cluster, podUsing('orphan')), { a: missing, b: missing });
});

test('an unbound claim whose class binds Immediate (or is absent) waits for the PV controller', () => {
  const cluster = clusterOf(nodes, [], {}, [
    storageClass('fast', { mode: 'Immediate', provisioner: 'example.com/disk' }),
    claim('immediate', { className: 'fast' }),
    claim('no-class', { className: '' }),
    claim('unknown-class', { className: 'nope' }),
    // Pre-bound by name but not yet bound: the PV controller's job, too.
    claim('prebound', { className: 'local', volumeName: 'pv-x' }),
    local,
  ]);
  for (const name of ['immediate', 'no-class', 'unknown-class', 'prebound']) {
    assert.equal(filterAll(cluster, podUsing(name)), 'pod has unbound immediate PersistentVolumeClaims', name);
  }
});

test('a WaitForFirstConsumer claim fits where an Available volume suits it', () => {
  const cluster = clusterOf(nodes, [], {}, [
    local,
    claim('data', { className: 'local', storage: '5Gi' }),
    volume('pv-a', { onNode: 'a', storage: '10Gi' }),
  ]);
  assert.deepEqual(filterAll(cluster, podUsing('data')), { a: undefined, b: noVolumes });
});

test('volumes that do not suit the claim are not offered', () => {
  const unsuitable: [string, VolumeOpts][] = [
    ['too small', { storage: '1Gi' }],
    ['other class', { className: 'other' }],
    ['not Available', { phase: 'Released' }],
    ['claimed by another', { claimRef: { namespace: 'default', name: 'someone-else' } }],
    ['missing access mode', { accessModes: ['ReadOnlyMany'] }],
    ['other volume mode', { volumeMode: 'Block' }],
  ];
  for (const [why, opts] of unsuitable) {
    const cluster = clusterOf(nodes, [], {}, [
      local,
      claim('data', { className: 'local', storage: '5Gi' }),
      volume('pv-a', { storage: '10Gi', onNode: 'a', ...opts }),
    ]);
    assert.deepEqual(filterAll(cluster, podUsing('data')), { a: noVolumes, b: noVolumes }, why);
  }
});

test('a volume pre-bound to the claim by claimRef is the one it gets', () => {
  const cluster = clusterOf(nodes, [], {}, [
    local,
    claim('data', { className: 'local' }),
    volume('pv-b', { onNode: 'b', claimRef: { namespace: 'default', name: 'data' }, phase: 'Pending' }),
    volume('pv-a', { onNode: 'a' }),
  ]);
  assert.deepEqual(filterAll(cluster, podUsing('data')), { a: noVolumes, b: undefined });
});

test('two claims of one pod cannot share a volume', () => {
  const objects = [local, claim('one', { className: 'local' }), claim('two', { className: 'local' }), volume('pv-a1', { onNode: 'a' })];
  assert.deepEqual(filterAll(clusterOf(nodes, [], {}, objects), podUsing('one', 'two')), { a: noVolumes, b: noVolumes });
  objects.push(volume('pv-a2', { onNode: 'a' }));
  assert.deepEqual(filterAll(clusterOf(nodes, [], {}, objects), podUsing('one', 'two')), { a: undefined, b: noVolumes });
});

test('a class with a provisioner can create the volume on any node its allowedTopologies allow', () => {
  const cluster = clusterOf(nodes, [], {}, [
    storageClass('dynamic', { provisioner: 'example.com/disk' }),
    storageClass('east-only', {
      provisioner: 'example.com/disk',
      allowedTopologies: [{ matchLabelExpressions: [{ key: 'zone', values: ['east'] }] }],
    }),
    claim('anywhere', { className: 'dynamic' }),
    claim('east', { className: 'east-only' }),
  ]);
  assert.deepEqual(filterAll(cluster, podUsing('anywhere')), fits);
  assert.deepEqual(filterAll(cluster, podUsing('east')), { a: undefined, b: noVolumes });
});

test('a claim already sent to a node keeps the pod there', () => {
  const cluster = clusterOf(nodes, [], {}, [
    storageClass('dynamic', { provisioner: 'example.com/disk' }),
    claim('data', { className: 'dynamic', annotations: { 'volume.kubernetes.io/selected-node': 'b' } }),
  ]);
  assert.deepEqual(filterAll(cluster, podUsing('data')), { a: noVolumes, b: undefined });
});

test('generic ephemeral volumes use the claim <pod>-<volume>, which must belong to the pod', () => {
  const pod = podInfo({ name: 'web', spec: { volumes: [{ name: 'scratch', ephemeral: { volumeClaimTemplate: { spec: {} } } }] } });
  assert.equal(
    filterAll(clusterOf(nodes), pod),
    'waiting for ephemeral volume controller to create the persistentvolumeclaim "web-scratch"',
  );
  const provisioned = storageClass('dynamic', { provisioner: 'example.com/disk' });
  const owned = clusterOf(nodes, [], {}, [provisioned, claim('web-scratch', { className: 'dynamic', ownerUid: pod.uid })]);
  assert.deepEqual(filterAll(owned, pod), fits);
  const foreign = clusterOf(nodes, [], {}, [provisioned, claim('web-scratch', { className: 'dynamic', ownerUid: 'someone-else' })]);
  assert.equal(filterAll(foreign, pod), 'PVC default/web-scratch was not created for pod default/web (pod is not owner)');
});

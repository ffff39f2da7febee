// The DaemonSet controller against a real in-process API server, with fake Node objects and
// no scheduler or agent: a pod's node is read from its node affinity, and the tests mark
// pods ready or failed through the status subresource. Each test selects its own nodes by
// a label so that tests do not see each other's nodes.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { KubeObject } from '../../api/resource-type.ts';
import type { InformerFactory } from '../../client/informer-factory.ts';
import { resources } from '../../client/resources.ts';
import { startControllerUnderTest, stopControllerUnderTest } from '../../testing/controller-under-test.ts';
import { eventually, type InProcessCluster } from '../../testing/in-process-cluster.ts';
import { DaemonSetController } from './daemonset-controller.ts';
import { targetNodeName } from './node-eligibility.ts';

let cluster: InProcessCluster;
let factory: InformerFactory;
let controller: DaemonSetController;

before(async () => {
  ({ cluster, factory, controller } = await startControllerUnderTest((c, f) => new DaemonSetController(c.client, f, c.logger), 2));
});

after(() => stopControllerUnderTest({ cluster, factory, controller }));

// ---- helpers ----------------------------------------------------------------------

const client = () => cluster.client;

async function node(name: string, labels: Record<string, string>, taints?: KubeObject[]): Promise<void> {
  await client().create(resources.nodes, undefined, {
    metadata: { name, labels },
    spec: taints ? { taints } : {},
    status: { conditions: [{ type: 'Ready', status: 'True' }] },
  });
}

function daemonSet(namespace: string, name: string, group: string, spec: Record<string, unknown> = {}): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: { name, namespace },
    spec: {
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: { nodeSelector: { group }, containers: [{ name: 'c', image: 'agent:v1' }] },
      },
      ...spec,
    },
  };
}

async function pods(namespace: string): Promise<any[]> {
  return (await client().list(resources.pods, namespace)).items;
}

/** node name → pods there (from the pins), live pods only. */
async function podsByNode(namespace: string): Promise<Map<string, any[]>> {
  const map = new Map<string, any[]>();
  for (const pod of await pods(namespace)) {
    if (pod.metadata.deletionTimestamp) continue;
    const nodeName = targetNodeName(pod) ?? '?';
    map.set(nodeName, [...(map.get(nodeName) ?? []), pod]);
  }
  return map;
}

async function nodesWithPods(namespace: string): Promise<string[]> {
  return [...(await podsByNode(namespace)).keys()].sort();
}

const waitForNodes = (namespace: string, expected: string[]) =>
  eventually(`pods on ${expected.join(',') || 'no nodes'}`, async () => {
    const byNode = await podsByNode(namespace);
    const names = [...byNode.keys()].sort();
    const onePerNode = [...byNode.values()].every((list) => list.length === 1);
    return JSON.stringify(names) === JSON.stringify([...expected].sort()) && onePerNode ? byNode : undefined;
  });

async function markReady(namespace: string, name: string): Promise<void> {
  const pod = await client().get(resources.pods, namespace, name);
  const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  pod.status = { ...pod.status, phase: 'Running', conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: now }] };
  await client().updateStatus(resources.pods, pod);
}

async function markAllReady(namespace: string): Promise<void> {
  for (const pod of await pods(namespace)) {
    if (pod.status?.phase !== 'Running' && !pod.metadata.deletionTimestamp) await markReady(namespace, pod.metadata.name);
  }
}

async function getDs(namespace: string, name: string): Promise<any> {
  return client().get(resources.daemonSets, namespace, name);
}

async function setImage(namespace: string, name: string, image: string): Promise<void> {
  await client().patch(
    resources.daemonSets,
    namespace,
    name,
    { spec: { template: { spec: { containers: [{ name: 'c', image }] } } } },
    'strategic',
  );
}

// ---- tests ------------------------------------------------------------------------

test('one pod per eligible node, pinned by node affinity, with daemon tolerations and status', async () => {
  const ns = 'ds-basic';
  await cluster.createNamespace(ns);
  await node('basic-1', { group: 'basic' });
  await node('basic-2', { group: 'basic' });
  await node('basic-other', { group: 'elsewhere' });
  await client().create(resources.daemonSets, ns, daemonSet(ns, 'agent', 'basic'));

  const byNode = await waitForNodes(ns, ['basic-1', 'basic-2']);
  const pod = byNode.get('basic-1')![0];
  assert.match(pod.metadata.name, /^agent-[a-z0-9]{5}$/);
  assert.deepEqual(pod.spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms, [
    { matchFields: [{ key: 'metadata.name', operator: 'In', values: ['basic-1'] }] },
  ]);
  assert.equal(pod.spec.nodeName, undefined, 'the scheduler binds daemon pods');
  assert.ok(pod.metadata.labels['controller-revision-hash']);
  assert.equal(pod.metadata.labels['pod-template-generation'], '1');
  const tolerationKeys = pod.spec.tolerations.map((t: KubeObject) => `${t.key}:${t.effect}`);
  for (const expected of [
    'node.kubernetes.io/not-ready:NoExecute',
    'node.kubernetes.io/unreachable:NoExecute',
    'node.kubernetes.io/disk-pressure:NoSchedule',
    'node.kubernetes.io/memory-pressure:NoSchedule',
    'node.kubernetes.io/pid-pressure:NoSchedule',
    'node.kubernetes.io/unschedulable:NoSchedule',
  ]) {
    assert.ok(tolerationKeys.includes(expected), `missing toleration ${expected}`);
  }
  assert.equal(pod.metadata.ownerReferences[0].kind, 'DaemonSet');

  const pending = await eventually('status', async () => {
    const s = (await getDs(ns, 'agent')).status;
    return s?.currentNumberScheduled === 2 ? s : undefined;
  });
  assert.equal(pending.desiredNumberScheduled, 2);
  assert.equal(pending.numberReady, 0);
  assert.equal(pending.numberUnavailable, 2);
  assert.equal(pending.updatedNumberScheduled, 2);
  assert.equal(pending.observedGeneration, 1);

  await markAllReady(ns);
  const ready = await eventually('ready', async () => {
    const s = (await getDs(ns, 'agent')).status;
    return s?.numberReady === 2 ? s : undefined;
  });
  assert.equal(ready.numberAvailable, 2);
  assert.equal(ready.numberUnavailable, undefined);
  assert.equal(ready.numberMisscheduled, 0);

  const revisions = (await client().list(resources.controllerRevisions, ns)).items;
  assert.equal(revisions.length, 1);
  assert.equal(revisions[0].revision, 1);
  assert.equal(revisions[0].metadata?.name, `agent-${pod.metadata.labels['controller-revision-hash']}`);
  const created = (await client().list(resources.events, ns)).items.filter((e) => e.reason === 'SuccessfulCreate');
  assert.ok(created.some((e) => e.message === `Created pod: ${pod.metadata.name}`));
});

test('follows nodes joining, leaving and changing labels', async () => {
  const ns = 'ds-follow';
  await cluster.createNamespace(ns);
  await node('follow-1', { group: 'follow' });
  await client().create(resources.daemonSets, ns, daemonSet(ns, 'agent', 'follow'));
  await waitForNodes(ns, ['follow-1']);

  await node('follow-2', { group: 'follow' });
  await waitForNodes(ns, ['follow-1', 'follow-2']);

  // follow-3 qualifies only once it gets the label.
  await node('follow-3', {});
  await client().patch(resources.nodes, undefined, 'follow-3', { metadata: { labels: { group: 'follow' } } }, 'merge');
  await waitForNodes(ns, ['follow-1', 'follow-2', 'follow-3']);

  // Losing the label, or the node going away, removes the pod.
  await client().patch(resources.nodes, undefined, 'follow-1', { metadata: { labels: { group: null } } }, 'merge');
  await client().delete(resources.nodes, undefined, 'follow-2');
  await waitForNodes(ns, ['follow-3']);
  await eventually('status counts only follow-3', async () => {
    const s = (await getDs(ns, 'agent')).status;
    return s?.desiredNumberScheduled === 1 && s.currentNumberScheduled === 1 && s.numberMisscheduled === 0 ? s : undefined;
  });
});

test('taints: NoSchedule keeps new pods away but lets a running one stay; NoExecute removes it; cordoning is tolerated', async () => {
  const ns = 'ds-taints';
  await cluster.createNamespace(ns);
  await node('taint-1', { group: 'taint' });
  await node('taint-2', { group: 'taint' }, [{ key: 'dedicated', value: 'db', effect: 'NoSchedule' }]);
  await node('taint-3', { group: 'taint' }, [{ key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' }]);
  await client().create(resources.daemonSets, ns, daemonSet(ns, 'agent', 'taint'));
  await waitForNodes(ns, ['taint-1', 'taint-3']);

  await client().patch(
    resources.nodes,
    undefined,
    'taint-1',
    { spec: { taints: [{ key: 'dedicated', value: 'db', effect: 'NoSchedule' }] } },
    'merge',
  );
  // The pod on taint-1 may continue; misscheduled now.
  await eventually('misscheduled', async () => ((await getDs(ns, 'agent')).status?.numberMisscheduled === 1 ? true : undefined));
  assert.deepEqual(await nodesWithPods(ns), ['taint-1', 'taint-3']);

  await client().patch(
    resources.nodes,
    undefined,
    'taint-1',
    { spec: { taints: [{ key: 'dedicated', value: 'db', effect: 'NoExecute' }] } },
    'merge',
  );
  await waitForNodes(ns, ['taint-3']);

  // A DaemonSet that tolerates the taint runs there.
  await client().create(
    resources.daemonSets,
    ns,
    daemonSet(ns, 'tolerant', 'taint', {
      selector: { matchLabels: { app: 'tolerant' } },
      template: {
        metadata: { labels: { app: 'tolerant' } },
        spec: {
          nodeSelector: { group: 'taint' },
          tolerations: [{ key: 'dedicated', operator: 'Exists' }],
          containers: [{ name: 'c', image: 'agent:v1' }],
        },
      },
    }),
  );
  await eventually('tolerant pods on every node', async () => {
    const list = (await pods(ns)).filter((p) => p.metadata.labels.app === 'tolerant');
    const names = list.map((p) => targetNodeName(p)).sort();
    return JSON.stringify(names) === JSON.stringify(['taint-1', 'taint-2', 'taint-3']) ? true : undefined;
  });
});

test('a failed daemon pod is replaced', async () => {
  const ns = 'ds-failed';
  await cluster.createNamespace(ns);
  await node('failed-1', { group: 'failed' });
  await client().create(resources.daemonSets, ns, daemonSet(ns, 'agent', 'failed'));
  const first = (await waitForNodes(ns, ['failed-1'])).get('failed-1')![0];
  const pod = await client().get(resources.pods, ns, first.metadata.name);
  pod.status = { ...pod.status, phase: 'Failed' };
  await client().updateStatus(resources.pods, pod);
  const replacement = await eventually('replacement', async () => {
    const list = (await podsByNode(ns)).get('failed-1') ?? [];
    return list.length === 1 && list[0].metadata.uid !== first.metadata.uid ? list[0] : undefined;
  });
  assert.equal(replacement.status.phase, 'Pending');
  const warnings = (await client().list(resources.events, ns)).items.filter((e) => e.reason === 'FailedDaemonPod');
  assert.equal(warnings[0]?.message, `Found failed daemon pod ${ns}/${first.metadata.name} on node failed-1, will try to kill it`);
});

test('RollingUpdate with maxUnavailable 1 replaces one node at a time', async () => {
  const ns = 'ds-rolling';
  await cluster.createNamespace(ns);
  for (const n of ['roll-1', 'roll-2', 'roll-3']) await node(n, { group: 'roll' });
  await client().create(resources.daemonSets, ns, daemonSet(ns, 'agent', 'roll'));
  await waitForNodes(ns, ['roll-1', 'roll-2', 'roll-3']);
  await markAllReady(ns);
  await eventually('ready', async () => ((await getDs(ns, 'agent')).status?.numberAvailable === 3 ? true : undefined));
  const oldHash = (await pods(ns))[0].metadata.labels['controller-revision-hash'];

  await setImage(ns, 'agent', 'agent:v2');
  const isNew = (p: any) => p.metadata.labels['controller-revision-hash'] !== oldHash;
  for (let updated = 1; updated <= 3; updated++) {
    const fresh = await eventually(`${updated} updated`, async () => {
      const list = (await pods(ns)).filter((p) => !p.metadata.deletionTimestamp);
      const newPods = list.filter(isNew);
      return newPods.length === updated ? { list, newPods } : undefined;
    });
    // Never more than one node without an available pod: the other nodes keep theirs.
    assert.equal(fresh.list.length, 3);
    assert.equal(fresh.newPods.filter((p: any) => p.status?.phase !== 'Running').length, 1);
    assert.equal(fresh.list.filter((p: any) => !isNew(p)).length, 3 - updated);
    await markAllReady(ns);
  }
  const status = await eventually('rolled out', async () => {
    const s = (await getDs(ns, 'agent')).status;
    return s?.updatedNumberScheduled === 3 && s.numberAvailable === 3 && s.observedGeneration === 2 ? s : undefined;
  });
  assert.equal(status.desiredNumberScheduled, 3);
  const revisions = (await client().list(resources.controllerRevisions, ns)).items.map((r) => r.revision).sort();
  assert.deepEqual(revisions, [1, 2]);
});

test('RollingUpdate with maxSurge starts the new pod beside the old one and removes the old once it is ready', async () => {
  const ns = 'ds-surge';
  await cluster.createNamespace(ns);
  await node('surge-1', { group: 'surge' });
  await client().create(
    resources.daemonSets,
    ns,
    daemonSet(ns, 'agent', 'surge', { updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } } }),
  );
  const old = (await waitForNodes(ns, ['surge-1'])).get('surge-1')![0];
  await markAllReady(ns);
  await eventually('ready', async () => ((await getDs(ns, 'agent')).status?.numberAvailable === 1 ? true : undefined));

  await setImage(ns, 'agent', 'agent:v2');
  const surged = await eventually('two pods on the node', async () => {
    const list = (await podsByNode(ns)).get('surge-1') ?? [];
    return list.length === 2 ? list : undefined;
  });
  assert.ok(
    surged.some((p) => p.metadata.uid === old.metadata.uid),
    'the old pod stays until the new one is ready',
  );
  const newPod = surged.find((p) => p.metadata.uid !== old.metadata.uid)!;
  await markReady(ns, newPod.metadata.name);
  await eventually('old pod removed', async () => {
    const list = (await podsByNode(ns)).get('surge-1') ?? [];
    return list.length === 1 && list[0].metadata.uid === newPod.metadata.uid ? true : undefined;
  });
});

test('OnDelete changes pods only when they are deleted; rolling back renumbers the old revision', async () => {
  const ns = 'ds-ondelete';
  await cluster.createNamespace(ns);
  await node('ondelete-1', { group: 'ondelete' });
  await client().create(resources.daemonSets, ns, daemonSet(ns, 'agent', 'ondelete', { updateStrategy: { type: 'OnDelete' } }));
  const old = (await waitForNodes(ns, ['ondelete-1'])).get('ondelete-1')![0];
  const oldHash = old.metadata.labels['controller-revision-hash'];

  await setImage(ns, 'agent', 'agent:v2');
  await eventually('observed', async () => ((await getDs(ns, 'agent')).status?.observedGeneration === 2 ? true : undefined));
  const status = (await getDs(ns, 'agent')).status;
  assert.equal(status.updatedNumberScheduled, undefined, 'the old pod is not updated');
  assert.deepEqual(
    (await pods(ns)).map((p) => p.metadata.uid),
    [old.metadata.uid],
  );

  await client().delete(resources.pods, ns, old.metadata.name);
  const replacement = await eventually('replacement', async () => {
    const list = (await podsByNode(ns)).get('ondelete-1') ?? [];
    return list.length === 1 && list[0].metadata.uid !== old.metadata.uid ? list[0] : undefined;
  });
  assert.equal(replacement.spec.containers[0].image, 'agent:v2');

  await setImage(ns, 'agent', 'agent:v1');
  const revisions = await eventually('v1 renumbered', async () => {
    const list = (await client().list(resources.controllerRevisions, ns)).items;
    const v1 = list.find((r) => r.metadata?.labels?.['controller-revision-hash'] === oldHash);
    return v1?.revision === 3 ? list : undefined;
  });
  assert.equal(revisions.length, 2);
});

// The node-lifecycle and taint-eviction controllers against a real in-process API server,
// with short timings: a node whose Lease stops being renewed goes Unknown, is tainted, its
// pods leave readiness and are evicted by their tolerations; a StatefulSet pod waits for
// the fencing window; the node's return lifts the taints.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { KubeObject } from '../../api/resource-type.ts';
import { isConflict } from '../../client/api-error.ts';
import { InformerFactory } from '../../client/informer-factory.ts';
import { microTime } from '../../client/leader-election.ts';
import { resources } from '../../client/resources.ts';
import { eventually, type InProcessCluster, startInProcessCluster } from '../../testing/in-process-cluster.ts';
import { NodeLifecycleController } from './node-lifecycle-controller.ts';
import { FENCING_TIMEOUT_ANNOTATION } from './pod-safety.ts';

let cluster: InProcessCluster;
let factory: InformerFactory;
let controller: NodeLifecycleController;
const renewing = new Map<string, NodeJS.Timeout>();

before(async () => {
  cluster = await startInProcessCluster();
  factory = new InformerFactory(cluster.client);
  controller = new NodeLifecycleController(cluster.client, factory, cluster.logger, {
    detector: { minGracePeriodMs: 300, gracePeriodMs: 800, phiThreshold: 8 },
    nodeMonitorPeriodMs: 50,
    eviction: { nodeEvictionRate: 100 },
  });
  factory.start();
  controller.run(1);
  // A healthy node throughout: with every node silent, nothing would be evicted (full disruption).
  await addNode('healthy');
});

after(async () => {
  for (const t of renewing.values()) clearInterval(t);
  await controller.stop();
  await factory.stop();
  await cluster.stop();
});

const readyCondition = (status: string) => ({ type: 'Ready', status, reason: 'KubeletReady', message: 'ready' });

async function addNode(name: string, fencingSeconds?: number): Promise<void> {
  const node = await cluster.client.create(resources.nodes, undefined, {
    metadata: { name, ...(fencingSeconds ? { annotations: { [FENCING_TIMEOUT_ANNOTATION]: String(fencingSeconds) } } : {}) },
  });
  await cluster.client.updateStatus(resources.nodes, { ...node, status: { conditions: [readyCondition('True')] } });
  await cluster.client.create(resources.leases, 'kube-node-lease', {
    metadata: { name },
    spec: { holderIdentity: name, leaseDurationSeconds: 1, renewTime: microTime(Date.now()) },
  });
  startRenewing(name);
}

function startRenewing(name: string): void {
  const renew = async () => {
    const lease = await cluster.client.get(resources.leases, 'kube-node-lease', name);
    lease.spec.renewTime = microTime(Date.now());
    await cluster.client.update(resources.leases, lease);
  };
  renewing.set(
    name,
    // A renewal in flight when the cluster stops fails with "socket hang up": not the test's business.
    setInterval(() => void renew().catch(() => undefined), 100),
  );
}

function stopRenewing(name: string): void {
  clearInterval(renewing.get(name));
  renewing.delete(name);
}

async function addPod(name: string, nodeName: string, extra: Record<string, any> = {}): Promise<KubeObject> {
  const pod = await cluster.client.create(resources.pods, 'default', {
    metadata: { name, ...(extra.metadata ?? {}) },
    spec: { nodeName, containers: [{ name: 'c', image: 'x', command: ['true'] }], ...(extra.spec ?? {}) },
  });
  return cluster.client.updateStatus(resources.pods, { ...pod, status: { phase: 'Running', conditions: [readyCondition('True')] } });
}

const node = (name: string) => cluster.client.get(resources.nodes, undefined, name);
const readyOf = (n: KubeObject) => n.status.conditions.find((c: { type: string }) => c.type === 'Ready');
const taintKeys = (n: KubeObject) => (n.spec?.taints ?? []).map((t: { key: string; effect: string }) => `${t.key}:${t.effect}`).sort();

test('a silent node goes Unknown and tainted; its pods not ready, then evicted by their tolerations; it recovers', async () => {
  await addNode('quiet');
  await addPod('plain', 'quiet');
  await addPod('patient', 'quiet', {
    spec: { tolerations: [{ key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 3600 }] },
  });
  await new Promise((r) => setTimeout(r, 600)); // a rhythm for the detector
  stopRenewing('quiet');

  const unknown = await eventually('node Unknown', async () => {
    const n = await node('quiet');
    return n.status.conditions.find((c: { type: string }) => c.type === 'Ready').status === 'Unknown' && n;
  });
  const ready = unknown.status.conditions.find((c: { type: string }) => c.type === 'Ready');
  assert.deepEqual([ready.reason, ready.message], ['NodeStatusUnknown', 'Kubelet stopped posting node status.']);
  await eventually('taints', async () => taintKeys(await node('quiet')).length === 2);
  assert.deepEqual(taintKeys(await node('quiet')), [
    'node.kubernetes.io/unreachable:NoExecute',
    'node.kubernetes.io/unreachable:NoSchedule',
  ]);

  // No toleration: evicted (graceful: the node is silent and the pod may run twice).
  await eventually('plain evicted', async () => {
    const p = await cluster.tryGet(resources.pods, 'default', 'plain');
    return !p || Boolean(p.metadata?.deletionTimestamp);
  });
  const patient = await cluster.client.get(resources.pods, 'default', 'patient');
  assert.equal(patient.metadata?.deletionTimestamp, undefined, 'tolerates for an hour');
  assert.equal(patient.status.conditions.find((c: { type: string }) => c.type === 'Ready').status, 'False');
  const events = (await cluster.client.list(resources.events, 'default')).items;
  // Each from its own controller, as in Kubernetes 1.29+ (the taint manager runs as taint-eviction-controller).
  const eviction = events.find((e) => e.reason === 'TaintManagerEviction' && e.involvedObject?.name === 'plain');
  assert.deepEqual([eviction?.source?.component, eviction?.reportingComponent], ['taint-eviction-controller', 'taint-eviction-controller']);
  const notReady = events.find((e) => e.reason === 'NodeNotReady' && e.involvedObject?.name === 'quiet');
  assert.deepEqual([notReady?.source?.component, notReady?.message], ['node-controller', 'Node quiet status is now: NodeNotReady']);
  // On the Node itself (its uid), as Kubernetes' RecordNodeStatusChange.
  assert.deepEqual(
    [notReady?.involvedObject?.kind, notReady?.involvedObject?.apiVersion, notReady?.involvedObject?.uid],
    ['Node', 'v1', unknown.metadata?.uid],
  );

  // The agent returns: renewals, then Ready=True from the agent; the taints go.
  startRenewing('quiet');
  await eventually('taints lifted', async () => {
    // As the agent does: report Ready=True whenever it finds its condition changed by others.
    const back = await node('quiet');
    if (back.status.conditions.find((c: { type: string }) => c.type === 'Ready').status !== 'True') {
      await cluster.client
        .updateStatus(resources.nodes, { ...back, status: { conditions: [readyCondition('True')] } })
        .catch(() => undefined);
    }
    return taintKeys(await node('quiet')).length === 0;
  });
});

test("a returning agent's status write is a sign of life: it is not marked Unknown again before its Lease renewal is seen", async () => {
  await addNode('restarting');
  await new Promise((r) => setTimeout(r, 600)); // a rhythm for the detector
  stopRenewing('restarting');
  await eventually('node Unknown', async () => readyOf(await node('restarting')).status === 'Unknown');

  // The agent starts again: its first status write (a fresh heartbeat) goes out before its
  // first Lease renewal, which comes a little later.
  const heartbeat = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
  // As an agent does, the write is retried when the controller changed the Node meanwhile (its taints).
  for (let attempt = 0; ; attempt++) {
    const back = await node('restarting');
    try {
      await cluster.client.updateStatus(resources.nodes, {
        ...back,
        status: { conditions: [{ ...readyCondition('True'), lastHeartbeatTime: heartbeat, lastTransitionTime: heartbeat }] },
      });
      break;
    } catch (err) {
      if (!isConflict(err) || attempt >= 5) throw err;
    }
  }
  await new Promise((r) => setTimeout(r, 150)); // well inside the 300 ms minimum grace period
  startRenewing('restarting');
  // Nobody sets Ready back here (no agent runs): had the controller marked it Unknown after
  // the write, it would stay Unknown.
  await new Promise((r) => setTimeout(r, 400));
  const after = await node('restarting');
  assert.equal(readyOf(after).status, 'True');
  assert.equal(readyOf(after).lastHeartbeatTime, heartbeat);
  await eventually('taints lifted', async () => taintKeys(await node('restarting')).length === 0);
});

test('with every node silent (a control-plane or network fault) nothing is evicted', async () => {
  await addNode('lonely-a');
  // With Hale's default toleration (2 s): the controller sees every node silent within it.
  await addPod('stays', 'lonely-a', {
    spec: { tolerations: [{ key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 2 }] },
  });
  await new Promise((r) => setTimeout(r, 600));
  for (const name of [...renewing.keys()]) stopRenewing(name);
  await eventually('lonely-a Unknown', async () => {
    const n = await node('lonely-a');
    return n.status.conditions.find((c: { type: string }) => c.type === 'Ready').status === 'Unknown';
  });
  await new Promise((r) => setTimeout(r, 3000));
  assert.ok(!taintKeys(await node('lonely-a')).some((t: string) => t.endsWith(':NoExecute')));
  const pod = await cluster.client.get(resources.pods, 'default', 'stays');
  assert.equal(pod.metadata?.deletionTimestamp, undefined);
  // Every agent returns and reports Ready again.
  for (const name of ['healthy', 'quiet', 'lonely-a']) startRenewing(name);
  await new Promise((r) => setTimeout(r, 300));
  for (const name of ['healthy', 'quiet', 'lonely-a']) {
    await eventually(`${name} Ready`, async () => {
      const n = await node(name);
      if (n.status.conditions.find((c: { type: string }) => c.type === 'Ready').status === 'True') return !n.spec?.taints?.length;
      await cluster.client.updateStatus(resources.nodes, { ...n, status: { conditions: [readyCondition('True')] } }).catch(() => undefined);
      return false;
    });
  }
});

test('a StatefulSet pod on a silent node is force-deleted only after lease + fencing timeout', async () => {
  await addNode('fenced', 1);
  const owner = { apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'db', uid: 'sts-uid', controller: true };
  await addPod('db-0', 'fenced', { metadata: { ownerReferences: [owner] } });
  await new Promise((r) => setTimeout(r, 600));
  stopRenewing('fenced');
  const silentSince = Date.now();
  await eventually('tainted', async () => taintKeys(await node('fenced')).includes('node.kubernetes.io/unreachable:NoExecute'));
  // Its toleration (none) ran out at once, but the old copy may still run: the object stays.
  const early = await cluster.client.get(resources.pods, 'default', 'db-0');
  assert.equal(early.metadata?.deletionTimestamp, undefined);
  await eventually('db-0 force-deleted', async () => !(await cluster.tryGet(resources.pods, 'default', 'db-0')), 10_000);
  // lease duration 1 s + fencing timeout 1 s after the last renewal.
  assert.ok(Date.now() - silentSince >= 1900, 'not before the fencing window');
});

test('a node heard from again loses its NoExecute taint before its agent reports Ready; pods whose toleration ran out meanwhile stay', async () => {
  await addNode('blinking', 30);
  const owner = { apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'blink', uid: 'blink-uid', controller: true };
  const tolerate = (seconds: number) => ({
    tolerations: [{ key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: seconds }],
  });
  // Held back while the node is silent (fencing window 1 s + 30 s), toleration long gone.
  await addPod('blink-0', 'blinking', { metadata: { ownerReferences: [owner] }, spec: tolerate(0) });
  await new Promise((r) => setTimeout(r, 600));
  stopRenewing('blinking');
  await eventually('tainted', async () => taintKeys(await node('blinking')).includes('node.kubernetes.io/unreachable:NoExecute'));
  // An ordinary pod whose toleration runs out after the node returns (timeAdded is in whole seconds).
  await addPod('blink-web', 'blinking', { spec: tolerate(3) });
  await new Promise((r) => setTimeout(r, 300));

  // The agent is back: it renews its Lease but has not posted Ready=True yet (nobody does here).
  startRenewing('blinking');
  await eventually('NoExecute lifted while Ready is still Unknown', async () => {
    const n = await node('blinking');
    return readyOf(n).status === 'Unknown' && !taintKeys(n).includes('node.kubernetes.io/unreachable:NoExecute');
  });
  await new Promise((r) => setTimeout(r, 3500));
  for (const name of ['blink-0', 'blink-web']) {
    const pod = await cluster.client.get(resources.pods, 'default', name);
    assert.equal(pod.metadata?.deletionTimestamp, undefined, `${name} is not evicted from a node that is back`);
  }
  assert.deepEqual(taintKeys(await node('blinking')), ['node.kubernetes.io/unreachable:NoSchedule'], 'NoSchedule until Ready');
});

test('a NoExecute taint without timeAdded (kubectl taint) evicts a tolerating pod once its tolerationSeconds ran out', async () => {
  await addNode('user-tainted');
  await addPod('tol1', 'user-tainted', {
    spec: { tolerations: [{ key: 'qa', operator: 'Equal', value: 'x', effect: 'NoExecute', tolerationSeconds: 1 }] },
  });
  for (let attempt = 0; ; attempt++) {
    const n = await node('user-tainted');
    try {
      await cluster.client.update(resources.nodes, { ...n, spec: { ...n.spec, taints: [{ key: 'qa', value: 'x', effect: 'NoExecute' }] } });
      break;
    } catch (err) {
      if (!isConflict(err) || attempt >= 5) throw err;
    }
  }
  await eventually(
    'tol1 evicted',
    async () => Boolean((await cluster.client.get(resources.pods, 'default', 'tol1')).metadata?.deletionTimestamp),
    6000,
  );
});

/** Replaces the node's taints (retried on conflicts with the controller's own writes). */
async function setTaints(name: string, taints: KubeObject[]): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    const n = await node(name);
    try {
      await cluster.client.update(resources.nodes, { ...n, spec: { ...n.spec, taints } });
      return;
    } catch (err) {
      if (!isConflict(err) || attempt >= 5) throw err;
    }
  }
}

const pod = (name: string) => cluster.client.get(resources.pods, 'default', name);
const evictionEvents = async (name: string) =>
  (await cluster.client.list(resources.events, 'default')).items.filter(
    (e) => e.reason === 'TaintManagerEviction' && e.involvedObject?.name === name,
  );

test("a user's NoExecute taint on a healthy node evicts the pods that do not tolerate it, with Kubernetes' condition and event; tolerating pods stay", async () => {
  await addNode('dedicated');
  await addPod('intolerant', 'dedicated');
  await addPod('tolerant', 'dedicated', { spec: { tolerations: [{ key: 'dedicated', operator: 'Exists', effect: 'NoExecute' }] } });
  await setTaints('dedicated', [{ key: 'dedicated', value: 'x', effect: 'NoExecute' }]);

  const evicted = await eventually('intolerant evicted', async () => {
    const p = await pod('intolerant');
    return p.metadata?.deletionTimestamp ? p : undefined;
  });
  const target = evicted.status.conditions.find((c: { type: string }) => c.type === 'DisruptionTarget');
  assert.deepEqual(
    [target?.status, target?.reason, target?.message],
    ['True', 'DeletionByTaintManager', 'Taint manager: deleting due to NoExecute taint'],
  );
  const events = await evictionEvents('intolerant');
  assert.equal(events.length, 1);
  assert.equal(events[0].message, 'Marking for deletion Pod default/intolerant');
  assert.equal((await pod('tolerant')).metadata?.deletionTimestamp, undefined, 'tolerates it for ever');
  assert.ok(taintKeys(await node('dedicated')).includes('dedicated:NoExecute'), "the node-lifecycle controller keeps a user's taint");
  await setTaints('dedicated', []);
});

test('a taint removed before the toleration ran out calls the eviction off, with the event Kubernetes records', async () => {
  await addNode('briefly-tainted');
  await addPod('reprieved', 'briefly-tainted', {
    spec: { tolerations: [{ key: 'maintenance', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 3600 }] },
  });
  await setTaints('briefly-tainted', [{ key: 'maintenance', effect: 'NoExecute' }]);
  // Lifted once the eviction waits for the toleration to run out.
  await eventually('eviction scheduled', async () => controller.evictions.pendingEvictions > 0);
  await setTaints('briefly-tainted', []);
  const cancelled = await eventually('cancellation recorded', async () =>
    (await evictionEvents('reprieved')).find((e) => e.message === 'Cancelling deletion of Pod default/reprieved'),
  );
  assert.equal(cancelled.type, 'Normal');
  assert.equal((await pod('reprieved')).metadata?.deletionTimestamp, undefined);
});

test("a user's unreachable NoExecute taint on a Ready node evicts the pods that do not tolerate it before the controller lifts it; tolerating pods stay", async () => {
  await addNode('not-really-unreachable');
  const tolerateUnreachable = (seconds: number) => ({
    spec: { tolerations: [{ key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: seconds }] },
  });
  await addPod('no-grace', 'not-really-unreachable', tolerateUnreachable(0));
  // Hale's default toleration (the DefaultTolerationSeconds admission adds it to every pod).
  await addPod('default-grace', 'not-really-unreachable', tolerateUnreachable(2));
  await setTaints('not-really-unreachable', [{ key: 'node.kubernetes.io/unreachable', effect: 'NoExecute' }]);

  // The node is Ready: the controller lifts the taint (as Kubernetes' does at its next pass),
  // but only after the pods it condemns at once have gone.
  await eventually('taint lifted', async () => taintKeys(await node('not-really-unreachable')).length === 0);
  const evicted = await pod('no-grace');
  assert.ok(evicted.metadata?.deletionTimestamp, 'evicted before the taint was lifted');
  assert.equal(evicted.status.conditions.find((c: { type: string }) => c.type === 'DisruptionTarget')?.reason, 'DeletionByTaintManager');
  assert.equal((await evictionEvents('no-grace')).length, 1);
  // Past its 2 s toleration: the taint went first, so it stays.
  await new Promise((r) => setTimeout(r, 2500));
  assert.equal((await pod('default-grace')).metadata?.deletionTimestamp, undefined);
  assert.equal(readyOf(await node('not-really-unreachable')).status, 'True');
});

test('a StatefulSet pod on a silent node without fencing is evicted once a user marks the node out of service, as Kubernetes does', async () => {
  await addNode('shutdown'); // no fencing annotation: the agent runs with --fencing-timeout 0
  const owner = { apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'oos', uid: 'oos-uid', controller: true };
  await addPod('oos-0', 'shutdown', { metadata: { ownerReferences: [owner] } });
  await new Promise((r) => setTimeout(r, 600));
  stopRenewing('shutdown');
  await eventually('tainted', async () => taintKeys(await node('shutdown')).includes('node.kubernetes.io/unreachable:NoExecute'));
  await new Promise((r) => setTimeout(r, 500));
  assert.equal((await pod('oos-0')).metadata?.deletionTimestamp, undefined, 'held back: nothing says it stopped');
  // Kubernetes' non-graceful node shutdown: the user vouches that the node is down.
  const n = await node('shutdown');
  await setTaints('shutdown', [...n.spec.taints, { key: 'node.kubernetes.io/out-of-service', value: 'nodeshutdown', effect: 'NoExecute' }]);
  const evicted = await eventually('oos-0 evicted', async () => {
    const p = await pod('oos-0');
    return p.metadata?.deletionTimestamp ? p : undefined;
  });
  const target = evicted.status.conditions.find((c: { type: string }) => c.type === 'DisruptionTarget');
  assert.equal(target?.reason, 'DeletionByTaintManager');
  assert.equal((await evictionEvents('oos-0')).length, 1);
});

const nodeEvents = async (name: string, reason: string) =>
  (await cluster.client.list(resources.events, 'default')).items.filter(
    (e) => e.reason === reason && e.involvedObject?.kind === 'Node' && e.involvedObject?.name === name,
  );

test("a node the controller first sees gets Kubernetes' RegisteredNode event, a deleted one RemovingNode", async () => {
  await addNode('newcomer');
  const created = await node('newcomer');
  const [registered] = await eventually('RegisteredNode', async () => {
    const found = await nodeEvents('newcomer', 'RegisteredNode');
    return found.length > 0 && found;
  });
  assert.deepEqual(
    [registered.type, registered.source?.component, registered.message, registered.involvedObject?.uid],
    ['Normal', 'node-controller', 'Node newcomer event: Registered Node newcomer in Controller', created.metadata?.uid],
  );
  stopRenewing('newcomer');
  await cluster.client.delete(resources.nodes, undefined, 'newcomer');
  const [removing] = await eventually('RemovingNode', async () => {
    const found = await nodeEvents('newcomer', 'RemovingNode');
    return found.length > 0 && found;
  });
  assert.deepEqual(
    [removing.type, removing.message, removing.involvedObject?.uid],
    ['Normal', 'Node newcomer event: Removing Node newcomer from Controller', created.metadata?.uid],
  );
  assert.equal((await nodeEvents('newcomer', 'RegisteredNode')).length, 1, 'registered once');
});

test('a node already NotReady that goes silent is marked Unknown without a second NodeNotReady event, as in Kubernetes', async () => {
  await addNode('ailing');
  const n = await node('ailing');
  await cluster.client.updateStatus(resources.nodes, { ...n, status: { conditions: [readyCondition('False')] } });
  await new Promise((r) => setTimeout(r, 400));
  stopRenewing('ailing');
  await eventually('node Unknown', async () => readyOf(await node('ailing')).status === 'Unknown');
  await new Promise((r) => setTimeout(r, 300));
  assert.deepEqual(await nodeEvents('ailing', 'NodeNotReady'), []);
});

test('a cordoned node gets node.kubernetes.io/unschedulable:NoSchedule and a pressured one its condition taint; both go again', async () => {
  await addNode('busy');
  // The controller writes the node's taints meanwhile: a write that conflicts is tried again.
  const retried = (write: (n: KubeObject) => Promise<unknown>) =>
    eventually('written', async () => {
      try {
        await write(await node('busy'));
        return true;
      } catch (err) {
        if (isConflict(err)) return false;
        throw err;
      }
    });
  const cordon = (unschedulable: boolean) =>
    retried((n) => cluster.client.update(resources.nodes, { ...n, spec: { ...n.spec, unschedulable } }));
  await cordon(true);
  await eventually('unschedulable taint', async () => taintKeys(await node('busy')).length === 1);
  const [taint] = (await node('busy')).spec.taints;
  assert.equal(`${taint.key}:${taint.effect}`, 'node.kubernetes.io/unschedulable:NoSchedule');
  assert.ok(taint.timeAdded, 'stamped as Kubernetes stamps every taint the node controller adds');
  const setPressure = (status: string) => {
    const conditions = [readyCondition('True'), { type: 'MemoryPressure', status }, { type: 'PIDPressure', status }];
    return retried((n) => cluster.client.updateStatus(resources.nodes, { ...n, status: { conditions } }));
  };
  await setPressure('True');
  await eventually('pressure taints', async () => taintKeys(await node('busy')).length === 3);
  assert.deepEqual(taintKeys(await node('busy')), [
    'node.kubernetes.io/memory-pressure:NoSchedule',
    'node.kubernetes.io/pid-pressure:NoSchedule',
    'node.kubernetes.io/unschedulable:NoSchedule',
  ]);
  await cordon(false);
  await setPressure('False');
  await eventually('taints gone', async () => taintKeys(await node('busy')).length === 0);
});

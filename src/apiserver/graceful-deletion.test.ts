// Graceful deletion against an in-process API server: a pod in its grace period keeps taking
// writes (its agent's last status) until the agent confirms with a zero grace period; an
// object held by a finalizer goes once an update removes the last one.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { KubeObject } from '../api/resource-type.ts';
import { resources } from '../client/resources.ts';
import { type InProcessCluster, startInProcessCluster } from '../testing/in-process-cluster.ts';

let cluster: InProcessCluster;

before(async () => {
  cluster = await startInProcessCluster();
  await cluster.createNamespace('graceful');
});

after(() => cluster.stop());

async function runningPod(name: string): Promise<KubeObject> {
  const pod = await cluster.client.create(resources.pods, 'graceful', {
    metadata: { name },
    spec: { nodeName: 'node-a', containers: [{ name: 'main', image: 'busybox', command: ['sleep', '60'] }] },
  });
  return cluster.client.updateStatus(resources.pods, { ...pod, status: { phase: 'Running' } });
}

test("a terminating pod's status writes are stored until its agent confirms the deletion", async () => {
  const pod = await runningPod('web');
  const marked = await cluster.client.delete(resources.pods, 'graceful', 'web');
  assert.equal(marked.metadata?.deletionGracePeriodSeconds, 30);

  const watch = await cluster.client.watch(resources.pods, 'graceful', { resourceVersion: marked.metadata?.resourceVersion });
  const final = { ...marked, status: { ...marked.status, phase: 'Succeeded' } };
  const written = await cluster.client.updateStatus(resources.pods, final);
  assert.equal(written.status?.phase, 'Succeeded');
  const stored = await cluster.tryGet(resources.pods, 'graceful', 'web');
  assert.equal(stored?.status?.phase, 'Succeeded', 'the pod is still there, with its final status');

  await cluster.client.delete(resources.pods, 'graceful', 'web', { gracePeriodSeconds: 0, preconditions: { uid: pod.metadata?.uid } });
  assert.equal(await cluster.tryGet(resources.pods, 'graceful', 'web'), undefined);

  const seen: string[] = [];
  for await (const event of watch) {
    seen.push(`${event.type} ${event.object.status?.phase}`);
    if (event.type === 'DELETED') break;
  }
  watch.close();
  assert.deepEqual(seen, ['MODIFIED Succeeded', 'DELETED Succeeded']);
});

test('an object held by a finalizer goes when an update removes the last one', async () => {
  await cluster.client.create(resources.configMaps, 'graceful', { metadata: { name: 'held', finalizers: ['example.com/hold'] } });
  const marked = await cluster.client.delete(resources.configMaps, 'graceful', 'held');
  assert.ok(marked.metadata?.deletionTimestamp);
  assert.equal(marked.metadata?.deletionGracePeriodSeconds, 0);

  await cluster.client.update(resources.configMaps, { ...marked, metadata: { ...marked.metadata, finalizers: [] } });
  assert.equal(await cluster.tryGet(resources.configMaps, 'graceful', 'held'), undefined);
});

test('a pod held by a finalizer goes once its agent confirmed and the finalizer is removed', async () => {
  const pod = await cluster.client.create(resources.pods, 'graceful', {
    metadata: { name: 'tracked', finalizers: ['batch.kubernetes.io/job-tracking'] },
    spec: { nodeName: 'node-a', containers: [{ name: 'main', image: 'busybox', command: ['true'] }] },
  });
  await cluster.client.delete(resources.pods, 'graceful', 'tracked');
  const confirmed = await cluster.client.delete(resources.pods, 'graceful', 'tracked', {
    gracePeriodSeconds: 0,
    preconditions: { uid: pod.metadata?.uid },
  });
  assert.equal(confirmed.metadata?.deletionGracePeriodSeconds, 0, 'the finalizer still holds it');

  await cluster.client.update(resources.pods, { ...confirmed, metadata: { ...confirmed.metadata, finalizers: [] } });
  assert.equal(await cluster.tryGet(resources.pods, 'graceful', 'tracked'), undefined);
});

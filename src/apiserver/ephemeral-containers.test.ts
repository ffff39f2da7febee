// The pods/ephemeralcontainers subresource against an in-process API server: what `kubectl
// debug` uses to add a debug container to a running pod. Only spec.ephemeralContainers may
// change through it, ephemeral containers are only ever added, and the main resource cannot
// add them.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { resources } from '../client/resources.ts';
import { apiRefusal } from '../testing/api-refusal.ts';
import { type InProcessCluster, startInProcessCluster } from '../testing/in-process-cluster.ts';

let cluster: InProcessCluster;
const ns = 'debugging';

before(async () => {
  cluster = await startInProcessCluster();
  await cluster.createNamespace(ns);
  await cluster.client.create(resources.pods, ns, {
    metadata: { name: 'web', labels: { app: 'web' } },
    spec: { nodeName: 'node-a', containers: [{ name: 'app', image: 'busybox', command: ['sleep', '60'] }] },
  });
});

after(() => cluster.stop());

const debugger1 = { name: 'debugger-1', image: 'busybox', command: ['sh'], stdin: true, tty: true, targetContainerName: 'app' };

test('discovery lists pods/ephemeralcontainers', async () => {
  const list = await cluster.client.request('GET', '/api/v1');
  const entry = list.resources.find((r: { name: string }) => r.name === 'pods/ephemeralcontainers');
  assert.deepEqual(entry?.verbs, ['get', 'patch', 'update']);
  assert.equal(entry?.kind, 'Pod');
});

test('a strategic merge patch adds a debug container (defaulted) and changes nothing else', async () => {
  const before = await cluster.client.get(resources.pods, ns, 'web');
  // What kubectl debug sends: the whole pod's changes against the subresource, with a label change it must ignore.
  const patch = { metadata: { labels: { app: 'changed' } }, spec: { ephemeralContainers: [debugger1] } };
  const patched = await cluster.client.patch(resources.pods, ns, 'web', patch, 'strategic', { subresource: 'ephemeralcontainers' });
  assert.equal(patched.kind, 'Pod');
  const added = patched.spec?.ephemeralContainers?.[0];
  assert.equal(added?.name, 'debugger-1');
  assert.equal(added?.terminationMessagePolicy, 'File', 'defaulted like any container');
  assert.equal(patched.metadata?.labels?.app, 'web', 'only spec.ephemeralContainers changes');
  assert.deepEqual(patched.spec?.containers, before.spec?.containers);

  const read = await cluster.client.request('GET', `/api/v1/namespaces/${ns}/pods/web/ephemeralcontainers`);
  assert.equal(read.spec.ephemeralContainers.length, 1);
});

test('existing ephemeral containers may be neither changed nor removed', async () => {
  const pod = await cluster.client.get(resources.pods, ns, 'web');
  const path = `/api/v1/namespaces/${ns}/pods/web/ephemeralcontainers`;
  const changed = structuredClone(pod);
  changed.spec!.ephemeralContainers[0].command = ['bash'];
  let err = await apiRefusal(cluster.client.request('PUT', path, { body: changed }));
  assert.equal(err.code, 422);
  assert.match(err.message, /spec\.ephemeralContainers: Forbidden: existing ephemeral containers "debugger-1" may not be changed/);

  const removed = structuredClone(pod);
  removed.spec!.ephemeralContainers = [];
  err = await apiRefusal(cluster.client.request('PUT', path, { body: removed }));
  assert.match(err.message, /existing ephemeral containers "debugger-1" may not be removed/);

  const stored = await cluster.client.get(resources.pods, ns, 'web');
  assert.deepEqual(stored.spec?.ephemeralContainers, pod.spec?.ephemeralContainers);
});

test('a new ephemeral container is validated like one (no ports or probes, a known target, a unique name)', async () => {
  const bad = { name: 'app', image: 'busybox', ports: [{ containerPort: 80 }], targetContainerName: 'nope' };
  const err = await apiRefusal(
    cluster.client.patch(resources.pods, ns, 'web', { spec: { ephemeralContainers: [bad] } }, 'strategic', {
      subresource: 'ephemeralcontainers',
    }),
  );
  assert.equal(err.code, 422);
  assert.match(err.message, /spec\.ephemeralContainers\[1\]\.name: Duplicate value: "app"/);
  assert.match(err.message, /spec\.ephemeralContainers\[1\]\.ports: Forbidden: cannot be set for an Ephemeral Container/);
  assert.match(err.message, /spec\.ephemeralContainers\[1\]\.targetContainerName: Not found: "nope"/);
});

test('the pod itself cannot add ephemeral containers', async () => {
  const pod = await cluster.client.get(resources.pods, ns, 'web');
  const more = structuredClone(pod);
  more.spec!.ephemeralContainers.push({ ...debugger1, name: 'debugger-2' });
  const err = await apiRefusal(cluster.client.update(resources.pods, more));
  assert.equal(err.code, 422);
  assert.match(err.message, /pod updates may not change fields/);
});

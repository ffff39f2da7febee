import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { resources } from '../../client/resources.ts';
import { type InProcessCluster, startInProcessCluster } from '../../testing/in-process-cluster.ts';
import { EndpointDrain, podListing } from './endpoint-drain.ts';

const pod = { metadata: { namespace: 'default', name: 'web-1', uid: 'uid-1' } };
const slice = (ready: boolean | undefined, name = 'web-1') => ({
  metadata: { name: 'web-abc', namespace: 'default', labels: { 'kubernetes.io/service-name': 'web' } },
  addressType: 'IPv4',
  endpoints: [
    {
      addresses: ['10.42.0.5'],
      conditions: ready === undefined ? {} : { ready },
      targetRef: { kind: 'Pod', namespace: 'default', name, uid: 'uid-1' },
    },
  ],
  ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
});

describe('podListing', () => {
  it('tells absent, ready (a nil ready counts as ready) and not ready apart', () => {
    assert.equal(podListing([slice(true, 'other')], pod), 'absent');
    assert.equal(podListing([slice(true)], pod), 'ready');
    assert.equal(podListing([slice(undefined)], pod), 'ready');
    assert.equal(podListing([slice(false)], pod), 'not-ready');
  });
});

describe('EndpointDrain', () => {
  let cluster: InProcessCluster;
  before(async () => {
    cluster = await startInProcessCluster();
  });
  after(async () => {
    await cluster.stop();
  });

  it('does not delay a pod no EndpointSlice lists', async () => {
    const drain = new EndpointDrain(cluster.client, { marginMs: 60_000 });
    try {
      // With a one-minute margin, returning at all shows neither the margin nor the budget was spent.
      await drain.waitUntilDrained({ metadata: { namespace: 'default', name: 'lonely', uid: 'u' } }, 60_000);
    } finally {
      await drain.stop();
    }
  });

  it('waits while the pod is a ready endpoint and returns once it is marked not ready', async () => {
    const created = await cluster.client.create(resources.endpointSlices, 'default', slice(true));
    const drain = new EndpointDrain(cluster.client, { marginMs: 0 });
    try {
      let finished = false;
      const waiting = drain.waitUntilDrained(pod, 60_000).then(() => {
        finished = true;
      });
      // Containers of one pod share the wait.
      assert.equal(drain.waitUntilDrained(pod, 60_000), drain.waitUntilDrained(pod, 1));
      await new Promise((r) => setTimeout(r, 200));
      assert.equal(finished, false, 'still a ready endpoint: no SIGTERM yet');
      await cluster.client.update(resources.endpointSlices, {
        ...created,
        endpoints: [{ ...created.endpoints[0], conditions: { ready: false, serving: true, terminating: true } }],
      });
      await waiting;
      assert.equal(finished, true);
    } finally {
      await drain.stop();
      await cluster.client.delete(resources.endpointSlices, 'default', created.metadata?.name);
    }
  });

  it('gives up when the budget runs out', async () => {
    const created = await cluster.client.create(resources.endpointSlices, 'default', slice(true));
    const drain = new EndpointDrain(cluster.client, { marginMs: 0 });
    try {
      await drain.waitUntilDrained(pod, 300);
    } finally {
      await drain.stop();
      await cluster.client.delete(resources.endpointSlices, 'default', created.metadata?.name);
    }
  });
});

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { KubeObject } from '../../api/resource-type.ts';
import { RestClient } from '../../client/rest-client.ts';
import { FakeKubeServer } from '../../client/testing/fake-kube-server.ts';
import { eventually } from '../../client/testing/wait.ts';
import { watchNodeRoutes } from './node-routes-watch.ts';

const NODES = '/api/v1/nodes';
let server: FakeKubeServer;
let client: RestClient;

before(async () => {
  server = await new FakeKubeServer().start();
  client = new RestClient({ server: server.url });
});
after(() => server.close());

const node = (name: string, podCIDR: string, ip: string, heartbeat = '1') => ({
  apiVersion: 'v1',
  kind: 'Node',
  metadata: { name },
  spec: { podCIDR },
  status: {
    addresses: [{ type: 'InternalIP', address: ip }],
    conditions: [{ type: 'Ready', status: 'True', lastHeartbeatTime: heartbeat }],
  },
});

test('syncs once the Nodes are listed, again when a pod range or address changes, not on heartbeats', { timeout: 20_000 }, async () => {
  server.put(NODES, node('a', '10.42.0.0/24', '192.168.1.10'));
  server.put(NODES, node('b', '10.42.1.0/24', '192.168.1.11'));
  const synced: string[][] = [];
  let removed = 0;
  const watch = watchNodeRoutes(
    client,
    {
      sync: async (nodes: readonly KubeObject[]) => void synced.push(nodes.map((n) => `${n.metadata?.name}=${n.spec?.podCIDR}`).sort()),
      removeAll: async () => void removed++,
    },
    { resyncMs: 3_600_000 },
  );
  try {
    await watch.firstSync;
    assert.deepEqual(synced, [['a=10.42.0.0/24', 'b=10.42.1.0/24']]);
    await eventually(() => server.openWatches() === 1, 'the watch to start');

    server.put(NODES, node('b', '10.42.1.0/24', '192.168.1.11', '2'));
    server.put(NODES, node('c', '10.42.2.0/24', '192.168.1.12'));
    await eventually(() => synced.length === 2, 'a sync for the new node');
    assert.deepEqual(synced[1], ['a=10.42.0.0/24', 'b=10.42.1.0/24', 'c=10.42.2.0/24']);

    server.remove(NODES, undefined, 'c');
    await eventually(() => synced.length === 3, 'a sync for the deleted node');
  } finally {
    await watch.stop({ removeRoutes: false });
  }
  assert.equal(removed, 0);
  assert.equal(synced.length, 3, 'the heartbeat-only update caused no sync');
});

test('retries a failed sync; stop with removeRoutes undoes the routes', { timeout: 20_000 }, async () => {
  let calls = 0;
  let removed = 0;
  const watch = watchNodeRoutes(client, {
    sync: async () => {
      calls++;
      if (calls === 1) throw new Error('ip: boom');
    },
    removeAll: async () => void removed++,
  });
  // The first attempt fails and is retried (5 s later, or at the next Node event).
  await watch.firstSync.finally(() => watch.stop({ removeRoutes: true }));
  assert.equal(calls, 2);
  assert.equal(removed, 1);
});

// The node-lifecycle controller's own stall (its process paused, its event loop blocked) is
// not taken for the nodes' silence. The controller's clock is injected: a jump of it is what a
// paused process sees when it resumes.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { InformerFactory } from '../../client/informer-factory.ts';
import { microTime } from '../../client/leader-election.ts';
import { resources } from '../../client/resources.ts';
import { eventually, type InProcessCluster, startInProcessCluster } from '../../testing/in-process-cluster.ts';
import { NodeLifecycleController } from './node-lifecycle-controller.ts';

let cluster: InProcessCluster;
let factory: InformerFactory;
let controller: NodeLifecycleController;
let offsetMs = 0;

before(async () => {
  cluster = await startInProcessCluster();
  factory = new InformerFactory(cluster.client);
  controller = new NodeLifecycleController(cluster.client, factory, cluster.logger, {
    detector: { minGracePeriodMs: 1000, gracePeriodMs: 1500, phiThreshold: 8 },
    nodeMonitorPeriodMs: 50,
    stallThresholdMs: 1000,
    eviction: { nodeEvictionRate: 100 },
    now: () => Date.now() + offsetMs,
  });
  factory.start();
  controller.run(1);
});

after(async () => {
  await controller.stop();
  await factory.stop();
  await cluster.stop();
});

const readyOf = async (name: string) =>
  (await cluster.client.get(resources.nodes, undefined, name)).status.conditions.find((c: { type: string }) => c.type === 'Ready');

test('a pause of the controller longer than the grace period does not make a healthy node suspect', async () => {
  for (const name of ['calm-a', 'calm-b']) {
    const node = await cluster.client.create(resources.nodes, undefined, { metadata: { name } });
    await cluster.client.updateStatus(resources.nodes, {
      ...node,
      status: { conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'ready' }] },
    });
    await cluster.client.create(resources.leases, 'kube-node-lease', {
      metadata: { name },
      spec: { holderIdentity: name, leaseDurationSeconds: 1, renewTime: microTime(Date.now()) },
    });
  }
  await eventually('nodes seen', async () => controller.silence('calm-a') && (await readyOf('calm-b'))?.status === 'True');
  await new Promise((r) => setTimeout(r, 200));
  // The process resumes 10 s later by its clock; the renewals sent meanwhile are not seen yet.
  offsetMs += 10_000;
  await new Promise((r) => setTimeout(r, 300));
  for (const name of ['calm-a', 'calm-b']) {
    assert.equal(controller.silence(name).silent, false, `${name} is not suspected`);
    assert.equal((await readyOf(name)).status, 'True', `${name} is not marked Unknown`);
  }
  // A node that really stays silent is still detected, from the resumption on.
  await eventually('calm-a suspected later', async () => (await readyOf('calm-a')).status === 'Unknown', 5000);
});

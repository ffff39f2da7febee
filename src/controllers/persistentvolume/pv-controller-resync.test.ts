// The PV controller's periodic resync (Kubernetes' --pvclaimbinder-sync-period): a claim that
// stays Pending is synced again once per period, not more, and its repeated event is one Event
// whose count grows. Time is a FakeClock, so the periods pass without sleeping.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { KubeObject } from '../../api/resource-type.ts';
import { InformerFactory } from '../../client/informer-factory.ts';
import { resources } from '../../client/resources.ts';
import { FakeClock } from '../../client/testing/fake-clock.ts';
import { eventually, type InProcessCluster, startInProcessCluster } from '../../testing/in-process-cluster.ts';
import { PersistentVolumeController, PV_RESYNC_PERIOD_MS } from './pv-controller.ts';

let cluster: InProcessCluster;
let factory: InformerFactory;
let binder: PersistentVolumeController;
const clock = new FakeClock();
const ns = 'resync';

before(async () => {
  cluster = await startInProcessCluster();
  await cluster.createNamespace(ns);
  factory = new InformerFactory(cluster.client);
  binder = new PersistentVolumeController(cluster.client, factory, cluster.logger, { clock });
  factory.start();
  binder.run(1);
});

after(async () => {
  await binder.stop();
  await factory.stop();
  await cluster.stop();
});

async function eventsOf(claim: KubeObject): Promise<KubeObject[]> {
  const list = await cluster.client.list(resources.events, ns, { fieldSelector: `involvedObject.uid=${claim.metadata?.uid}` });
  return list.items;
}

/** Lets the queued syncs and their event writes finish (they run on real timers and sockets). */
const settle = () => new Promise((r) => setTimeout(r, 300));

test('an unbound claim is synced once per resync period: its FailedBinding Event counts one more each period', async () => {
  const claim = await cluster.client.create(resources.persistentVolumeClaims, ns, {
    metadata: { name: 'nothing-fits' },
    spec: { accessModes: ['ReadWriteOnce'], storageClassName: '', resources: { requests: { storage: '1Gi' } } },
  });
  await eventually('the first FailedBinding', async () => (await eventsOf(claim)).find((e) => e.reason === 'FailedBinding'));
  await settle();
  const counts = async () => (await eventsOf(claim)).map((e) => [e.reason, e.count]);
  assert.deepEqual(await counts(), [['FailedBinding', 1]], 'nothing repeats it between periods');

  // A minute of resyncs: four periods, four more syncs, still one Event.
  for (let i = 0; i < 4; i++) {
    await clock.advance(PV_RESYNC_PERIOD_MS);
    await settle();
  }
  assert.deepEqual(await counts(), [['FailedBinding', 5]]);

  // Less than a period: no sync.
  await clock.advance(PV_RESYNC_PERIOD_MS - 1000);
  await settle();
  assert.deepEqual(await counts(), [['FailedBinding', 5]]);

  // The syncs write nothing to the claim (its status is Pending already).
  const now = await cluster.tryGet(resources.persistentVolumeClaims, ns, 'nothing-fits');
  assert.equal(now?.metadata?.resourceVersion, claim.metadata?.resourceVersion);
  assert.equal(now?.status?.phase, 'Pending');
});

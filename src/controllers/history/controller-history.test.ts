// ControllerHistory against a real in-process API server: hash collisions, idempotent
// creation, renumbering and adoption.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { KubeObject } from '../../api/resource-type.ts';
import { labelSelectorFromObject } from '../../api/selectors/label-selector.ts';
import type { Informer } from '../../client/informer.ts';
import { InformerFactory } from '../../client/informer-factory.ts';
import { resources } from '../../client/resources.ts';
import { eventually, type InProcessCluster, startInProcessCluster } from '../../testing/in-process-cluster.ts';
import { ControllerHistory } from './controller-history.ts';
import { controllerRevisionName, hashControllerRevision, newControllerRevision, templatePatch } from './controller-revision.ts';

let cluster: InProcessCluster;
let factory: InformerFactory;
let informer: Informer;
let history: ControllerHistory;
const kind = { apiVersion: 'apps/v1', kind: 'StatefulSet' };

before(async () => {
  cluster = await startInProcessCluster();
  factory = new InformerFactory(cluster.client);
  informer = factory.informerFor(resources.controllerRevisions);
  factory.start();
  await factory.waitForSync();
  history = new ControllerHistory(cluster.client, informer);
});

after(async () => {
  await factory.stop();
  await cluster.stop();
});

async function owner(namespace: string, image: string): Promise<KubeObject> {
  await cluster.createNamespace(namespace);
  return cluster.client.create(resources.statefulSets, namespace, {
    metadata: { name: 'web', namespace },
    spec: {
      selector: { matchLabels: { app: 'web' } },
      serviceName: 'web',
      template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image }] } },
    },
  });
}

test('create escapes a name taken by different data by raising the collision count', async () => {
  const set = await owner('history-collision', 'nginx');
  const wanted = newControllerRevision(set, kind, { app: 'web' }, templatePatch(set), 1, 0);
  // Someone else's revision already holds the name the hash gives.
  await cluster.client.create(resources.controllerRevisions, 'history-collision', {
    metadata: { name: wanted.metadata?.name },
    data: { other: true },
    revision: 1,
  });
  const { revision, collisionCount } = await history.create(set, wanted, 0);
  assert.equal(collisionCount, 1);
  const hash = hashControllerRevision(wanted.data, 1);
  assert.equal(revision.metadata?.name, controllerRevisionName('web', hash));
  assert.equal(revision.metadata?.labels?.['controller-revision-hash'], hash);

  // Creating the same data again returns the existing revision.
  const again = await history.create(set, wanted, 1);
  assert.equal(again.revision.metadata?.uid, revision.metadata?.uid);
  assert.equal(again.collisionCount, 1);
});

test('updateRevisionNumber renumbers; claim adopts matching orphans', async () => {
  const set = await owner('history-claim', 'nginx');
  const orphan = await cluster.client.create(resources.controllerRevisions, 'history-claim', {
    metadata: { name: 'web-orphan', labels: { app: 'web' } },
    data: templatePatch(set),
    revision: 1,
  });
  await cluster.client.create(resources.controllerRevisions, 'history-claim', {
    metadata: { name: 'unrelated', labels: { app: 'other' } },
    data: {},
    revision: 1,
  });
  await eventually('cache', async () => (informer.list('history-claim').length === 2 ? true : undefined));
  const claimed = await history.claim(set, kind, labelSelectorFromObject(set.spec.selector));
  assert.deepEqual(
    claimed.map((r) => r.metadata?.name),
    ['web-orphan'],
  );
  assert.equal(claimed[0].metadata?.ownerReferences?.[0].uid, set.metadata?.uid);

  const renumbered = await history.updateRevisionNumber(orphan, 5);
  assert.equal(renumbered.revision, 5);
  await history.delete(renumbered);
  assert.equal(await cluster.tryGet(resources.controllerRevisions, 'history-claim', 'web-orphan'), undefined);
});

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { InformerFactory } from '../../client/informer-factory.ts';
import { resources } from '../../client/resources.ts';
import { eventually, type InProcessCluster, startInProcessCluster } from '../../testing/in-process-cluster.ts';
import { NamespaceDefaultsController } from './namespace-defaults-controller.ts';

const CA = '-----BEGIN CERTIFICATE-----\nTEST\n-----END CERTIFICATE-----\n';

let cluster: InProcessCluster;
let factory: InformerFactory;
let controller: NamespaceDefaultsController;

before(async () => {
  cluster = await startInProcessCluster();
  factory = new InformerFactory(cluster.client);
  controller = new NamespaceDefaultsController(cluster.client, factory, cluster.logger, CA);
  factory.start();
  controller.run(1);
});

after(async () => {
  await controller.stop();
  await factory.stop();
  await cluster.stop();
});

const rootCa = () => cluster.tryGet(resources.configMaps, 'team', 'kube-root-ca.crt');

test('a new namespace gets default and kube-root-ca.crt; both come back, and the CA is put back', async () => {
  await cluster.createNamespace('team');
  await eventually('the default ServiceAccount', () => cluster.tryGet(resources.serviceAccounts, 'team', 'default'));
  assert.equal((await eventually('kube-root-ca.crt', rootCa)).data['ca.crt'], CA);

  await cluster.client.delete(resources.serviceAccounts, 'team', 'default');
  await eventually('default again', () => cluster.tryGet(resources.serviceAccounts, 'team', 'default'));

  const tampered = (await rootCa())!;
  await cluster.client.update(resources.configMaps, { ...tampered, data: { 'ca.crt': 'forged', extra: 'x' } });
  await eventually('the CA put back', async () => {
    const cm = await rootCa();
    return cm?.data?.['ca.crt'] === CA && Object.keys(cm.data).length === 1;
  });

  await cluster.client.delete(resources.configMaps, 'team', 'kube-root-ca.crt');
  await eventually('kube-root-ca.crt again', rootCa);
});

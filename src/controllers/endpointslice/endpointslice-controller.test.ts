import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { KubeObject } from '../../api/resource-type.ts';
import { InformerFactory } from '../../client/informer-factory.ts';
import { resources } from '../../client/resources.ts';
import { type InProcessCluster, startInProcessCluster } from '../../testing/in-process-cluster.ts';
import { EndpointsController } from '../endpoints/endpoints-controller.ts';
import { ServiceLBController } from '../servicelb/servicelb-controller.ts';
import { EndpointSliceController } from './endpointslice-controller.ts';
import { EndpointSliceMirroringController } from './endpointslice-mirroring-controller.ts';

const ns = 'default';

async function runningPod(c: InProcessCluster, name: string, ip: string, ready: boolean): Promise<KubeObject> {
  const pod = await c.client.create(resources.pods, ns, {
    metadata: { name, labels: { app: 'web' } },
    spec: { nodeName: 'n1', containers: [{ name: 'c', image: 'x', ports: [{ name: 'http', containerPort: 8080 }] }] },
  });
  return c.client.updateStatus(resources.pods, {
    ...pod,
    status: { phase: 'Running', podIP: ip, conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }] },
  });
}

describe('endpoint controllers against an in-process API server', () => {
  let c: InProcessCluster;
  let factory: InformerFactory;
  const controllers: { run(n: number): void; stop(): Promise<void> }[] = [];
  let slices: KubeObject[] = [];
  let endpoints: KubeObject | undefined;
  const refresh = async () => {
    slices = (await c.client.list(resources.endpointSlices, ns, { labelSelector: 'kubernetes.io/service-name=web' })).items;
    endpoints = await c.tryGet(resources.endpoints, ns, 'web');
  };

  before(async () => {
    c = await startInProcessCluster();
    factory = new InformerFactory(c.client);
    controllers.push(new EndpointSliceController(c.client, factory, c.logger));
    controllers.push(new EndpointsController(c.client, factory, c.logger));
    controllers.push(new ServiceLBController(c.client, factory, c.logger));
    controllers.push(new EndpointSliceMirroringController(c.client, factory, c.logger));
    factory.start();
    for (const ctl of controllers) ctl.run(2);
  });
  after(async () => {
    for (const ctl of controllers) await ctl.stop();
    await factory.stop();
    await c.stop();
  });

  it('follows pods through ready, not ready and terminating', async () => {
    await c.client.create(resources.services, ns, {
      metadata: { name: 'web' },
      spec: { selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 'http' }] },
    });
    await runningPod(c, 'a', '10.42.0.2', true);
    const b = await runningPod(c, 'b', '10.42.0.3', false);
    const settle = async (check: () => boolean) => {
      for (let i = 0; i < 200; i++) {
        await refresh();
        if (check()) return;
        await new Promise((r) => setTimeout(r, 25));
      }
      assert.fail(`did not settle: ${JSON.stringify({ slices, endpoints })}`);
    };
    await settle(() => slices.length === 1 && slices[0].endpoints?.length === 2 && Boolean(endpoints?.subsets?.length));
    assert.equal(slices.length, 1);
    const conditions = Object.fromEntries(slices[0].endpoints.map((e: any) => [e.targetRef.name, e.conditions]));
    assert.deepEqual(conditions, {
      a: { ready: true, serving: true, terminating: false },
      b: { ready: false, serving: false, terminating: false },
    });
    assert.deepEqual(slices[0].ports, [{ name: 'http', port: 8080, protocol: 'TCP' }]);
    assert.deepEqual(
      endpoints?.subsets?.[0].addresses.map((a: any) => a.ip),
      ['10.42.0.2'],
    );
    assert.deepEqual(
      endpoints?.subsets?.[0].notReadyAddresses.map((a: any) => a.ip),
      ['10.42.0.3'],
    );

    // b turns ready; a starts terminating.
    await c.client.updateStatus(resources.pods, { ...b, status: { ...b.status, conditions: [{ type: 'Ready', status: 'True' }] } });
    await c.client.delete(resources.pods, ns, 'a', { gracePeriodSeconds: 30 });
    await settle(() => {
      const byName = Object.fromEntries((slices[0]?.endpoints ?? []).map((e: any) => [e.targetRef.name, e.conditions]));
      return byName.a?.terminating === true && byName.b?.ready === true && endpoints?.subsets?.[0]?.addresses?.length === 1;
    });
    const byName = Object.fromEntries(slices[0].endpoints.map((e: any) => [e.targetRef.name, e.conditions]));
    assert.deepEqual(byName.a, { ready: false, serving: true, terminating: true });
    assert.deepEqual(
      endpoints?.subsets?.[0].addresses.map((a: any) => a.ip),
      ['10.42.0.3'],
      'terminating pods leave Endpoints',
    );

    // Deleting the Service removes its slices and Endpoints.
    await c.client.delete(resources.services, ns, 'web');
    await settle(() => slices.length === 0 && endpoints === undefined);
  });

  it('keeps a placeholder slice with endpoints and ports null for a Service without pods', async () => {
    await c.client.create(resources.services, ns, {
      metadata: { name: 'idle' },
      spec: { selector: { app: 'idle' }, ports: [{ port: 80 }] },
    });
    const placeholder = async () =>
      (await c.client.list(resources.endpointSlices, ns, { labelSelector: 'kubernetes.io/service-name=idle' })).items;
    for (let i = 0; i < 200 && (await placeholder()).length === 0; i++) await new Promise((r) => setTimeout(r, 25));
    const [slice] = await placeholder();
    assert.equal(slice.endpoints, null);
    assert.equal(slice.ports, null);
    await c.client.delete(resources.services, ns, 'idle');
  });

  it('leaves the Endpoints of a Service that lost its selector as last written, mirrored in place of its own slices', async () => {
    // The pods of the first test are gone first.
    for (const pod of (await c.client.list(resources.pods, ns)).items) {
      await c.client.delete(resources.pods, ns, pod.metadata?.name, { gracePeriodSeconds: 0 });
    }
    await c.client.create(resources.services, ns, {
      metadata: { name: 'web' },
      spec: { selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 'http' }] },
    });
    await runningPod(c, 'c', '10.42.0.4', true);
    const sliceOwners = () => slices.map((s) => s.metadata?.labels?.['endpointslice.kubernetes.io/managed-by']);
    const settle = async (what: string, check: () => boolean) => {
      for (let i = 0; i < 200; i++) {
        await refresh();
        if (check()) return;
        await new Promise((r) => setTimeout(r, 25));
      }
      assert.fail(`${what}: ${JSON.stringify({ slices, endpoints })}`);
    };
    await settle('endpoints of c', () => endpoints?.subsets?.[0]?.addresses?.length === 1 && slices[0]?.endpoints?.length === 1);
    const svc = await c.client.get(resources.services, ns, 'web');
    await c.client.update(resources.services, { ...svc, spec: { ...svc.spec, selector: undefined } });
    // Kubernetes' endpoints controller skips it (the Endpoints stay as written, for the user to
    // manage); Hale's EndpointSlice controller removes its own slices (Kubernetes leaves them,
    // stale: kubernetes/kubernetes#118376), and the mirroring controller mirrors the Endpoints.
    await settle('mirrored', () => sliceOwners().join() === 'endpointslicemirroring-controller.k8s.io');
    assert.deepEqual(
      endpoints?.subsets?.[0]?.addresses?.map((a: any) => a.ip),
      ['10.42.0.4'],
    );
    assert.deepEqual(
      slices[0].endpoints.map((e: any) => e.addresses[0]),
      ['10.42.0.4'],
    );
    // A pod that would have matched changes nothing now.
    await runningPod(c, 'd', '10.42.0.5', true);
    await new Promise((r) => setTimeout(r, 200));
    await refresh();
    assert.deepEqual(
      endpoints?.subsets?.[0]?.addresses?.map((a: any) => a.ip),
      ['10.42.0.4'],
    );
    await c.client.delete(resources.services, ns, 'web');
    await c.client.delete(resources.endpoints, ns, 'web');
    for (const pod of ['c', 'd']) await c.client.delete(resources.pods, ns, pod, { gracePeriodSeconds: 0 });
    await settle('cleaned up', () => slices.length === 0 && endpoints === undefined);
  });

  it('treats selector: {} as no selector', async () => {
    await c.client.create(resources.services, ns, { metadata: { name: 'all' }, spec: { selector: {}, ports: [{ port: 80 }] } });
    await runningPod(c, 'e', '10.42.0.6', true);
    await new Promise((r) => setTimeout(r, 300));
    const ownSlices = (await c.client.list(resources.endpointSlices, ns, { labelSelector: 'kubernetes.io/service-name=all' })).items;
    assert.deepEqual(ownSlices, []);
    assert.equal(await c.tryGet(resources.endpoints, ns, 'all'), undefined);
    await c.client.delete(resources.services, ns, 'all');
    await c.client.delete(resources.pods, ns, 'e', { gracePeriodSeconds: 0 });
  });

  it('fills the LoadBalancer ingress with the nodes addresses', async () => {
    await c.client.create(resources.nodes, undefined, {
      metadata: { name: 'n1' },
      status: { addresses: [{ type: 'InternalIP', address: '192.0.2.10' }], conditions: [{ type: 'Ready', status: 'True' }] },
    });
    await c.client.create(resources.services, ns, { metadata: { name: 'lb' }, spec: { type: 'LoadBalancer', ports: [{ port: 80 }] } });
    for (let i = 0; i < 200; i++) {
      const svc = await c.client.get(resources.services, ns, 'lb');
      if (svc.status?.loadBalancer?.ingress) {
        assert.deepEqual(svc.status.loadBalancer.ingress, [{ ip: '192.0.2.10', ipMode: 'VIP' }]);
        return;
      }
      await new Promise((r) => setTimeout(r, 25));
    }
    assert.fail('no ingress');
  });

  it('mirrors manual Endpoints of a selectorless Service, and stops when the Service goes', async () => {
    await c.client.create(resources.services, ns, { metadata: { name: 'ext' }, spec: { ports: [{ name: 'db', port: 5432 }] } });
    await c.client.create(resources.endpoints, ns, {
      metadata: { name: 'ext' },
      subsets: [{ addresses: [{ ip: '192.0.2.1' }], notReadyAddresses: [{ ip: '192.0.2.2' }], ports: [{ name: 'db', port: 5432 }] }],
    });
    const mirrored = async () =>
      (await c.client.list(resources.endpointSlices, ns, { labelSelector: 'kubernetes.io/service-name=ext' })).items;
    for (let i = 0; i < 200 && (await mirrored()).length === 0; i++) await new Promise((r) => setTimeout(r, 25));
    const [slice] = await mirrored();
    assert.equal(slice.metadata?.labels?.['endpointslice.kubernetes.io/managed-by'], 'endpointslicemirroring-controller.k8s.io');
    assert.deepEqual(slice.endpoints, [
      { addresses: ['192.0.2.1'], conditions: { ready: true } },
      { addresses: ['192.0.2.2'], conditions: { ready: false } },
    ]);
    assert.deepEqual(slice.ports, [{ name: 'db', port: 5432, protocol: 'TCP' }]);
    await c.client.delete(resources.services, ns, 'ext');
    for (let i = 0; i < 200 && (await mirrored()).length > 0; i++) await new Promise((r) => setTimeout(r, 25));
    assert.deepEqual(await mirrored(), []);
  });
});

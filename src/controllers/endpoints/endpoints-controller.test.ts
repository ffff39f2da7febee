// The endpoints controller when its own Endpoints cache lags behind its writes: a Service's
// pods change right after the controller created the Service's Endpoints, before its informer
// delivered that create. The next sync must update the Endpoints, not try to create it again
// (which fails with AlreadyExists and used to leave a FailedToCreateEndpoint Warning).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { KubeObject } from '../../api/resource-type.ts';
import { InformerFactory } from '../../client/informer-factory.ts';
import { resources } from '../../client/resources.ts';
import type { RestClient } from '../../client/rest-client.ts';
import { eventually, type InProcessCluster, startInProcessCluster } from '../../testing/in-process-cluster.ts';
import { EndpointsController } from './endpoints-controller.ts';

const ns = 'default';
const ENDPOINTS_WATCH_DELAY_MS = 500;

let cluster: InProcessCluster;
let factory: InformerFactory;
let controller: EndpointsController;

/** The cluster's client, with every Endpoints watch event handed over late. */
function withSlowEndpointsWatch(client: RestClient): RestClient {
  const slow = Object.create(client) as RestClient;
  slow.watch = (async (res, namespace, opts) => {
    const stream = await client.watch(res, namespace, opts);
    if (res.plural !== 'endpoints') return stream;
    return new Proxy(stream, {
      get(target, prop) {
        if (prop === Symbol.asyncIterator) {
          return async function* () {
            for await (const event of target) {
              await new Promise((r) => setTimeout(r, ENDPOINTS_WATCH_DELAY_MS));
              yield event;
            }
          };
        }
        const value = Reflect.get(target, prop, target);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
  }) as RestClient['watch'];
  return slow;
}

before(async () => {
  cluster = await startInProcessCluster();
  const client = withSlowEndpointsWatch(cluster.client);
  factory = new InformerFactory(client);
  controller = new EndpointsController(client, factory, cluster.logger);
  factory.start();
  controller.run(1);
});

after(async () => {
  await controller.stop();
  await factory.stop();
  await cluster.stop();
});

async function readyPod(name: string, ip: string): Promise<KubeObject> {
  const pod = await cluster.client.create(resources.pods, ns, {
    metadata: { name, labels: { app: 'web' } },
    spec: { nodeName: 'n1', containers: [{ name: 'c', image: 'x', command: ['true'] }] },
  });
  return cluster.client.updateStatus(resources.pods, {
    ...pod,
    status: { phase: 'Running', podIP: ip, conditions: [{ type: 'Ready', status: 'True' }] },
  });
}

const addresses = (ep: KubeObject | undefined): string[] =>
  (ep?.subsets ?? []).flatMap((s: { addresses?: { ip: string }[] }) => (s.addresses ?? []).map((a) => a.ip)).sort();

test('pods that change right after the Endpoints were created update them, without a FailedToCreateEndpoint warning', async () => {
  await readyPod('a', '10.42.0.2');
  await cluster.client.create(resources.services, ns, {
    metadata: { name: 'web' },
    spec: { selector: { app: 'web' }, ports: [{ port: 80, targetPort: 8080 }] },
  });
  await eventually('Endpoints created', async () => addresses(await cluster.tryGet(resources.endpoints, ns, 'web')).length === 1);
  // The controller's informer has not delivered its own create yet (its watch lags).
  await readyPod('b', '10.42.0.3');

  await eventually('both pods listed', async () => addresses(await cluster.tryGet(resources.endpoints, ns, 'web')).length === 2);
  assert.deepEqual(addresses(await cluster.tryGet(resources.endpoints, ns, 'web')), ['10.42.0.2', '10.42.0.3']);
  // Events are recorded in the background: give a stray warning time to arrive.
  await new Promise((r) => setTimeout(r, 200));
  const events = (await cluster.client.list(resources.events, ns)).items;
  assert.deepEqual(
    events.filter((e) => e.type === 'Warning').map((e) => `${e.reason}: ${e.message}`),
    [],
  );
});

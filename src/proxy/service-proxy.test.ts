import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { KubeObject } from '../api/resource-type.ts';
import { RestClient } from '../client/rest-client.ts';
import { FakeKubeServer } from '../client/testing/fake-kube-server.ts';
import { startServiceProxy } from './service-proxy.ts';

const SERVICES = '/api/v1/services';
const SLICES = '/apis/discovery.k8s.io/v1/endpointslices';
const PODS = '/api/v1/pods';

let server: FakeKubeServer;
let client: RestClient;
before(async () => {
  server = await new FakeKubeServer().start();
  client = new RestClient({ server: server.url });
});
after(async () => {
  client.close();
  await server.close();
});

const quiet = { info() {}, warn() {}, error() {} };

function service(annotations: Record<string, string> = {}): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'web', namespace: 'default', annotations },
    spec: {
      type: 'ClusterIP',
      clusterIP: '127.78.0.1',
      clusterIPs: ['127.78.0.1'],
      ports: [{ name: 'http', port: 18080, targetPort: 'http' }],
    },
  };
}

function pod(name: string, track: string): KubeObject {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default', labels: { app: 'web', track } } };
}

function slice(ready: Record<string, boolean>): KubeObject {
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    addressType: 'IPv4',
    metadata: { name: 'web-abc', namespace: 'default', labels: { 'kubernetes.io/service-name': 'web' } },
    ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
    endpoints: Object.entries(ready).map(([name, isReady], i) => ({
      addresses: [`127.79.0.${i + 1}`],
      nodeName: 'n1',
      conditions: { ready: isReady, serving: isReady, terminating: false },
      targetRef: { kind: 'Pod', namespace: 'default', name },
    })),
  } as KubeObject;
}

test('follows Services, EndpointSlices and pod labels; an invalid weight annotation becomes one Warning event', async () => {
  server.put(PODS, pod('stable-1', 'stable'));
  server.put(PODS, pod('canary-1', 'canary'));
  server.put(SERVICES, service());
  server.put(SLICES, slice({ 'stable-1': true, 'canary-1': false }));
  const events: string[] = [];
  const proxy = await startServiceProxy({
    client,
    nodeName: 'n1',
    dataDir: '/tmp/unused',
    mode: 'userspace',
    manageRoutes: false,
    logger: quiet,
    events: { event: async (obj, type, reason) => void events.push(`${type} ${reason} ${obj.metadata?.name}`) },
    syncDelayMs: 1,
  });
  try {
    assert.equal(proxy.mode, 'userspace');
    await proxy.synced();
    const endpoints = () => proxy.current()[0]?.clusterEndpoints.map((e) => `${e.ip}:${e.port}=${Math.round(e.weight * 100)}`);
    assert.deepEqual(endpoints(), ['127.79.0.1:8080=100']);

    // The canary becomes ready and gets 10 % once the annotation arrives.
    server.put(SLICES, slice({ 'stable-1': true, 'canary-1': true }));
    server.put(SERVICES, service({ 'hale.dev/traffic-weights': '{"track=canary": 10}' }));
    await waitFor(() => endpoints()?.join() === '127.79.0.1:8080=90,127.79.0.2:8080=10');

    // Relabelling a pod moves it between subsets.
    server.put(PODS, pod('canary-1', 'stable'));
    await waitFor(() => endpoints()?.join() === '127.79.0.1:8080=50,127.79.0.2:8080=50');

    // A broken annotation: equal weights, and a Warning event only once however often it syncs.
    server.put(PODS, pod('canary-1', 'canary'));
    server.put(SERVICES, service({ 'hale.dev/traffic-weights': 'lots' }));
    await waitFor(() => events.length === 1);
    server.put(SLICES, slice({ 'stable-1': true, 'canary-1': true }));
    await proxy.synced();
    assert.deepEqual(events, ['Warning InvalidTrafficWeights web']);
    assert.deepEqual(endpoints(), ['127.79.0.1:8080=50', '127.79.0.2:8080=50']);

    server.remove(SERVICES, 'default', 'web');
    await waitFor(() => proxy.current().length === 0);
  } finally {
    await proxy.stop();
  }
});

async function waitFor(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met');
    await new Promise((r) => setTimeout(r, 10));
  }
}

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KubeObject } from '../api/resource-type.ts';
import { ApiError } from '../client/api-error.ts';
import type { ResourceDescriptor } from '../client/resource-path.ts';
import type { RestClient } from '../client/rest-client.ts';
import { ensureKubeDnsObjects } from './kube-dns-service.ts';

/** Just enough of the API for get/create/update/delete by plural, namespace and name. */
function fakeClient() {
  const store = new Map<string, KubeObject>();
  let uid = 0;
  const key = (res: ResourceDescriptor, ns: string | undefined, name: string) => `${res.plural}/${ns}/${name}`;
  const notFound = () =>
    new ApiError({ kind: 'Status', apiVersion: 'v1', code: 404, reason: 'NotFound', message: 'not found', status: 'Failure' } as never);
  const client = {
    async get(res: ResourceDescriptor, ns: string | undefined, name: string) {
      const obj = store.get(key(res, ns, name));
      if (!obj) throw notFound();
      return structuredClone(obj);
    },
    async create(res: ResourceDescriptor, ns: string | undefined, obj: KubeObject) {
      const stored = { ...structuredClone(obj), metadata: { ...obj.metadata, uid: `u${++uid}` } };
      store.set(key(res, ns, obj.metadata?.name), stored);
      return stored;
    },
    async update(res: ResourceDescriptor, obj: KubeObject) {
      store.set(key(res, obj.metadata?.namespace, obj.metadata?.name), structuredClone(obj));
      return obj;
    },
    async delete(res: ResourceDescriptor, ns: string | undefined, name: string) {
      if (!store.delete(key(res, ns, name))) throw notFound();
      return {};
    },
  };
  return { client: client as unknown as RestClient, store };
}

const target = { clusterIP: '10.43.0.10', address: '192.0.2.2', port: 53 };

describe('ensureKubeDnsObjects', () => {
  it('creates the Service, EndpointSlice and Endpoints, then leaves them alone', async () => {
    const { client, store } = fakeClient();
    assert.deepEqual(await ensureKubeDnsObjects(client, target), [
      'created services/kube-dns',
      'created endpointslices/kube-dns',
      'created endpoints/kube-dns',
    ]);
    assert.equal(store.size, 3);
    assert.deepEqual(await ensureKubeDnsObjects(client, target), []);
  });

  it('follows a new listen port in the targetPort and the endpoints', async () => {
    const { client, store } = fakeClient();
    await ensureKubeDnsObjects(client, target);
    assert.deepEqual(await ensureKubeDnsObjects(client, { ...target, port: 40053 }), [
      'updated services/kube-dns',
      'updated endpointslices/kube-dns',
      'updated endpoints/kube-dns',
    ]);
    assert.equal(store.get('endpointslices/kube-system/kube-dns')?.ports[0].port, 40053);
    assert.equal(store.get('services/kube-system/kube-dns')?.spec.ports[0].targetPort, 40053);
  });

  it("recreates its own Service for a new ClusterIP but keeps someone else's", async () => {
    const { client, store } = fakeClient();
    await ensureKubeDnsObjects(client, target);
    const changed = await ensureKubeDnsObjects(client, { ...target, clusterIP: '10.96.0.10' });
    assert.ok(changed.includes('recreated services/kube-dns'), changed.join());
    assert.equal(store.get('services/kube-system/kube-dns')?.spec.clusterIP, '10.96.0.10');

    const foreign = store.get('services/kube-system/kube-dns')!;
    foreign.metadata = { ...foreign.metadata, labels: {} };
    const warnings: string[] = [];
    await ensureKubeDnsObjects(client, target, { warn: (_obj: object, msg: string) => warnings.push(msg) } as never);
    assert.equal(store.get('services/kube-system/kube-dns')?.spec.clusterIP, '10.96.0.10');
    assert.match(warnings[0], /another ClusterIP than --cluster-dns/);
  });
});

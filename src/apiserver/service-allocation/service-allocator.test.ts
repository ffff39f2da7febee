import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { builtinResources } from '../../api/resources.ts';
import { MemoryStore } from '../../storage/memory/memory-store.ts';
import { ApiRegistry } from '../api-registry.ts';
import { StatusError } from '../errors.ts';
import { installServiceAllocation } from './install.ts';
import { repairServiceAllocations } from './repair.ts';

async function setup(opts: { serviceCidr?: string; nodePortRange?: string } = {}) {
  const store = new MemoryStore();
  const registry = new ApiRegistry(builtinResources, store);
  const allocation = await installServiceAllocation(registry, store, opts);
  allocation.stop();
  const services = registry.lookup('', 'v1', 'services')!;
  return { store, registry, services, allocation };
}

const svc = (name: string, spec: Record<string, unknown>) => ({ metadata: { name }, spec: { ports: [{ port: 80 }], ...spec } });

async function rejection(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof StatusError);
    return err.message;
  }
  assert.fail('expected the write to be refused');
}

describe('service IP and node port allocation', () => {
  it('gives each Service its own ClusterIP from the service CIDR and honours requested ones', async () => {
    const { services } = await setup({ serviceCidr: '10.99.0.0/24' });
    const a = await services.create('default', svc('a', {}));
    const b = await services.create('default', svc('b', {}));
    assert.match(a.spec.clusterIP, /^10\.99\.0\.\d+$/);
    assert.notEqual(a.spec.clusterIP, b.spec.clusterIP);
    assert.deepEqual(a.spec.clusterIPs, [a.spec.clusterIP]);
    assert.deepEqual(a.spec.ipFamilies, ['IPv4']);
    const c = await services.create('default', svc('c', { clusterIP: '10.99.0.5' }));
    assert.equal(c.spec.clusterIP, '10.99.0.5');
    assert.equal(
      await rejection(services.create('default', svc('d', { clusterIP: '10.99.0.5' }))),
      'Service "d" is invalid: spec.clusterIPs: Invalid value: []string{"10.99.0.5"}: failed to allocate IP 10.99.0.5: provided IP is already allocated',
    );
    assert.match(
      await rejection(services.create('default', svc('e', { clusterIP: '10.1.0.5' }))),
      /the provided IP \(10\.1\.0\.5\) is not in the valid range. The range of valid IPs is 10\.99\.0\.0\/24/,
    );
    const headless = await services.create('default', svc('h', { clusterIP: 'None' }));
    assert.deepEqual(headless.spec.clusterIPs, ['None']);
  });

  it('serves headless selectorless Services dual-stack families and status.loadBalancer {}, as Kubernetes does', async () => {
    const { services } = await setup();
    const headless = await services.create('default', svc('h', { clusterIP: 'None' }));
    assert.equal(headless.spec.ipFamilyPolicy, 'RequireDualStack');
    assert.deepEqual(headless.spec.ipFamilies, ['IPv4', 'IPv6']);
    const withSelector = await services.create('default', svc('s', { clusterIP: 'None', selector: { app: 'web' } }));
    assert.equal(withSelector.spec.ipFamilyPolicy, 'SingleStack');
    assert.deepEqual(withSelector.spec.ipFamilies, ['IPv4']);
    assert.deepEqual((await services.get('default', 'h')).status, { loadBalancer: {} });
  });

  it('refuses dual-stack and IPv6 Services on the single-stack IPv4 cluster, taking nothing', async () => {
    const { services, allocation } = await setup({ serviceCidr: '10.99.0.0/24' });
    assert.equal(
      await rejection(services.create('default', svc('r', { ipFamilyPolicy: 'RequireDualStack' }))),
      'Service "r" is invalid: spec.ipFamilyPolicy: Invalid value: "RequireDualStack": this cluster is not configured for dual-stack services',
    );
    assert.equal(
      await rejection(services.create('default', svc('six', { ipFamilies: ['IPv6'] }))),
      'Service "six" is invalid: spec.ipFamilies[0]: Invalid value: "IPv6": not configured on this cluster',
    );
    assert.equal(
      await rejection(services.create('default', svc('v6ip', { clusterIP: 'fd00::5' }))),
      'Service "v6ip" is invalid: spec.clusterIPs[0]: Invalid value: []string{"fd00::5"}: IPv6 is not configured on this cluster',
    );
    assert.equal((await allocation.allocator.ips.list()).length, 0);
    const preferred = await services.create('default', svc('p', { ipFamilyPolicy: 'PreferDualStack' }));
    assert.equal(preferred.spec.ipFamilyPolicy, 'PreferDualStack');
    assert.deepEqual(preferred.spec.ipFamilies, ['IPv4']);
    assert.equal(preferred.spec.clusterIPs.length, 1);
    assert.equal(
      await rejection(services.update('default', 'p', { ...preferred, spec: { ...preferred.spec, ipFamilies: ['IPv6'] } })),
      `Service "p" is invalid: spec.clusterIPs[0]: Invalid value: "${preferred.spec.clusterIP}": expected an IPv6 value as indicated by \`ipFamilies[0]\``,
    );
    assert.equal(
      await rejection(services.update('default', 'p', { ...preferred, spec: { ...preferred.spec, ipFamilyPolicy: 'RequireDualStack' } })),
      'Service "p" is invalid: spec.ipFamilyPolicy: Invalid value: "RequireDualStack": this cluster is not configured for dual-stack services',
    );
    assert.equal((await services.get('default', 'p')).metadata?.resourceVersion, preferred.metadata?.resourceVersion);
  });

  it('releases the IP on delete so another Service can take it', async () => {
    const { services } = await setup();
    await services.create('default', svc('a', { clusterIP: '10.43.0.20' }));
    await services.delete('default', 'a');
    const b = await services.create('default', svc('b', { clusterIP: '10.43.0.20' }));
    assert.equal(b.spec.clusterIP, '10.43.0.20');
  });

  it('allocates node ports, refuses duplicates and out-of-range ports, and releases them on type change', async () => {
    const { services } = await setup({ nodePortRange: '30000-30010' });
    const np = await services.create('default', svc('np', { type: 'NodePort', ports: [{ port: 80, nodePort: 30005 }] }));
    assert.equal(np.spec.ports[0].nodePort, 30005);
    assert.equal(
      await rejection(services.create('default', svc('dup', { type: 'NodePort', ports: [{ port: 80, nodePort: 30005 }] }))),
      'Service "dup" is invalid: spec.ports[0].nodePort: Invalid value: 30005: provided port is already allocated',
    );
    assert.equal(
      await rejection(services.create('default', svc('out', { type: 'NodePort', ports: [{ port: 80, nodePort: 31000 }] }))),
      'Service "out" is invalid: spec.ports[0].nodePort: Invalid value: 31000: provided port is not in the valid range. The range of valid ports is 30000-30010',
    );
    // The refused Service reserved nothing: its ClusterIP is free again.
    const lb = await services.create('default', svc('lb', { type: 'LoadBalancer' }));
    const lbPort = lb.spec.ports[0].nodePort;
    assert.ok(lbPort >= 30000 && lbPort <= 30010 && lbPort !== 30005);
    const current = await services.get('default', 'np');
    current.spec.type = 'ClusterIP';
    await services.update('default', 'np', current);
    const taken = await services.create('default', svc('again', { type: 'NodePort', ports: [{ port: 80, nodePort: 30005 }] }));
    assert.equal(taken.spec.ports[0].nodePort, 30005);
  });

  it('keeps allocations across updates that leave them out and uses the whole range before failing', async () => {
    const { services } = await setup({ serviceCidr: '10.98.0.0/29' });
    const created = await services.create('default', svc('a', {}));
    const { clusterIP: _ip, clusterIPs: _ips, ...spec } = created.spec;
    const updated = await services.update('default', 'a', { metadata: { name: 'a' }, spec: { ...spec, selector: { app: 'x' } } });
    assert.equal(updated.spec.clusterIP, created.spec.clusterIP);
    // A /29 has 6 usable addresses: five more fit, the seventh does not.
    for (let i = 0; i < 5; i++) await services.create('default', svc(`s${i}`, {}));
    assert.match(await rejection(services.create('default', svc('full', {}))), /failed to allocate a serviceIP: range is full/);
  });

  it('dry runs check without reserving', async () => {
    const { services } = await setup();
    await services.create('default', svc('a', { clusterIP: '10.43.0.30' }), { dryRun: true });
    const real = await services.create('default', svc('b', { clusterIP: '10.43.0.30' }));
    assert.equal(real.spec.clusterIP, '10.43.0.30');
  });

  it('repair adopts unreserved allocations and releases old leaks', async () => {
    const { services, allocation, store } = await setup();
    const a = await services.create('default', svc('a', { type: 'NodePort' }));
    // Simulate a crash that lost the reservations and a leak from a failed write.
    await store.delete(`/registry/hale-allocations/clusterips/${a.spec.clusterIP}`);
    await allocation.allocator.ips.reserve(40, { namespace: 'default', name: 'ghost' });
    const early = await repairServiceAllocations(allocation.allocator, services);
    assert.equal(early.adopted, 1);
    assert.equal(early.released, 0, 'a young reservation is left alone');
    const later = await repairServiceAllocations(allocation.allocator, services, undefined, Date.now() + 120_000);
    assert.equal(later.released, 1);
    assert.equal(await allocation.allocator.ips.holder(40), undefined);
    assert.equal(
      await rejection(services.create('default', svc('b', { clusterIP: a.spec.clusterIP }))),
      `Service "b" is invalid: spec.clusterIPs: Invalid value: []string{"${a.spec.clusterIP}"}: failed to allocate IP ${a.spec.clusterIP}: provided IP is already allocated`,
    );
  });

  it('serializes racing requests for one IP through the store', async () => {
    const { services } = await setup();
    const results = await Promise.allSettled(
      ['x', 'y', 'z'].map((name) => services.create('default', svc(name, { clusterIP: '10.43.0.50' }))),
    );
    assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1);
  });

  it('keeps two API servers on one store from handing out the same values', async () => {
    const store = new MemoryStore();
    const servers = [new ApiRegistry(builtinResources, store), new ApiRegistry(builtinResources, store)];
    for (const registry of servers)
      (await installServiceAllocation(registry, store, { serviceCidr: '10.97.0.0/28', nodePortRange: '30000-30009' })).stop();
    const [a, b] = servers.map((r) => r.lookup('', 'v1', 'services')!);
    // 14 usable addresses and 10 ports, asked for from both servers at once.
    const created = await Promise.allSettled(
      Array.from({ length: 10 }, (_, i) => (i % 2 ? a : b).create('default', svc(`s${i}`, { type: 'NodePort' }))),
    );
    const services = created.filter((r) => r.status === 'fulfilled').map((r) => r.value);
    assert.equal(services.length, 10);
    assert.equal(new Set(services.map((s) => s.spec.clusterIP)).size, 10);
    assert.equal(new Set(services.map((s) => s.spec.ports[0].nodePort)).size, 10);
    assert.match(
      await rejection(a.create('default', svc('one-too-many', { type: 'NodePort' }))),
      /failed to allocate a nodePort: range is full/,
    );
  });
});

describe('the default/kubernetes Service', () => {
  it('is recreated after a deletion, and a periodic check leaves an existing one alone', async () => {
    const store = new MemoryStore();
    const registry = new ApiRegistry(builtinResources, store);
    const namespaces = registry.lookup('', 'v1', 'namespaces')!;
    await namespaces.create(undefined, { metadata: { name: 'default' } });
    const allocation = await installServiceAllocation(registry, store, {
      apiServer: { address: '192.0.2.10', port: 6443 },
      kubernetesServiceIntervalMs: 20,
    });
    try {
      const services = registry.lookup('', 'v1', 'services')!;
      const endpoints = registry.lookup('', 'v1', 'endpoints')!;
      const first = await services.get('default', 'kubernetes');
      assert.equal(first.spec.clusterIP, '10.43.0.1');
      await services.delete('default', 'kubernetes', { gracePeriodSeconds: 0 });
      await endpoints.delete('default', 'kubernetes', { gracePeriodSeconds: 0 });
      await new Promise((r) => setTimeout(r, 200));
      const again = await services.get('default', 'kubernetes');
      assert.notEqual(again.metadata?.uid, first.metadata?.uid);
      assert.equal(again.spec.clusterIP, '10.43.0.1');
      assert.equal((await endpoints.get('default', 'kubernetes')).subsets[0].addresses[0].ip, '192.0.2.10');
      // Another API server on the same store wrote its own address: the check keeps it.
      await endpoints.guaranteedUpdate('default', 'kubernetes', {}, undefined, (current) => ({
        ...current,
        subsets: [{ addresses: [{ ip: '192.0.2.11' }], ports: current.subsets[0].ports }],
      }));
      await new Promise((r) => setTimeout(r, 100));
      assert.equal((await endpoints.get('default', 'kubernetes')).subsets[0].addresses[0].ip, '192.0.2.11');
    } finally {
      allocation.stop();
    }
  });
});

describe('a create of a Service that exists already', () => {
  it('leaves the existing Service its IP and node port', async () => {
    const { services } = await setup({ serviceCidr: '10.98.0.0/24' });
    const spec = { type: 'NodePort', clusterIP: '10.98.0.7', ports: [{ port: 80, nodePort: 30007 }] };
    await services.create('default', svc('first', spec));
    const again = await rejection(services.create('default', svc('first', spec)));
    assert.match(again, /already exists/);
    // Had the failed create given them back, these would succeed.
    assert.match(await rejection(services.create('default', svc('second', { clusterIP: '10.98.0.7' }))), /already allocated/);
    assert.match(
      await rejection(services.create('default', svc('third', { type: 'NodePort', ports: [{ port: 80, nodePort: 30007 }] }))),
      /already allocated/,
    );
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { desiredEndpoints } from '../endpoints/desired-endpoints.ts';
import { desiredEndpointGroups, planSlices, serviceSliceOwner } from './desired-slices.ts';

const svc = (spec: Record<string, unknown> = {}) => ({
  metadata: { name: 'web', namespace: 'default', uid: 'svc-uid', labels: { app: 'web' } },
  spec: {
    selector: { app: 'web' },
    clusterIP: '10.43.0.9',
    ports: [{ name: 'http', port: 80, targetPort: 'http', protocol: 'TCP' }],
    ...spec,
  },
});

function pod(name: string, ip: string, opts: { ready?: boolean; deleting?: boolean; port?: number; phase?: string } = {}) {
  return {
    metadata: {
      name,
      namespace: 'default',
      uid: `uid-${name}`,
      labels: { app: 'web' },
      ...(opts.deleting ? { deletionTimestamp: '2026-01-01T00:00:00Z' } : {}),
    },
    spec: { nodeName: 'n1', containers: [{ name: 'c', ports: [{ name: 'http', containerPort: opts.port ?? 8080 }] }] },
    status: { phase: opts.phase ?? 'Running', podIP: ip, conditions: [{ type: 'Ready', status: opts.ready === false ? 'False' : 'True' }] },
  };
}

const zoneOf = () => 'zone-a';

describe('desired EndpointSlices', () => {
  it('sets ready/serving/terminating as Kubernetes and resolves named ports per pod', () => {
    const groups = desiredEndpointGroups(
      svc(),
      [
        pod('a', '10.0.0.2'),
        pod('b', '10.0.0.3', { ready: false }),
        pod('c', '10.0.0.4', { deleting: true }),
        pod('d', '10.0.0.5', { port: 9090 }),
        pod('e', '', {}),
        pod('f', '10.0.0.7', { phase: 'Succeeded' }),
      ],
      zoneOf,
    );
    assert.equal(groups.size, 2, 'pods with a different resolved port go to their own group');
    const [g8080, g9090] = [...groups.values()];
    assert.deepEqual(g8080.ports, [{ name: 'http', port: 8080, protocol: 'TCP' }]);
    assert.deepEqual(
      g8080.endpoints.map((e) => [e.addresses[0], e.conditions]),
      [
        ['10.0.0.2', { ready: true, serving: true, terminating: false }],
        ['10.0.0.3', { ready: false, serving: false, terminating: false }],
        ['10.0.0.4', { ready: false, serving: true, terminating: true }],
      ],
    );
    assert.equal(g8080.endpoints[0].zone, 'zone-a');
    assert.deepEqual(g8080.endpoints[0].targetRef, { kind: 'Pod', namespace: 'default', name: 'a', uid: 'uid-a' });
    assert.equal(g9090.ports[0].port, 9090);
  });

  it('keeps a pod whose named targetPort does not resolve, in a group without ports', () => {
    const p = pod('a', '10.0.0.2');
    p.spec.containers[0].ports = [];
    const groups = desiredEndpointGroups(svc(), [p], zoneOf);
    assert.deepEqual(
      [...groups.values()].map((g) => [g.ports, g.endpoints.map((e) => e.addresses[0])]),
      [[[], ['10.0.0.2']]],
    );
  });

  it('marks everything ready with publishNotReadyAddresses and sets hostnames for headless subdomains', () => {
    const p = pod('a', '10.0.0.2', { ready: false });
    Object.assign(p.spec, { hostname: 'a-host', subdomain: 'web' });
    const groups = desiredEndpointGroups(svc({ publishNotReadyAddresses: true, clusterIP: 'None' }), [p], zoneOf);
    const [ep] = [...groups.values()][0].endpoints;
    assert.equal(ep.conditions.ready, true);
    assert.equal(ep.hostname, 'a-host');
  });

  it('plans at most 100 endpoints per slice, keeps endpoints where they are, and leaves a placeholder when empty', () => {
    const pods = Array.from({ length: 150 }, (_, i) => pod(`p${i}`, `10.0.${Math.floor(i / 200)}.${(i % 200) + 1}`));
    const s = svc();
    const first = planSlices(serviceSliceOwner(s), desiredEndpointGroups(s, pods, zoneOf), []);
    assert.deepEqual(
      first.create.map((x) => x.endpoints.length),
      [100, 50],
    );
    assert.equal(first.create[0].metadata?.labels['kubernetes.io/service-name'], 'web');
    assert.equal(first.create[0].metadata?.labels['endpointslice.kubernetes.io/managed-by'], 'endpointslice-controller.k8s.io');
    assert.equal(first.create[0].metadata?.ownerReferences[0].uid, 'svc-uid');
    const existing = first.create.map((x, i) => ({ ...x, metadata: { ...x.metadata, name: `web-${i}` } }));
    // One pod turns not ready: only the slice holding it changes.
    pods[120] = pod('p120', pods[120].status.podIP, { ready: false });
    const second = planSlices(serviceSliceOwner(s), desiredEndpointGroups(s, pods, zoneOf), existing);
    assert.deepEqual(
      second.update.map((x) => x.metadata?.name),
      ['web-1'],
    );
    assert.equal(second.create.length + second.delete.length, 0);
    const empty = planSlices(serviceSliceOwner(s), desiredEndpointGroups(s, [], zoneOf), existing);
    assert.deepEqual(
      empty.update.map((x) => [x.metadata?.name, x.endpoints, x.ports]),
      [['web-0', [], []]],
    );
    assert.deepEqual(
      empty.delete.map((x) => x.metadata?.name),
      ['web-1'],
    );
    assert.deepEqual(
      planSlices(serviceSliceOwner(s), new Map(), []).create.map((x) => x.endpoints),
      [[]],
    );
  });
});

describe('desired Endpoints', () => {
  it('puts ready pods in addresses, others in notReadyAddresses, leaves terminating pods out', () => {
    const { subsets } = desiredEndpoints(svc(), [
      pod('b', '10.0.0.3', { ready: false }),
      pod('a', '10.0.0.2'),
      pod('c', '10.0.0.4', { deleting: true }),
    ]);
    assert.equal(subsets.length, 1);
    assert.deepEqual(
      subsets[0].addresses?.map((a) => a.ip),
      ['10.0.0.2'],
    );
    assert.deepEqual(
      subsets[0].notReadyAddresses?.map((a) => a.ip),
      ['10.0.0.3'],
    );
    assert.deepEqual(subsets[0].ports, [{ name: 'http', port: 8080, protocol: 'TCP' }]);
    assert.equal(subsets[0].addresses?.[0].nodeName, 'n1');
  });
});

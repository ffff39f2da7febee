import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Service } from 'kubernetes-types/core/v1.js';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import { buildServiceTable } from './service-table.ts';

function service(name: string, spec: Service['spec'], annotations?: Record<string, string>, status?: Service['status']): Service {
  return { apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: 'default', uid: `uid-${name}`, annotations }, spec, status };
}

interface Ep {
  ip: string;
  pod: string;
  node?: string;
  ready?: boolean;
  serving?: boolean;
  terminating?: boolean;
}

function slice(svc: string, ports: { name?: string; port: number; protocol?: string }[], eps: Ep[], suffix = 'a'): EndpointSlice {
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    addressType: 'IPv4',
    metadata: { name: `${svc}-${suffix}`, namespace: 'default', labels: { 'kubernetes.io/service-name': svc } },
    ports,
    endpoints: eps.map((e) => ({
      addresses: [e.ip],
      nodeName: e.node ?? 'n1',
      conditions: { ready: e.ready ?? true, serving: e.serving ?? e.ready ?? true, terminating: e.terminating ?? false },
      targetRef: { kind: 'Pod', namespace: 'default', name: e.pod },
    })),
  };
}

const labels: Record<string, Record<string, string>> = {
  p1: { app: 'web', track: 'stable' },
  p2: { app: 'web', track: 'stable' },
  p3: { app: 'web', track: 'canary' },
};

const build = (services: Service[], slices: EndpointSlice[], nodeName = 'n1') =>
  buildServiceTable({ nodeName, services, slices, podLabels: (_ns, name) => labels[name] ?? {} });

test('only ready endpoints; serving+terminating ones only when none is ready', () => {
  const svc = service('web', {
    type: 'ClusterIP',
    clusterIP: '10.43.0.5',
    clusterIPs: ['10.43.0.5'],
    ports: [{ port: 80, targetPort: 8080 }],
  });
  const eps: Ep[] = [
    { ip: '127.1.0.1', pod: 'p1' },
    { ip: '127.1.0.2', pod: 'p2', ready: false, serving: true, terminating: true },
    { ip: '127.1.0.3', pod: 'p3', ready: false, serving: false },
  ];
  let table = build([svc], [slice('web', [{ port: 8080 }], eps)]);
  assert.equal(table.ports.length, 1);
  assert.deepEqual(
    table.ports[0].clusterEndpoints.map((e) => [e.ip, e.port, e.weight]),
    [['127.1.0.1', 8080, 1]],
  );
  table = build([svc], [slice('web', [{ port: 8080 }], eps.slice(1))]);
  assert.deepEqual(
    table.ports[0].clusterEndpoints.map((e) => e.ip),
    ['127.1.0.2'],
  );
  table = build([svc], [slice('web', [{ port: 8080 }], eps.slice(2))]);
  assert.deepEqual(table.ports[0].clusterEndpoints, []);
});

test('multi-port services map each port by name to the slice port (named targetPort), TCP and UDP', () => {
  const svc = service('dns', {
    type: 'NodePort',
    clusterIP: '10.43.0.10',
    ports: [
      { name: 'dns', port: 53, protocol: 'UDP', targetPort: 'dns', nodePort: 30053 },
      { name: 'dns-tcp', port: 53, protocol: 'TCP', targetPort: 'dns-tcp', nodePort: 30053 },
      { name: 'metrics', port: 9153, protocol: 'TCP', targetPort: 9153 },
    ],
  });
  const ports = [
    { name: 'dns', port: 5353, protocol: 'UDP' },
    { name: 'dns-tcp', port: 5354, protocol: 'TCP' },
    { name: 'metrics', port: 9153, protocol: 'TCP' },
  ];
  // Two slices: endpoints from both are merged.
  const table = build(
    [svc],
    [slice('dns', ports, [{ ip: '127.1.0.1', pod: 'p1' }]), slice('dns', ports, [{ ip: '127.1.0.2', pod: 'p2' }], 'b')],
  );
  const byId = Object.fromEntries(table.ports.map((p) => [p.id, p]));
  assert.deepEqual(Object.keys(byId).sort(), ['default/dns:dns', 'default/dns:dns-tcp', 'default/dns:metrics']);
  assert.equal(byId['default/dns:dns'].protocol, 'UDP');
  assert.equal(byId['default/dns:dns'].nodePort, 30053);
  assert.deepEqual(
    byId['default/dns:dns'].clusterEndpoints.map((e) => `${e.ip}:${e.port}`),
    ['127.1.0.1:5353', '127.1.0.2:5353'],
  );
  assert.deepEqual(
    byId['default/dns:dns-tcp'].clusterEndpoints.map((e) => e.port),
    [5354, 5354],
  );
  assert.equal(byId['default/dns:metrics'].nodePort, undefined);
});

test('traffic policies: Local keeps only this node’s endpoints; affinity and LoadBalancer IPs carried over', () => {
  const svc = service(
    'lb',
    {
      type: 'LoadBalancer',
      clusterIP: '10.43.0.7',
      externalTrafficPolicy: 'Local',
      internalTrafficPolicy: 'Cluster',
      sessionAffinity: 'ClientIP',
      sessionAffinityConfig: { clientIP: { timeoutSeconds: 60 } },
      ports: [{ port: 80, targetPort: 8080, nodePort: 31000 }],
    },
    undefined,
    { loadBalancer: { ingress: [{ ip: '192.0.2.2' }] } },
  );
  const eps = [
    { ip: '127.1.0.1', pod: 'p1', node: 'n1' },
    { ip: '127.2.0.1', pod: 'p2', node: 'n2' },
  ];
  const [port] = build([svc], [slice('lb', [{ port: 8080 }], eps)]).ports;
  assert.equal(port.affinityTimeoutSeconds, 60);
  assert.deepEqual(port.loadBalancerIPs, ['192.0.2.2']);
  assert.equal(port.clusterEndpoints.length, 2);
  assert.deepEqual(
    port.externalEndpoints.map((e) => [e.ip, e.local, e.weight]),
    [['127.1.0.1', true, 1]],
  );
  const internalLocal = service('in', { clusterIP: '10.43.0.8', internalTrafficPolicy: 'Local', ports: [{ port: 80 }] });
  const [p2] = build([internalLocal], [slice('in', [{ port: 80 }], eps)], 'n2').ports;
  assert.deepEqual(
    p2.clusterEndpoints.map((e) => e.ip),
    ['127.2.0.1'],
  );
});

test('canary weights from the annotation; an invalid one is reported and falls back to equal weights', () => {
  const eps = [
    { ip: '127.1.0.1', pod: 'p1' },
    { ip: '127.1.0.2', pod: 'p2' },
    { ip: '127.1.0.3', pod: 'p3' },
  ];
  const spec = { clusterIP: '10.43.0.9', ports: [{ port: 80 }] };
  let table = build([service('web', spec, { 'hale.dev/traffic-weights': '{"track=canary": 10}' })], [slice('web', [{ port: 80 }], eps)]);
  assert.deepEqual(
    table.ports[0].clusterEndpoints.map((e) => Math.round(e.weight * 1000)),
    [450, 450, 100],
  );
  assert.deepEqual(table.problems, []);
  table = build([service('web', spec, { 'hale.dev/traffic-weights': '{"track=canary": 150}' })], [slice('web', [{ port: 80 }], eps)]);
  assert.equal(table.problems.length, 1);
  assert.equal(table.problems[0].reason, 'InvalidTrafficWeights');
  assert.deepEqual(
    table.ports[0].clusterEndpoints.map((e) => Math.round(e.weight * 1000)),
    [333, 333, 333],
  );
});

test('headless and ExternalName services and SCTP ports get no rules', () => {
  const table = build(
    [
      service('headless', { clusterIP: 'None', ports: [{ port: 80 }] }),
      service('ext', { type: 'ExternalName', externalName: 'example.com' }),
      service('sctp', { clusterIP: '10.43.0.11', ports: [{ port: 80, protocol: 'SCTP' }] }),
    ],
    [],
  );
  assert.deepEqual(table.ports, []);
});

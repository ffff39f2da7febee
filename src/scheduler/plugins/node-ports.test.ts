import assert from 'node:assert/strict';
import { test } from 'node:test';
import { clusterOf, podInfo } from './fixtures.ts';
import { nodePortsFilter, portsConflict } from './node-ports.ts';

const withPort = (hostPort: number, extra: Record<string, unknown> = {}) => ({
  spec: { containers: [{ name: 'c', image: 'x', ports: [{ containerPort: 80, hostPort, ...extra }] }] },
});

test('host ports conflict on the same protocol and port unless bound to different specific IPs', () => {
  const tcp80 = { protocol: 'TCP', hostIP: '0.0.0.0', port: 80 };
  assert.equal(portsConflict(tcp80, { protocol: 'TCP', hostIP: '10.0.0.1', port: 80 }), true);
  assert.equal(portsConflict(tcp80, { protocol: 'UDP', hostIP: '0.0.0.0', port: 80 }), false);
  assert.equal(portsConflict({ protocol: 'TCP', hostIP: '10.0.0.1', port: 80 }, { protocol: 'TCP', hostIP: '10.0.0.2', port: 80 }), false);
  assert.equal(portsConflict(tcp80, { protocol: 'TCP', hostIP: '0.0.0.0', port: 81 }), false);
});

test('a node already using the host port is filtered out', () => {
  const cluster = clusterOf([{ name: 'a' }, { name: 'b' }], [{ nodeName: 'a', ...withPort(8080) }]);
  const pod = podInfo(withPort(8080));
  assert.deepEqual(nodePortsFilter.filter(pod, cluster.nodeInfo('a')!, undefined)?.reasons, [
    "node(s) didn't have free ports for the requested pod ports",
  ]);
  assert.equal(nodePortsFilter.filter(pod, cluster.nodeInfo('b')!, undefined), undefined);
  assert.equal(nodePortsFilter.filter(podInfo(withPort(8081)), cluster.nodeInfo('a')!, undefined), undefined);
  assert.equal(nodePortsFilter.filter(podInfo(withPort(8080, { protocol: 'UDP' })), cluster.nodeInfo('a')!, undefined), undefined);
});

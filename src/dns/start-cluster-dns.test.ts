import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { clusterDnsIPFor } from './cluster-dns-ip.ts';
import { kubeDnsEndpointSlice, kubeDnsService } from './kube-dns-service.ts';
import { advertisedAddressFor, parseListenAddress } from './start-cluster-dns.ts';
import { parseUpstream } from './upstream-forwarder.ts';

describe('cluster DNS settings', () => {
  it('reads listen addresses, node-ip meaning the host address', () => {
    assert.deepEqual(parseListenAddress('127.0.0.1:0'), { host: '127.0.0.1', port: 0 });
    assert.deepEqual(parseListenAddress('[::1]:53'), { host: '::1', port: 53 });
    assert.deepEqual(parseListenAddress('node-ip:53'), { host: advertisedAddressFor('0.0.0.0'), port: 53 });
    for (const bad of ['53', 'localhost:53', '127.0.0.1:70000', '127.0.0.1:'])
      assert.throws(() => parseListenAddress(bad), /invalid DNS listen address/);
  });

  it('advertises a specific listen address as it is', () => {
    assert.equal(advertisedAddressFor('127.0.0.1'), '127.0.0.1');
  });

  it('reads upstream nameservers with or without a port', () => {
    assert.deepEqual(parseUpstream('192.0.2.53'), { host: '192.0.2.53', port: 53 });
    assert.deepEqual(parseUpstream('192.0.2.53:5353'), { host: '192.0.2.53', port: 5353 });
    assert.deepEqual(parseUpstream('fd00::53'), { host: 'fd00::53', port: 53 });
    assert.deepEqual(parseUpstream('[fd00::53]:5353'), { host: 'fd00::53', port: 5353 });
    assert.equal(parseUpstream('dns.example'), undefined);
  });

  it('publishes kube-dns as a selector-less Service whose slice points at the listener', () => {
    const target = { clusterIP: '10.43.0.10', address: '192.0.2.2', port: 1053, nodeName: 'n1' };
    const svc = kubeDnsService(target);
    assert.equal(svc.spec.selector, undefined);
    assert.deepEqual(
      svc.spec.ports.map((p: { name: string; port: number; protocol: string; targetPort: number }) => [
        p.name,
        p.port,
        p.protocol,
        p.targetPort,
      ]),
      [
        ['dns', 53, 'UDP', 1053],
        ['dns-tcp', 53, 'TCP', 1053],
      ],
    );
    const slice = kubeDnsEndpointSlice(target);
    assert.equal(slice.metadata?.labels?.['kubernetes.io/service-name'], 'kube-dns');
    assert.notEqual(slice.metadata?.labels?.['endpointslice.kubernetes.io/managed-by'], 'endpointslice-controller.k8s.io');
    assert.deepEqual(slice.endpoints[0].addresses, ['192.0.2.2']);
    assert.equal(slice.ports[0].port, 1053);
  });
});

describe('clusterDnsIPFor', () => {
  it('is the tenth address of the service CIDR, as k3s', () => {
    assert.equal(clusterDnsIPFor(), '10.43.0.10');
    assert.equal(clusterDnsIPFor('10.96.0.0/12'), '10.96.0.10');
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KubeObject } from '../../api/resource-type.ts';
import { podDnsConfig, resolvConfFor } from './resolv-conf.ts';

const host = 'nameserver 192.0.2.53\nnameserver 192.0.2.54 # second\nsearch corp.example lab.example.\noptions timeout:2 rotate\n';
const cluster = { dnsIp: '10.43.0.10', domain: 'cluster.local', hostResolvConf: host };
const pod = (spec: KubeObject = {}, namespace = 'shop'): KubeObject => ({ metadata: { name: 'p', namespace }, spec });

describe('resolvConfFor', () => {
  it('points ClusterFirst pods (the default) at the cluster DNS with the cluster search path', () => {
    assert.equal(
      resolvConfFor(pod(), cluster),
      'search shop.svc.cluster.local svc.cluster.local cluster.local corp.example lab.example\nnameserver 10.43.0.10\noptions ndots:5\n',
    );
    assert.equal(resolvConfFor(pod({ dnsPolicy: 'ClusterFirst' }), cluster), resolvConfFor(pod(), cluster));
  });

  it("gives Default pods the node's resolv.conf", () => {
    assert.equal(
      resolvConfFor(pod({ dnsPolicy: 'Default' }), cluster),
      'search corp.example lab.example\nnameserver 192.0.2.53\nnameserver 192.0.2.54\noptions timeout:2 rotate\n',
    );
  });

  it('treats ClusterFirst on the host network as Default, and ClusterFirstWithHostNet as cluster DNS', () => {
    assert.equal(resolvConfFor(pod({ hostNetwork: true }), cluster), resolvConfFor(pod({ dnsPolicy: 'Default' }), cluster));
    assert.match(resolvConfFor(pod({ hostNetwork: true, dnsPolicy: 'ClusterFirstWithHostNet' }), cluster), /^nameserver 10\.43\.0\.10$/m);
  });

  it('builds None pods from dnsConfig alone', () => {
    const text = resolvConfFor(
      pod({
        dnsPolicy: 'None',
        dnsConfig: {
          nameservers: ['1.2.3.4'],
          searches: ['ns1.svc.cluster-domain.example'],
          options: [{ name: 'ndots', value: '2' }, { name: 'edns0' }],
        },
      }),
      cluster,
    );
    assert.equal(text, 'search ns1.svc.cluster-domain.example\nnameserver 1.2.3.4\noptions ndots:2 edns0\n');
  });

  it('appends dnsConfig to the policy, without duplicates, options overriding by name', () => {
    const config = podDnsConfig(
      pod({
        dnsConfig: {
          nameservers: ['10.43.0.10', '192.0.2.1'],
          searches: ['shop.svc.cluster.local', 'extra.example'],
          options: [{ name: 'ndots', value: '1' }, { name: 'single-request' }],
        },
      }),
      cluster,
    );
    assert.deepEqual(config.nameservers, ['10.43.0.10', '192.0.2.1']);
    assert.deepEqual(config.searches, [
      'shop.svc.cluster.local',
      'svc.cluster.local',
      'cluster.local',
      'corp.example',
      'lab.example',
      'extra.example',
    ]);
    assert.deepEqual(config.options, ['ndots:1', 'single-request']);
    assert.deepEqual(config.warnings, []);
  });

  it('keeps at most 3 nameservers and warns as the kubelet does', () => {
    const config = podDnsConfig(pod({ dnsPolicy: 'Default', dnsConfig: { nameservers: ['1.1.1.1', '2.2.2.2'] } }), cluster);
    assert.deepEqual(config.nameservers, ['192.0.2.53', '192.0.2.54', '1.1.1.1']);
    assert.equal(config.warnings[0].reason, 'DNSConfigForming');
    assert.match(
      config.warnings[0].message,
      /^Nameserver limits were exceeded, .* nameserver line is: 192\.0\.2\.53 192\.0\.2\.54 1\.1\.1\.1$/,
    );
  });

  it('keeps at most 32 search paths of at most 253 characters within 2048 characters', () => {
    const many = Array.from({ length: 40 }, (_, i) => `d${i}.example`);
    const tooMany = podDnsConfig(pod({ dnsPolicy: 'None', dnsConfig: { nameservers: ['1.2.3.4'], searches: many } }), cluster);
    assert.equal(tooMany.searches.length, 32);
    assert.match(tooMany.warnings[0].message, /^Search Line limits were exceeded/);

    const long = `${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(63)}.example`; // 263 characters
    const tooLong = podDnsConfig(
      pod({ dnsPolicy: 'None', dnsConfig: { nameservers: ['1.2.3.4'], searches: [long, 'ok.example'] } }),
      cluster,
    );
    assert.deepEqual(tooLong.searches, ['ok.example']);

    const wide = Array.from({ length: 12 }, (_, i) => `${String(i).padStart(2, '0')}${'x'.repeat(180)}.example`);
    const tooWide = podDnsConfig(pod({ dnsPolicy: 'None', dnsConfig: { nameservers: ['1.2.3.4'], searches: wide } }), cluster);
    assert.ok(tooWide.searches.join(' ').length <= 2048);
    assert.deepEqual(tooWide.searches, wide.slice(0, tooWide.searches.length));
    assert.equal(tooWide.searches.length, 10);
  });

  it('falls back to Default with a MissingClusterDNS warning when there is no cluster DNS', () => {
    const config = podDnsConfig(pod(), { ...cluster, dnsIp: '' });
    assert.deepEqual(config.nameservers, ['192.0.2.53', '192.0.2.54']);
    assert.equal(config.warnings[0].reason, 'MissingClusterDNS');
  });

  it('ignores comments, the root search domain, and takes the last search or domain line', () => {
    const config = podDnsConfig(pod({ dnsPolicy: 'Default' }), {
      ...cluster,
      hostResolvConf:
        '# generated\n; also a comment\ndomain first.example\nsearch . second.example\nnameserver 192.0.2.9\noptions ndots:2\noptions ndots:3 debug\n',
    });
    assert.deepEqual(config.searches, ['second.example']);
    assert.deepEqual(config.options, ['ndots:3', 'debug']);
  });
});

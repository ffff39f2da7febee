import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Question } from 'dns-packet';
import type { KubeObject } from '../api/resource-type.ts';
import { ClusterZone, reverseNameToIP } from './cluster-zone.ts';
import { StaticDnsSource } from './dns-source.ts';

const svc = (name: string, spec: KubeObject, namespace = 'default'): KubeObject => ({ metadata: { name, namespace }, spec });
const slice = (service: string, endpoints: KubeObject[], ports: KubeObject[], namespace = 'default'): KubeObject => ({
  metadata: { name: `${service}-abc`, namespace, labels: { 'kubernetes.io/service-name': service } },
  addressType: 'IPv4',
  endpoints,
  ports,
});
const ep = (ip: string, extra: KubeObject = {}): KubeObject => ({ addresses: [ip], conditions: { ready: true }, ...extra });

const source = new StaticDnsSource({
  services: [
    svc('web', {
      type: 'ClusterIP',
      clusterIP: '10.43.0.20',
      clusterIPs: ['10.43.0.20'],
      ports: [{ name: 'http', port: 80, protocol: 'TCP' }],
    }),
    svc('db', { clusterIP: 'None', ports: [{ name: 'pg', port: 5432 }] }),
    svc('empty', { clusterIP: 'None', ports: [{ port: 1 }] }),
    svc('early', { clusterIP: 'None', publishNotReadyAddresses: true, ports: [{ port: 2 }] }),
    svc('ext', { type: 'ExternalName', externalName: 'example.com' }),
    svc('alias', { type: 'ExternalName', externalName: 'web.default.svc.cluster.local' }),
  ],
  endpointSlices: [
    slice('web', [ep('10.42.0.5')], [{ name: 'http', port: 8080, protocol: 'TCP' }]),
    slice(
      'db',
      [
        ep('10.42.0.7', { hostname: 'db-0' }),
        ep('10.42.0.8', { hostname: 'DB-1' }),
        ep('10.42.0.9'),
        ep('10.42.0.10', { conditions: { ready: false } }),
      ],
      [{ name: 'pg', port: 5432, protocol: 'TCP' }],
    ),
    slice('empty', [ep('10.42.0.11', { conditions: { ready: false } })], [{ port: 1 }]),
    slice('early', [ep('10.42.0.12', { conditions: { ready: false } })], [{ port: 2 }]),
  ],
});
const zone = new ClusterZone(source, { domain: 'cluster.local', dnsIp: '10.43.0.10', ttl: 5 });
const ask = (name: string, type: Question['type'] = 'A') => zone.answer({ name, type });
const data = (answer: Awaited<ReturnType<typeof ask>>) => answer?.answers.map((a) => (a as { data: unknown }).data);

describe('ClusterZone', () => {
  it('answers a ClusterIP Service with its ClusterIP, TTL 5', async () => {
    const answer = await ask('web.default.svc.cluster.local');
    assert.equal(answer?.rcode, 'NOERROR');
    assert.deepEqual(data(answer), ['10.43.0.20']);
    assert.equal((answer?.answers[0] as { ttl?: number } | undefined)?.ttl, 5);
  });

  it('matches names case-insensitively and echoes the question name', async () => {
    const answer = await ask('WEB.Default.svc.Cluster.Local');
    assert.deepEqual(data(answer), ['10.43.0.20']);
    assert.equal(answer?.answers[0].name, 'WEB.Default.svc.Cluster.Local');
  });

  it('answers NODATA with the SOA for a type the Service has no records of', async () => {
    const answer = await ask('web.default.svc.cluster.local', 'AAAA');
    assert.equal(answer?.rcode, 'NOERROR');
    assert.deepEqual(answer?.answers, []);
    assert.equal(answer?.authorities[0].type, 'SOA');
  });

  it('answers NXDOMAIN with the SOA for unknown names in the zone', async () => {
    for (const name of [
      'nope.default.svc.cluster.local',
      'web.other.svc.cluster.local',
      'x.cluster.local',
      'a.b.c.d.e.svc.cluster.local',
    ]) {
      const answer = await ask(name);
      assert.equal(answer?.rcode, 'NXDOMAIN', name);
      assert.equal(answer?.authorities[0].type, 'SOA', name);
    }
  });

  it('treats the namespace and svc levels as existing names without data', async () => {
    assert.equal((await ask('default.svc.cluster.local'))?.rcode, 'NOERROR');
    assert.equal((await ask('svc.cluster.local'))?.rcode, 'NOERROR');
    assert.equal((await ask('nons.svc.cluster.local'))?.rcode, 'NXDOMAIN');
  });

  it('answers SRV for a named port with the Service name as target', async () => {
    const answer = await ask('_http._tcp.web.default.svc.cluster.local', 'SRV');
    assert.deepEqual(data(answer), [{ priority: 0, weight: 100, port: 80, target: 'web.default.svc.cluster.local' }]);
    assert.deepEqual(
      answer?.additionals.map((a) => [a.name, (a as { data: unknown }).data]),
      [['web.default.svc.cluster.local', '10.43.0.20']],
    );
    assert.equal((await ask('_http._udp.web.default.svc.cluster.local', 'SRV'))?.rcode, 'NXDOMAIN');
  });

  it('answers a headless Service with its ready endpoints only', async () => {
    const answer = await ask('db.default.svc.cluster.local');
    assert.deepEqual(data(answer)?.sort(), ['10.42.0.7', '10.42.0.8', '10.42.0.9']);
  });

  it('answers NXDOMAIN for a headless Service without ready endpoints, unless it publishes not-ready ones', async () => {
    assert.equal((await ask('empty.default.svc.cluster.local'))?.rcode, 'NXDOMAIN');
    assert.deepEqual(data(await ask('early.default.svc.cluster.local')), ['10.42.0.12']);
  });

  it('names headless endpoints by hostname (case-insensitively) or else by dashed IP', async () => {
    assert.deepEqual(data(await ask('db-0.db.default.svc.cluster.local')), ['10.42.0.7']);
    assert.deepEqual(data(await ask('db-1.db.default.svc.cluster.local')), ['10.42.0.8']);
    assert.deepEqual(data(await ask('10-42-0-9.db.default.svc.cluster.local')), ['10.42.0.9']);
    assert.equal((await ask('10-42-0-10.db.default.svc.cluster.local'))?.rcode, 'NXDOMAIN');
    assert.equal((await ask('10-42-0-5.web.default.svc.cluster.local'))?.rcode, 'NXDOMAIN', 'ClusterIP Services have no endpoint names');
  });

  it('answers SRV for a headless Service with one record per endpoint and their addresses', async () => {
    const answer = await ask('_pg._tcp.db.default.svc.cluster.local', 'SRV');
    const targets = (data(answer) as { target: string; port: number }[]).map((d) => `${d.target}:${d.port}`).sort();
    assert.deepEqual(targets, [
      '10-42-0-9.db.default.svc.cluster.local:5432',
      'db-0.db.default.svc.cluster.local:5432',
      'db-1.db.default.svc.cluster.local:5432',
    ]);
    assert.equal(answer?.additionals.length, 3);
  });

  it('answers an ExternalName Service with a CNAME, completing in-zone targets', async () => {
    assert.deepEqual(data(await ask('ext.default.svc.cluster.local', 'CNAME')), ['example.com']);
    assert.deepEqual(data(await ask('ext.default.svc.cluster.local')), ['example.com'], 'no upstream: the CNAME alone');
    assert.deepEqual(data(await ask('alias.default.svc.cluster.local')), ['web.default.svc.cluster.local', '10.43.0.20']);
  });

  it('completes out-of-zone ExternalName targets through the upstream lookup', async () => {
    const withUpstream = new ClusterZone(source, { domain: 'cluster.local', dnsIp: '10.43.0.10', ttl: 5 }, async (name, type) => [
      { name, type, ttl: 60, data: '192.0.2.99' },
    ]);
    const answer = await withUpstream.answer({ name: 'ext.default.svc.cluster.local', type: 'A' });
    assert.deepEqual(data(answer), ['example.com', '192.0.2.99']);
  });

  it('answers pod records from the dashed address', async () => {
    assert.deepEqual(data(await ask('10-42-0-5.default.pod.cluster.local')), ['10.42.0.5']);
    assert.equal((await ask('10-42-0.default.pod.cluster.local'))?.rcode, 'NXDOMAIN');
    assert.equal((await ask('not-an-ip.default.pod.cluster.local'))?.rcode, 'NXDOMAIN');
  });

  it('answers SOA and NS at the apex and the DNS server name', async () => {
    const soa = await ask('cluster.local', 'SOA');
    assert.equal(soa?.answers[0].type, 'SOA');
    const ns = await ask('cluster.local', 'NS');
    assert.deepEqual(data(ns), ['ns.dns.cluster.local']);
    assert.deepEqual(data(await ask('ns.dns.cluster.local')), ['10.43.0.10']);
  });

  it('answers PTR for Service and endpoint addresses and leaves other names to upstream', async () => {
    assert.deepEqual(data(await ask('20.0.43.10.in-addr.arpa', 'PTR')), ['web.default.svc.cluster.local']);
    assert.deepEqual(data(await ask('7.0.42.10.in-addr.arpa', 'PTR')), ['db-0.db.default.svc.cluster.local']);
    assert.equal(await ask('1.2.0.192.in-addr.arpa', 'PTR'), undefined);
    assert.equal(await ask('example.com'), undefined);
  });

  it('names only the endpoints forward lookups publish in PTR answers (not-ready ones unless publishNotReadyAddresses)', async () => {
    assert.equal(await ask('10.0.42.10.in-addr.arpa', 'PTR'), undefined);
    assert.deepEqual(data(await ask('12.0.42.10.in-addr.arpa', 'PTR')), ['10-42-0-12.early.default.svc.cluster.local']);
  });

  it('reads reverse names of both families', () => {
    assert.equal(reverseNameToIP('4.3.2.1.in-addr.arpa'), '1.2.3.4');
    assert.equal(reverseNameToIP(`${'1.0.0.0.'.repeat(1)}${'0.'.repeat(24)}0.0.d.f.ip6.arpa`), 'fd00::1');
    assert.equal(reverseNameToIP('3.2.1.in-addr.arpa'), undefined);
  });
});

import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { Resolver } from 'node:dns/promises';
import { Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import * as dnsPacket from 'dns-packet';
import { Registry } from 'prom-client';
import { AllowedClients } from './allowed-clients.ts';
import { ClusterZone } from './cluster-zone.ts';
import { DnsMetrics } from './dns-metrics.ts';
import { DnsServer } from './dns-server.ts';
import { StaticDnsSource } from './dns-source.ts';
import { UpstreamForwarder } from './upstream-forwarder.ts';

const manyEndpoints = Array.from({ length: 60 }, (_, i) => ({ addresses: [`10.42.1.${i + 1}`], conditions: { ready: true } }));
const source = new StaticDnsSource({
  services: [
    {
      metadata: { name: 'web', namespace: 'shop' },
      spec: { clusterIP: '10.43.0.20', ports: [{ name: 'http', port: 80, protocol: 'TCP' }] },
    },
    { metadata: { name: 'big', namespace: 'shop' }, spec: { clusterIP: 'None', ports: [{ port: 1 }] } },
  ],
  endpointSlices: [
    {
      metadata: { name: 'big-1', namespace: 'shop', labels: { 'kubernetes.io/service-name': 'big' } },
      endpoints: manyEndpoints,
      ports: [{ port: 1 }],
    },
  ],
});
const zone = new ClusterZone(source, { domain: 'cluster.local', dnsIp: '10.43.0.10', ttl: 5 });

/** A fake upstream resolver on loopback that answers every A question with 192.0.2.1. */
async function fakeUpstream(): Promise<{ port: number; close(): void }> {
  const socket = createSocket('udp4');
  socket.on('message', (msg, remote) => {
    const q = dnsPacket.decode(msg);
    const reply = dnsPacket.encode({
      type: 'response',
      id: q.id,
      flags: dnsPacket.RECURSION_AVAILABLE,
      questions: q.questions,
      answers: [{ type: 'A', name: q.questions![0].name, ttl: 30, data: '192.0.2.1' }],
    });
    socket.send(reply, remote.port, remote.address);
  });
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  return { port: socket.address().port, close: () => socket.close() };
}

/** A UDP socket that never answers: an unreachable upstream. */
async function silentUpstream(): Promise<{ port: number; close(): void }> {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  return { port: socket.address().port, close: () => socket.close() };
}

describe('DnsServer', () => {
  let server: DnsServer;
  let silentServer: DnsServer;
  let resolver: Resolver;
  let silentResolver: Resolver;
  let port: number;
  const upstreams: { close(): void }[] = [];

  before(async () => {
    const upstream = await fakeUpstream();
    const silent = await silentUpstream();
    upstreams.push(upstream, silent);
    server = new DnsServer({ zone, forwarder: new UpstreamForwarder([{ host: '127.0.0.1', port: upstream.port }], 1000) });
    port = (await server.listen('127.0.0.1', 0)).port;
    silentServer = new DnsServer({ zone, forwarder: new UpstreamForwarder([{ host: '127.0.0.1', port: silent.port }], 100) });
    const silentPort = (await silentServer.listen('127.0.0.1', 0)).port;
    resolver = new Resolver({ timeout: 2000, tries: 2 });
    resolver.setServers([`127.0.0.1:${port}`]);
    silentResolver = new Resolver({ timeout: 2000, tries: 1 });
    silentResolver.setServers([`127.0.0.1:${silentPort}`]);
  });

  after(async () => {
    await server.close();
    await silentServer.close();
    for (const u of upstreams) u.close();
  });

  it('answers cluster names over UDP', async () => {
    assert.deepEqual(await resolver.resolve4('web.shop.svc.cluster.local'), ['10.43.0.20']);
    assert.deepEqual(await resolver.resolveSrv('_http._tcp.web.shop.svc.cluster.local'), [
      { name: 'web.shop.svc.cluster.local', port: 80, priority: 0, weight: 100 },
    ]);
  });

  it('answers NXDOMAIN for unknown cluster names', async () => {
    await assert.rejects(resolver.resolve4('nope.shop.svc.cluster.local'), { code: 'ENOTFOUND' });
  });

  it('truncates big UDP answers so the client retries over TCP and gets them all', async () => {
    const ips = await resolver.resolve4('big.shop.svc.cluster.local');
    assert.equal(ips.length, 60);
    const udpReply = dnsPacket.decode((await server.handle(query('big.shop.svc.cluster.local'), false))!);
    assert.ok((udpReply.flags! & dnsPacket.TRUNCATED_RESPONSE) !== 0);
    assert.equal(udpReply.answers?.length, 0);
  });

  it('answers over TCP with length-prefixed messages', async () => {
    const reply = await tcpExchange(port, query('web.shop.svc.cluster.local'));
    const packet = dnsPacket.decode(reply);
    assert.equal(rcodeOf(packet), 'NOERROR');
    assert.ok(packet.flag_aa);
    assert.deepEqual(
      packet.answers?.map((a) => (a as { data: unknown }).data),
      ['10.43.0.20'],
    );
  });

  it('forwards names outside the cluster domain to the upstream', async () => {
    assert.deepEqual(await resolver.resolve4('example.org'), ['192.0.2.1']);
  });

  it('answers SERVFAIL when no upstream answers', async () => {
    await assert.rejects(silentResolver.resolve4('example.org'), { code: 'ESERVFAIL' });
  });

  it('answers FORMERR to garbage and ignores what is too short to answer', async () => {
    const garbage = Buffer.from([0x12, 0x34, 0x01, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xff]);
    const reply = dnsPacket.decode((await server.handle(garbage, false))!);
    assert.equal(reply.id, 0x1234);
    assert.equal(rcodeOf(reply), 'FORMERR');
    assert.equal(await server.handle(Buffer.from([1, 2, 3]), false), undefined);
  });

  it('answers SERVFAIL while the caches are not filled', async () => {
    const starting = new DnsServer({ zone, isReady: () => false });
    const reply = dnsPacket.decode((await starting.handle(query('web.shop.svc.cluster.local'), false))!);
    assert.equal(rcodeOf(reply), 'SERVFAIL');
  });
});

describe('DnsServer metrics', () => {
  it('counts requests by transport and type, and responses by code', async () => {
    const registry = new Registry();
    const server = new DnsServer({ zone, metrics: new DnsMetrics(registry) });
    await server.handle(query('web.shop.svc.cluster.local'), false);
    await server.handle(query('nope.shop.svc.cluster.local'), true);
    const text = await registry.metrics();
    assert.match(text, /hale_dns_requests_total\{proto="udp",type="A"\} 1/);
    assert.match(text, /hale_dns_requests_total\{proto="tcp",type="A"\} 1/);
    assert.match(text, /hale_dns_responses_total\{rcode="NOERROR"\} 1/);
    assert.match(text, /hale_dns_responses_total\{rcode="NXDOMAIN"\} 1/);
  });
});

describe('AllowedClients', () => {
  it('allows loopback, private ranges and given CIDRs, and refuses the rest', () => {
    const allowed = new AllowedClients(['203.0.113.0/24']);
    for (const ip of ['127.0.0.1', '::1', '10.42.3.4', '192.168.1.1', '::ffff:10.43.0.10', '203.0.113.9'])
      assert.ok(allowed.allows(ip), ip);
    for (const ip of ['8.8.8.8', '2001:4860::8888', 'not-an-ip']) assert.ok(!allowed.allows(ip), ip);
  });
});

/** dns-packet decodes the rcode, but its types leave it out. */
const rcodeOf = (packet: dnsPacket.Packet) => (packet as { rcode?: string }).rcode;

function query(name: string): Buffer {
  return dnsPacket.encode({ type: 'query', id: 7, flags: dnsPacket.RECURSION_DESIRED, questions: [{ type: 'A', name }] });
}

function tcpExchange(port: number, message: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const socket = new Socket();
    let buffered = Buffer.alloc(0);
    socket.on('error', reject);
    socket.on('data', (chunk) => {
      buffered = Buffer.concat([buffered, chunk]);
      if (buffered.length >= 2 && buffered.length >= 2 + buffered.readUInt16BE(0)) {
        socket.destroy();
        resolve(buffered.subarray(2, 2 + buffered.readUInt16BE(0)));
      }
    });
    socket.connect(port, '127.0.0.1', () => {
      const length = Buffer.alloc(2);
      length.writeUInt16BE(message.length);
      socket.write(Buffer.concat([length, message]));
    });
  });
}

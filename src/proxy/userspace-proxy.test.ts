import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { readdirSync } from 'node:fs';
import { connect, createServer, type Server } from 'node:net';
import { test } from 'node:test';
import type { ProxyEndpoint, ProxyServicePort } from './service-table.ts';
import { UserspaceProxy } from './userspace-proxy.ts';

const quiet = { info() {}, warn() {} };
// A ClusterIP stand-in that needs no route: any 127/8 address is local.
const vip = `127.77.${process.pid % 250}.1`;

async function backend(reply: string): Promise<{ server: Server; port: number }> {
  const server = createServer((s) => s.end(reply));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, port: (server.address() as { port: number }).port };
}

async function freePort(): Promise<number> {
  const { server, port } = await backend('');
  await new Promise((r) => server.close(r));
  return port;
}

function request(host: string, port: number, localAddress?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const c = connect({ host, port, localAddress });
    let body = '';
    c.on('data', (d) => {
      body += d;
    });
    c.on('end', () => resolve(body));
    c.on('error', reject);
  });
}

function servicePort(port: number, endpoints: ProxyEndpoint[], extra: Partial<ProxyServicePort> = {}): ProxyServicePort {
  return {
    id: 'default/web:http',
    namespace: 'default',
    serviceName: 'web',
    protocol: 'TCP',
    clusterIPs: [vip],
    port,
    loadBalancerIPs: [],
    clusterEndpoints: endpoints,
    externalEndpoints: endpoints,
    externalLocal: false,
    ...extra,
  };
}

const ep = (port: number, weight: number): ProxyEndpoint => ({ ip: '127.0.0.1', port, weight, local: true });

test('TCP: weighted spread, NodePort on all addresses, retry past a refusing backend', async () => {
  const a = await backend('a');
  const b = await backend('b');
  const gone = await freePort();
  const svcPort = await freePort();
  const nodePort = await freePort();
  const proxy = new UserspaceProxy({ logger: quiet });
  try {
    await proxy.apply([servicePort(svcPort, [ep(a.port, 0.75), ep(b.port, 0.25)], { nodePort })]);
    assert.deepEqual(proxy.listening(), [`TCP 0.0.0.0:${nodePort}`, `TCP ${vip}:${svcPort}`].sort());
    const counts: Record<string, number> = { a: 0, b: 0 };
    for (let i = 0; i < 400; i++) counts[await request(vip, svcPort)]++;
    // 75 % expected; ±10 points is over 4 standard deviations for 400 draws.
    assert.ok(counts.a > 260 && counts.a < 340, JSON.stringify(counts));
    assert.match(await request('127.0.0.1', nodePort), /^[ab]$/);

    // A backend that is gone (connection refused) is skipped: every request still succeeds.
    await proxy.apply([servicePort(svcPort, [ep(gone, 0.9), ep(b.port, 0.1)])]);
    assert.deepEqual(proxy.listening(), [`TCP ${vip}:${svcPort}`]);
    for (let i = 0; i < 50; i++) assert.equal(await request(vip, svcPort), 'b');

    // No endpoint at all: the connection is refused (see the next test).
    await proxy.apply([servicePort(svcPort, [])]);
    await assert.rejects(request(vip, svcPort), /ECONNREFUSED/);
  } finally {
    await proxy.stop();
    a.server.close();
    b.server.close();
  }
});

test('TCP: no endpoints refuses new connections, never had or lost alike; relayed ones go on; endpoints back reopen', async () => {
  // An echo backend, so a relayed connection can be checked while it stays open.
  const echo = createServer((s) => s.pipe(s));
  await new Promise<void>((r) => echo.listen(0, '127.0.0.1', r));
  const echoPort = (echo.address() as { port: number }).port;
  const svcPort = await freePort();
  const nodePort = await freePort();
  const proxy = new UserspaceProxy({ logger: quiet });
  const refusedEveryTime = async (what: string) => {
    // Refused before anything is accepted: never a connect followed by a reset, whatever the timing.
    for (let i = 0; i < 20; i++) {
      await assert.rejects(request(vip, svcPort), /ECONNREFUSED/, `${what}: ClusterIP, attempt ${i}`);
      await assert.rejects(request('127.0.0.1', nodePort), /ECONNREFUSED/, `${what}: NodePort, attempt ${i}`);
    }
  };
  try {
    // A Service that never had an endpoint.
    await proxy.apply([servicePort(svcPort, [], { nodePort })]);
    assert.deepEqual(proxy.listening(), []);
    await refusedEveryTime('never had endpoints');

    await proxy.apply([servicePort(svcPort, [ep(echoPort, 1)], { nodePort })]);
    assert.deepEqual(proxy.listening(), [`TCP 0.0.0.0:${nodePort}`, `TCP ${vip}:${svcPort}`].sort());
    const inFlight = connect({ host: vip, port: svcPort });
    inFlight.on('error', () => {});
    const echoed = (text: string) =>
      new Promise<string>((resolve) => {
        inFlight.once('data', (d) => resolve(String(d)));
        inFlight.write(text);
      });
    assert.equal(await echoed('one'), 'one');

    // Its endpoints drop to zero: refused at once, like a Service that never had any.
    await proxy.apply([servicePort(svcPort, [], { nodePort })]);
    assert.deepEqual(proxy.listening(), []);
    await refusedEveryTime('endpoints gone');
    // The connection relayed before goes on.
    assert.equal(await echoed('two'), 'two');

    // Endpoints come back: the addresses are listened on again (beside the still-open connection).
    await proxy.apply([servicePort(svcPort, [ep(echoPort, 1)], { nodePort })]);
    assert.deepEqual(proxy.listening(), [`TCP 0.0.0.0:${nodePort}`, `TCP ${vip}:${svcPort}`].sort());
    const again = connect({ host: '127.0.0.1', port: nodePort });
    const reply = new Promise<string>((resolve, reject) => {
      again.once('data', (d) => resolve(String(d)));
      again.once('error', reject);
    });
    again.write('three');
    assert.equal(await reply, 'three');
    again.destroy();
    assert.equal(await echoed('four'), 'four');
    inFlight.destroy();
  } finally {
    await proxy.stop();
    echo.close();
  }
});

test('TCP: sessionAffinity ClientIP sends a client back to the same endpoint', async () => {
  const a = await backend('a');
  const b = await backend('b');
  const svcPort = await freePort();
  const proxy = new UserspaceProxy({ logger: quiet });
  try {
    await proxy.apply([servicePort(svcPort, [ep(a.port, 0.5), ep(b.port, 0.5)], { affinityTimeoutSeconds: 60 })]);
    for (const client of ['127.0.0.2', '127.0.0.3', '127.0.0.4']) {
      const first = await request(vip, svcPort, client);
      for (let i = 0; i < 10; i++) assert.equal(await request(vip, svcPort, client), first);
    }
  } finally {
    await proxy.stop();
    a.server.close();
    b.server.close();
  }
});

test('UDP: datagrams are relayed to an endpoint and replies come back', async () => {
  const echo = createSocket('udp4');
  echo.on('message', (msg, from) => echo.send(Buffer.from(`echo:${msg}`), from.port, from.address));
  await new Promise<void>((r) => echo.bind(0, '127.0.0.1', r));
  const echoPort = echo.address().port;
  const svcPort = await freePort();
  const proxy = new UserspaceProxy({ logger: quiet });
  const client = createSocket('udp4');
  try {
    await proxy.apply([servicePort(svcPort, [ep(echoPort, 1)], { protocol: 'UDP' })]);
    assert.deepEqual(proxy.listening(), [`UDP ${vip}:${svcPort}`]);
    const replies: string[] = [];
    const got = new Promise<void>((resolve) =>
      client.on('message', (m) => {
        replies.push(String(m));
        if (replies.length === 2) resolve();
      }),
    );
    client.send('one', svcPort, vip);
    client.send('two', svcPort, vip);
    await got;
    assert.deepEqual(replies.sort(), ['echo:one', 'echo:two']);
  } finally {
    client.close();
    await proxy.stop();
    echo.close();
  }
});

/** Sends one datagram from a connected socket: the reply, or the error an ICMP answer raises (ECONNREFUSED: port unreachable). */
function udpExchange(host: string, port: number, text: string): Promise<string> {
  const client = createSocket('udp4');
  return new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no answer (dropped)')), 2000);
    client.once('message', (m) => {
      clearTimeout(timer);
      resolve(String(m));
    });
    client.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    client.connect(port, host, () => client.send(text));
  }).finally(() => client.close());
}

test('UDP: no endpoints answers port unreachable (kube-proxy REJECTs), never had or lost alike; endpoints back rebind', async () => {
  const echo = createSocket('udp4');
  echo.on('message', (msg, from) => echo.send(Buffer.from(`echo:${msg}`), from.port, from.address));
  await new Promise<void>((r) => echo.bind(0, '127.0.0.1', r));
  const svcPort = await freePort();
  const nodePort = await freePort();
  const proxy = new UserspaceProxy({ logger: quiet });
  const udpPort = (endpoints: ProxyEndpoint[]) => servicePort(svcPort, endpoints, { protocol: 'UDP', nodePort });
  try {
    await proxy.apply([udpPort([])]);
    assert.deepEqual(proxy.listening(), []);
    await assert.rejects(udpExchange(vip, svcPort, 'x'), /ECONNREFUSED/);
    await assert.rejects(udpExchange('127.0.0.1', nodePort, 'x'), /ECONNREFUSED/);

    await proxy.apply([udpPort([ep(echo.address().port, 1)])]);
    assert.deepEqual(proxy.listening(), [`UDP 0.0.0.0:${nodePort}`, `UDP ${vip}:${svcPort}`].sort());
    assert.equal(await udpExchange(vip, svcPort, 'one'), 'echo:one');

    await proxy.apply([udpPort([])]);
    assert.deepEqual(proxy.listening(), []);
    await assert.rejects(udpExchange(vip, svcPort, 'x'), /ECONNREFUSED/);

    await proxy.apply([udpPort([ep(echo.address().port, 1)])]);
    assert.equal(await udpExchange('127.0.0.1', nodePort, 'two'), 'echo:two');
  } finally {
    await proxy.stop();
    echo.close();
  }
});

test('UDP: client flows beyond the cap close the least recently used, so descriptors stay bounded', async () => {
  const echo = createSocket('udp4');
  echo.on('message', (msg, from) => echo.send(msg, from.port, from.address));
  await new Promise<void>((r) => echo.bind(0, '127.0.0.1', r));
  const svcPort = await freePort();
  const proxy = new UserspaceProxy({ logger: quiet });
  const openFds = () => readdirSync('/proc/self/fd').length;
  try {
    await proxy.apply([servicePort(svcPort, [ep(echo.address().port, 1)], { protocol: 'UDP' })]);
    const before = openFds();
    // Like DNS lookups: every query from a new source port, a flow of its own.
    for (let i = 0; i < 1100; i++) {
      const client = createSocket('udp4');
      const reply = new Promise<string>((resolve) => client.once('message', (m) => resolve(String(m))));
      client.send(`q${i}`, svcPort, vip);
      assert.equal(await reply, `q${i}`);
      await new Promise<void>((r) => client.close(() => r()));
    }
    const grown = openFds() - before;
    assert.ok(grown <= 520, `the proxy holds ${grown} more descriptors after 1100 flows`);
  } finally {
    await proxy.stop();
    echo.close();
  }
});

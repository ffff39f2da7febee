import assert from 'node:assert/strict';
import { connect, createServer, type Server } from 'node:net';
import { test } from 'node:test';
import type { ProxyServicePort } from './service-table.ts';
import { UserspaceProxyThread } from './userspace-proxy-thread.ts';

async function listen(handler: (s: import('node:net').Socket) => void): Promise<{ server: Server; port: number }> {
  const server = createServer(handler);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, port: (server.address() as { port: number }).port };
}

function request(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const c = connect({ host: '127.0.0.1', port });
    let body = '';
    c.on('data', (d) => {
      body += d;
    });
    c.on('end', () => resolve(body));
    c.on('error', reject);
  });
}

function nodePortService(nodePort: number, backendPort: number): ProxyServicePort {
  const endpoints = [{ ip: '127.0.0.1', port: backendPort, weight: 1, local: true }];
  return {
    id: 'default/web:http',
    namespace: 'default',
    serviceName: 'web',
    protocol: 'TCP',
    clusterIPs: [],
    port: 80,
    nodePort,
    loadBalancerIPs: [],
    clusterEndpoints: endpoints,
    externalEndpoints: endpoints,
    externalLocal: false,
  };
}

test('the worker thread relays, reports bind failures through the main logger, and closes everything on stop', async () => {
  const backend = await listen((s) => s.end('hello'));
  // A port some other process holds: the worker cannot bind it.
  const taken = await listen(() => {});
  const nodePort = await listen(() => {});
  const free = nodePort.port;
  await new Promise((r) => nodePort.server.close(r));
  const warnings: { obj: object; msg: string }[] = [];
  const logger = { info() {}, warn: (obj: object, msg: string) => warnings.push({ obj, msg }), error() {} };
  const proxy = new UserspaceProxyThread({ logger });
  try {
    await proxy.apply([nodePortService(free, backend.port), { ...nodePortService(taken.port, backend.port), id: 'default/taken:http' }]);
    assert.deepEqual(proxy.listening(), [`TCP 0.0.0.0:${free}`]);
    assert.equal(await request(free), 'hello');
    assert.equal(warnings.length, 1, JSON.stringify(warnings));
    assert.equal(warnings[0].msg, 'cannot listen for a service');
    assert.match(JSON.stringify(warnings[0].obj), /EADDRINUSE/);

    // A held-open relayed connection (to a backend that never answers) must not keep the
    // listener or the thread alive.
    await proxy.apply([nodePortService(free, taken.port)]);
    const open = connect({ host: '127.0.0.1', port: free });
    const closed = new Promise<void>((r) => open.on('close', () => r()));
    open.on('error', () => {});
    await new Promise((r) => open.once('connect', r));
    await proxy.stop();
    await closed;
    assert.deepEqual(proxy.listening(), []);
    await assert.rejects(request(free), /ECONNREFUSED/);
  } finally {
    await proxy.stop();
    backend.server.close();
    taken.server.close();
  }
});

// services/proxy and pods/proxy against an in-process API server, with a local HTTP server as
// the Service's endpoint (EndpointSlices accept loopback addresses in Hale).
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { ApiError } from '../client/api-error.ts';
import { resources } from '../client/resources.ts';
import { type InProcessCluster, startInProcessCluster } from '../testing/in-process-cluster.ts';
import { splitSchemeNamePort } from './http-proxy.ts';

let cluster: InProcessCluster;
let backend: Server;
let port: number;
const ns = 'proxied';

before(async () => {
  backend = createServer((req, res) => {
    let body = '';
    req.on('data', (d) => {
      body += d;
    });
    req.on('end', () => {
      res.setHeader('x-backend', 'yes');
      res.end(`${req.method} ${req.url} auth=${req.headers.authorization ?? 'none'} body=${body}`);
    });
  });
  await new Promise<void>((r) => backend.listen(0, '127.0.0.1', r));
  port = (backend.address() as AddressInfo).port;
  cluster = await startInProcessCluster();
  await cluster.createNamespace(ns);
  await cluster.client.create(resources.services, ns, {
    metadata: { name: 'web' },
    spec: { ports: [{ name: 'http', port: 80, targetPort: port }] },
  });
  await cluster.client.create(resources.endpointSlices, ns, {
    metadata: { name: 'web-abc', labels: { 'kubernetes.io/service-name': 'web' } },
    addressType: 'IPv4',
    endpoints: [{ addresses: ['127.0.0.1'], conditions: { ready: true } }],
    ports: [{ name: 'http', port, protocol: 'TCP' }],
  });
  await cluster.client.create(resources.services, ns, { metadata: { name: 'empty' }, spec: { ports: [{ port: 80 }] } });
  // The backend stands for a host-mode pod, whose address is a loopback one.
  const pod = await cluster.client.create(resources.pods, ns, {
    metadata: { name: 'backend' },
    spec: { nodeName: 'node-a', containers: [{ name: 'c', image: 'x', command: ['true'] }] },
  });
  await cluster.client.updateStatus(resources.pods, { ...pod, status: { phase: 'Running', podIP: '127.0.0.1' } });
  // Hand-written slices aiming at the host's own ports or at cloud metadata.
  for (const [name, address] of [
    ['sneaky', '127.0.0.2'],
    ['metadata', '169.254.169.254'],
  ]) {
    await cluster.client.create(resources.services, ns, { metadata: { name }, spec: { ports: [{ port: 80 }] } });
    await cluster.client.create(resources.endpointSlices, ns, {
      metadata: { name: `${name}-abc`, labels: { 'kubernetes.io/service-name': name } },
      addressType: 'IPv4',
      endpoints: [{ addresses: [address], conditions: { ready: true } }],
      ports: [{ port: 80, protocol: 'TCP' }],
    });
  }
});

after(async () => {
  await cluster.stop();
  backend.close();
});

const base = `/api/v1/namespaces/${ns}/services`;

test('"[scheme:]name[:port]" is split as Kubernetes does', () => {
  assert.deepEqual(splitSchemeNamePort('web'), { scheme: 'http', name: 'web', port: '' });
  assert.deepEqual(splitSchemeNamePort('web:8080'), { scheme: 'http', name: 'web', port: '8080' });
  assert.deepEqual(splitSchemeNamePort('https:web:443'), { scheme: 'https', name: 'web', port: '443' });
});

test('a request reaches a ready endpoint with its path, query, method and body, without the client credentials', async () => {
  const got = await cluster.client.request('GET', `${base}/web:http/proxy/some/path?x=1`, { responseType: 'text' });
  assert.equal(got, 'GET /some/path?x=1 auth=none body=');
  const posted = await cluster.client.request('POST', `${base}/web:80/proxy/`, { body: { a: 1 }, responseType: 'text' });
  assert.equal(posted, 'POST / auth=none body={"a":1}');
  // The Service's only port when none is named.
  assert.equal(await cluster.client.request('GET', `${base}/web/proxy`, { responseType: 'text' }), 'GET / auth=none body=');
});

test('no endpoints, no such port, no such Service, an address that is no pod: errors', async () => {
  const fails = async (path: string) => {
    const err = await cluster.client.request('GET', path).then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.ok(err instanceof ApiError, String(err));
    return err;
  };
  let err = await fails(`${base}/empty/proxy/`);
  assert.equal(err.code, 503);
  assert.equal(err.message, 'no endpoints available for service "empty"');
  err = await fails(`${base}/web:9/proxy/`);
  assert.equal(err.message, 'no service port "9" found for service "web"');
  err = await fails(`${base}/nope/proxy/`);
  assert.equal(err.code, 404);
  for (const name of ['sneaky', 'metadata']) {
    err = await fails(`${base}/${name}/proxy/`);
    assert.equal(err.message, 'address not allowed');
  }
});

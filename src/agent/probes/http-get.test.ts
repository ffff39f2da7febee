import assert from 'node:assert/strict';
import { webcrypto } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import * as x509 from '@peculiar/x509';
import { httpGet, httpGetRequestFor } from './http-get.ts';

type Handler = (req: http.IncomingMessage, res: http.ServerResponse) => void;

let handler: Handler = (_req, res) => res.end('ok');
const server = http.createServer((req, res) => handler(req, res));
let port = 0;
let tlsServer: https.Server;
let tlsPort = 0;

before(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
  const { cert, key } = await selfSignedCertificate();
  tlsServer = https.createServer({ cert, key }, (_req, res) => res.end('secure'));
  await new Promise<void>((resolve) => tlsServer.listen(0, '127.0.0.1', resolve));
  tlsPort = (tlsServer.address() as AddressInfo).port;
});

after(async () => {
  server.closeAllConnections();
  tlsServer.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  await new Promise((resolve) => tlsServer.close(resolve));
});

async function selfSignedCertificate(): Promise<{ cert: string; key: string }> {
  const alg = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
  const keys = await webcrypto.subtle.generateKey(alg, true, ['sign', 'verify']);
  const now = Date.now();
  const cert = await x509.X509CertificateGenerator.createSelfSigned(
    {
      serialNumber: '01',
      name: 'CN=probe-test',
      notBefore: new Date(now - 60_000),
      notAfter: new Date(now + 3600_000),
      keys,
      signingAlgorithm: alg,
    },
    webcrypto as unknown as Parameters<typeof x509.X509CertificateGenerator.createSelfSigned>[1],
  );
  const pkcs8 = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey));
  const key = `-----BEGIN PRIVATE KEY-----\n${pkcs8.toString('base64').replace(/(.{64})/g, '$1\n')}\n-----END PRIVATE KEY-----\n`;
  return { cert: cert.toString('pem'), key };
}

const get = (url: string, extra: Partial<Parameters<typeof httpGet>[0]> = {}) =>
  httpGet({ url, headers: [], userAgent: 'kube-probe/1.33', timeoutMs: 2000, followNonLocalRedirects: false, ...extra });

describe('httpGetRequestFor', () => {
  const container = { name: 'web', ports: [{ name: 'http', containerPort: 8080 }] };

  test('defaults the host to the pod IP and resolves a named port', () => {
    const req = httpGetRequestFor({ path: '/healthz', port: 'http' }, container, '127.0.0.5');
    assert.equal(req.url, 'http://127.0.0.5:8080/healthz');
  });

  test('uses scheme, host, numeric-string port and headers from the action', () => {
    const req = httpGetRequestFor(
      { scheme: 'HTTPS', host: 'example.test', port: '9443', path: 'ready', httpHeaders: [{ name: 'X-A', value: '1' }] },
      container,
      '127.0.0.5',
    );
    assert.equal(req.url, 'https://example.test:9443/ready');
    assert.deepEqual(req.headers, [{ name: 'X-A', value: '1' }]);
  });

  test('an unknown port name fails like the kubelet', () => {
    assert.throws(() => httpGetRequestFor({ port: 'metrics' }, container, '127.0.0.5'), /strconv\.Atoi: parsing "metrics": invalid syntax/);
    assert.throws(() => httpGetRequestFor({ port: 70000 }, container, '127.0.0.5'), /invalid port number: 70000/);
  });
});

describe('httpGet', () => {
  test('sends the kubelet User-Agent and Accept headers unless the user sets them', async () => {
    let seen: http.IncomingHttpHeaders = {};
    handler = (req, res) => {
      seen = req.headers;
      res.end('fine');
    };
    const res = await get(`http://127.0.0.1:${port}/healthz`);
    assert.deepEqual(res, { kind: 'response', statusCode: 200, body: 'fine', url: `http://127.0.0.1:${port}/healthz` });
    assert.equal(seen['user-agent'], 'kube-probe/1.33');
    assert.equal(seen.accept, '*/*');

    await get(`http://127.0.0.1:${port}/`, {
      headers: [
        { name: 'User-Agent', value: 'mine' },
        { name: 'X-Custom', value: 'a' },
        { name: 'Host', value: 'app.example' },
      ],
    });
    assert.equal(seen['user-agent'], 'mine');
    assert.equal(seen['x-custom'], 'a');
    assert.equal(seen.host, 'app.example');
  });

  test('reports the status code and caps the body', async () => {
    handler = (_req, res) => {
      res.writeHead(503);
      res.end('x'.repeat(50_000));
    };
    const res = await get(`http://127.0.0.1:${port}/`);
    assert.equal(res.kind, 'response');
    if (res.kind !== 'response') return;
    assert.equal(res.statusCode, 503);
    assert.equal(res.body.length, 10 * 1024);
  });

  test('follows redirects on the same host', async () => {
    handler = (req, res) => {
      if (req.url === '/old') {
        res.writeHead(302, { Location: '/new' });
        res.end();
      } else res.end(`at ${req.url}`);
    };
    const res = await get(`http://127.0.0.1:${port}/old`);
    assert.equal(res.kind === 'response' && res.body, 'at /new');
  });

  test('stops at a redirect to another host unless told to follow it', async () => {
    handler = (req, res) => {
      if (req.url === '/away') {
        res.writeHead(301, { Location: `http://localhost:${port}/there` });
        res.end('moved');
      } else res.end('arrived');
    };
    const stopped = await get(`http://127.0.0.1:${port}/away`);
    assert.equal(stopped.kind === 'response' && stopped.statusCode, 301);
    const followed = await get(`http://127.0.0.1:${port}/away`, { followNonLocalRedirects: true });
    assert.equal(followed.kind === 'response' && followed.body, 'arrived');
  });

  test('gives up after 10 redirects', async () => {
    handler = (req, res) => {
      const n = Number(req.url?.slice(1)) || 0;
      res.writeHead(302, { Location: `/${n + 1}` });
      res.end();
    };
    const res = await get(`http://127.0.0.1:${port}/0`);
    assert.deepEqual(res, { kind: 'error', message: `Get "http://127.0.0.1:${port}/10": stopped after 10 redirects` });
  });

  test('a refused connection reads like Go', async () => {
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const freePort = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const res = await get(`http://127.0.0.1:${freePort}/healthz`);
    assert.deepEqual(res, {
      kind: 'error',
      message: `Get "http://127.0.0.1:${freePort}/healthz": dial tcp 127.0.0.1:${freePort}: connect: connection refused`,
      httpResponseToHttps: undefined,
    });
  });

  test('times out while awaiting headers', async () => {
    handler = () => {}; // never answers
    const res = await get(`http://127.0.0.1:${port}/slow`, { timeoutMs: 50 });
    assert.equal(res.kind, 'error');
    assert.equal(
      res.kind === 'error' && res.message,
      `Get "http://127.0.0.1:${port}/slow": context deadline exceeded (Client.Timeout exceeded while awaiting headers)`,
    );
  });

  test('HTTPS skips certificate verification', async () => {
    const res = await get(`https://127.0.0.1:${tlsPort}/`);
    assert.equal(res.kind === 'response' && res.body, 'secure');
  });

  test('an HTTPS request answered in plain HTTP is flagged', async () => {
    handler = (_req, res) => res.end('plain');
    const res = await get(`https://127.0.0.1:${port}/`);
    assert.equal(res.kind, 'error');
    assert.equal(res.kind === 'error' && res.httpResponseToHttps, true);
    assert.match(res.kind === 'error' ? res.message : '', /server gave HTTP response to HTTPS client/);
  });
});

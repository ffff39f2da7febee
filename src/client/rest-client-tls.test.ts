import assert from 'node:assert/strict';
import { webcrypto } from 'node:crypto';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import * as x509 from '@peculiar/x509';
import { resources } from './resources.ts';
import { RestClient } from './rest-client.ts';

let server: https.Server;
let url = '';
let caPem = '';
const seenAuth: (string | undefined)[] = [];

before(async () => {
  const alg = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
  const keys = await webcrypto.subtle.generateKey(alg, true, ['sign', 'verify']);
  const now = Date.now();
  const cert = await x509.X509CertificateGenerator.createSelfSigned(
    {
      serialNumber: '01',
      name: 'CN=hale-test',
      notBefore: new Date(now - 60_000),
      notAfter: new Date(now + 3600_000),
      keys,
      signingAlgorithm: alg,
      extensions: [
        new x509.BasicConstraintsExtension(true),
        new x509.SubjectAlternativeNameExtension([{ type: 'ip', value: '127.0.0.1' }]),
      ],
    },
    webcrypto as unknown as Parameters<typeof x509.X509CertificateGenerator.createSelfSigned>[1],
  );
  caPem = cert.toString('pem');
  const pkcs8 = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey));
  const keyPem = `-----BEGIN PRIVATE KEY-----\n${pkcs8.toString('base64').replace(/(.{64})/g, '$1\n')}\n-----END PRIVATE KEY-----\n`;
  server = https.createServer({ cert: caPem, key: keyPem }, (req, res) => {
    seenAuth.push(req.headers.authorization);
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify({ kind: 'Node', apiVersion: 'v1', metadata: { name: 'n1' } }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

test('HTTPS with the kubeconfig CA and a bearer token', async () => {
  const client = new RestClient({ server: url, caPem, token: 't0k3n' });
  try {
    const node = await client.get(resources.nodes, undefined, 'n1');
    assert.equal(node.metadata?.name, 'n1');
    assert.equal(seenAuth.at(-1), 'Bearer t0k3n');
  } finally {
    client.close();
  }
});

test('an untrusted server certificate is refused unless verification is skipped', async () => {
  const strict = new RestClient({ server: url });
  const lax = new RestClient({ server: url, insecureSkipTLSVerify: true });
  try {
    await assert.rejects(strict.get(resources.nodes, undefined, 'n1'), /self[- ]signed|certificate/i);
    assert.equal((await lax.get(resources.nodes, undefined, 'n1')).metadata?.name, 'n1');
  } finally {
    strict.close();
    lax.close();
  }
});

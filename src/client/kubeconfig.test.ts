import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { defaultKubeconfigPath, loadKubeconfig, parseKubeconfig } from './kubeconfig.ts';

const dir = mkdtempSync(join(tmpdir(), 'hale-kubeconfig-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const b64 = (s: string) => Buffer.from(s).toString('base64');

const twoContexts = `
apiVersion: v1
kind: Config
current-context: hale
clusters:
- name: hale
  cluster:
    server: https://127.0.0.1:6443/
    certificate-authority-data: ${b64('-----BEGIN CERTIFICATE-----\nCA\n-----END CERTIFICATE-----\n')}
- name: other
  cluster:
    server: https://other:443
    insecure-skip-tls-verify: true
contexts:
- name: hale
  context: {cluster: hale, user: admin}
- name: other
  context: {cluster: other, user: file-user}
users:
- name: admin
  user:
    token: abc.def
- name: file-user
  user:
    tokenFile: token.txt
    client-certificate-data: ${b64('CERT')}
    client-key: keys/client.key
`;

test('the current context gives server, CA and token', () => {
  const config = parseKubeconfig(twoContexts, dir);
  assert.deepEqual(config, {
    server: 'https://127.0.0.1:6443',
    caPem: '-----BEGIN CERTIFICATE-----\nCA\n-----END CERTIFICATE-----\n',
    token: 'abc.def',
  });
});

test('another context; files are read relative to the kubeconfig', () => {
  writeFileSync(join(dir, 'token.txt'), 'from-file\n');
  mkdirSync(join(dir, 'keys'), { recursive: true });
  writeFileSync(join(dir, 'keys', 'client.key'), 'KEY');
  const path = join(dir, 'config');
  writeFileSync(path, twoContexts);
  assert.deepEqual(loadKubeconfig(path, { context: 'other' }), {
    server: 'https://other:443',
    insecureSkipTLSVerify: true,
    token: 'from-file',
    clientCertPem: 'CERT',
    clientKeyPem: 'KEY',
  });
});

test('a CA file path is read', () => {
  writeFileSync(join(dir, 'ca.crt'), 'PEM');
  const text = `
current-context: c
clusters: [{name: k, cluster: {server: 'http://localhost:8080', certificate-authority: ca.crt}}]
contexts: [{name: c, context: {cluster: k}}]
`;
  assert.deepEqual(parseKubeconfig(text, dir), { server: 'http://localhost:8080', caPem: 'PEM' });
});

test('clear errors for broken kubeconfigs', () => {
  assert.throws(() => parseKubeconfig('clusters: []', dir), /no current-context/);
  assert.throws(() => parseKubeconfig(twoContexts, dir, { context: 'nope' }), /context "nope" does not exist/);
  const noCluster = 'current-context: c\ncontexts: [{name: c, context: {cluster: gone}}]\nclusters: []';
  assert.throws(() => parseKubeconfig(noCluster, dir), /cluster "gone" not found/);
});

test('the default path follows KUBECONFIG, else ~/.kube/config', () => {
  assert.equal(defaultKubeconfigPath({ KUBECONFIG: '/a/b:/c/d' }), '/a/b');
  assert.match(defaultKubeconfigPath({}), /\.kube\/config$/);
});

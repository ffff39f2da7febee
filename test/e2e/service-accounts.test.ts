// Service accounts with the real kubectl 1.33, as in-cluster clients and CI pipelines use them:
// every namespace gets `default` and `kube-root-ca.crt`; `kubectl create token` issues a token
// that authenticates (and passes a TokenReview) as the account until the account is deleted; a pod gets the
// kube-api-access volume and reaches the API server from inside through the kubernetes
// Service, verifying it with the mounted CA, as the official client libraries' in-cluster
// configuration does.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { eventually } from '../../src/testing/in-process-cluster.ts';
import { expectKubectl, type HaleServer, type KubectlOptions, startHale, stopHale } from './harness.ts';

// In-cluster configuration by hand: the mounted token, namespace and CA, and the Service's address.
const inClusterPod = `apiVersion: v1
kind: Pod
metadata: {name: in-cluster, namespace: sa-e2e}
spec:
  restartPolicy: Never
  containers:
  - name: app
    image: node
    command: [${JSON.stringify(process.execPath)}, -e]
    args:
    - |
      const fs = require('fs'), https = require('https');
      const dir = '/var/run/secrets/kubernetes.io/serviceaccount';
      const ns = fs.readFileSync(dir + '/namespace', 'utf8');
      const url = 'https://' + process.env.KUBERNETES_SERVICE_HOST + ':' + process.env.KUBERNETES_SERVICE_PORT + '/api/v1/namespaces/' + ns + '/pods';
      const headers = { authorization: 'Bearer ' + fs.readFileSync(dir + '/token', 'utf8') };
      https.get(url, { ca: fs.readFileSync(dir + '/ca.crt'), headers }, (res) => {
        let body = '';
        res.on('data', (d) => (body += d));
        res.on('end', () => console.log('status=' + res.statusCode + ' pods=' + JSON.parse(body).items.map((p) => p.metadata.name)));
      }).on('error', (e) => { console.log('error ' + e.message); process.exit(1); });
`;

// Service IPs of this test's cluster, clear of the ranges other clusters on the host use: the
// kubernetes Service's address must lead to this cluster's API server.
const serviceCidr = `172.${28 + (process.pid % 4)}.${Math.floor(process.pid / 4) % 250}.0/24`;

describe('service accounts with kubectl 1.33', () => {
  let hale: HaleServer;
  const k = (args: string[], opts: KubectlOptions = {}) => expectKubectl(hale, '1.33', args, opts);

  before(async () => {
    hale = await startHale({ withAgent: true, extraArgs: ['--service-cidr', serviceCidr] });
    await k(['create', 'namespace', 'sa-e2e']);
  });
  after(async () => {
    await k(['delete', 'pod', '--all', '-n', 'sa-e2e', '--now']).catch(() => undefined);
    await stopHale(hale);
  });

  test('a new namespace gets the default ServiceAccount and kube-root-ca.crt', async () => {
    await eventually(
      'the default ServiceAccount',
      async () => (await hale.kubectl('1.33', ['get', 'sa', 'default', '-n', 'sa-e2e'])).code === 0,
    );
    const ca = JSON.parse((await k(['get', 'configmap', 'kube-root-ca.crt', '-n', 'sa-e2e', '-o', 'json'])).stdout);
    assert.match(ca.data['ca.crt'], /^-----BEGIN CERTIFICATE-----/);
  });

  test('kubectl create token: the token is the account until the account is deleted', async () => {
    await k(['create', 'serviceaccount', 'ci', '-n', 'sa-e2e']);
    const token = (await k(['create', 'token', 'ci', '-n', 'sa-e2e', '--duration=20m'])).stdout.trim();
    const whoami = await k(['auth', 'whoami', `--token=${token}`]);
    assert.match(whoami.stdout, /^Username\s+system:serviceaccount:sa-e2e:ci$/m);
    assert.match(whoami.stdout, /^Groups\s+\[system:serviceaccounts system:serviceaccounts:sa-e2e system:authenticated\]$/m);
    const short = await k(['create', 'token', 'ci', '-n', 'sa-e2e', '--duration=5m'], { expectFail: true });
    assert.match(short.stderr, /spec\.expirationSeconds: Invalid value: 300: may not specify a duration less than 10 minutes/);
    const review = join(hale.dataDir, 'token-review.yaml');
    writeFileSync(review, `apiVersion: authentication.k8s.io/v1\nkind: TokenReview\nspec:\n  token: ${token}\n`);
    const reviewed = JSON.parse((await k(['create', '-f', review, '-o', 'json'])).stdout);
    assert.equal(reviewed.status.authenticated, true);
    assert.equal(reviewed.status.user.username, 'system:serviceaccount:sa-e2e:ci');
    await k(['delete', 'serviceaccount', 'ci', '-n', 'sa-e2e']);
    const revoked = await k(['get', 'pods', '-n', 'sa-e2e', `--token=${token}`], { expectFail: true });
    assert.match(revoked.stderr, /You must be logged in to the server \(Unauthorized\)/);
  });

  test('a pod reads the API from inside with its mounted token and CA', async () => {
    const file = join(hale.dataDir, 'in-cluster.yaml');
    writeFileSync(file, inClusterPod);
    await k(['apply', '-f', file]);
    const pod = JSON.parse((await k(['get', 'pod', 'in-cluster', '-n', 'sa-e2e', '-o', 'json'])).stdout);
    assert.equal(pod.spec.serviceAccountName, 'default');
    const volume = pod.spec.volumes.find((v: any) => v.name.startsWith('kube-api-access-'));
    assert.ok(volume, 'the kube-api-access volume was added');
    assert.deepEqual(pod.spec.containers[0].volumeMounts, [
      { name: volume.name, readOnly: true, mountPath: '/var/run/secrets/kubernetes.io/serviceaccount' },
    ]);
    await eventually(
      'the pod finished',
      async () => {
        const phase = (await k(['get', 'pod', 'in-cluster', '-n', 'sa-e2e', '-o', 'jsonpath={.status.phase}'])).stdout;
        return phase === 'Succeeded' || phase === 'Failed' ? phase : undefined;
      },
      60_000,
    );
    assert.match((await k(['logs', 'in-cluster', '-n', 'sa-e2e'])).stdout, /^status=200 pods=in-cluster$/m);
  });

  test('a pod of a missing service account is refused; automount can be turned off', async () => {
    const missing = await k(
      [
        'run',
        'nope',
        '-n',
        'sa-e2e',
        '--image=busybox',
        '--overrides={"spec":{"serviceAccountName":"nosuch"}}',
        '--command',
        '--',
        'sleep',
        '1',
      ],
      { expectFail: true },
    );
    assert.match(
      missing.stderr,
      /pods "nope" is forbidden: error looking up service account sa-e2e\/nosuch: serviceaccount "nosuch" not found/,
    );
    await k([
      'run',
      'quiet',
      '-n',
      'sa-e2e',
      '--image=busybox',
      '--overrides={"spec":{"automountServiceAccountToken":false}}',
      '--command',
      '--',
      'sleep',
      '1',
    ]);
    const pod = JSON.parse((await k(['get', 'pod', 'quiet', '-n', 'sa-e2e', '-o', 'json'])).stdout);
    assert.equal(pod.spec.volumes, undefined);
  });
});

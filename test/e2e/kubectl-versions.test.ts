// A quick smoke of every kubectl minor version between the two covered in depth (1.27 and
// 1.33 in kubectl-crud.test.ts) against one shared `hale server`. Each version works in its
// own namespace, so the versions run concurrently.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type HaleServer, type KubectlResult, type KubectlVersion, startHale, stopHale } from './harness.ts';

const versions: KubectlVersion[] = ['1.28', '1.29', '1.30', '1.31', '1.32'];

const app = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels: {app: web}
spec:
  replicas: 2
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: web
        image: registry.local/web:1.0
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: web-config
data:
  mode: blue
`;

describe('kubectl minor versions', { concurrency: true }, () => {
  let hale: HaleServer;
  let appFile: string;

  before(async () => {
    hale = await startHale();
    appFile = join(hale.dataDir, 'app.yaml');
    writeFileSync(appFile, app);
  });
  after(async () => {
    await stopHale(hale);
  });

  for (const version of versions) {
    describe(`kubectl ${version}`, { concurrency: 1 }, () => {
      const ns = `kubectl-${version.replace('.', '-')}`;
      const k = async (args: string[], expectFail = false): Promise<KubectlResult> => {
        const r = await hale.kubectl(version, args);
        if (!expectFail && r.code !== 0) assert.fail(`kubectl.${version} ${args.join(' ')} failed (${r.code}):\n${r.stderr}${r.stdout}`);
        if (expectFail && r.code === 0) assert.fail(`kubectl.${version} ${args.join(' ')} should have failed:\n${r.stdout}`);
        return r;
      };

      test('version reports both sides', async () => {
        const r = await k(['version']);
        assert.match(r.stdout, new RegExp(`^Client Version: v${version.replace('.', '\\.')}\\.\\d+$`, 'm'));
        assert.match(r.stdout, /^Server Version: v1\.33\.\d+\+hale$/m);
      });

      test('create namespace and apply a deployment + configmap file', async () => {
        // 1.32 sends `create namespace` as a protobuf body.
        assert.match((await k(['create', 'namespace', ns])).stdout, new RegExp(`^namespace/${ns} created$`, 'm'));
        const created = await k(['apply', '-n', ns, '-f', appFile]);
        assert.match(created.stdout, /^deployment.apps\/web created$/m);
        assert.match(created.stdout, /^configmap\/web-config created$/m);
        const again = await k(['apply', '-n', ns, '-f', appFile]);
        assert.match(again.stdout, /^deployment.apps\/web unchanged$/m);
        assert.match(again.stdout, /^configmap\/web-config unchanged$/m);
      });

      test('get deploy prints the server-side table', async () => {
        const r = await k(['get', 'deploy', '-n', ns]);
        assert.match(r.stdout, /^NAME\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+AGE$/m);
        assert.match(r.stdout, /^web\s+\d\/2\s+\d+\s+\d+\s+\d+s$/m);
      });

      test('create configmap from literals', async () => {
        // kubectl ≥ 1.32 posts generator output as protobuf; -v=8 shows the request headers.
        const r = await k(['create', 'configmap', 'literal', '-n', ns, '--from-literal=k=v', '--from-literal=n=1', '-v=8']);
        assert.match(r.stdout, /^configmap\/literal created$/m);
        const body = /Content-Type: (application\/[\w.+-]+)/.exec(r.stderr)?.[1];
        assert.equal(body, version === '1.32' ? 'application/vnd.kubernetes.protobuf' : 'application/json');
        const data = await k(['get', 'cm', 'literal', '-n', ns, '-o', 'jsonpath={.data}']);
        assert.deepEqual(JSON.parse(data.stdout), { k: 'v', n: '1' });
      });

      test('explain pod.spec.containers', async () => {
        const r = await k(['explain', 'pod.spec.containers']);
        assert.match(r.stdout, /^KIND:\s+Pod$/m);
        assert.match(r.stdout, /^FIELD:\s+containers <\[\]Container>$/m);
        assert.match(r.stdout, /^ {2}image\s+<string>$/m);
        assert.match(r.stdout, /^ {2}name\s+<string> -required-$/m);
      });

      test('scale changes spec.replicas', async () => {
        const r = await k(['scale', 'deploy', 'web', '-n', ns, '--replicas=3']);
        assert.match(r.stdout, /^deployment.apps\/web scaled$/m);
        const replicas = await k(['get', 'deploy', 'web', '-n', ns, '-o', 'jsonpath={.spec.replicas}']);
        assert.equal(replicas.stdout, '3');
      });

      test('delete removes what was created', async () => {
        const r = await k(['delete', '-n', ns, '-f', appFile]);
        assert.match(r.stdout, /^deployment.apps "web" deleted/m);
        assert.match(r.stdout, /^configmap "web-config" deleted/m);
        await k(['delete', 'cm', 'literal', '-n', ns]);
        const gone = await k(['get', 'deploy', 'web', '-n', ns], true);
        assert.match(gone.stderr, /deployments.apps "web" not found/);
        const left = await k(['get', 'cm', '-n', ns, '-o', 'name']);
        assert.doesNotMatch(left.stdout, /configmap\/(web-config|literal)/);
      });
    });
  }
});

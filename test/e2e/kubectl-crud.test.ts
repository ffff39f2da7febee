// The real kubectl (1.27, 1.33 and the PATH dispatcher) against a real `hale server`:
// apply, create, get in every output form, describe, label, annotate, patch, scale,
// delete, discovery, explain, auth can-i and error rendering.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { expectKubectl, type HaleServer, type KubectlOptions, type KubectlVersion, startHale, stopHale } from './harness.ts';

const deploymentV1 = `apiVersion: apps/v1
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
        command: ["node", "server.js"]
        ports:
        - containerPort: 8080
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: web-config
  labels: {app: web}
data:
  mode: blue
---
apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  selector: {app: web}
  ports:
  - port: 80
    targetPort: 8080
`;

const deploymentV2 = deploymentV1.replace('replicas: 2', 'replicas: 3').replace('web:1.0', 'web:2.0').replace('mode: blue', 'mode: green');

for (const version of ['1.27', '1.33', 'dispatcher'] as KubectlVersion[]) {
  describe(`kubectl ${version}`, () => {
    let hale: HaleServer;
    const k = (args: string[], opts: KubectlOptions = {}) => expectKubectl(hale, version, args, opts);

    before(async () => {
      hale = await startHale();
    });
    after(async () => {
      await stopHale(hale);
    });

    test('version and discovery', async () => {
      const v = await k(['version']);
      assert.match(v.stdout, /Server Version: (v1\.33\.1\+hale|version.Info{Major:"1", Minor:"33")/);
      const raw = JSON.parse((await k(['get', '--raw', '/version'])).stdout);
      assert.equal(raw.emulationMinor, '33');
      const resources = await k(['api-resources']);
      assert.match(resources.stdout, /^deployments\s+deploy\s+apps\/v1\s+true\s+Deployment$/m);
      assert.match(resources.stdout, /^pods\s+po\s+v1\s+true\s+Pod$/m);
      assert.match(resources.stdout, /^namespaces\s+ns\s+v1\s+false\s+Namespace$/m);
      assert.match(resources.stdout, /^events\s+ev\s+events\.k8s\.io\/v1\s+true\s+Event$/m);
      const versions = await k(['api-versions']);
      assert.match(versions.stdout, /^apps\/v1$/m);
      assert.match(versions.stdout, /^autoscaling\/v2$/m);
    });

    test('apply creates, re-apply of a changed multi-document file configures', async () => {
      const file = join(hale.dataDir, 'app.yaml');
      writeFileSync(file, deploymentV1);
      const created = await k(['apply', '-f', file]);
      assert.match(created.stdout, /deployment.apps\/web created/);
      assert.match(created.stdout, /configmap\/web-config created/);
      assert.match(created.stdout, /service\/web created/);
      const again = await k(['apply', '-f', file]);
      assert.match(again.stdout, /deployment.apps\/web unchanged/);
      writeFileSync(file, deploymentV2);
      const changed = await k(['apply', '-f', file]);
      assert.match(changed.stdout, /deployment.apps\/web configured/);
      assert.match(changed.stdout, /configmap\/web-config configured/);
      assert.match(changed.stdout, /service\/web unchanged/);
      const image = await k([
        'get',
        'deploy',
        'web',
        '-o',
        'jsonpath={.spec.replicas} {.spec.template.spec.containers[0].image} {.metadata.generation}',
      ]);
      assert.equal(image.stdout, '3 registry.local/web:2.0 2');
    });

    test('get prints server-side tables', async () => {
      const table = await k(['get', 'deployments']);
      assert.match(table.stdout, /^NAME\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+AGE$/m);
      // Controllers run (no agent, so no pod becomes ready): UP-TO-DATE counts created pods.
      assert.match(table.stdout, /^web\s+0\/3\s+\d+\s+0\s+\d+s$/m);
      const wide = await k(['get', 'deploy', '-o', 'wide']);
      assert.match(wide.stdout, /CONTAINERS\s+IMAGES\s+SELECTOR/);
      assert.match(wide.stdout, /registry.local\/web:2.0\s+app=web/);
      const svc = await k(['get', 'svc', 'web']);
      assert.match(svc.stdout, /^NAME\s+TYPE\s+CLUSTER-IP\s+EXTERNAL-IP\s+PORT\(S\)\s+AGE$/m);
      assert.match(svc.stdout, /^web\s+ClusterIP\s+/m);
      const notHeadless = await k(['get', 'svc', '--field-selector', 'spec.type=ClusterIP,spec.clusterIP!=None', '-o', 'name']);
      assert.match(notHeadless.stdout, /^service\/web$/m);
      const cm = await k(['get', 'cm', '-l', 'app=web']);
      assert.match(cm.stdout, /^web-config\s+1\s+\d+s$/m);
      const all = await k(['get', 'all']);
      assert.match(all.stdout, /deployment.apps\/web/);
      assert.match(all.stdout, /service\/web/);
      const ns = await k(['get', 'ns']);
      for (const name of ['default', 'kube-system', 'kube-public', 'kube-node-lease'])
        assert.match(ns.stdout, new RegExp(`^${name}\\s+Active`, 'm'));
      const allNs = await k(['get', 'cm', '-A', '--field-selector', 'metadata.name=web-config']);
      assert.match(allNs.stdout, /^NAMESPACE\s+NAME\s+DATA\s+AGE$/m);
      assert.match(allNs.stdout, /^default\s+web-config\s+1/m);
      const sorted = await k(['get', 'cm', '--sort-by=.metadata.name', '-o', 'name']);
      assert.match(sorted.stdout, /configmap\/web-config/);
    });

    test('get -o yaml/json round-trips the object', async () => {
      const json = JSON.parse((await k(['get', 'deploy', 'web', '-o', 'json'])).stdout);
      assert.equal(json.kind, 'Deployment');
      assert.equal(json.spec.strategy.type, 'RollingUpdate');
      assert.equal(json.spec.strategy.rollingUpdate.maxSurge, '25%');
      assert.equal(json.spec.revisionHistoryLimit, 10);
      assert.equal(json.spec.template.spec.restartPolicy, 'Always');
      assert.ok(json.metadata.uid && json.metadata.resourceVersion && json.metadata.creationTimestamp);
      const yaml = await k(['get', 'cm', 'web-config', '-o', 'yaml']);
      assert.match(yaml.stdout, /mode: green/);
    });

    test('create, label, annotate, patch (three types) and describe', async () => {
      await k(['create', 'configmap', 'extra', '--from-literal=a=1']);
      await k(['label', 'cm', 'extra', 'tier=db']);
      await k(['annotate', 'cm', 'extra', 'note=hello']);
      await k(['patch', 'cm', 'extra', '--type', 'merge', '-p', '{"data":{"b":"2"}}']);
      await k(['patch', 'cm', 'extra', '--type', 'json', '-p', '[{"op":"add","path":"/data/c","value":"3"}]']);
      await k([
        'patch',
        'deploy',
        'web',
        '-p',
        '{"spec":{"template":{"spec":{"containers":[{"name":"web","env":[{"name":"A","value":"x"}]}]}}}}',
      ]);
      const cm = JSON.parse((await k(['get', 'cm', 'extra', '-o', 'json'])).stdout);
      assert.deepEqual(cm.data, { a: '1', b: '2', c: '3' });
      assert.equal(cm.metadata.labels.tier, 'db');
      assert.equal(cm.metadata.annotations.note, 'hello');
      // Removing the last label and annotation leaves no empty maps behind (Go's omitempty).
      await k(['label', 'cm', 'extra', 'tier-']);
      await k(['annotate', 'cm', 'extra', 'note-']);
      const unlabelled = JSON.parse((await k(['get', 'cm', 'extra', '-o', 'json'])).stdout);
      assert.equal(unlabelled.metadata.labels, undefined);
      assert.equal(unlabelled.metadata.annotations, undefined);
      const d = JSON.parse((await k(['get', 'deploy', 'web', '-o', 'json'])).stdout);
      assert.equal(d.spec.template.spec.containers.length, 1);
      assert.deepEqual(d.spec.template.spec.containers[0].env, [{ name: 'A', value: 'x' }]);
      assert.equal(d.spec.template.spec.containers[0].image, 'registry.local/web:2.0');
      const described = await k(['describe', 'deployment', 'web']);
      assert.match(described.stdout, /StrategyType:\s+RollingUpdate/);
      assert.match(described.stdout, /Replicas:\s+3 desired/);
    });

    test('scale changes spec.replicas through the scale subresource', async () => {
      const r = await k(['scale', 'deployment', 'web', '--replicas=5']);
      assert.match(r.stdout, /deployment.apps\/web scaled/);
      const replicas = await k(['get', 'deploy', 'web', '-o', 'jsonpath={.spec.replicas}']);
      assert.equal(replicas.stdout, '5');
    });

    test('edit with a scripted editor', async () => {
      const editor = join(hale.dataDir, 'editor.sh');
      writeFileSync(editor, '#!/bin/sh\nsed -i "s/mode: green/mode: edited/" "$1"\n', { mode: 0o755 });
      const r = await k(['edit', 'cm', 'web-config'], { env: { EDITOR: editor, KUBE_EDITOR: editor } });
      assert.match(r.stdout, /configmap\/web-config edited/);
      const mode = await k(['get', 'cm', 'web-config', '-o', 'jsonpath={.data.mode}']);
      assert.equal(mode.stdout, 'edited');
    });

    test('server-side apply creates and updates with a field manager', async () => {
      const file = join(hale.dataDir, 'ssa.yaml');
      writeFileSync(file, 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ssa\ndata:\n  k: v1\n');
      const r = await k(['apply', '--server-side', '-f', file]);
      assert.match(r.stdout, /configmap\/ssa serverside-applied/);
      writeFileSync(file, 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ssa\ndata:\n  k: v2\n');
      await k(['apply', '--server-side', '-f', file]);
      const cm = JSON.parse((await k(['get', 'cm', 'ssa', '-o', 'json', '--show-managed-fields'])).stdout);
      assert.equal(cm.data.k, 'v2');
      assert.ok(
        cm.metadata.managedFields.some((f: { manager: string; operation: string }) => f.manager === 'kubectl' && f.operation === 'Apply'),
      );
    });

    test('quantities come back in their canonical form, as Kubernetes prints them', async () => {
      const pod = `apiVersion: v1
kind: Pod
metadata: {name: sized}
spec:
  containers:
  - name: app
    image: busybox
    command: [sleep, '60']
    resources:
      requests: {cpu: 0.5, memory: 0.5Gi}
      limits: {cpu: '1000m', memory: 1024Mi}
`;
      const r = await k(['create', '--dry-run=server', '-f', '-', '-o', 'jsonpath={.spec.containers[0].resources}'], { stdin: pod });
      assert.deepEqual(JSON.parse(r.stdout), { limits: { cpu: '1', memory: '1Gi' }, requests: { cpu: '500m', memory: '512Mi' } });
    });

    test('client-side apply, then server-side apply of a changed value: no conflict, as kubectl documents', async () => {
      const file = join(hale.dataDir, 'csa-to-ssa.yaml');
      writeFileSync(file, 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: csa-to-ssa\ndata:\n  k: v1\n');
      await k(['apply', '-f', file]);
      writeFileSync(file, 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: csa-to-ssa\ndata:\n  k: v2\n');
      assert.match((await k(['apply', '--server-side', '-f', file])).stdout, /configmap\/csa-to-ssa serverside-applied/);
      const cm = JSON.parse((await k(['get', 'cm', 'csa-to-ssa', '-o', 'json'])).stdout);
      assert.equal(cm.data.k, 'v2');
      // The annotation follows, so a later client-side apply diffs against what was applied last.
      const lastApplied = JSON.parse(cm.metadata.annotations['kubectl.kubernetes.io/last-applied-configuration']);
      assert.equal(lastApplied.data.k, 'v2');
    });

    test('kubectl create (protobuf) stores no Go zero values, so server-side apply may set them later', async () => {
      await k(['create', 'deployment', 'pb', '--image=busybox', '--replicas=0', '--', 'sleep', '3600']);
      const d = JSON.parse((await k(['get', 'deploy', 'pb', '-o', 'json'])).stdout);
      assert.equal(d.spec.replicas, 0, 'a pointer field keeps its explicit zero');
      for (const field of ['minReadySeconds', 'paused']) assert.equal(d.spec[field], undefined, field);
      assert.equal(d.spec.template.spec.hostNetwork, undefined);
      assert.equal(d.spec.template.spec.containers[0].stdin, undefined);
      const file = join(hale.dataDir, 'pb.yaml');
      writeFileSync(
        file,
        'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: pb\nspec:\n  minReadySeconds: 5\n  selector: {matchLabels: {app: pb}}\n' +
          '  template:\n    metadata: {labels: {app: pb}}\n    spec:\n      hostNetwork: true\n' +
          '      containers: [{name: busybox, image: busybox, command: [sleep, "3600"]}]\n',
      );
      const r = await k(['apply', '--server-side', '-f', file]);
      assert.match(r.stdout, /deployment.apps\/pb serverside-applied/);
      await k(['delete', 'deployment', 'pb']);
    });

    test('invalid manifests and unknown fields get Kubernetes errors and change nothing', async () => {
      const bad = join(hale.dataDir, 'bad.yaml');
      writeFileSync(bad, 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: bad\nspec:\n  containers:\n  - name: c\n');
      const invalid = await k(['apply', '-f', bad], { expectFail: true });
      assert.match(invalid.stderr, /The Pod "bad" is invalid: spec.containers\[0\].image: Required value/);
      const unknown = join(hale.dataDir, 'unknown.yaml');
      writeFileSync(unknown, 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: unk\nfoo: bar\n');
      const strict = await k(['create', '-f', unknown], { expectFail: true });
      assert.match(strict.stderr, /strict decoding error: unknown field "foo"/);
      const missing = await k(['get', 'pod', 'bad'], { expectFail: true });
      assert.match(missing.stderr, /pods "bad" not found/);
    });

    test('unknown fields sent with --validate=ignore|warn or by patch are dropped, not stored', async () => {
      const unknown = join(hale.dataDir, 'lenient.yaml');
      writeFileSync(unknown, 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: lenient\n  labelz: {a: b}\ndata:\n  a: "1"\nfoo: bar\n');
      await k(['apply', '-f', unknown, '--validate=ignore']);
      let cm = JSON.parse((await k(['get', 'cm', 'lenient', '-o', 'json'])).stdout);
      assert.equal(cm.foo, undefined);
      assert.equal(cm.metadata.labelz, undefined);
      assert.deepEqual(cm.data, { a: '1' });

      // kubectl patch validates with Warn: the warning is printed and the field dropped.
      const patched = await k(['patch', 'cm', 'lenient', '--type=merge', '-p', '{"foo":1,"data":{"b":"2"}}']);
      assert.match(patched.stderr, /unknown field "foo"/);
      cm = JSON.parse((await k(['get', 'cm', 'lenient', '-o', 'json'])).stdout);
      assert.equal(cm.foo, undefined);
      assert.deepEqual(cm.data, { a: '1', b: '2' });
      // Nothing stored, so a later patch has nothing to warn about and a strict re-apply works.
      const later = await k(['patch', 'cm', 'lenient', '--type=merge', '-p', '{"data":{"c":"3"}}']);
      assert.doesNotMatch(later.stderr, /unknown field/);
      const exported = join(hale.dataDir, 'lenient-export.json');
      writeFileSync(exported, (await k(['get', 'cm', 'lenient', '-o', 'json'])).stdout);
      await k(['replace', '-f', exported]);
    });

    test('explain, events, a deprecation warning, auth can-i and auth whoami', async () => {
      const explain = await k(['explain', 'deployment.spec']);
      assert.match(explain.stdout, /replicas/);
      assert.match(explain.stdout, /selector/);
      await k(['get', 'events']);
      const can = await k(['auth', 'can-i', 'create', 'deployments']);
      assert.equal(can.stdout.trim(), 'yes');
      // Kubernetes 1.33 deprecates v1 Endpoints, and says so on every request.
      const endpoints = await k(['get', 'endpoints', 'kubernetes']);
      assert.match(endpoints.stderr, /Warning: v1 Endpoints is deprecated in v1\.33\+; use discovery\.k8s\.io\/v1 EndpointSlice/);
      const whoami = await k(['auth', 'whoami']);
      assert.match(whoami.stdout, /Username\s+system:admin\nGroups\s+\[system:masters system:authenticated\]/);
    });

    test('debug adds an ephemeral container through the ephemeralcontainers subresource; a bad one is refused', async () => {
      await k(['run', 'debug-target', '--image=busybox', '--', 'sleep', '3600']);
      const added = await k(['debug', 'debug-target', '--image=busybox', '-c', 'dbg', '--', 'true']);
      assert.doesNotMatch(added.stderr, /panic|disabled/);
      const names = await k(['get', 'pod', 'debug-target', '-o', 'jsonpath={.spec.ephemeralContainers[*].name}']);
      assert.equal(names.stdout, 'dbg');
      const bad = await k(['debug', 'debug-target', '--image=busybox', '-c', 'dbg2', '--target=nope', '--', 'true'], { expectFail: true });
      assert.match(bad.stderr, /The Pod "debug-target" is invalid: spec\.ephemeralContainers\[1\]\.targetContainerName: Not found: "nope"/);
      await k(['delete', 'pod', 'debug-target', '--wait=false']);
    });

    test('system namespaces cannot be deleted; stale --resource-version and renames are refused', async () => {
      const dryRun = await k(['delete', 'ns', 'default', '--dry-run=server'], { expectFail: true });
      assert.match(dryRun.stderr, /Error from server \(Forbidden\): namespaces "default" is forbidden: this namespace may not be deleted/);
      const wide = await k(['api-resources', '-o', 'wide']);
      assert.match(wide.stdout, /^namespaces\s+ns\s+v1\s+false\s+Namespace\s+create,delete,get,list,patch,update,watch\b/m);

      await k(['create', 'configmap', 'guarded', '--from-literal=a=1']);
      const stale = await k(['label', 'cm', 'guarded', 'x=y', '--resource-version=5'], { expectFail: true });
      assert.match(
        stale.stderr,
        /Error from server \(Conflict\): Operation cannot be fulfilled on configmaps "guarded": the object has been modified; please apply your changes to the latest version and try again/,
      );
      const renamed = await k(['patch', 'cm', 'guarded', '--type=json', '-p', '[{"op":"replace","path":"/metadata/name","value":"zz"}]'], {
        expectFail: true,
      });
      assert.match(
        renamed.stderr,
        /Error from server \(BadRequest\): the name of the object \(zz\) does not match the name on the URL \(guarded\)/,
      );
      const cm = JSON.parse((await k(['get', 'cm', 'guarded', '-o', 'json'])).stdout);
      assert.equal(cm.metadata.labels, undefined);
      const current = cm.metadata.resourceVersion;
      await k(['label', 'cm', 'guarded', 'x=y', `--resource-version=${current}`]);
    });

    test('delete with cascade options', async () => {
      await k(['create', 'configmap', 'gone']);
      const r = await k(['delete', 'cm', 'gone']);
      assert.match(r.stdout, /configmap "gone" deleted/);
      await k(['delete', 'deployment', 'web', '--cascade=foreground']);
      await k(['get', 'deploy', 'web'], { expectFail: true });
      await k(['create', 'configmap', 'orphaned']);
      await k(['delete', 'cm', 'orphaned', '--cascade=orphan']);
      await k(['get', 'cm', 'orphaned'], { expectFail: true });
    });
  });
}

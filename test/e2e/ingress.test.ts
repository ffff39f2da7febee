// networking.k8s.io/v1 Ingress and IngressClass with the real kubectl 1.33: discovery,
// explain, `create ingress` (a protobuf body), apply, get columns, describe, validation
// errors, and `apply --prune`, whose built-in allowlist includes networking.k8s.io/v1 Ingress.
import assert from 'node:assert/strict';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { expectKubectl, type HaleServer, type KubectlOptions, startHale, stopHale } from './harness.ts';

const webIngress = `apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: web
  labels: {app: web}
spec:
  ingressClassName: nginx
  tls:
  - hosts: [web.example.com]
    secretName: web-tls
  rules:
  - host: web.example.com
    http:
      paths:
      - path: /
        pathType: Prefix
        backend:
          service:
            name: web
            port:
              name: http
  - http:
      paths:
      - path: /api
        pathType: Exact
        backend:
          service:
            name: api
            port:
              number: 8080
`;

const nginxClass = `apiVersion: networking.k8s.io/v1
kind: IngressClass
metadata:
  name: nginx
  annotations:
    ingressclass.kubernetes.io/is-default-class: "true"
spec:
  controller: k8s.io/ingress-nginx
`;

const configMap = (name: string) => `apiVersion: v1
kind: ConfigMap
metadata:
  name: ${name}
  labels: {app: p}
data:
  k: v
`;

const prunedIngress = `apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: p-ing
  labels: {app: p}
spec:
  defaultBackend:
    service:
      name: p
      port:
        number: 80
`;

describe('networking.k8s.io/v1 with kubectl 1.33', () => {
  let hale: HaleServer;
  const k = (args: string[], opts: KubectlOptions = {}) => expectKubectl(hale, '1.33', args, opts);

  before(async () => {
    hale = await startHale();
  });
  after(async () => {
    await stopHale(hale);
  });

  test('discovery and explain', async () => {
    const resources = await k(['api-resources', '--api-group', 'networking.k8s.io']);
    assert.match(resources.stdout, /^ingressclasses\s+networking\.k8s\.io\/v1\s+false\s+IngressClass$/m);
    assert.match(resources.stdout, /^ingresses\s+ing\s+networking\.k8s\.io\/v1\s+true\s+Ingress$/m);
    const explain = await k(['explain', 'ingress.spec.rules']);
    assert.match(explain.stdout, /GROUP:\s+networking\.k8s\.io/);
    assert.match(explain.stdout, /^\s+host\s+<string>/m);
    assert.match(explain.stdout, /^\s+http\s+<HTTPIngressRuleValue>/m);
  });

  test('kubectl create ingress sends protobuf and the object reads back as JSON', async () => {
    const created = await k(['create', 'ingress', 'simple', '--rule=foo.com/bar=svc1:8080', '-v=8']);
    assert.match(created.stderr, /verb="POST" url="[^"]*\/apis\/networking\.k8s\.io\/v1\/namespaces\/default\/ingresses/);
    assert.match(created.stderr, /Content-Type: application\/vnd\.kubernetes\.protobuf/);
    const obj = JSON.parse((await k(['get', 'ing', 'simple', '-o', 'json'])).stdout);
    assert.deepEqual(obj.spec.rules, [
      {
        host: 'foo.com',
        http: { paths: [{ path: '/bar', pathType: 'Exact', backend: { service: { name: 'svc1', port: { number: 8080 } } } }] },
      },
    ]);
    assert.deepEqual(obj.status, { loadBalancer: {} });
    await k(['create', 'ingress', 'named', '--class=nginx', '--rule=bar.com/*=svc2:http,tls=bar-tls']);
    const named = JSON.parse((await k(['get', 'ingress', 'named', '-o', 'json'])).stdout);
    assert.equal(named.spec.ingressClassName, 'nginx');
    assert.deepEqual(named.spec.rules[0].http.paths[0], {
      path: '/',
      pathType: 'Prefix',
      backend: { service: { name: 'svc2', port: { name: 'http' } } },
    });
    assert.deepEqual(named.spec.tls, [{ hosts: ['bar.com'], secretName: 'bar-tls' }]);
  });

  test('apply, get columns and describe', async () => {
    const file = join(hale.dataDir, 'web-ingress.yaml');
    writeFileSync(file, `${webIngress}---\n${nginxClass}`);
    const applied = await k(['apply', '-f', file]);
    assert.match(applied.stdout, /ingress\.networking\.k8s\.io\/web created/);
    assert.match(applied.stdout, /ingressclass\.networking\.k8s\.io\/nginx created/);
    const again = await k(['apply', '-f', file]);
    assert.match(again.stdout, /ingress\.networking\.k8s\.io\/web unchanged/);

    const get = await k(['get', 'ingress']);
    const lines = get.stdout.trim().split('\n');
    assert.match(lines[0], /^NAME\s+CLASS\s+HOSTS\s+ADDRESS\s+PORTS\s+AGE$/);
    assert.match(get.stdout, /^simple\s+<none>\s+foo\.com\s+80\s+\d+s$/m);
    assert.match(get.stdout, /^web\s+nginx\s+web\.example\.com\s+80, 443\s+\d+s$/m);

    const status = '{"status":{"loadBalancer":{"ingress":[{"ip":"10.0.0.5"},{"hostname":"lb.example.com"}]}}}';
    await k(['patch', 'ingress', 'web', '--subresource=status', '--type=merge', '-p', status]);
    assert.match(
      (await k(['get', 'ingress', 'web'])).stdout,
      /^web\s+nginx\s+web\.example\.com\s+10\.0\.0\.5,lb\.example\.com\s+80, 443\s+\d+s$/m,
    );
    await k(['apply', '-f', file]);
    assert.match((await k(['get', 'ing', 'web', '-o', 'jsonpath={.status.loadBalancer.ingress[0].ip}'])).stdout, /^10\.0\.0\.5$/);

    const classes = await k(['get', 'ingressclass']);
    assert.match(classes.stdout, /^NAME\s+CONTROLLER\s+PARAMETERS\s+AGE$/m);
    assert.match(classes.stdout, /^nginx\s+k8s\.io\/ingress-nginx\s+<none>\s+\d+s$/m);

    const describe = await k(['describe', 'ingress', 'web']);
    assert.match(describe.stdout, /^Name:\s+web$/m);
    assert.match(describe.stdout, /^Ingress Class:\s+nginx$/m);
    assert.match(describe.stdout, /web-tls terminates web\.example\.com/);
    assert.match(describe.stdout, /\/api\s+api:8080/);
  });

  test('an invalid Ingress is rejected with the Kubernetes message', async () => {
    const file = join(hale.dataDir, 'bad-ingress.yaml');
    writeFileSync(file, 'apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: bad\nspec:\n  ingressClassName: nginx\n');
    const empty = await k(['apply', '-f', file], { expectFail: true });
    assert.match(
      empty.stderr,
      /The Ingress "bad" is invalid: spec: Invalid value: \[\]networking\.IngressRule\(nil\): either `defaultBackend` or `rules` must be specified/,
    );
    writeFileSync(
      file,
      `${webIngress.replace('name: web\n', 'name: bad\n').replace('pathType: Exact', 'pathType: Regex').replace('path: /\n', 'path: relative\n')}`,
    );
    const paths = await k(['apply', '-f', file], { expectFail: true });
    assert.match(paths.stderr, /spec\.rules\[0\]\.http\.paths\[0\]\.path: Invalid value: "relative": must be an absolute path/);
    assert.match(
      paths.stderr,
      /spec\.rules\[1\]\.http\.paths\[0\]\.pathType: Unsupported value: "Regex": supported values: "Exact", "ImplementationSpecific", "Prefix"/,
    );
    writeFileSync(file, nginxClass.replace('name: nginx', 'name: broken').replace('controller: k8s.io/ingress-nginx', 'controller: nginx'));
    const badClass = await k(['apply', '-f', file], { expectFail: true });
    assert.match(
      badClass.stderr,
      /The IngressClass "broken" is invalid: spec\.controller: Invalid value: "nginx": must be a domain-prefixed path \(such as "acme\.io\/foo"\)/,
    );
  });

  test('apply --prune -l removes what left the directory', async () => {
    const dir = join(hale.dataDir, 'prune');
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir);
    writeFileSync(join(dir, 'a.yaml'), configMap('p-a'));
    writeFileSync(join(dir, 'b.yaml'), configMap('p-b'));
    writeFileSync(join(dir, 'ing.yaml'), prunedIngress);
    const first = await k(['apply', '--prune', '-l', 'app=p', '-f', dir]);
    assert.match(first.stdout, /configmap\/p-a created/);
    assert.match(first.stdout, /ingress\.networking\.k8s\.io\/p-ing created/);

    rmSync(join(dir, 'b.yaml'));
    const second = await k(['apply', '--prune', '-l', 'app=p', '-f', dir]);
    assert.match(second.stdout, /^configmap\/p-b pruned$/m);
    assert.doesNotMatch(second.stdout, /p-a pruned|p-ing pruned/);
    await k(['get', 'configmap', 'p-b'], { expectFail: true });

    rmSync(join(dir, 'ing.yaml'));
    const third = await k(['apply', '--prune', '-l', 'app=p', '-f', dir]);
    assert.match(third.stdout, /^ingress\.networking\.k8s\.io\/p-ing pruned$/m);
  });
});

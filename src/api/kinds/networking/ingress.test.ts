import assert from 'node:assert/strict';
import { test } from 'node:test';
import protobuf from 'protobufjs/minimal.js';
import '../../definitions/index.ts';
import { formatFieldErrors } from '../../field-errors.ts';
import type { KubeObject } from '../../resource-type.ts';
import { decodeProtobufObject } from '../../schema/protobuf-decode.ts';
import { getDefinition, hasDefinition } from '../../schema/registry.ts';
import { networkingResources } from './index.ts';
import { ingresses } from './ingress.ts';

const backend = (name = 'svc1', port: KubeObject = { number: 8080 }) => ({ service: { name, port } });
const ing = (spec: KubeObject, annotations?: Record<string, string>): KubeObject => ({
  metadata: { name: 'web', namespace: 'default', creationTimestamp: '2025-01-01T00:00:00Z', ...(annotations ? { annotations } : {}) },
  spec,
});
const rule = (paths: KubeObject[], host?: string) => ({ ...(host ? { host } : {}), http: { paths } });
const errors = (obj: KubeObject) => formatFieldErrors(ingresses.validate!(obj));

test('a valid ingress passes', () => {
  const obj = ing({
    ingressClassName: 'nginx',
    rules: [
      rule([{ path: '/bar', pathType: 'Exact', backend: backend() }], 'foo.com'),
      rule([{ pathType: 'ImplementationSpecific', backend: backend('svc2', { name: 'http' }) }], '*.example.com'),
    ],
    tls: [{ hosts: ['foo.com', '*.example.com'], secretName: 'tls-cert' }],
  });
  assert.deepEqual(ingresses.validate!(obj), []);
  assert.deepEqual(ingresses.validate!(ing({ defaultBackend: backend() })), []);
  assert.deepEqual(
    ingresses.validate!(ing({ defaultBackend: { resource: { apiGroup: 'k8s.example.com', kind: 'Bucket', name: 'static' } } })),
    [],
  );
});

test('rules or a default backend are required', () => {
  assert.equal(errors(ing({})), 'spec: Invalid value: []networking.IngressRule(nil): either `defaultBackend` or `rules` must be specified');
  assert.equal(
    errors(ing({ rules: [] })),
    'spec: Invalid value: []networking.IngressRule{}: either `defaultBackend` or `rules` must be specified',
  );
});

test('path types and paths', () => {
  assert.equal(
    errors(ing({ rules: [rule([{ path: '/', backend: backend() }])] })),
    'spec.rules[0].http.paths[0].pathType: Required value: pathType must be specified',
  );
  assert.equal(
    errors(ing({ rules: [rule([{ path: '/', pathType: 'Regex', backend: backend() }])] })),
    'spec.rules[0].http.paths[0].pathType: Unsupported value: "Regex": supported values: "Exact", "ImplementationSpecific", "Prefix"',
  );
  assert.equal(
    errors(ing({ rules: [rule([{ path: 'bar', pathType: 'Prefix', backend: backend() }])] })),
    'spec.rules[0].http.paths[0].path: Invalid value: "bar": must be an absolute path',
  );
  assert.equal(
    errors(ing({ rules: [rule([{ pathType: 'Exact', backend: backend() }])] })),
    'spec.rules[0].http.paths[0].path: Invalid value: "": must be an absolute path',
  );
  assert.equal(
    errors(ing({ rules: [rule([{ path: '/a//b/..', pathType: 'Prefix', backend: backend() }])] })),
    `[spec.rules[0].http.paths[0].path: Invalid value: "/a//b/..": must not contain '//', spec.rules[0].http.paths[0].path: Invalid value: "/a//b/..": cannot end with '/..']`,
  );
  assert.equal(
    errors(ing({ rules: [rule([{ path: 'x', pathType: 'ImplementationSpecific', backend: backend() }])] })),
    'spec.rules[0].http.paths[0].path: Invalid value: "x": must be an absolute path',
  );
  assert.equal(errors(ing({ rules: [{ host: 'a.com', http: { paths: [] } }] })), 'spec.rules[0].http.paths: Required value');
});

test('backends need exactly one of service and resource, and one port', () => {
  const path = (b: KubeObject) => ing({ rules: [rule([{ path: '/', pathType: 'Prefix', backend: b }])] });
  const p = 'spec.rules[0].http.paths[0].backend';
  assert.equal(errors(path({})), `${p}: Invalid value: "": resource or service backend is required`);
  assert.equal(
    errors(path({ ...backend(), resource: { kind: 'Bucket', name: 'b' } })),
    `${p}: Invalid value: "": cannot set both resource and service backends`,
  );
  assert.equal(errors(path(backend('svc1', {}))), `${p}: Required value: port name or number is required`);
  assert.equal(
    errors(path(backend('svc1', { name: 'http', number: 80 }))),
    `${p}: Invalid value: "": cannot set both port name & port number`,
  );
  assert.equal(
    errors(path(backend('svc1', { number: 70000 }))),
    `${p}.service.port.number: Invalid value: 70000: must be between 1 and 65535, inclusive`,
  );
  assert.equal(errors(path({ service: { port: { number: 80 } } })), `${p}.service.name: Required value`);
  assert.match(
    errors(path(backend('1svc'))),
    /^spec\.rules\[0\]\.http\.paths\[0\]\.backend\.service\.name: Invalid value: "1svc": a DNS-1035 label/,
  );
  assert.equal(
    errors(path({ resource: { name: 'a/b' } })),
    `[${p}.resource.kind: Required value: kind is required, ${p}.resource.name: Invalid value: "a/b": may not contain '/']`,
  );
});

test('hosts, TLS hosts, secret and class names', () => {
  const paths = [{ path: '/', pathType: 'Prefix', backend: backend() }];
  assert.match(
    errors(ing({ rules: [rule(paths, 'Foo.com')] })),
    /^spec\.rules\[0\]\.host: Invalid value: "Foo\.com": a lowercase RFC 1123 subdomain/,
  );
  assert.match(
    errors(ing({ rules: [rule(paths, 'a.*.com')] })),
    /^spec\.rules\[0\]\.host: Invalid value: "a\.\*\.com": a wildcard DNS-1123 subdomain/,
  );
  assert.match(
    errors(ing({ rules: [rule(paths, '10.0.0.1')] })),
    /spec\.rules\[0\]\.host: Invalid value: "10\.0\.0\.1": must be a DNS name, not an IP address/,
  );
  assert.match(
    errors(ing({ defaultBackend: backend(), tls: [{ hosts: ['*'] }] })),
    /^spec\.tls\[0\]\.hosts\[0\]: Invalid value: "\*": a wildcard/,
  );
  assert.match(
    errors(ing({ defaultBackend: backend(), tls: [{ secretName: 'Bad_Secret' }] })),
    /^spec\.tls\[0\]\.secretName: Invalid value: "Bad_Secret"/,
  );
  assert.match(
    errors(ing({ defaultBackend: backend(), ingressClassName: 'Nginx' })),
    /^spec\.ingressClassName: Invalid value: "Nginx": a lowercase RFC 1123 subdomain/,
  );
  assert.equal(
    errors(ing({ defaultBackend: backend(), ingressClassName: 'nginx' }, { 'kubernetes.io/ingress.class': 'traefik' })),
    'annotations.kubernetes.io/ingress.class: Invalid value: "traefik": must match `ingressClassName` when both are specified',
  );
});

test('a new ingress starts with an empty load balancer status', () => {
  const obj = ing({ defaultBackend: backend() });
  obj.status = { loadBalancer: { ingress: [{ ip: '1.2.3.4' }] } };
  ingresses.prepareForCreate!(obj);
  assert.deepEqual(obj.status, { loadBalancer: {} });
});

test('table cells follow printIngress', () => {
  const now = new Date('2025-01-01T00:00:09Z');
  const plain = ing({ rules: [rule([{ path: '/', pathType: 'Prefix', backend: backend() }])] });
  assert.deepEqual(ingresses.table!.row(plain, now), ['web', '<none>', '*', '', '80', '9s']);
  assert.deepEqual(
    ingresses.table!.columns.map((c) => c.name),
    ['Name', 'Class', 'Hosts', 'Address', 'Ports', 'Age'],
  );
  const full = ing({
    ingressClassName: 'nginx',
    rules: [rule([], 'a.com'), rule([]), rule([], 'b.com')],
    tls: [{ hosts: ['a.com'] }],
  });
  full.status = { loadBalancer: { ingress: [{ ip: '10.0.0.2' }, { hostname: 'lb.example.com' }, { ip: '10.0.0.1' }, { ip: '10.0.0.2' }] } };
  assert.deepEqual(ingresses.table!.row(full, now), ['web', 'nginx', 'a.com,b.com', '10.0.0.1,10.0.0.2,lb.example.com', '80, 443', '9s']);
  const many = ing({ rules: ['a.com', 'b.com', 'c.com', 'd.com', 'e.com'].map((h) => rule([], h)) });
  assert.equal(ingresses.table!.row(many, now)[2], 'a.com,b.com,c.com + 2 more...');
});

test('schema: served kinds, lists and generated.proto numbers', () => {
  for (const rt of networkingResources) {
    assert.deepEqual(getDefinition(rt.schema).gvk, [{ group: rt.group, version: rt.version, kind: rt.kind }]);
    assert.ok(hasDefinition(`${rt.schema}List`));
  }
  const proto = (def: string, field: string) => getDefinition(`io.k8s.api.networking.v1.${def}`).fields[field].proto;
  assert.equal(proto('IngressSpec', 'ingressClassName'), 4);
  assert.equal(proto('HTTPIngressPath', 'pathType'), 3);
  assert.equal(proto('IngressBackend', 'service'), 4);
  assert.equal(proto('IngressLoadBalancerIngress', 'ports'), 4);
  assert.equal(proto('IngressClassParametersReference', 'namespace'), 5);
  assert.deepEqual(getDefinition('io.k8s.api.networking.v1.IngressRule').inline, [
    { proto: 2, ref: 'io.k8s.api.networking.v1.IngressRuleValue' },
  ]);
});

// --- protobuf, the way `kubectl create ingress simple --rule="foo.com/bar=svc1:8080"` sends it ---
type Writer = protobuf.Writer;
const message = (build: (w: Writer) => void): Uint8Array => {
  const w = protobuf.Writer.create();
  build(w);
  return w.finish();
};
const bytesField = (w: Writer, field: number, value: Uint8Array) => w.uint32((field << 3) | 2).bytes(value);
const stringField = (w: Writer, field: number, value: string) => w.uint32((field << 3) | 2).string(value);
const varintField = (w: Writer, field: number, value: number) => w.uint32(field << 3).int64(value);

test('a protobuf Ingress decodes with the inlined rule value', () => {
  const port = message((w) => {
    stringField(w, 1, '');
    varintField(w, 2, 8080);
  });
  const namedPort = message((w) => {
    stringField(w, 1, 'http');
    varintField(w, 2, 0); // Go's int32 is always on the wire; JSON omits its zero
  });
  const service = message((w) => {
    stringField(w, 1, 'svc1');
    bytesField(w, 2, port);
  });
  const path = message((w) => {
    stringField(w, 1, '/bar');
    bytesField(
      w,
      2,
      message((b) => bytesField(b, 4, service)),
    );
    stringField(w, 3, 'Exact');
  });
  const rule = message((w) => {
    stringField(w, 1, 'foo.com');
    bytesField(
      w,
      2,
      message((v) =>
        bytesField(
          v,
          1,
          message((h) => bytesField(h, 1, path)),
        ),
      ),
    );
  });
  const raw = message((w) => {
    bytesField(
      w,
      1,
      message((m) => stringField(m, 1, 'simple')),
    );
    bytesField(
      w,
      2,
      message((s) => {
        const service2 = message((svc) => {
          stringField(svc, 1, 'svc2');
          bytesField(svc, 2, namedPort);
        });
        bytesField(
          s,
          1,
          message((b) => bytesField(b, 4, service2)),
        );
        bytesField(s, 3, rule);
      }),
    );
    bytesField(
      w,
      3,
      message((s) => bytesField(s, 1, new Uint8Array())),
    );
  });
  const unknown = message((w) => {
    bytesField(
      w,
      1,
      message((t) => {
        stringField(t, 1, 'networking.k8s.io/v1');
        stringField(t, 2, 'Ingress');
      }),
    );
    bytesField(w, 2, raw);
  });
  const obj = decodeProtobufObject(Uint8Array.from([0x6b, 0x38, 0x73, 0x00, ...unknown]));
  assert.deepEqual(obj.spec, {
    defaultBackend: { service: { name: 'svc2', port: { name: 'http' } } },
    rules: [
      {
        host: 'foo.com',
        http: { paths: [{ path: '/bar', pathType: 'Exact', backend: { service: { name: 'svc1', port: { number: 8080 } } } }] },
      },
    ],
  });
  assert.deepEqual(ingresses.validate!(obj), []);
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatFieldErrors } from '../../field-errors.ts';
import type { KubeObject } from '../../resource-type.ts';
import { ingressClasses } from './ingressclass.ts';

const ic = (spec: KubeObject): KubeObject => ({ metadata: { name: 'nginx', creationTimestamp: '2025-01-01T00:00:00Z' }, spec });
const errors = (obj: KubeObject) => {
  ingressClasses.defaults!(obj);
  return formatFieldErrors(ingressClasses.validate!(obj));
};

test('the controller is a required domain-prefixed path of at most 250 characters', () => {
  assert.deepEqual(ingressClasses.validate!(ic({ controller: 'k8s.io/ingress-nginx' })), []);
  assert.equal(errors(ic({})), 'spec.controller: Required value');
  assert.equal(
    errors(ic({ controller: 'nginx' })),
    'spec.controller: Invalid value: "nginx": must be a domain-prefixed path (such as "acme.io/foo")',
  );
  assert.match(errors(ic({ controller: 'Acme.io/x' })), /^spec\.controller: Invalid value: "Acme\.io": a lowercase RFC 1123 subdomain/);
  assert.equal(
    errors(ic({ controller: 'acme.io/a b' })),
    `spec.controller: Invalid value: "a b": must be a valid path (regex used for validation is '[A-Za-z0-9/\\-._~%!$&'()*+,;=:]+')`,
  );
  assert.equal(errors(ic({ controller: `acme.io/${'x'.repeat(250)}` })), 'spec.controller: Too long: may not be more than 250 bytes');
});

test('parameters default to Cluster scope and are validated', () => {
  const obj = ic({ controller: 'acme.io/c', parameters: { apiGroup: 'k8s.example.com', kind: 'Params', name: 'p' } });
  assert.equal(errors(obj), '[]');
  assert.equal(obj.spec.parameters.scope, 'Cluster');
  assert.equal(
    errors(ic({ controller: 'acme.io/c', parameters: { kind: 'P', name: 'p', scope: 'Namespace' } })),
    "spec.parameters.namespace: Required value: `parameters.scope` is set to 'Namespace'",
  );
  assert.equal(
    errors(ic({ controller: 'acme.io/c', parameters: { kind: 'P', name: 'p', namespace: 'x' } })),
    "spec.parameters.namespace: Forbidden: `parameters.scope` is set to 'Cluster'",
  );
  assert.equal(
    errors(ic({ controller: 'acme.io/c', parameters: { kind: 'P', name: 'p', scope: 'Global' } })),
    'spec.parameters.scope: Unsupported value: "Global": supported values: "Cluster", "Namespace"',
  );
});

test('the controller is immutable', () => {
  assert.equal(
    formatFieldErrors(ingressClasses.validateUpdate!(ic({ controller: 'acme.io/b' }), ic({ controller: 'acme.io/a' }))),
    'spec.controller: Invalid value: "acme.io/b": field is immutable',
  );
});

test('table cells follow printIngressClass', () => {
  const now = new Date('2025-01-01T00:01:00Z');
  assert.deepEqual(ingressClasses.table!.row(ic({ controller: 'acme.io/c' }), now), ['nginx', 'acme.io/c', '<none>', '60s']);
  const withParams = ic({ controller: 'acme.io/c', parameters: { apiGroup: 'k8s.example.com', kind: 'Params', name: 'p' } });
  assert.equal(ingressClasses.table!.row(withParams, now)[2], 'Params.k8s.example.com/p');
  assert.equal(
    ingressClasses.table!.row(ic({ controller: 'a.io/c', parameters: { kind: 'ConfigMap', name: 'cm' } }), now)[2],
    'ConfigMap/cm',
  );
});

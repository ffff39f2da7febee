import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseRequestInfo } from './request-info.ts';

const q = new URLSearchParams();

test('namespaced resource paths', () => {
  assert.deepEqual(parseRequestInfo('GET', '/api/v1/namespaces/default/pods/web/status', q), {
    kind: 'resource',
    group: '',
    version: 'v1',
    namespace: 'default',
    resource: 'pods',
    name: 'web',
    subresource: 'status',
    verb: 'get',
  });
  const list = parseRequestInfo('GET', '/apis/apps/v1/namespaces/ns1/deployments', new URLSearchParams('watch=true'));
  assert.equal(list.kind === 'resource' && list.verb, 'watch');
  assert.equal(list.kind === 'resource' && list.namespace, 'ns1');
});

test('namespace objects and their subresources are cluster-scoped', () => {
  const ns = parseRequestInfo('PUT', '/api/v1/namespaces/foo/finalize', q);
  assert.equal(ns.kind === 'resource' && ns.resource, 'namespaces');
  assert.equal(ns.kind === 'resource' && ns.name, 'foo');
  assert.equal(ns.kind === 'resource' && ns.subresource, 'finalize');
  assert.equal(ns.kind === 'resource' && ns.namespace, undefined);
  const del = parseRequestInfo('DELETE', '/api/v1/namespaces/foo', q);
  assert.equal(del.kind === 'resource' && del.verb, 'delete');
});

test('discovery levels and unknown paths', () => {
  assert.deepEqual(parseRequestInfo('GET', '/apis', q), { kind: 'discovery', level: 'root', legacy: false, group: '' });
  assert.equal(parseRequestInfo('GET', '/apis/apps/v1', q).kind, 'discovery');
  assert.equal(parseRequestInfo('GET', '/healthz', q).kind, 'other');
  const dc = parseRequestInfo('DELETE', '/api/v1/namespaces/a/configmaps', q);
  assert.equal(dc.kind === 'resource' && dc.verb, 'deletecollection');
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ApiError } from '../client/api-error.ts';
import { type DiscoveryClient, discoverResources, groupResource, isEventResource, supports } from './discovery-resources.ts';

/** Answers GET requests from a table of paths; records the Accept headers. */
function fakeClient(docs: Record<string, unknown>): DiscoveryClient & { accepts: Record<string, string | undefined> } {
  const accepts: Record<string, string | undefined> = {};
  return {
    accepts,
    async request(method: string, path: string, opts?: { headers?: Record<string, string> }) {
      assert.equal(method, 'GET');
      accepts[path] = opts?.headers?.Accept;
      if (!(path in docs)) throw new ApiError({ kind: 'Status', apiVersion: 'v1', code: 404, reason: 'NotFound', message: 'not found' });
      return docs[path] as any;
    },
  } as DiscoveryClient & { accepts: Record<string, string | undefined> };
}

const verbs = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];

test('reads aggregated discovery: preferred version only, no subresources, scope and verbs kept', async () => {
  const client = fakeClient({
    '/api': {
      kind: 'APIGroupDiscoveryList',
      items: [
        {
          metadata: { name: '' },
          versions: [
            {
              version: 'v1',
              resources: [
                {
                  resource: 'pods',
                  scope: 'Namespaced',
                  responseKind: { kind: 'Pod' },
                  verbs,
                  subresources: [{ subresource: 'status', verbs: ['get'] }],
                },
                { resource: 'nodes', scope: 'Cluster', responseKind: { kind: 'Node' }, verbs },
              ],
            },
          ],
        },
      ],
    },
    '/apis': {
      kind: 'APIGroupDiscoveryList',
      items: [
        {
          metadata: { name: 'autoscaling' },
          versions: [
            {
              version: 'v2',
              resources: [
                { resource: 'horizontalpodautoscalers', scope: 'Namespaced', responseKind: { kind: 'HorizontalPodAutoscaler' }, verbs },
              ],
            },
            {
              version: 'v1',
              resources: [
                { resource: 'horizontalpodautoscalers', scope: 'Namespaced', responseKind: { kind: 'HorizontalPodAutoscaler' }, verbs },
              ],
            },
          ],
        },
      ],
    },
  });
  const found = await discoverResources(client);
  assert.deepEqual(
    found.map((r) => [r.group, r.version, r.plural, r.namespaced, r.kind]),
    [
      ['', 'v1', 'pods', true, 'Pod'],
      ['', 'v1', 'nodes', false, 'Node'],
      ['autoscaling', 'v2', 'horizontalpodautoscalers', true, 'HorizontalPodAutoscaler'],
    ],
  );
  assert.match(client.accepts['/api'] ?? '', /^application\/json;g=apidiscovery\.k8s\.io;v=v2;as=APIGroupDiscoveryList/);
  assert.ok(supports(found[0], 'list', 'deletecollection'));
});

test('falls back to the per-group documents when aggregated discovery is not offered', async () => {
  const client = fakeClient({
    '/api': { kind: 'APIVersions', versions: ['v1'] },
    '/api/v1': {
      kind: 'APIResourceList',
      resources: [
        { name: 'configmaps', namespaced: true, kind: 'ConfigMap', verbs },
        { name: 'pods/log', namespaced: true, kind: 'Pod', verbs: ['get'] },
      ],
    },
    '/apis': {
      kind: 'APIGroupList',
      groups: [{ name: 'apps', versions: [{ version: 'v1' }, { version: 'v1beta1' }], preferredVersion: { version: 'v1' } }],
    },
    '/apis/apps/v1': {
      kind: 'APIResourceList',
      resources: [{ name: 'deployments', namespaced: true, kind: 'Deployment', verbs: ['list'] }],
    },
  });
  const found = await discoverResources(client);
  assert.deepEqual(
    found.map((r) => `${r.group}/${r.version}/${r.plural}`),
    ['/v1/configmaps', 'apps/v1/deployments'],
  );
  assert.equal(supports(found[1], 'list', 'delete'), false);
});

test('names group-resources like Kubernetes and recognises both event resources', () => {
  assert.equal(groupResource({ group: '', plural: 'pods' }), 'pods.');
  assert.equal(groupResource({ group: 'apps', plural: 'replicasets' }), 'replicasets.apps');
  assert.ok(isEventResource({ group: '', plural: 'events' }));
  assert.ok(isEventResource({ group: 'events.k8s.io', plural: 'events' }));
  assert.ok(!isEventResource({ group: 'example.com', plural: 'events' }));
});

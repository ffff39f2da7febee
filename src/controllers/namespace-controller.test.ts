// One deletion pass and the reported conditions, against a fake client (the whole
// lifecycle against a real API server is in src/server/controllers.test.ts).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { KubeObject } from '../api/resource-type.ts';
import { ApiError } from '../client/api-error.ts';
import type { ResourceDescriptor } from '../client/resource-path.ts';
import type { DiscoveredResource } from './discovery-resources.ts';
import {
  type ContentClient,
  deleteNamespaceContent,
  deletionConditions,
  mergeConditions,
  type NamespaceCondition,
} from './namespace-controller.ts';

const allVerbs = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];
const res = (plural: string, opts: Partial<DiscoveredResource> = {}): DiscoveredResource => ({
  group: '',
  version: 'v1',
  plural,
  namespaced: true,
  kind: plural,
  verbs: allVerbs,
  ...opts,
});

const obj = (name: string, metadata: Record<string, unknown> = {}): KubeObject => ({ metadata: { name, uid: `${name}-uid`, ...metadata } });

/** Objects per plural in one namespace; deletes remove those without finalizers and mark the others. */
function fakeContent(content: Record<string, KubeObject[]>, failing: Record<string, ApiError> = {}) {
  const calls: string[] = [];
  const remove = (plural: string, name: string) => {
    const list = content[plural] ?? [];
    const at = list.findIndex((o) => o.metadata?.name === name);
    if (at < 0) return;
    if (list[at].metadata?.finalizers?.length) list[at].metadata!.deletionTimestamp = '2026-01-01T00:00:00Z';
    else list.splice(at, 1);
  };
  const client: ContentClient = {
    async list(r: ResourceDescriptor, namespace?: string) {
      calls.push(`list ${r.plural} ${namespace}`);
      if (failing[r.plural]) throw failing[r.plural];
      return { metadata: {}, items: structuredClone(content[r.plural] ?? []) } as any;
    },
    async deleteCollection(r: ResourceDescriptor, namespace: string | undefined, opts?: { propagationPolicy?: string }) {
      calls.push(`deletecollection ${r.plural} ${namespace} ${opts?.propagationPolicy}`);
      for (const o of [...(content[r.plural] ?? [])]) remove(r.plural, o.metadata!.name);
      return {};
    },
    async delete(r: ResourceDescriptor, namespace: string | undefined, name: string) {
      calls.push(`delete ${r.plural} ${namespace} ${name}`);
      remove(r.plural, name);
      return {};
    },
  };
  return { client, calls };
}

test('one pass deletes each kind of content once and reports what finalizers hold back', async () => {
  const { client, calls } = fakeContent({
    configmaps: [obj('a'), obj('b'), obj('held', { finalizers: ['example.com/hold'] })],
    secrets: [],
    pods: [obj('p')],
  });
  const outcome = await deleteNamespaceContent(client, 'ns1', [
    res('configmaps'),
    res('secrets'),
    res('pods'),
    res('nodes', { namespaced: false }),
  ]);
  assert.deepEqual([...outcome.remaining], [['configmaps.', 1]]);
  assert.deepEqual([...outcome.finalizers], [['example.com/hold', 1]]);
  assert.deepEqual(outcome.errors, []);
  assert.deepEqual(calls.filter((c) => c.startsWith('deletecollection')).sort(), [
    'deletecollection configmaps ns1 Background',
    'deletecollection pods ns1 Background',
  ]);
  assert.ok(!calls.some((c) => c.includes('nodes')), 'cluster-scoped resources are not namespace content');
});

test('pods go first: while any remains, nothing else in the namespace is deleted (OrderedNamespaceDeletion)', async () => {
  const { client, calls } = fakeContent({
    pods: [obj('stopping', { finalizers: ['example.com/drain'] }), obj('quick')],
    configmaps: [obj('config')],
    networkpolicies: [obj('deny-all')],
  });
  const served = [res('configmaps'), res('networkpolicies', { group: 'networking.k8s.io' }), res('pods')];
  const outcome = await deleteNamespaceContent(client, 'ns1', served);
  assert.deepEqual([...outcome.remaining], [['pods.', 1]]);
  assert.deepEqual([...outcome.finalizers], [['example.com/drain', 1]]);
  assert.deepEqual(calls, ['list pods ns1', 'deletecollection pods ns1 Background', 'list pods ns1']);

  // Once the last pod is gone, the rest follows in the same pass.
  const { client: client2, calls: calls2 } = fakeContent({ pods: [], configmaps: [obj('config')] });
  const done = await deleteNamespaceContent(client2, 'ns1', served);
  assert.equal(done.remaining.size, 0);
  assert.ok(calls2.includes('deletecollection configmaps ns1 Background'));
});

test('objects already being deleted are waited for, not deleted again', async () => {
  const { client, calls } = fakeContent({ pods: [obj('p', { deletionTimestamp: '2026-01-01T00:00:00Z', finalizers: ['x/y'] })] });
  const outcome = await deleteNamespaceContent(client, 'ns1', [res('pods')]);
  assert.deepEqual([...outcome.remaining], [['pods.', 1]]);
  assert.deepEqual(calls, ['list pods ns1']);
});

test('resources without deletecollection are deleted one object at a time', async () => {
  const { client, calls } = fakeContent({ widgets: [obj('w1'), obj('w2')] });
  const outcome = await deleteNamespaceContent(client, 'ns1', [res('widgets', { group: 'example.com', verbs: ['list', 'delete'] })]);
  assert.equal(outcome.remaining.size, 0);
  assert.deepEqual(calls, ['list widgets ns1', 'delete widgets ns1 w1', 'delete widgets ns1 w2', 'list widgets ns1']);
});

test('failures are reported per resource; a resource that vanished counts as empty', async () => {
  const boom = new ApiError({ kind: 'Status', apiVersion: 'v1', code: 500, reason: 'InternalError', message: 'disk on fire' });
  const gone = new ApiError({
    kind: 'Status',
    apiVersion: 'v1',
    code: 404,
    reason: 'NotFound',
    message: 'the server could not find the requested resource',
  });
  const { client } = fakeContent({}, { pods: boom, widgets: gone });
  const outcome = await deleteNamespaceContent(client, 'ns1', [res('pods'), res('widgets', { group: 'example.com' })]);
  assert.deepEqual(outcome.errors, ['pods.: disk on fire']);
  assert.equal(outcome.remaining.size, 0);
});

test('conditions say what remains, in Kubernetes words', () => {
  const byType = (conds: NamespaceCondition[]) => Object.fromEntries(conds.map((c) => [c.type, `${c.status} ${c.reason}: ${c.message}`]));
  const busy = byType(
    deletionConditions({
      remaining: new Map([
        ['pods.', 2],
        ['configmaps.', 1],
      ]),
      finalizers: new Map([['example.com/hold', 1]]),
      errors: ['secrets.: nope'],
    }),
  );
  assert.equal(
    busy.NamespaceContentRemaining,
    'True SomeResourcesRemain: Some resources are remaining: configmaps. has 1 resource instances, pods. has 2 resource instances',
  );
  assert.equal(
    busy.NamespaceFinalizersRemaining,
    'True SomeFinalizersRemain: Some content in the namespace has finalizers remaining: example.com/hold in 1 resource instances',
  );
  assert.equal(
    busy.NamespaceDeletionContentFailure,
    'True ContentDeletionFailed: Failed to delete all resource types, 1 remaining: secrets.: nope',
  );
  assert.equal(busy.NamespaceDeletionDiscoveryFailure, 'False ResourcesDiscovered: All resources successfully discovered');

  const done = byType(deletionConditions({ remaining: new Map(), finalizers: new Map(), errors: [] }));
  assert.equal(done.NamespaceContentRemaining, 'False ContentRemoved: All content successfully removed');
  assert.equal(done.NamespaceFinalizersRemaining, 'False ContentHasNoFinalizers: All content-preserving finalizers finished');
  assert.equal(
    done.NamespaceDeletionContentFailure,
    'False ContentDeleted: All content successfully deleted, may be waiting on finalization',
  );
});

test('merging conditions keeps transition times unless the status flips, and reports no change as the same array', () => {
  const t0 = new Date('2026-01-01T00:00:00Z');
  const t1 = new Date('2026-01-01T00:01:00Z');
  const first = mergeConditions([], [{ type: 'A', status: 'True', reason: 'R', message: 'one' }], t0);
  assert.equal(first[0].lastTransitionTime, '2026-01-01T00:00:00Z');
  assert.equal(mergeConditions(first, [{ type: 'A', status: 'True', reason: 'R', message: 'one' }], t1), first);
  const reworded = mergeConditions(first, [{ type: 'A', status: 'True', reason: 'R', message: 'two' }], t1);
  assert.equal(reworded[0].lastTransitionTime, '2026-01-01T00:00:00Z');
  assert.equal(reworded[0].message, 'two');
  const flipped = mergeConditions(reworded, [{ type: 'A', status: 'False', reason: 'S', message: 'done' }], t1);
  assert.equal(flipped[0].lastTransitionTime, '2026-01-01T00:01:00Z');
  const kept = mergeConditions(
    [{ type: 'Other', status: 'True', reason: 'X', message: 'y' }],
    [{ type: 'A', status: 'True', reason: 'R', message: 'm' }],
    t0,
  );
  assert.deepEqual(
    kept.map((c) => c.type),
    ['Other', 'A'],
  );
});

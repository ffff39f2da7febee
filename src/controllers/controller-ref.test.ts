import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { KubeObject } from '../api/resource-type.ts';
import { labelSelectorFromObject } from '../api/selectors/label-selector.ts';
import { ApiError } from '../client/api-error.ts';
import { resources } from '../client/resources.ts';
import { type ClaimClient, claimObjects, getControllerOf, recheckOwner } from './controller-ref.ts';

const owner: KubeObject = { apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name: 'web', namespace: 'ns', uid: 'rs-uid' } };
const selector = labelSelectorFromObject({ matchLabels: { app: 'web' } });
const ours = { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web', uid: 'rs-uid', controller: true, blockOwnerDeletion: true };

function pod(name: string, labels: Record<string, string>, refs: unknown[] = [], extra: Record<string, unknown> = {}): KubeObject {
  return { metadata: { name, namespace: 'ns', uid: `${name}-uid`, labels, ownerReferences: refs, ...extra } };
}

function fakeClient(failFor: Record<string, ApiError> = {}) {
  const patches: { name: string; patch: any }[] = [];
  const client: ClaimClient = {
    patch: (async (_res: unknown, _ns: string, name: string, patch: any) => {
      patches.push({ name, patch });
      if (failFor[name]) throw failFor[name];
      return { metadata: { name, uid: patch.metadata.uid, ownerReferences: patch.metadata.ownerReferences } };
    }) as ClaimClient['patch'],
  };
  return { client, patches };
}

const notFound = new ApiError({ kind: 'Status', apiVersion: 'v1', code: 404, reason: 'NotFound', message: 'gone' });

test('keeps its own matching pods, adopts matching orphans, releases non-matching, ignores others', async () => {
  const { client, patches } = fakeClient();
  const objects = [
    pod('mine', { app: 'web' }, [ours]),
    pod('orphan', { app: 'web' }),
    pod('unlabelled', { app: 'other' }, [ours]),
    pod('foreign', { app: 'web' }, [{ ...ours, uid: 'someone-else' }]),
    pod('stranger', { app: 'other' }),
    pod('dying-orphan', { app: 'web' }, [], { deletionTimestamp: '2024-01-01T00:00:00Z' }),
  ];
  const claimed = await claimObjects({ client, resource: resources.pods, owner, selector, objects });
  assert.deepEqual(
    claimed.map((p) => p.metadata?.name),
    ['mine', 'orphan'],
  );
  assert.deepEqual(patches, [
    { name: 'orphan', patch: { metadata: { ownerReferences: [ours], uid: 'orphan-uid' } } },
    { name: 'unlabelled', patch: { metadata: { ownerReferences: [{ $patch: 'delete', uid: 'rs-uid' }], uid: 'unlabelled-uid' } } },
  ]);
  assert.equal(getControllerOf(claimed[1])?.uid, 'rs-uid');
});

test('an owner being deleted neither adopts nor releases', async () => {
  const { client, patches } = fakeClient();
  const deleting = { ...owner, metadata: { ...owner.metadata, deletionTimestamp: '2024-01-01T00:00:00Z' } };
  const objects = [pod('orphan', { app: 'web' }), pod('unlabelled', { app: 'other' }, [ours]), pod('mine', { app: 'web' }, [ours])];
  const claimed = await claimObjects({ client, resource: resources.pods, owner: deleting, selector, objects });
  assert.deepEqual(
    claimed.map((p) => p.metadata?.name),
    ['mine'],
  );
  assert.equal(patches.length, 0);
});

test('adoption waits for canAdopt, asked once', async () => {
  const { client, patches } = fakeClient();
  let asked = 0;
  const objects = [pod('a', { app: 'web' }), pod('b', { app: 'web' })];
  const claimed = await claimObjects({
    client,
    resource: resources.pods,
    owner,
    selector,
    objects,
    canAdopt: async () => {
      asked++;
      return false;
    },
  });
  assert.equal(asked, 1);
  assert.equal(claimed.length, 0);
  assert.equal(patches.length, 0);
});

test('vanished objects are skipped; other failures are thrown after trying all', async () => {
  const boom = new ApiError({ kind: 'Status', apiVersion: 'v1', code: 500, reason: 'InternalError', message: 'boom' });
  const { client, patches } = fakeClient({ gone: notFound, broken: boom });
  const objects = [pod('gone', { app: 'web' }), pod('broken', { app: 'web' }), pod('fine', { app: 'web' })];
  await assert.rejects(claimObjects({ client, resource: resources.pods, owner, selector, objects }), /boom/);
  assert.equal(patches.length, 3);
});

test('recheckOwner allows adoption only for the same live incarnation', async () => {
  assert.equal(await recheckOwner(async () => owner, 'rs-uid')(), true);
  assert.equal(await recheckOwner(async () => owner, 'older-uid')(), false);
  assert.equal(
    await recheckOwner(async () => ({ metadata: { uid: 'rs-uid', deletionTimestamp: '2024-01-01T00:00:00Z' } }), 'rs-uid')(),
    false,
  );
  assert.equal(
    await recheckOwner(async () => {
      throw notFound;
    }, 'rs-uid')(),
    false,
  );
});

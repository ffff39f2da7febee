import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { KubeObject } from '../api/resource-type.ts';
import { ApiError } from '../client/api-error.ts';
import { PodControl, type PodControlClient, podFromTemplate } from './pod-control.ts';

const owner: KubeObject = { apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name: 'web', namespace: 'ns', uid: 'rs-uid' } };
const template = {
  metadata: { labels: { app: 'web' }, annotations: { note: 'x' } },
  spec: { containers: [{ name: 'app', image: 'img' }] },
};

function recorder() {
  const events: string[] = [];
  return {
    events,
    normal: (_obj: KubeObject, reason: string, message: string) => void events.push(`Normal ${reason} ${message}`),
    warning: (_obj: KubeObject, reason: string, message: string) => void events.push(`Warning ${reason} ${message}`),
  };
}

const apiError = (code: number, reason: string, message: string, causes?: { reason: string }[]) =>
  new ApiError({ kind: 'Status', apiVersion: 'v1', status: 'Failure', code, reason, message, details: causes ? { causes } : undefined });

test('a pod from a template carries its labels, annotations, spec and a controller reference', () => {
  const pod = podFromTemplate(template, owner, { extraLabels: { 'pod-template-hash': 'abc' } });
  assert.deepEqual(pod.metadata, {
    generateName: 'web-',
    labels: { app: 'web', 'pod-template-hash': 'abc' },
    annotations: { note: 'x' },
    ownerReferences: [
      { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web', uid: 'rs-uid', controller: true, blockOwnerDeletion: true },
    ],
  });
  assert.deepEqual(pod.spec, template.spec);
  assert.notEqual(pod.spec, template.spec, 'the spec is a copy');
  assert.equal(podFromTemplate(template, owner, { name: 'web-0' }).metadata?.name, 'web-0');
  assert.throws(() => podFromTemplate(template, { metadata: { name: 'x', uid: 'u' } }), /controller reference/);
});

test('createPod records SuccessfulCreate, or FailedCreate except for a terminating namespace', async () => {
  const created: KubeObject[] = [];
  let fail: ApiError | undefined;
  const client = {
    create: async (_res: unknown, _ns: string, pod: KubeObject) => {
      if (fail) throw fail;
      created.push(pod);
      return { ...pod, metadata: { ...pod.metadata, name: 'web-abc12' } };
    },
    delete: async () => ({}),
  } as unknown as PodControlClient;
  const rec = recorder();
  const control = new PodControl(client, rec);
  await control.createPod('ns', template, owner);
  assert.equal(created.length, 1);
  fail = apiError(403, 'Forbidden', 'pods "web-" is forbidden: exceeded quota');
  await assert.rejects(control.createPod('ns', template, owner), /exceeded quota/);
  fail = apiError(403, 'Forbidden', 'unable to create new content in namespace ns because it is being terminated', [
    { reason: 'NamespaceTerminating' },
  ]);
  await assert.rejects(control.createPod('ns', template, owner), /being terminated/);
  assert.deepEqual(rec.events, [
    'Normal SuccessfulCreate Created pod: web-abc12',
    'Warning FailedCreate Error creating: pods "web-" is forbidden: exceeded quota',
  ]);
});

test('deletePod sends the uid precondition and treats a vanished pod as gone', async () => {
  const calls: unknown[] = [];
  let fail: ApiError | undefined;
  const client = {
    create: async () => ({}),
    delete: async (_res: unknown, ns: string, name: string, opts: unknown) => {
      calls.push([ns, name, opts]);
      if (fail) throw fail;
      return {};
    },
  } as unknown as PodControlClient;
  const rec = recorder();
  const control = new PodControl(client, rec);
  assert.equal(await control.deletePod('ns', 'web-1', 'pod-uid', owner), 'deleted');
  assert.deepEqual(calls[0], ['ns', 'web-1', { preconditions: { uid: 'pod-uid' } }]);
  fail = apiError(404, 'NotFound', 'pods "web-1" not found');
  assert.equal(await control.deletePod('ns', 'web-1', 'pod-uid', owner), 'gone');
  fail = apiError(409, 'Conflict', 'Precondition failed: UID in precondition: pod-uid, UID in object meta: other');
  assert.equal(await control.deletePod('ns', 'web-1', 'pod-uid', owner), 'gone');
  fail = apiError(500, 'InternalError', 'boom');
  await assert.rejects(control.deletePod('ns', 'web-1', 'pod-uid', owner), /boom/);
  assert.deepEqual(rec.events, ['Normal SuccessfulDelete Deleted pod: web-1', 'Warning FailedDelete Error deleting: boom']);
});

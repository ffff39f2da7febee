import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isOwnStatusEcho } from './status-echo.ts';

const pod = (rv: string, extra: Record<string, any> = {}) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'a', namespace: 'default', uid: 'u1', resourceVersion: rv, labels: { app: 'x' }, ...(extra.metadata ?? {}) },
  spec: { containers: [{ name: 'main', image: 'sleep' }], ...(extra.spec ?? {}) },
  status: extra.status ?? { phase: 'Pending' },
});

test('the echo of our own status write needs no sync', () => {
  const written = pod('6', { status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'False' }] } });
  const echo = pod('6', {
    status: { conditions: [{ status: 'False', type: 'Ready' }], phase: 'Running' },
    metadata: { managedFields: [{}] },
  });
  assert.equal(isOwnStatusEcho(pod('5'), echo, written), true);
});

test('anything beyond our own status is a reason to sync', () => {
  const written = pod('6', { status: { phase: 'Running' } });
  const running = { status: { phase: 'Running' } };
  assert.equal(isOwnStatusEcho(pod('5'), pod('6', running), undefined), false, 'nothing written yet');
  assert.equal(isOwnStatusEcho(pod('5'), pod('7', { status: { phase: 'Failed' } }), written), false, 'status written by someone else');
  assert.equal(
    isOwnStatusEcho(pod('5'), pod('7', { ...running, metadata: { deletionTimestamp: '2026-01-01T00:00:00Z' } }), written),
    false,
    'deletion started',
  );
  assert.equal(isOwnStatusEcho(pod('5'), pod('7', { ...running, spec: { containers: [{ name: 'main', image: 'v2' }] } }), written), false);
  assert.equal(isOwnStatusEcho(pod('5'), pod('7', { ...running, metadata: { labels: { app: 'y' } } }), written), false);
});
